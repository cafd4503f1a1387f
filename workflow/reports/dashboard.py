"""The dashboard's figures (bảng điều khiển): counts by state, charts by year, award type and unit,
and the province view of every commune's progress.

Every figure is a SQL ``GROUP BY`` over the proposals the user may read (the one scoping rule,
``proposals.queries.scope_clause``), all of them branches of one statement (``figures``): the number
of statements a page runs does not grow with the number of proposals, and no proposal is loaded to
be counted in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import (
    Integer,
    String,
    case,
    cast,
    column,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
    values,
)
from sqlalchemy.orm import Session

from workflow import vntime
from workflow.calendar.services import WorkCalendar
from workflow.catalog.models import AwardType, RuleSet
from workflow.catalog.services import rule_set_for
from workflow.db import UTCDateTime
from workflow.decisions.models import Submission, SubmissionItem
from workflow.errors import NotFound
from workflow.org.models import Authority, Unit
from workflow.org.policies import scope_authority_ids, subtree_ids
from workflow.org.vocab import AuthorityKind, Role
from workflow.proposals.clock import RUNNING
from workflow.proposals.models import Proposal, ProposalTransition, Round
from workflow.proposals.queries import scope_clause
from workflow.proposals.vocab import State

UNIT_CHART_SIZE = 12  # the units with the most proposals; the table under the chart says so
# the roles that look at the communes below a district or a province (the province view)
OVERSEER_ROLES = {Role.ADMIN, Role.HIGHER_REVIEWER, Role.SECRETARY, Role.CHAIR}


def user_scope(session: Session, user):
    """``proposals.queries.scope_clause`` for ``user``, built once per session (a request) and role
    set: the dashboard asks it for every figure, and building it reads the authority tree."""
    key = (user.id, user.is_deployment_admin,
           tuple(sorted((r.role, r.authority_id or 0, r.unit_id or 0) for r in user.roles)))
    cache = session.info.setdefault("dashboard_scope", {})
    if key not in cache:
        cache.clear()
        cache[key] = scope_clause(session, user)
    return cache[key]


def _scoped(query, session: Session, user):
    clause = user_scope(session, user)
    return query if clause is None else query.where(clause)


@dataclass
class Figures:
    """The dashboard's counts, all from one statement (``figures``)."""

    states: dict[str, int]  # of the chosen year (every year when none)
    per_year: list[tuple[int, int]]  # every year, oldest first
    per_award: list[tuple[str, int]]  # of the chosen year, the most proposed first
    per_unit: list[tuple[str, str, int]]  # (unit, its authority, count): the UNIT_CHART_SIZE largest
    units: int  # how many units have proposals (the chart shows the largest)
    communes: dict[tuple[int, str], int]  # (origin commune id, state) → count, of the province view's year
    late: dict[int, int]  # commune id → its overdue proposals (of the province view's year)


