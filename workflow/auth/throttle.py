"""Failed sign-ins (chống dò mật khẩu): one counter per username and one per address, shared by
the web sign-in, the API token sign-in and the re-sign-in before signing a decision.

The counters live in the rate-limit storage (memory, or Redis shared by every worker), in fixed
windows of ``TDKT_LOGIN_RATE_LIMIT`` (e.g. ``10 per minute``). An attempt first reserves a slot on
both counters — atomically, so concurrent guesses cannot slip past the limit — and a successful
sign-in gives its slots back: only failures count.
"""

from __future__ import annotations

import logging

from flask_babel import gettext as _
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.orm import Session

from workflow.auth.services import authenticate
from workflow.errors import DomainError
from workflow.extensions import limiter
from workflow.org.models import User

NAMESPACE = "sign-in-failures"
log = logging.getLogger("workflow.auth")
_FALLBACK = FixedWindowRateLimiter(MemoryStorage())  # while the shared storage is unreachable


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
    item = parse(limit)
    counters = ((NAMESPACE, "user", username_counter(username)), (NAMESPACE, "address", address or "-"))
    try:
        strategy = FixedWindowRateLimiter(limiter.storage)
        reserved = _reserve(strategy, item, counters)
    except TooManyAttempts:
        raise
    except Exception:  # noqa: BLE001 — the shared storage (Redis) is unreachable
        # sign-in keeps working, still limited: this process's own counters stand in until the
        # storage answers again (each attempt tries it first)
        log.warning("rate-limit storage unreachable: counting failed sign-ins in memory", exc_info=True)
        strategy = _FALLBACK
        reserved = _reserve(strategy, item, counters)
    user = authenticate(session, username, password)
    if user is not None:
        try:
            _give_back(strategy, item, reserved)
        except Exception:  # noqa: BLE001 — the storage went away since: the slots expire with the window
            log.warning("rate-limit storage unreachable: the sign-in's slots were not given back", exc_info=True)
    return user


def _reserve(strategy: FixedWindowRateLimiter, item: RateLimitItem, counters) -> list[tuple[str, ...]]:
    """Take a slot on each counter, or give back those taken and refuse (429)."""
    reserved: list[tuple[str, ...]] = []
    for identifiers in counters:
        if not strategy.hit(item, *identifiers):
            _give_back(strategy, item, reserved)
            raise TooManyAttempts(_("Too many failed sign-ins. Please wait a minute before trying again."))
        reserved.append(identifiers)
    return reserved


def _give_back(strategy: FixedWindowRateLimiter, item: RateLimitItem, reserved: list[tuple[str, ...]]) -> None:
    for identifiers in reserved:
        strategy.storage.incr(item.key_for(*identifiers), item.get_expiry(), amount=-1)
