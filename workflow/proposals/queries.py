"""Read-side selects for proposals, always scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import ARRAY, and_, any_, false, func, literal, or_, select, union, union_all
from sqlalchemy.orm import Session, joinedload, selectinload

from workflow.catalog.models import AwardType, RuleSet
from workflow.decisions.models import Submission, SubmissionItem
from workflow.errors import Invalid, NotFound
from workflow.folding import fold, name_matches
from workflow.org.models import Authority, Nominee, Unit
from workflow.org.policies import scope_authority_ids, subtree_ids, visible_authorities
from workflow.org.vocab import AuthorityKind, Role
from workflow.proposals.models import STATES, Proposal, ProposalTransition, Round
from workflow.proposals.vocab import State
from workflow.validation import EARLIEST_YEAR, LATEST_YEAR, MAX_ID

# roles that read the proposals of the authority they are held at (nominators read by unit)
READER_ROLES = {Role.SECRETARY, Role.CHAIR, Role.COUNCIL_MEMBER, Role.HIGHER_REVIEWER, Role.ADMIN}


def one_of(session: Session, column, values):
    """``column IN values``; on PostgreSQL ``column = ANY(:array)``, one parameter whatever the
    number of values: SQLAlchemy renders an IN list into the statement's text at every execution
    (an "expanding" parameter, ~1 ms of a list's time with a province's 1,301 authority ids), an
    array it binds as it is. The planner sees the values either way (no statement is prepared)."""
    values = sorted(values)
    if _dialect(session) == "postgresql":
        return column == any_(literal(values, ARRAY(column.type)))
    return column.in_(values)


def _dialect(session: Session) -> str:
    # asked a few times per list: the session's bind, looked up once per session (one request)
    name = session.info.get("dialect_name")
    if name is None:
        name = session.info["dialect_name"] = session.get_bind().dialect.name
    return name


@dataclass
class Scope:
    """The scoping rule for one user, in its two shapes (the same rows): ``clause``, proposal ids
    in the union of one indexed select per way in; ``per_row()``, the ways in as an OR asked of
    each row (built only when asked). ``wide``: a large part of the province (a higher level's
    deciding branch, an admin of a subtree)."""

    clause: object
    ways: list  # (select of ids, condition on the row — or a function making it)
    wide: bool
    ids: object = None  # the select (or union) of the readable ids: ``count(*)`` of it is the scope's size

    def per_row(self):
        if not self.ways:
            return false()
        # the row's own columns first: OR stops at the first that holds, and most rows of a wide
        # scope hold one of them (its deciding branch), so few ask the history and submission selects
        own = [p for _, p in self.ways if not callable(p)]
        return or_(*own, *[p() for _, p in self.ways if callable(p)])


def scope_clause(session: Session, user):
    """WHERE clause limiting proposals to what ``user`` may read; None for a deployment admin.

    The one scoping rule (``policies.can_view`` asks it for a single row, so lists and detail
    agree). A proposal is readable by
    - the nominators of its unit;
    - anyone holding a reader role at its origin or current authority;
    - at a higher authority (any reader role held there, a higher reviewer's or admin's included):
      only what was sent up to it — the proposal was handled there (a history row at that
      authority) or is in a sent submission addressed to it — or, once out of draft, what that
      authority is the deciding authority for (the award type's deciding level is its kind and the
      proposal comes from its subtree). A lower authority's drafts, never;
    - an admin of an authority: everything of its subtree (SPEC §2, "an admin reads everything in
      its scope") — the administrator answers for the data, the reviewers only for their work.
    """
    scope = read_scope(session, user)
    return None if scope is None else scope.clause


# Stays whole (long): the ways into the scoping rule, each in its two shapes side by side.
def read_scope(session: Session, user) -> Scope | None:
    """``scope_clause``'s rule in both shapes (``Scope``); None for a deployment admin."""
    if user.is_deployment_admin:
        return None
    ids = scope_authority_ids(session, user, READER_ROLES, subtree=False) or set()
    units = {r.unit_id for r in user.roles if r.role == Role.NOMINATOR and r.unit_id}
    # one indexed select per way in, their union the readable ids: an OR over the whole table
    # would scan every proposal and every history row of the province (EXPLAIN ANALYZE: a
    # sequential scan of both, 30 ms at 100,000 proposals, growing with the table). The OR serves
    # only a wide scope's page read newest first off ix_proposal_updated_at_id, which stops at the
    # page's last row (proposals.listing)
    ways, wide = [], False
    if ids:
        at_current = one_of(session, Proposal.current_authority_id, ids)
        at_origin = one_of(session, Proposal.origin_authority_id, ids)
        handled = one_of(session, ProposalTransition.authority_id, ids)
        sent = (one_of(session, Submission.to_authority_id, ids), Submission.status == "sent")
        ways += [(select(Proposal.id).where(at_current), at_current),
                 (select(Proposal.id).where(at_origin), at_origin),
                 (select(ProposalTransition.proposal_id).where(handled),
                  lambda: _any_row(select(ProposalTransition.id)
                                   .where(ProposalTransition.proposal_id == Proposal.id, handled))),
                 (select(SubmissionItem.proposal_id).join(Submission, Submission.id == SubmissionItem.submission_id)
                  .where(*sent),
                  lambda: _any_row(select(SubmissionItem.id)
                                   .join(Submission, Submission.id == SubmissionItem.submission_id)
                                   .where(SubmissionItem.proposal_id == Proposal.id, *sent)))]
        deciding = _deciding_ways(session, user, ids)
        wide = bool(deciding)
        ways += deciding
    admin_ids = scope_authority_ids(session, user, {Role.ADMIN}) or set()
    if admin_ids:
        wide = wide or len(admin_ids) > 1  # an admin of a level above a commune reads its subtree
        ways += [_own_way(one_of(session, Proposal.origin_authority_id, admin_ids)),
                 _own_way(one_of(session, Proposal.current_authority_id, admin_ids))]
    if units:
        ways.append(_own_way(one_of(session, Proposal.unit_id, units)))
    if not ways:
        return Scope(false(), [], False)
    if len(ways) == 1:
        return Scope(Proposal.id.in_(ways[0][0]), ways, wide, ways[0][0])
    # the same rows either way (IN ignores duplicates); the shape tells the planner how many there
    # are. A higher level's scope is a large part of the province: UNION's estimate (the branches'
    # sum) has it hash the set against an index-only read of ix_proposal_updated_at_id (EXPLAIN
    # ANALYZE at 100,000 proposals, a province's secretary: 172 -> 60 ms), where UNION ALL's
    # default guess of 200 rows made it look up each of 13,000 rows in the table. A commune's few
    # hundred rows are cheaper looked up one by one: UNION ALL (UNION there: 3 -> 25 ms)
    branches = [branch for branch, _ in ways]
    readable = union(*branches) if wide else union_all(*branches)
    return Scope(Proposal.id.in_(readable), ways, wide, union(*branches))


def _any_row(query):
    """Whether the correlated ``query`` finds a row, asked of each row walked: its first id, not
    NULL. Written as EXISTS, PostgreSQL hashes the whole subquery first (every sent submission item
    of the province, growing with it) though the walk asks only the few hundred rows of a page."""
    return query.limit(1).scalar_subquery().is_not(None)


def _own_way(condition) -> tuple:
    """A way in that is a condition on the proposal's own columns: its select and the condition."""
    return select(Proposal.id).where(condition), condition


def _deciding_ways(session: Session, user, ids: set[int]) -> list:
    """The ways in (``read_scope``) of what the higher authorities among ``ids`` decide: their
    level's award types from their subtree, out of draft."""
    ways = []
    # the authorities came with the user's roles (one select with the token): no select here
    held = {r.authority_id: r.authority for r in user.roles if r.authority_id in ids and r.authority is not None}
    for authority in sorted(held.values(), key=lambda a: a.id):
        if authority.kind == AuthorityKind.COMMUNE:
            # the lowest level: nothing sits under it (org.services refuses a child at or below its
            # parent's level), so it decides only what it reads already — no select for its subtree
            continue
        below = subtree_ids(session, authority.id)
        if set(below) <= ids:  # a commune: what it decides comes from itself, read above already
            continue
        # the codes as values, not a subquery: then the planner sees how few rows they pick and
        # reads them off ix_proposal_award_type_origin (not every proposal of the subtree)
        codes = sorted(set(session.scalars(select(AwardType.code).where(AwardType.deciding_level == authority.kind))))
        if codes:
            ways.append(_own_way(and_(one_of(session, Proposal.award_type_code, codes),
                                      one_of(session, Proposal.origin_authority_id, below),
                                      Proposal.state != State.DRAFT)))
    return ways


def is_visible(session: Session, user, proposal_id: int) -> bool:
    """Whether ``user`` may read this proposal (the same rule as the lists)."""
    clause = scope_clause(session, user)
    if clause is None:
        return True
    return session.scalar(select(Proposal.id).where(Proposal.id == proposal_id, clause)) is not None


# the list filters a user may set (SPEC §10), by their query-string names
FILTERS = ("state", "year", "award_type", "unit", "authority", "q", "round")
MAX_QUERY = 100  # characters of a name search


def filter_args(args) -> dict[str, str]:
    """The filters present in ``args`` (a request's query string), raw and non-empty: what a
    screen puts back in its form and on every page link."""
    return {name: args.get(name).strip() for name in FILTERS if (args.get(name) or "").strip()}


# Stays whole (long or radon D+): one `if` per query parameter of the one parser shared by the JSON list, the
# screens and the export.
def parse_filters(session: Session, user, args) -> dict:
    """``list_proposals`` keywords from the list's query string — the one parser of the JSON list,
    the screens and the export.

    Raises ``Invalid`` (422, ``details`` naming each bad field) for a malformed value: an unknown
    state, a year that is not one, an award type no rule set has, an over-long search; raises
    ``NotFound`` (404) for an authority, unit or round that does not exist or lies outside what
    ``user`` may read — the same answer, so a filter never tells what exists elsewhere."""
    raw = filter_args(args)
    errors: dict[str, str] = {}
    out: dict = {}
    if "state" in raw:
        states = [s.strip() for s in raw["state"].split(",") if s.strip()]
        unknown = [s for s in states if s not in STATES]
        if unknown or not states:
            errors["state"] = _("Unknown state: %(values)s.", values=", ".join(unknown) or raw["state"])
        else:
            out["state"] = ",".join(states)
    if "year" in raw:
        try:
            year = int(raw["year"])
        except ValueError:
            year = None
        if year is None or not EARLIEST_YEAR <= year <= LATEST_YEAR:
            errors["year"] = _("The year must be a whole number from %(low)d to %(high)d.",
                               low=EARLIEST_YEAR, high=LATEST_YEAR)
        else:
            out["year"] = year
    if "award_type" in raw:
        code = raw["award_type"]
        if len(code) > 40 or session.scalar(select(AwardType.id).where(AwardType.code == code).limit(1)) is None:
            errors["award_type"] = _("Unknown award type: %(code)s.", code=code[:40])
        else:
            out["award_type"] = code
    if "q" in raw:
        if len(raw["q"]) > MAX_QUERY:
            errors["q"] = _("Search for at most %(n)d characters.", n=MAX_QUERY)
        elif fold(raw["q"]):
            out["q"] = raw["q"]
    round_id = None
    if "round" in raw:
        try:
            round_id = int(raw["round"])
        except ValueError:
            round_id = None
        if round_id is None or not 1 <= round_id <= MAX_ID:
            errors["round"] = _("The round must be a round's number.")
            round_id = None
    if errors:
        raise Invalid(_("Check the list's filters."), details=errors)
    if "authority" in raw:
        out["authority"] = _authority_in_scope(session, user, raw["authority"]).code
    if "unit" in raw:
        out["unit"] = _unit_in_scope(session, user, raw["unit"]).code
    if round_id is not None:
        if round_id not in {r.id for r in rounds_for(session, user)}:
            raise NotFound(_("No such round."), details={"round": raw["round"]})
        out["round_id"] = round_id
    return out


def filter_authorities(session: Session, user) -> list[Authority]:
    """The authorities a list may be filtered by: those the user reads, the ones above them
    (where its proposals went), and the authorities of a nominator's units."""
    rows = {a.id: a for a in visible_authorities(session, user)}
    for r in user.roles:
        if r.role == Role.NOMINATOR and r.unit is not None:
            rows.setdefault(r.unit.authority_id, r.unit.authority)
    return sorted(rows.values(), key=lambda a: a.id)


def filter_units(session: Session, user, limit: int | None = None) -> list[Unit]:
    """The units a list may be filtered by: a nominator's own, the units of the authorities read."""
    own = [r.unit for r in user.roles if r.role == Role.NOMINATOR and r.unit is not None]
    ids = scope_authority_ids(session, user, {role for role in READER_ROLES})
    query = select(Unit).options(joinedload(Unit.authority)).order_by(Unit.authority_id, Unit.name, Unit.id)
    if ids is not None:
        query = query.where(Unit.authority_id.in_(ids))
    if limit is not None:
        query = query.limit(limit)
    found = {u.id: u for u in session.scalars(query)}
    for unit in own:
        found.setdefault(unit.id, unit)
    return list(found.values())


def _authority_in_scope(session: Session, user, code: str) -> Authority:
    if not user.is_deployment_admin:
        match = next((a for a in filter_authorities(session, user) if a.code == code), None)
    else:
        match = session.scalar(select(Authority).where(Authority.code == code[:40]))
    if match is None:
        raise NotFound(_("No such authority."), details={"authority": code})
    return match


def _unit_in_scope(session: Session, user, code: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code[:40])) if len(code) <= 40 else None
    if unit is not None and not user.is_deployment_admin:
        own = {r.unit_id for r in user.roles if r.role == Role.NOMINATOR and r.unit_id}
        readers = scope_authority_ids(session, user, set(READER_ROLES)) or set()
        if unit.id not in own and unit.authority_id not in readers:
            unit = None
    if unit is None:
        raise NotFound(_("No such unit."), details={"unit": code})
    return unit


