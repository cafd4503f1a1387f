"""Failed sign-ins (chống dò mật khẩu): one counter per username and one per address, shared by
the web sign-in, the API token sign-in and the re-sign-in before signing a decision.

The counters live in the rate-limit storage (memory, or Redis shared by every worker), in fixed
windows of ``TDKT_LOGIN_RATE_LIMIT`` (e.g. ``10 per minute``). An attempt first reserves a slot on
both counters — atomically, so concurrent guesses cannot slip past the limit — and a successful
sign-in gives its slots back: only failures count.
"""

from __future__ import annotations

from flask_babel import gettext as _
from limits import RateLimitItem, parse
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.orm import Session

from workflow.auth.services import authenticate
from workflow.errors import DomainError
from workflow.extensions import limiter
from workflow.org.models import User

NAMESPACE = "sign-in-failures"


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
    strategy = FixedWindowRateLimiter(limiter.storage)
    reserved: list[tuple[str, ...]] = []
    for identifiers in ((NAMESPACE, "user", username_counter(username)), (NAMESPACE, "address", address or "-")):
        if not strategy.hit(item, *identifiers):
            _give_back(strategy, item, reserved)
            raise TooManyAttempts(_("Too many failed sign-ins. Please wait a minute before trying again."))
        reserved.append(identifiers)
    user = authenticate(session, username, password)
    if user is not None:
        _give_back(strategy, item, reserved)
    return user


def _give_back(strategy: FixedWindowRateLimiter, item: RateLimitItem, reserved: list[tuple[str, ...]]) -> None:
    for identifiers in reserved:
        strategy.storage.incr(item.key_for(*identifiers), item.get_expiry(), amount=-1)
