"""Sealing ballots: a commitment scheme over HMAC-SHA256 (standard library only).

A ballot's choice on an item is stored as ``(nonce, tag)`` with ``tag = HMAC(key, item id ‖ nonce ‖
choice)`` and a fresh random ``nonce``: without the key, the tag of a yes and of a no are both
uniformly random strings. The key of a meeting is HMAC(SECRET_KEY, "ballot:" + salt), the salt
drawn when the vote opens and stored on the meeting; the SECRET_KEY is never stored. The close
recomputes both candidate tags of each sealed row to count it. See ``council.models`` for what a
database reader can and cannot learn.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app

CHOICES = ("yes", "no")
NONCE_BYTES = 16


def new_salt() -> str:
    """A fresh per-meeting salt (hex)."""
    return secrets.token_hex(16)


def meeting_key(secret_key: str | bytes, salt: str) -> bytes:
    """The key that seals one meeting's ballots."""
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(secret, b"ballot:" + salt.encode(), hashlib.sha256).digest()


def key_of(meeting) -> bytes:
    """The meeting's sealing key, from the application's SECRET_KEY (needs an app context)."""
    return meeting_key(current_app.config["SECRET_KEY"], meeting.ballot_salt)


def _tag(key: bytes, item_id: int, nonce: bytes, choice: str) -> str:
    # the nonce has a fixed length and the item id ends at the separator: no two inputs collide
    message = f"{item_id}:".encode() + nonce + b":" + choice.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def seal(key: bytes, item_id: int, choice: str) -> tuple[str, str]:
    """``(nonce, tag)`` (hex) for ``choice`` on the item."""
    if choice not in CHOICES:
        raise ValueError(choice)
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce.hex(), _tag(key, item_id, nonce, choice)


def unseal(key: bytes, item_id: int, nonce: str, tag: str) -> str | None:
    """The choice a sealed row holds, or None when it matches neither (a wrong key, a forged row)."""
    try:
        raw = bytes.fromhex(nonce)
    except ValueError:
        return None
    found = None
    for choice in CHOICES:  # both compared, in constant time: no early exit on the first match
        if hmac.compare_digest(_tag(key, item_id, raw, choice), tag):
            found = choice
    return found
