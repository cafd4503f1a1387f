"""The ``org`` blueprint (administration screens) and its gate, shared by ``views`` and
``authority_views`` so that neither imports the other."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from workflow.org.policies import is_administrator

bp = Blueprint("org", __name__, url_prefix="/quan-tri")


def require_administrator() -> None:
    """The administration screens exist only for admins: 404 for anyone else, as the API's
    out-of-scope answers."""
    if not is_administrator(current_user):
        abort(404)
