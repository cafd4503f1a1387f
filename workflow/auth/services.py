"""Session versions, API tokens and changing a password; hashing and checking a password are in
``credentials`` (re-exported here: ``hash_password``, ``authenticate``)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from workflow.audit import services as audit
from workflow.auth.credentials import authenticate, hash_password  # noqa: F401  (the service API)
from workflow.auth.models import ApiToken
from workflow.auth.passwords import check_new_password
from workflow.auth.throttle import authenticate_throttled
from workflow.db import utcnow
from workflow.errors import field_error
from workflow.org.models import User


def load_session_user(session: Session, cookie_id: str) -> User | None:
    """Flask-Login loader: the cookie holds ``<user id>:<session version>``; an old version is dead."""
    try:
        user_id, version = (int(part) for part in cookie_id.split(":"))
    except (ValueError, AttributeError):
        return None
    user = session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def end_sessions(session: Session, user: User) -> None:
    """Logout: bump the session version so every cookie issued before stops working."""
    session.execute(
        update(User).where(User.id == user.id).values(session_version=User.session_version + 1)
    )


def end_every_session(session: Session, user: User) -> None:
    """Password change, account disabled: every cookie and every API token of ``user`` stops
    working (the session version grows, each live token is revoked). The caller commits."""
    end_sessions(session, user)
    session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    session.refresh(user, ["session_version"])


def set_password(session: Session, actor: User, user: User, password: str, *, must_change: bool,
                 action: str) -> None:
    """Give ``user`` a new password (already checked), end every session and token of it, audit
    ``action`` by ``actor``. ``must_change``: the next sign-in chooses another (an admin's reset).
    The caller commits."""
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    end_every_session(session, user)
    chain = next((r.authority.code for r in user.roles if r.authority is not None), None)
    audit.record(session, chain=chain, actor=actor, action=action, object_type="user",
                 object_id=user.id, data={"username": user.username})


def revoke_token(session: Session, token: ApiToken) -> None:
    """API logout: this token stops working at once (the caller commits)."""
    session.execute(update(ApiToken).where(ApiToken.id == token.id).values(revoked_at=utcnow()))


def change_password(session: Session, user: User, *, current_password: str, new_password: str,
                    address: str | None, limit: str) -> None:
    """Change the user's own password (đổi mật khẩu), then end every session and token.

    The new password is checked first (422 ``new_password``: the rule of ``auth.passwords``, not
    the current one); the current password is checked behind the failed
    sign-in limits (422 ``current_password`` when wrong, 429 when throttled). Flushes.
    """
    check_new_password(new_password, "new_password")
    if new_password == current_password:
        raise field_error("new_password", _("Choose a password different from the current one."))
    if authenticate_throttled(session, user.username, current_password, address=address, limit=limit) is None:
        raise field_error("current_password", _("The current password is wrong."))
    set_password(session, user, user, new_password, must_change=False, action="user.password_change")
    session.flush()


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(session: Session, user: User, ttl_hours: int) -> tuple[str, ApiToken]:
    """A new bearer token for ``user``; the raw value is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken(user=user, token_hash=_digest(raw), expires_at=utcnow() + timedelta(hours=ttl_hours))
    session.add(token)
    session.flush()
    return raw, token


def user_for_token(session: Session, raw: str) -> tuple[User, ApiToken] | None:
    # every API call pays this, so it is one round trip: the token, its user and the user's roles
    # (with their authority and unit, joined by the mapping) in one select — not the token, then
    # the roles' own selectin load
    token = session.execute(select(ApiToken).options(joinedload(ApiToken.user).joinedload(User.roles))
                            .where(ApiToken.token_hash == _digest(raw))).unique().scalar_one_or_none()
    if token is None or token.revoked_at is not None or token.expires_at <= utcnow():
        return None
    if not token.user.active:
        return None
    return token.user, token
