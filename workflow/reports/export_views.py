"""The screens' "Xuất Excel" links: each list downloaded as an XLSX with the filters it shows
(the query string of the list page is passed on as it is). Thin: parse, call ``reports.exports``,
send. Scoping is the lists' own — each export calls the list's query function for the signed-in user."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user, login_required

from workflow.documents.http import send_download
from workflow.documents.spreadsheets import XLSX_MIMETYPE
from workflow.errors import DomainError
from workflow.extensions import db
from workflow.org.models import NOMINEE_KINDS
from workflow.reports import exports

bp = Blueprint("exports", __name__, url_prefix="/xuat-excel")


def _send(made: tuple[str, bytes]):
    filename, content = made
    return send_download(content, XLSX_MIMETYPE, filename)


def _choice(name: str, allowed) -> str | None:
    value = request.args.get(name) or None
    return value if value in allowed else None


@bp.get("/ho-so.xlsx")
@login_required
def proposals():
    """The proposals list (``/ho-so/``, ``/ho-so/don-vi``) with its filters."""
    from workflow.proposals.api import list_filters

    try:
        filters = list_filters()
    except DomainError:
        abort(400)
    return _send(exports.proposals_xlsx(db.session, current_user, filters))


@bp.get("/doi-tuong.xlsx")
@login_required
def nominees():
    """The nominees list (``/doi-tuong/``) with its search and kind."""
    q = (request.args.get("q") or "").strip()[:100] or None
    return _send(exports.nominees_xlsx(db.session, current_user, q=q, kind=_choice("kind", NOMINEE_KINDS)))


@bp.get("/quyet-dinh.xlsx")
@login_required
def decisions():
    """The decisions of the user's authorities, with their awardees and cash amounts."""
    return _send(exports.decisions_xlsx(db.session, current_user, status=_choice("status", ("draft", "issued")),
                                        authority_code=request.args.get("authority") or None))


@bp.get("/to-trinh.xlsx")
@login_required
def submissions():
    """Submissions (``direction=outgoing`` from ``/to-trinh``, ``incoming`` from the inbox)."""
    return _send(exports.submissions_xlsx(db.session, current_user, status=_choice("status", ("draft", "sent")),
                                          authority_code=request.args.get("authority") or None,
                                          direction=_choice("direction", ("outgoing", "incoming"))))


@bp.get("/dot-thi-dua.xlsx")
@login_required
def rounds():
    """The rounds the user sees."""
    return _send(exports.rounds_xlsx(db.session, current_user))
