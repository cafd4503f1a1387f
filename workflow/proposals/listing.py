"""The JSON list's page (``GET /api/v1/proposals``), read with Core: only the columns its rows show.

The ORM list (``queries.list_proposals``, for the screens and the export) loads whole proposals
with five joined entities and every JSON column; a page of 50 spent more time building those
objects than PostgreSQL spent finding them, and planning the six-table join cost more than
running it (EXPLAIN at 100,000 proposals: 5 ms of planning). Here a page is

1. the page's ids with the filtered total (``count(*) OVER ()``, cut by the limit), joined to
   those proposals and their nominees only: two tables, cheap to plan (<1 ms);
2. the codes of the few units, authorities and rounds those rows name, in one small select.

Rows come back as plain tuples; ``serializers.proposal_rows_json`` makes them the same JSON as
``proposal_json(p, user, full=False)``. The award rule snapshot is read only for a recommended
row (its label asks whether the council votes); ``fields_changed`` and the generated columns never.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Integer, String, case, func, literal, null, select, tuple_, type_coerce, union_all
from sqlalchemy.orm import Session

from workflow.db import UTCDateTime
from workflow.errors import Invalid
from workflow.org.models import Authority, Nominee, Unit
from workflow.proposals import queries
from workflow.proposals.models import Proposal, Round
from workflow.proposals.vocab import State
from workflow.validation import MAX_ID

P = Proposal.__table__
N = Nominee.__table__
# the columns of a row of the list, in ``serializers.proposal_rows_json``'s order
COLUMNS = (P.c.id, P.c.state, P.c.version, P.c.round_id, P.c.nominee_id, P.c.award_type_code, P.c.unit_id,
           P.c.origin_authority_id, P.c.current_authority_id, P.c.achievements, P.c.evidence, P.c.rule_set_code,
           P.c.missing_items, P.c.reason, P.c.notice_from, P.c.notice_until, P.c.linked_proposal_id,
           P.c.created_at, P.c.updated_at,
           case((P.c.state == State.RECOMMENDED.value, P.c.award_rule), else_=null()).label("award_rule"),
           N.c.name, N.c.kind)
# positions in a row of COLUMNS that the page reads itself
ROUND_ID, UNIT_ID, ORIGIN_ID, CURRENT_ID, UPDATED_AT = 3, 6, 7, 8, 18
NEWEST_FIRST = (P.c.updated_at.desc(), P.c.id.desc())
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Page:
    rows: list  # tuples of COLUMNS, newest first
    total: int | None  # None when paged by cursor (not counted)
    units: dict[int, str]  # id -> code
    authorities: dict[int, tuple[str, int | None]]  # id -> (code, parent id)
    years: dict[int, int]  # round id -> year
    next_cursor: str | None  # the position after the last row, when a full page came back


def encode_cursor(updated_at: datetime, proposal_id: int) -> str:
    """The opaque position after a row: its ``updated_at`` (microseconds, UTC) and id."""
    stamp = (updated_at - EPOCH) // timedelta(microseconds=1)
    return base64.urlsafe_b64encode(f"{stamp}.{proposal_id}".encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> tuple[datetime, int]:
    """``encode_cursor``'s position; 422 ``cursor`` for anything else."""
    try:
        if len(raw) > 100:
            raise ValueError(raw)
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        stamp, proposal_id = (int(part) for part in text.split("."))
        if not 1 <= proposal_id <= MAX_ID:
            raise ValueError(proposal_id)
        return EPOCH + timedelta(microseconds=stamp), proposal_id
    except (ValueError, UnicodeDecodeError, binascii.Error, OverflowError, OSError):
        raise Invalid(_("Check the list's filters."),
                      details={"cursor": _("Not a cursor of this list: send next_cursor as it came.")}) from None


