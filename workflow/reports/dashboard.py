"""The dashboard's figures (bảng điều khiển): counts by state, charts by year, award type and unit,
and the province view of every commune's progress.

Every figure is one SQL ``GROUP BY`` over the proposals the user may read (the one scoping rule,
``proposals.queries.scope_clause``): the number of statements a page runs does not grow with the
number of proposals, and no row is loaded to be counted in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, exists, false, func, or_, select
from sqlalchemy.orm import Session

from workflow import vntime
from workflow.calendar.services import WorkCalendar
from workflow.decisions.models import Submission, SubmissionItem
from workflow.org.models import Authority, Unit
from workflow.org.policies import scope_authority_ids, subtree_ids
from workflow.proposals.clock import RUNNING
from workflow.proposals.models import Proposal, ProposalTransition, Round
from workflow.proposals.queries import scope_clause

UNIT_CHART_SIZE = 12  # the units with the most proposals; the table under the chart says so
# the roles that look at the communes below a district or a province (the province view)
OVERSEER_ROLES = {"admin", "higher_reviewer", "secretary", "chair"}


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


def _in_year(query, year: int | None):
    if year is None:
        return query
    return query.where(Proposal.round_id.in_(select(Round.id).where(Round.year == year)))


def state_counts(session: Session, user, year: int | None = None) -> dict[str, int]:
    """``{state: count}`` of the proposals ``user`` may read (of ``year``'s rounds when given)."""
    query = select(Proposal.state, func.count(Proposal.id)).group_by(Proposal.state)
    return dict(session.execute(_in_year(_scoped(query, session, user), year)).all())


def by_year(session: Session, user) -> list[tuple[int, int]]:
    """(year, count) of the readable proposals, by their round's year, oldest first."""
    query = (select(Round.year, func.count(Proposal.id)).join(Round, Round.id == Proposal.round_id)
             .group_by(Round.year).order_by(Round.year))
    return [(y, n) for y, n in session.execute(_scoped(query, session, user)).all()]


def by_award_type(session: Session, user, year: int | None = None) -> list[tuple[str, int]]:
    """(award-type code, count), the most proposed first."""
    count = func.count(Proposal.id)
    query = (select(Proposal.award_type_code, count).group_by(Proposal.award_type_code)
             .order_by(count.desc(), Proposal.award_type_code))
    return [(c, n) for c, n in session.execute(_in_year(_scoped(query, session, user), year)).all()]


def by_unit(session: Session, user, year: int | None = None,
            limit: int = UNIT_CHART_SIZE) -> tuple[list[tuple[str, str, int]], int]:
    """((unit name, authority name, count) of the ``limit`` units with the most proposals, the
    number of units in all)."""
    count = func.count(Proposal.id)
    grouped = _in_year(_scoped(select(Proposal.unit_id, count.label("n")).group_by(Proposal.unit_id),
                               session, user), year).subquery()
    rows = session.execute(
        select(Unit.name, Authority.name, grouped.c.n, func.count().over())
        .join(Unit, Unit.id == grouped.c.unit_id).join(Authority, Authority.id == Unit.authority_id)
        .order_by(grouped.c.n.desc(), Unit.name).limit(limit)).all()
    return [(u, a, n) for u, a, n, _total in rows], (rows[0][3] if rows else 0)


def years(per_year: list[tuple[int, int]]) -> list[int]:
    """The years of ``by_year`` (the rounds of the user's proposals) and this year, newest first."""
    return sorted({y for y, _n in per_year} | {vntime.this_year()}, reverse=True)


# --- overdue, in SQL --------------------------------------------------------------------------------

def default_processing_days(session: Session, authority: Authority | None, today: date) -> int | None:
    """``defaults.processing_days`` of the rule set governing ``authority`` (else the national
    period) today: the limit of a proposal not yet accepted (its snapshot has none yet)."""
    from workflow.catalog.models import RuleSet
    from workflow.catalog.services import rule_set_for
    from workflow.errors import NotFound

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
            .where(ProposalTransition.proposal_id == Proposal.id, ProposalTransition.to_state == "submitted")
            .correlate(Proposal).scalar_subquery())


