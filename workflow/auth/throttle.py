"""Failed sign-ins (chống dò mật khẩu): one counter per username and one per address, shared by
the web sign-in, the API token sign-in and the re-sign-in before signing a decision.

The counters live in the rate-limit storage (memory, or Redis shared by every worker), in fixed
windows: ``TDKT_LOGIN_RATE_LIMIT`` per username (e.g. ``10 per minute``) and the more generous
``TDKT_LOGIN_ADDRESS_RATE_LIMIT`` per address (a commune office, its council in the meeting room,
signs in from one address behind the same NAT; by default ten times the username's). An attempt
first reserves a slot on both counters — atomically, so concurrent guesses cannot slip past the
limit — and a successful sign-in gives its slots back: only failures count, and a colleague's
success never locks anybody out.

On top, a username's run of failures makes it wait longer each time: after
``TDKT_LOGIN_DELAY_AFTER`` failures in a row the next try must wait 1 s, then 2, 4, … up to
``TDKT_LOGIN_DELAY_MAX_SECONDS`` (429 with ``retry_after``); a success ends the run, and a run
forgotten after 15 minutes without a failure.
"""

from __future__ import annotations

import logging
import math
import time

from flask import current_app, has_app_context
from flask_babel import gettext as _
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.orm import Session

from workflow.auth.credentials import authenticate
from workflow.errors import DomainError
from workflow.extensions import limiter
from workflow.org.models import User

NAMESPACE = "sign-in-failures"
STREAK_SECONDS = 15 * 60  # a run of failures is forgotten after this long without one
log = logging.getLogger("workflow.auth")
_FALLBACK = FixedWindowRateLimiter(MemoryStorage())  # this process's own counters while the shared storage is away


def _now() -> float:
    """Wall-clock seconds (shared by every worker through the storage; tests move it)."""
    return time.time()


class TooManyAttempts(DomainError):
    """Too many failed sign-ins for this username or from this address: 429."""

    status = 429
    code = "rate_limited"


def username_counter(username: str | None) -> str:
    """Usernames differing only in case or spaces share one counter."""
    return str(username or "").strip().lower()


def authenticate_throttled(session: Session, username: str, password: str, *, address: str | None,
                           limit: str) -> User | None:
    """``authenticate`` behind the failure limits.

    Raises ``TooManyAttempts`` (without checking the password, so even the right one is refused)
    when the username's or the address's counter is spent; returns the user or None like
    ``authenticate``. A failure keeps its reserved slots, a success returns them.
    """
    name = username_counter(username)
    by_user = parse(limit)
    by_address = parse(_setting("LOGIN_ADDRESS_RATE_LIMIT") or _ten_times(by_user))
    counters = ((by_user, (NAMESPACE, "user", name)), (by_address, (NAMESPACE, "address", address or "-")))
    try:
        storage = limiter.storage
        _check_delay(storage, name)
        strategy = FixedWindowRateLimiter(storage)
        reserved = _reserve(strategy, counters)
    except TooManyAttempts:
        raise
    except Exception:  # noqa: BLE001 — the shared storage (Redis) is unreachable
        # sign-in keeps working, still limited: this process's own counters stand in until the
        # storage answers again (each attempt tries it first)
        log.warning("rate-limit storage unreachable: counting failed sign-ins in memory", exc_info=True)
        strategy = _FALLBACK
        storage = strategy.storage
        _check_delay(storage, name)
        reserved = _reserve(strategy, counters)
    user = authenticate(session, username, password)
    try:
        if user is not None:
            _give_back(strategy, reserved)
            storage.clear(_streak_key(name))
        else:
            _note_failure(storage, name)
    except Exception:  # noqa: BLE001 — the storage went away since: the slots expire with the window
        log.warning("rate-limit storage unreachable: the sign-in's counters were not updated", exc_info=True)
    return user


def _check_delay(storage, name: str) -> None:
    wait = _delay_left(storage, name)
    if wait > 0:
        raise TooManyAttempts(_("Too many failed sign-ins for this account. Please wait %(seconds)d seconds "
                                "before trying again.", seconds=wait), details={"retry_after": wait})


def _reserve(strategy: FixedWindowRateLimiter, counters) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
    """Take a slot on each counter, or give back those taken and refuse (429)."""
    reserved: list[tuple[RateLimitItem, tuple[str, ...]]] = []
    for item, identifiers in counters:
        if not strategy.hit(item, *identifiers):
            _give_back(strategy, reserved)
            raise TooManyAttempts(_("Too many failed sign-ins. Please wait a minute before trying again."))
        reserved.append((item, identifiers))
    return reserved


def _setting(name: str):
    return current_app.config.get(f"TDKT_{name}") if has_app_context() else None


def _ten_times(item: RateLimitItem) -> str:
    return f"{item.amount * 10} per {item.multiples} {item.GRANULARITY.name}"


def _streak_key(name: str) -> str:
    return f"{NAMESPACE}/streak/{name}"


def _last_key(name: str) -> str:
    return f"{NAMESPACE}/last/{name}"


def delay_for(failures: int, after: int, cap: int) -> int:
    """Seconds a username waits after ``failures`` failures in a row: none up to ``after``, then
    1, 2, 4, … never more than ``cap``."""
    if after <= 0 or failures < after:
        return 0
    return min(cap, 2 ** (failures - after))


def _delay_left(storage, name: str) -> int:
    after, cap = int(_setting("LOGIN_DELAY_AFTER") or 0), int(_setting("LOGIN_DELAY_MAX_SECONDS") or 60)
    delay = delay_for(int(storage.get(_streak_key(name)) or 0), after, cap)
    if not delay:
        return 0
    left = int(storage.get(_last_key(name)) or 0) + delay - _now()
    return math.ceil(left) if left > 0 else 0


def _note_failure(storage, name: str) -> None:
    storage.incr(_streak_key(name), STREAK_SECONDS)
    # the time of the last failure (the storage keeps counters: reset, then count up to it)
    storage.clear(_last_key(name))
    storage.incr(_last_key(name), STREAK_SECONDS, amount=int(_now()))


def _give_back(strategy: FixedWindowRateLimiter, reserved: list[tuple[RateLimitItem, tuple[str, ...]]]) -> None:
    for item, identifiers in reserved:
        strategy.storage.incr(item.key_for(*identifiers), item.get_expiry(), amount=-1)