# Stays whole (long): the page's three shapes (by page number, narrow or wide; by cursor) side by side.
def read_page(session: Session, user, *, page: int = 1, per_page: int = 50, cursor: str | None = None,
              **filters) -> Page:
    """The rows of one page of ``user``'s list for ``filters`` (``queries.filter_clauses``), newest
    first, with the filtered total. By ``cursor`` (keyset paging): ``""`` is the first page (counted),
    ``Page.next_cursor`` of a page the rows after its last one, not counted again (``total`` None) —
    found from the (updated_at, id) position, not by skipping rows, so a page costs the same however deep.

    A wide scope (a province's list: a large part of the province) unfiltered is read newest first
    off ix_proposal_updated_at_id, each row asked the scoping rule (``Scope.per_row``) until the
    page is full — the rows before the page are skipped in that index, never sorted — and counted
    apart, from the union of the ways in. Sorting the whole scope to cut a page grew with the table
    (a province: 13,000 rows at 100,000 proposals, ten times that at 1,000,000)."""
    clauses = queries.filter_clauses(session, user, **filters, scoped=False)
    scope = queries.read_scope(session, user)
    walk = scope is not None and scope.wide and not clauses
    if scope is not None:
        clauses.append(scope.per_row() if walk else scope.clause)
    offset = (page - 1) * per_page if cursor is None else 0
    if cursor:
        after_at, after_id = decode_cursor(cursor)
        clauses.append(tuple_(P.c.updated_at, P.c.id) < tuple_(literal(after_at, UTCDateTime), after_id))
        total = None
    elif walk:
        total = select(func.count()).select_from(scope.ids.subquery()).scalar_subquery()
    else:
        total = func.count().over()
    ids = (select(P.c.id, *([] if total is None else [total.label("total")])).where(*clauses)
           .order_by(*NEWEST_FIRST).limit(per_page).offset(offset).subquery("page"))
    found = session.connection().execute(
        select(*COLUMNS, *([] if total is None else [ids.c.total]))
        .select_from(ids.join(P, P.c.id == ids.c.id).join(N, N.c.id == P.c.nominee_id))
        .order_by(*NEWEST_FIRST)).all()
    if total is None:
        rows = found
    elif found:
        total = found[0][-1]
        rows = [row[:-1] for row in found]
    else:  # past the last page (or nothing at all): the count alone (a wide scope's of its union)
        counted = scope.ids if walk else select(P.c.id).where(*clauses)
        total = session.connection().scalar(select(func.count()).select_from(counted.subquery())) or 0
        rows = []
    units, authorities, years = _codes(session, rows)
    next_cursor = encode_cursor(rows[-1][UPDATED_AT], rows[-1][0]) if len(rows) == per_page else None
    return Page(rows, total, units, authorities, years, next_cursor)


def _codes(session: Session, rows: list) -> tuple[dict, dict, dict]:
    """The codes of the units and authorities and the years of the rounds ``rows`` name, in one
    select of the few distinct ids (joined into the page's select, the five joins cost more to plan
    than the whole page costs to run)."""
    if not rows:
        return {}, {}, {}
    unit_ids = {row[UNIT_ID] for row in rows}
    authority_ids = {row[ORIGIN_ID] for row in rows} | {row[CURRENT_ID] for row in rows}
    round_ids = {row[ROUND_ID] for row in rows}
    A, U, R = Authority.__table__, Unit.__table__, Round.__table__
    found = session.connection().execute(union_all(
        select(literal("a"), A.c.id, A.c.code, A.c.parent_id).where(queries.one_of(session, A.c.id, authority_ids)),
        select(literal("u"), U.c.id, U.c.code, type_coerce(null(), Integer))
        .where(queries.one_of(session, U.c.id, unit_ids)),
        select(literal("r"), R.c.id, type_coerce(null(), String), R.c.year)
        .where(queries.one_of(session, R.c.id, round_ids)))).all()
    units, authorities, years = {}, {}, {}
    for kind, id_, code, number in found:
        if kind == "a":
            authorities[id_] = (code, number)
        elif kind == "u":
            units[id_] = code
        else:
            years[id_] = number
    return units, authorities, years