def overdue_clause(session: Session, calendar: WorkCalendar, today: date, default_limit: int | None,
                   authority_ids=None):
    """Proposals whose processing clock is running and has passed its limit (the award's
    ``processing_days`` snapshot, else ``default_limit``) in working days since the current stretch
    began. A proposal returned and resubmitted also carries the time before the return on its own
    page (``proposals.clock``); the count here starts at the resubmission, so it never counts one
    that is not overdue.

    The limits in play are a handful of numbers (one distinct select); for each, the day before
    which an arrival is overdue today is computed once in Python, and the test is a CASE in SQL."""
    limit = Proposal.award_rule["processing_days"].as_integer()
    running = select(limit).where(Proposal.state.in_(RUNNING))
    if authority_ids is not None:  # only the limits of the proposals waiting there
        running = running.where(Proposal.current_authority_id.in_(authority_ids))
    limits = {v for v in session.scalars(running.distinct()) if v}
    if default_limit:
        limits.add(default_limit)
    if not limits:
        return false()
    effective = func.coalesce(limit, default_limit) if default_limit else limit
    # clock > L  ⟺  the arrival day is before the day L working days before today
    cutoffs = {n: vntime.local_midnight(_working_days_before(calendar, today, n)) for n in sorted(limits)}
    cutoff = case(*[(effective == n, at) for n, at in cutoffs.items()], else_=None)
    return and_(Proposal.state.in_(RUNNING), arrival() < cutoff)


def _working_days_before(calendar: WorkCalendar, day: date, days: int) -> date:
    left = days
    while left > 0:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            left -= 1
    return day


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
    query = select(Authority).where(Authority.kind != "commune")
    if not user.is_deployment_admin:
        ids = {r.authority_id for r in user.roles if r.role in OVERSEER_ROLES and r.authority_id}
        if not ids:
            return []
        query = query.where(Authority.id.in_(ids))
    order = case({"central": 0, "province": 1, "district": 2}, value=Authority.kind, else_=3)
    return list(session.scalars(query.order_by(order, Authority.name)))


def province_progress(session: Session, user, root: Authority, year: int, today: date | None = None,
                      calendar: WorkCalendar | None = None) -> list[CommuneProgress]:
    """Every commune below ``root`` with its proposals of ``year`` by state, its overdue proposals
    (waiting at the commune past the limit) and its sent submissions still waiting for an answer.
    The counts are of what ``user`` may read: a higher reviewer sees what was sent up to them."""
    today = today or vntime.today()
    calendar = calendar or WorkCalendar.load(session)
    below = subtree_ids(session, root.id)
    communes = list(session.scalars(select(Authority).where(Authority.id.in_(below), Authority.kind == "commune")
                                    .order_by(Authority.name)))
    rows = {c.id: CommuneProgress(c) for c in communes}
    if not rows:
        return []
    ids = list(rows)
    counts = _in_year(_scoped(select(Proposal.origin_authority_id, Proposal.state, func.count(Proposal.id))
                              .where(Proposal.origin_authority_id.in_(ids))
                              .group_by(Proposal.origin_authority_id, Proposal.state), session, user), year)
    for authority_id, state, n in session.execute(counts):
        rows[authority_id].states[state] = n
    late = overdue_clause(session, calendar, today, default_processing_days(session, root, today), ids)
    overdue = _in_year(_scoped(select(Proposal.current_authority_id, func.count(Proposal.id))
                               .where(Proposal.current_authority_id.in_(ids), late)
                               .group_by(Proposal.current_authority_id), session, user), year)
    for authority_id, n in session.execute(overdue):
        rows[authority_id].overdue = n
    open_item = exists(select(SubmissionItem.id).where(SubmissionItem.submission_id == Submission.id,
                                                       SubmissionItem.outcome.is_(None)))
    waiting = (select(Submission.from_authority_id, func.count(Submission.id))
               .where(Submission.from_authority_id.in_(ids), Submission.status == "sent", open_item)
               .group_by(Submission.from_authority_id))
    if year is not None:
        waiting = waiting.where(Submission.year == year)
    readable = scope_authority_ids(session, user)  # a submission is read by its sender's and receiver's staff
    if readable is not None:
        waiting = waiting.where(or_(Submission.from_authority_id.in_(readable), Submission.to_authority_id.in_(readable)))
    for authority_id, n in session.execute(waiting):
        rows[authority_id].submissions_waiting = n
    return list(rows.values())


def award_type_names(session: Session, codes) -> dict[str, dict]:
    """``{code: {"name_vi", "name_en"}}`` of award-type codes, from the newest rule set naming each."""
    from workflow.catalog.models import AwardType, RuleSet

    codes = set(codes)
    if not codes:
        return {}
    rows = session.execute(select(AwardType.code, AwardType.name_vi, AwardType.name_en)
                           .join(RuleSet, RuleSet.id == AwardType.rule_set_id)
                           .where(AwardType.code.in_(codes)).order_by(RuleSet.effective_from, AwardType.id))
    return {code: {"name_vi": vi, "name_en": en} for code, vi, en in rows}