def figures(session: Session, user, year: int | None = None, communes=(), communes_year: int | None = None,
            lateness: Lateness | None = None, unit_limit: int = UNIT_CHART_SIZE) -> Figures:
    """Every count of the page in one statement: the readable proposals (the scope's union, the
    costly part at a province, evaluated once as a CTE) grouped by state, year, award type, unit
    and — for the province view — commune × state, as branches of one UNION ALL. Then the names
    of the largest units (one small select)."""
    scoped = _scoped(select(Proposal.id, Proposal.state, Proposal.award_type_code, Proposal.unit_id,
                            Proposal.origin_authority_id, Proposal.current_authority_id, Round.year.label("year"))
                     .join(Round, Round.id == Proposal.round_id), session, user).cte("readable")
    c = scoped.c
    in_year = (c.year == year) if year is not None else true()
    no_text, no_int, n = cast(null(), String), cast(null(), Integer), func.count(c.id)
    branches = [
        select(literal("state", String), c.state, no_int, n).where(in_year).group_by(c.state),
        select(literal("year", String), no_text, c.year, n).group_by(c.year),
        select(literal("award", String), c.award_type_code, no_int, n).where(in_year).group_by(c.award_type_code),
        select(literal("unit", String), no_text, c.unit_id, n).where(in_year).group_by(c.unit_id),
    ]
    if communes:
        branches.append(select(literal("commune", String), c.state, c.origin_authority_id, n)
                        .where(c.year == communes_year, c.origin_authority_id.in_(list(communes)))
                        .group_by(c.state, c.origin_authority_id))
        if lateness is not None:
            # overdue at each commune: its readable proposals running past their limit. A proposal
            # returned and resubmitted carries on its own page the time before the return too
            # (``proposals.clock``); counted from its resubmission here, it is never counted early.
            # The readable rows running at the communes first (from the CTE), then each one's
            # arrival by its own history's index: a grouped join over the history misleads the
            # planner into nested loops over the CTE (65 s at 100,000 proposals).
            cutoff = lateness.table()
            arrived = (select(func.max(ProposalTransition.created_at))
                       .where(ProposalTransition.proposal_id == c.id, ProposalTransition.to_state == State.SUBMITTED)
                       .correlate(scoped).scalar_subquery())
            branches.append(select(literal("late", String), no_text, c.current_authority_id, n)
                            .join(Proposal, Proposal.id == c.id)
                            .join(cutoff, cutoff.c.n == lateness.limit())
                            .where(c.year == communes_year, c.state.in_(RUNNING),
                                   c.current_authority_id.in_(list(communes)), arrived < cutoff.c.cutoff)
                            .group_by(c.current_authority_id))
    found: dict[str, list] = {"state": [], "year": [], "award": [], "unit": [], "commune": [], "late": []}
    for kind, text_key, int_key, count in session.execute(union_all(*branches)):
        found[kind].append((text_key, int_key, count))
    units = sorted(((u, k) for _t, u, k in found["unit"]), key=lambda row: (-row[1], row[0]))
    top = units[:unit_limit]
    names = {uid: (unit, authority) for uid, unit, authority in session.execute(
        select(Unit.id, Unit.name, Authority.name).join(Authority, Authority.id == Unit.authority_id)
        .where(Unit.id.in_([u for u, _k in top])))} if top else {}
    per_unit = sorted(((*names[u], k) for u, k in top), key=lambda row: (-row[2], row[0]))
    return Figures(
        states={state: k for state, _i, k in found["state"]},
        per_year=sorted((y, k) for _t, y, k in found["year"]),
        per_award=sorted(((code, k) for code, _i, k in found["award"]), key=lambda row: (-row[1], row[0])),
        per_unit=per_unit, units=len(units),
        communes={(origin, state): k for state, origin, k in found["commune"]},
        late={authority: k for _t, authority, k in found["late"]})


def years(per_year: list[tuple[int, int]]) -> list[int]:
    """The years of ``by_year`` (the rounds of the user's proposals) and this year, newest first."""
    return sorted({y for y, _n in per_year} | {vntime.this_year()}, reverse=True)


# --- overdue, in SQL --------------------------------------------------------------------------------

def default_processing_days(session: Session, authority: Authority | None, today: date) -> int | None:
    """``defaults.processing_days`` of the rule set governing ``authority`` (else the national
    period) today: the limit of a proposal not yet accepted (its snapshot has none yet)."""
    try:
        if authority is not None:
            rule_set = rule_set_for(session, authority, today)
        else:
            rule_set = session.scalars(select(RuleSet).where(RuleSet.effective_from <= today, RuleSet.kind == "period")
                                       .order_by(RuleSet.effective_from.desc())).first()
    except NotFound:
        return None
    return (rule_set.content.get("defaults") or {}).get("processing_days") if rule_set else None


def arrival():
    """When the proposal's current stretch at its current authority began: its last move into
    ``submitted`` (a submission, a resubmission after a return, or the arrival of an in-system
    forward at the parent). A correlated subquery on the proposal's own history, by index."""
    return (select(func.max(ProposalTransition.created_at))
            .where(ProposalTransition.proposal_id == Proposal.id, ProposalTransition.to_state == State.SUBMITTED)
            .correlate(Proposal).scalar_subquery())


MAX_LIMIT = 400  # working days: a longer processing limit is never overdue here (no rule has one)