def filter_clauses(session: Session, user, *, state=None, year=None, award_type=None, unit=None, authority=None,
                   q=None, round_id=None, at_authority=None, scoped: bool = True) -> list:
    """The WHERE clauses of a list: the user's scope (``scope_clause``; not with ``scoped=False``,
    for a caller that adds it in its own shape) and the filters (see ``list_proposals``); the ORM
    list and the JSON list's page (``proposals.listing``) share them."""
    clauses = []
    clause = scope_clause(session, user) if scoped else None
    if clause is not None:
        clauses.append(clause)
    if state:
        clauses.append(Proposal.state.in_(state.split(",")))
    if year:
        clauses.append(Proposal.round_id.in_(select(Round.id).where(Round.year == int(year))))
    if round_id:
        clauses.append(Proposal.round_id == int(round_id))
    if award_type:
        clauses.append(Proposal.award_type_code == award_type)
    if unit:  # a code, or several (a nominator of more than one unit)
        codes = [unit] if isinstance(unit, str) else list(unit)
        clauses.append(Proposal.unit_id.in_(select(Unit.id).where(Unit.code.in_(codes))))
    if authority:
        authority_id = select(Authority.id).where(Authority.code == authority).scalar_subquery()
        clauses.append(or_(Proposal.current_authority_id == authority_id,
                           Proposal.origin_authority_id == authority_id))
    if at_authority:  # a code, or several (a secretary at more than one authority)
        codes = [at_authority] if isinstance(at_authority, str) else list(at_authority)
        clauses.append(Proposal.current_authority_id.in_(select(Authority.id).where(Authority.code.in_(codes))))
    if q and fold(q):
        clauses.append(Proposal.nominee_id.in_(select(Nominee.id).where(name_matches(Nominee.name_folded, q))))
    return clauses


