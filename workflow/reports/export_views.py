"""The screens' "Xuất Excel" links: each list downloaded as an XLSX with the filters it shows
(the query string of the list page is passed on as it is). Thin: parse, call ``reports.exports``,
send. Scoping is the lists' own — each export calls the list's query function for the signed-in user."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user, login_required

from workflow.documents.http import send_download
from workflow.documents.spreadsheets import XLSX_MIMETYPE
from workflow.errors import DomainError, NotFound
from workflow.extensions import db
from workflow.org.vocab import Role
from workflow.reports import exports

bp = Blueprint("exports", __name__, url_prefix="/xuat-excel")


def _send(made: tuple[str, bytes]):
    filename, content = made
    return send_download(content, XLSX_MIMETYPE, filename)


def _filters(parse) -> dict:
    """A list's filters parsed by its own ``parse(session, user, args)``: 404 for a scope the user
    does not have, 400 for any other bad filter."""
    try:
        return parse(db.session, current_user, request.args)
    except NotFound:
        abort(404)
    except DomainError:
        abort(400)


def _choice(name: str, allowed) -> str | None:
    value = request.args.get(name) or None
    return value if value in allowed else None


@bp.get("/ho-so.xlsx")
@login_required
def proposals():
    """The proposals list (``/ho-so/``, ``/ho-so/don-vi``) with its filters."""
    from workflow.proposals import queries

    return _send(exports.proposals_xlsx(db.session, current_user, _filters(queries.parse_filters)))


@bp.get("/doi-tuong.xlsx")
@login_required
def nominees():
    """The nominees list (``/doi-tuong/``) with its filters (kind, unit, name)."""
    from workflow.org import queries

    return _send(exports.nominees_xlsx(db.session, current_user, _filters(queries.parse_nominee_filters)))


def _simple(names, **parse) -> dict:
    """A list's simple filters parsed as its screen parses them (400 for a bad one)."""
    from workflow import paging

    filters, errors = paging.parse_simple(paging.kept(request.args, names), **parse)
    if errors:
        abort(400)
    return filters


@bp.get("/quyet-dinh.xlsx")
@login_required
def decisions():
    """The decisions screen's list (the authorities where the user is secretary or chair; its
    filters), every page, with their awardees and cash amounts."""
    from workflow.decisions import queries

    secretary_of = queries.authorities_where(current_user, Role.SECRETARY)
    authorities = secretary_of + [a for a in queries.authorities_where(current_user, Role.CHAIR) if a not in secretary_of]
    if not authorities and not current_user.is_deployment_admin:
        abort(404)
    filters = _simple(("status", "year"), choices={"status": ("draft", "issued")}, years=("year",))
    rows = db.session.scalars(queries.decisions_query([a.id for a in authorities], **filters)) if authorities else []
    return _send(exports.decisions_xlsx(rows))


@bp.get("/to-trinh.xlsx")
@login_required
def submissions():
    """Submissions (``direction=outgoing`` from ``/to-trinh``, ``incoming`` from the inbox) with
    the screen's filters, every page."""
    from workflow.decisions import tracking

    direction = request.args.get("direction") if request.args.get("direction") in ("outgoing", "incoming") else None
    filters = _simple(("status", "year"), choices={"status": ("draft", "sent")}, years=("year",))
    query = tracking.submissions_query(db.session, current_user, direction=direction, **filters)
    return _send(exports.submissions_xlsx(db.session.scalars(query).unique() if query is not None else []))


@bp.get("/dot-thi-dua.xlsx")
@login_required
def rounds():
    """The rounds the user sees, with the rounds screen's filters."""
    from workflow.org.policies import scope_authority_ids
    from workflow.proposals import queries
    from workflow.proposals.models import ROUND_KINDS

    filters = _simple(("year", "kind", "status"), choices={"kind": ROUND_KINDS, "status": ("open", "closed")},
                      years=("year",))
    query = queries.rounds_query(current_user, ids=scope_authority_ids(db.session, current_user), **filters)
    return _send(exports.rounds_xlsx(db.session.scalars(query)))
