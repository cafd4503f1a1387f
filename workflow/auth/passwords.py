"""The rule for a password that is being set (account creation by CLI or API, an admin's reset, the
user's own change): at least ``MIN_PASSWORD_LENGTH`` characters and none of the most common
passwords (``common-passwords.txt`` beside this file, its source in its header), compared without
regard to case. Sign-in never applies it: an old password keeps working until it is changed."""

from __future__ import annotations

import functools
from pathlib import Path

from flask_babel import gettext as _

from workflow.errors import field_error

MIN_PASSWORD_LENGTH = 8
COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt")


@functools.cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str | None) -> str | None:
    """Why ``password`` may not be chosen, in the reader's language; None when it may."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return _("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if password.strip().casefold() in common_passwords():
        return _("This password is one of the most common ones and easy to guess: choose another.")
    return None


def check_new_password(password: str | None, field: str = "password") -> None:
    """422 naming ``field`` when ``password`` breaks the rule."""
    problem = password_problem(password)
    if problem is not None:
        raise field_error(field, problem)