def list_proposals(session: Session, user, *, page: int = 1, per_page: int = 50, with_history: bool = False,
                   oldest_first: bool = False, options: tuple = (), **filters):
    """(items, total) for the filters, newest first; ``with_history`` loads each row's history
    with the page (one more select, not one per row: the inbox's processing clocks read it).

    Filters (``filter_clauses``): ``state``, ``year``, ``award_type``, ``unit``, ``round_id``;
    ``authority``: the proposals at that authority or coming from it (a commune's own, wherever
    they went; a higher level's by the commune they came from); ``at_authority``: only those now
    at it (an inbox). ``q``: the nominee's name or household head, with or without diacritics.
    ``options``: more loader options for the rows (an export defers the columns it never shows)."""
    query = select(Proposal).where(*filter_clauses(session, user, **filters))
    # one select: the page's ids and the total (count(*) over the whole filtered set, before the
    # limit) in a subquery that the limit closes, then those rows with their nominee, unit, round
    # and authorities joined to it — joined into the inner select, the planner would join the
    # whole table before cutting the page; asked in two selects, every list paid a round trip more
    order = ((Proposal.updated_at, Proposal.id) if oldest_first
             else (Proposal.updated_at.desc(), Proposal.id.desc()))
    page_ids = (query.with_only_columns(Proposal.id.label("id"), func.count().over().label("total"))
                .order_by(*order).limit(per_page).offset((page - 1) * per_page).subquery("page"))
    found = session.execute(
        select(Proposal, page_ids.c.total).join(page_ids, page_ids.c.id == Proposal.id)
        .options(joinedload(Proposal.nominee), joinedload(Proposal.unit), joinedload(Proposal.round),
                 joinedload(Proposal.current_authority), joinedload(Proposal.origin_authority),
                 *([selectinload(Proposal.history)] if with_history else []), *options)
        .order_by(*order)).all()
    items = [row[0] for row in found]
    if found:
        total = found[0][1]
    else:  # past the last page (or nothing at all): the count alone
        total = session.scalar(select(func.count()).select_from(query.with_only_columns(Proposal.id).subquery())) or 0
    return items, total