@dataclass
class Lateness:
    """How to tell an overdue proposal in SQL today, for whatever limit its rule snapshot holds: a
    small table (limit, cutoff) for every limit 1 … MAX_LIMIT, computed once in Python from the
    working-day calendar (clock > L working days ⟺ arrived before the day L working days ago),
    joined on the proposal's limit. No list of the limits in play is needed, so no select of the
    snapshots first."""

    cutoffs: list[tuple[int, datetime]]
    default_limit: int | None

    @classmethod
    def today(cls, calendar: WorkCalendar, today: date, default_limit: int | None) -> Lateness:
        cutoffs, day, counted = [], today, 0
        while counted < MAX_LIMIT:
            day -= timedelta(days=1)
            if calendar.is_working_day(day):
                counted += 1
                cutoffs.append((counted, vntime.local_midnight(day)))
        return cls(cutoffs, default_limit)

    def table(self):
        return values(column("n", Integer), column("cutoff", UTCDateTime), name="cutoff").data(self.cutoffs).cte("cutoff")

    def limit(self):
        """The proposal's limit: its rule snapshot's, else the default (not yet accepted)."""
        limit = Proposal.award_rule["processing_days"].as_integer()
        return func.coalesce(limit, self.default_limit) if self.default_limit else limit


# --- the province view ---------------------------------------------------------------------------

@dataclass
class CommuneProgress:
    """One commune's year in the province view."""

    authority: Authority
    states: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    submissions_waiting: int = 0

    @property
    def total(self) -> int:
        return sum(self.states.values())


def overseen_roots(session: Session, user) -> list[Authority]:
    """The districts and provinces whose communes ``user`` may look over: where they hold an
    overseeing role (every one for a deployment admin), highest first."""
    query = select(Authority).where(Authority.kind != AuthorityKind.COMMUNE)
    if not user.is_deployment_admin:
        ids = {r.authority_id for r in user.roles if r.role in OVERSEER_ROLES and r.authority_id}
        if not ids:
            return []
        query = query.where(Authority.id.in_(ids))
    order = case({AuthorityKind.CENTRAL: 0, AuthorityKind.PROVINCE: 1, AuthorityKind.DISTRICT: 2}, value=Authority.kind, else_=3)
    return list(session.scalars(query.order_by(order, Authority.name)))


def communes_below(session: Session, root: Authority) -> list[Authority]:
    """The communes of ``root``'s subtree (as the tree stands), by name."""
    below = subtree_ids(session, root.id)
    return list(session.scalars(select(Authority).where(Authority.id.in_(below), Authority.kind == AuthorityKind.COMMUNE)
                                .order_by(Authority.name)))


def province_progress(session: Session, user, communes: list[Authority], found: Figures,
                      year: int) -> list[CommuneProgress]:
    """Every commune with its proposals of ``year`` by state and its overdue proposals (waiting at
    the commune past the limit) — from ``figures`` — and its sent submissions still waiting for an
    answer. The counts are of what ``user`` may read: a higher reviewer sees what was sent up."""
    rows = {c.id: CommuneProgress(c) for c in communes}
    if not rows:
        return []
    for (authority_id, state), n in found.communes.items():
        rows[authority_id].states[state] = n
    for authority_id, n in found.late.items():
        rows[authority_id].overdue = n
    ids = list(rows)
    open_item = exists(select(SubmissionItem.id).where(SubmissionItem.submission_id == Submission.id,
                                                       SubmissionItem.outcome.is_(None)))
    waiting = (select(Submission.from_authority_id, func.count(Submission.id))
               .where(Submission.from_authority_id.in_(ids), Submission.status == "sent", open_item,
                      Submission.year == year)
               .group_by(Submission.from_authority_id))
    readable = scope_authority_ids(session, user)  # a submission is read by its sender's and receiver's staff
    if readable is not None:
        waiting = waiting.where(or_(Submission.from_authority_id.in_(readable), Submission.to_authority_id.in_(readable)))
    for authority_id, n in session.execute(waiting):
        rows[authority_id].submissions_waiting = n
    return list(rows.values())


def award_type_names(session: Session, codes) -> dict[str, dict]:
    """``{code: {"name_vi", "name_en"}}`` of award-type codes, from the newest rule set naming each."""
    codes = set(codes)
    if not codes:
        return {}
    rows = session.execute(select(AwardType.code, AwardType.name_vi, AwardType.name_en)
                           .join(RuleSet, RuleSet.id == AwardType.rule_set_id)
                           .where(AwardType.code.in_(codes)).order_by(RuleSet.effective_from, AwardType.id))
    return {code: {"name_vi": vi, "name_en": en} for code, vi, en in rows}
