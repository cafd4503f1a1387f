"""The ``proposals`` blueprint and the two helpers every proposal screen shares (load in scope or
404, report a refusal). Its own module so that ``views``, ``document_views`` and ``bulk_views``
all build on it and none of them imports another (no cycle, no import at the bottom of a file)."""

from __future__ import annotations

from flask import Blueprint, abort, flash
from flask_login import current_user

from workflow.errors import DomainError, NotFound
from workflow.extensions import db
from workflow.proposals import services
from workflow.proposals.screen import error_text, screen_globals

bp = Blueprint("proposals", __name__, url_prefix="/ho-so")
bp.context_processor(screen_globals)


def load_proposal(proposal_id: int):
    """The proposal in the user's scope, else 404 (never 403 for an object out of scope)."""
    try:
        return services.get_proposal(db.session, current_user, proposal_id)
    except NotFound:
        abort(404)


def refused(exc: DomainError) -> None:
    """A service said no: nothing changed (roll back what the session holds), say why."""
    db.session.rollback()
    flash(error_text(exc), "danger")