_UNSET = object()


def counts_by_state(session: Session, user, clause=_UNSET) -> dict[str, int]:
    """{state: count} of what ``user`` reads; ``clause``: their ``scope_clause`` when the page
    already built it for its rows (its selects of the user's authorities then run once)."""
    query = select(Proposal.state, func.count(Proposal.id)).group_by(Proposal.state)
    clause = scope_clause(session, user) if clause is _UNSET else clause
    if clause is not None:
        query = query.where(clause)
    return dict(session.execute(query).all())


def rounds_query(user, *, year: int | None = None, kind: str | None = None, status: str | None = None,
                 ids: set[int] | None = None):
    """The select of the rounds ``user`` sees, newest first; ``status`` open or closed."""
    query = select(Round).options(joinedload(Round.authority)).order_by(Round.year.desc(), Round.id.desc())
    if ids is not None:
        unit_authorities = {r.unit.authority_id for r in user.roles if r.role == Role.NOMINATOR and r.unit}
        query = query.where(Round.authority_id.in_(ids | unit_authorities))
    if year:
        query = query.where(Round.year == year)
    if kind:
        query = query.where(Round.kind == kind)
    if status == "open":
        query = query.where(Round.closed_at.is_(None))
    elif status == "closed":
        query = query.where(Round.closed_at.is_not(None))
    return query


