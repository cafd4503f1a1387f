"""The rows of the proposal list screens (all proposals, my unit's, the secretary's inbox) read as
plain rows of the columns a row shows, not as ORM objects with their nominee, unit, round and
authorities: at a province's 100,000 proposals, building and decoding those objects (each row's
whole rule snapshot JSON among them) was a third of a page's time.

The filters and the scope are those of ``queries.list_proposals`` (the JSON list and the export
read through it); ``tests/proposals/test_screen_queries.py`` holds the two to the same rows, in the
same order, for every filter."""

from __future__ import annotations

from sqlalchemy import and_, case, func, select, type_coerce
from sqlalchemy.orm import Session

from workflow.org.models import Authority, Nominee, Unit
from workflow.org.vocab import Role
from workflow.proposals import queries
from workflow.proposals.models import Proposal, Round
from workflow.proposals.queries import READER_ROLES, scope_clause

_UNSET = object()


def inbox_scope(session: Session, user):
    """The scope of the inbox, which lists only what is now at an authority where ``user`` is the
    secretary (``at_authority``): a secretary reads everything now at their authority (a reader
    role, ``scope_clause``'s first way in), so the scope adds nothing there and is left out — the
    union of its ways in was most of the inbox's select (its read of the authority's history and
    submissions, deduplicated, for rows the authority filter picks anyway)."""
    if Role.SECRETARY in READER_ROLES:
        return None
    return scope_clause(session, user)  # pragma: no cover  (a secretary who is no reader: the scope decides)


def filtered(session: Session, user, *, clause=_UNSET, **filters):
    """The select of the proposals ``user`` may read that match the filters (the keywords of
    ``queries.parse_filters``, applied by ``queries.filter_clauses`` as ``list_proposals`` applies
    them); ``clause``: the user's ``scope_clause`` when the page already built it."""
    clause = scope_clause(session, user) if clause is _UNSET else clause
    clauses = [] if clause is None else [clause]
    return select(Proposal.id).where(*clauses, *queries.filter_clauses(session, user, scoped=False, **filters))


def _snapshot_columns(name_key: str) -> list:
    """The snapshot's award name (in the page's language) and processing days, taken from its JSON
    by the database; the whole JSON only where those two do not settle the name (a proposal not
    yet received, or a snapshot without the name), so the screen decides as ``award_names`` does."""
    name = Proposal.award_rule[name_key].as_string()
    return [name.label("snapshot_name"),
            Proposal.award_rule["processing_days"].as_integer().label("snapshot_days"),
            type_coerce(case((and_(Proposal.rule_set_code.is_not(None), name.is_not(None)), None),
                             else_=Proposal.award_rule), Proposal.award_rule.type).label("snapshot")]


def _page(session: Session, user, columns: list, joins: list, *, page: int, per_page: int, oldest_first: bool,
          filters: dict) -> tuple[list, int]:
    """(rows of ``columns``, total) of one page, ordered as ``list_proposals`` orders it: the
    page's ids and the total in a subquery the limit closes, the shown columns joined to it."""
    query = filtered(session, user, **filters)
    order = ((Proposal.updated_at, Proposal.id) if oldest_first
             else (Proposal.updated_at.desc(), Proposal.id.desc()))
    page_ids = (query.with_only_columns(Proposal.id.label("id"), func.count().over().label("total"))
                .order_by(*order).limit(per_page).offset((page - 1) * per_page).subquery("page"))
    select_rows = select(page_ids.c.total, *columns).join_from(page_ids, Proposal, Proposal.id == page_ids.c.id)
    for target, on in joins:
        select_rows = select_rows.join(target, on)
    rows = session.execute(select_rows.order_by(*order)).all()
    if rows:
        return rows, rows[0].total
    # past the last page (or nothing at all): the count alone
    return [], session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _named(column, key):
    """``column`` of the row ``key`` points to, as a subquery of the select list: the planner then
    joins only the page to its proposals (a join of six tables took it 4 ms to plan, more than the
    inbox's read itself at 1,000,000 proposals; each of these is one index probe per row)."""
    return select(column).where(column.table.c.id == key).correlate(Proposal).scalar_subquery()


def list_page(session: Session, user, *, name_key: str, page: int, per_page: int, **filters) -> tuple[list, int]:
    """A page of the proposal list, newest first: each row's id, state, time of change, award
    (code, snapshot name), nominee name and kind, unit name and round title."""
    columns = [Proposal.id, Proposal.state, Proposal.updated_at, Proposal.award_type_code, Proposal.rule_set_code,
               Proposal.current_authority_id, *_snapshot_columns(name_key),
               Nominee.name.label("nominee_name"), Nominee.kind.label("nominee_kind"),
               _named(Unit.name, Proposal.unit_id).label("unit_name"),
               _named(Round.title, Proposal.round_id).label("round_title")]
    joins = [(Nominee, Nominee.id == Proposal.nominee_id)]
    return _page(session, user, columns, joins, page=page, per_page=per_page, oldest_first=False, filters=filters)


def inbox_page(session: Session, user, *, name_key: str, page: int, per_page: int, **filters) -> tuple[list, int]:
    """A page of the inbox, oldest first: what a row and its clock need (the codes of the origin
    and current authorities the clock's history is read against, the notice's last day)."""
    origin, current = Authority.__table__.alias("origin"), Authority.__table__.alias("current")
    columns = [Proposal.id, Proposal.state, Proposal.award_type_code, Proposal.rule_set_code,
               Proposal.current_authority_id, Proposal.notice_until, *_snapshot_columns(name_key),
               Nominee.name.label("nominee_name"), Nominee.kind.label("nominee_kind"),
               _named(Unit.name, Proposal.unit_id).label("unit_name"),
               _named(origin.c.code, Proposal.origin_authority_id).label("origin_code"),
               _named(current.c.code, Proposal.current_authority_id).label("current_code")]
    joins = [(Nominee, Nominee.id == Proposal.nominee_id)]
    return _page(session, user, columns, joins, page=page, per_page=per_page, oldest_first=True, filters=filters)
