"""Password hashing (argon2id), authentication, session versions and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workflow.auth.models import ApiToken
from workflow.db import utcnow
from workflow.org.models import User

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# verified against when the username is unknown, so both paths cost the same time
_DUMMY_HASH = _hasher.hash("not-a-real-password")

MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None (same cost either way)."""
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    stored = user.password_hash if user is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


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
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if token is None or token.revoked_at is not None or token.expires_at <= utcnow():
        return None
    if not token.user.active:
        return None
    return token.user, token