def rounds_for(session: Session, user, **filters) -> list[Round]:
    return list(session.scalars(rounds_query(user, ids=scope_authority_ids(session, user), **filters)))


def linked_proposals(session: Session, proposal: Proposal) -> list[Proposal]:
    """The proposal ``proposal`` re-proposes and those that re-propose it (a lower award after a
    failed vote), oldest first; the caller filters them by what its user may see."""
    clauses = [Proposal.linked_proposal_id == proposal.id]
    if proposal.linked_proposal_id is not None:
        clauses.append(Proposal.id == proposal.linked_proposal_id)
    return list(session.scalars(select(Proposal).where(or_(*clauses)).order_by(Proposal.id)))


def authority_names(session: Session, codes) -> dict[str, str]:
    """``{code: name}`` of the authorities named by code in history rows (a move up the tree)."""
    codes = {c for c in codes if isinstance(c, str)}
    if not codes:
        return {}
    return dict(session.execute(select(Authority.code, Authority.name).where(Authority.code.in_(codes))).all())


def rule_set_name(session: Session, code: str | None) -> str | None:
    """The title of a rule set (its period's law), for screens that would otherwise show the code."""
    if not code:
        return None

    return session.scalar(select(RuleSet.name).where(RuleSet.code == code)) or code


def award_type_options(session: Session) -> list[tuple[str, str, str]]:
    """(code, name_vi, name_en) of every award type some rule set defines, by code (the newest
    rule set's names): the award-type filter's choices."""
    names: dict[str, tuple[str, str]] = {}
    for code, vi, en in session.execute(select(AwardType.code, AwardType.name_vi, AwardType.name_en)
                                        .order_by(AwardType.rule_set_id, AwardType.position)):
        names[code] = (vi, en)
    return [(code, vi, en) for code, (vi, en) in names.items()]


def years_for(session: Session, user) -> list[int]:
    """The years of the rounds the user sees, newest first: the year filter's choices, read as the
    years alone under ``rounds_query``'s WHERE (not every round with its authority)."""
    rounds = rounds_query(user, ids=scope_authority_ids(session, user))
    query = select(Round.year).distinct()
    if rounds.whereclause is not None:
        query = query.where(rounds.whereclause)
    return sorted(session.scalars(query), reverse=True)
