"""Credentials (thông tin đăng nhập): password hashing (argon2id) and checking a username and
password. The bottom of ``auth``: ``throttle`` puts the failure limits around ``authenticate``, and
``services`` (sessions, tokens, changing a password) builds on both, so none imports upward."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.db import utcnow
from workflow.org.models import User

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_dummy: dict[int, str] = {}


def _dummy_hash() -> str:
    """A hash made with the current hasher's parameters, verified against when the username is
    unknown so that both paths cost the same time (made once per hasher: a hash made at import
    with other parameters would cost something else)."""
    key = id(_hasher)
    if key not in _dummy:
        _dummy.clear()
        _dummy[key] = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy[key]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None (same cost either way)."""
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    stored = user.password_hash if user is not None else _dummy_hash()
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
