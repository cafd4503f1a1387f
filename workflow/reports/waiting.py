"""What waits for me (việc chờ tôi xử lý): the proposals, council meetings and submissions the user
must act on, each with its due date, the overdue first.

The due dates are those the reminders keep (``reminders.kinds``): the processing clock's limit for a
proposal being processed, the return plus ``returned_reminder_days`` for a returned one, the round's
nomination deadline for a draft, the meeting's day, the sending plus ``submission_answer_days``
working days for a submission. A fixed number of selects whatever the number of proposals: each
kind of item is one select with a limit (the longest waiting first), the histories of those rows
one more; the due dates are computed for those rows only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from workflow import vntime
from workflow.calendar.services import WorkCalendar
from workflow.catalog.services import rule_set_for
from workflow.council.models import Meeting
from workflow.decisions.models import Submission, SubmissionItem
from workflow.errors import NotFound
from workflow.locales import award_name
from workflow.org.vocab import Role
from workflow.proposals import choices
from workflow.proposals.clock import local_day, proposal_deadline
from workflow.proposals.eligibility import snapshot
from workflow.proposals.models import Proposal, Round
from workflow.proposals.vocab import State
from workflow.reports.dashboard import arrival, user_scope

LIMIT = 60  # candidates of each kind read; the page shows the first SHOWN of them all
SHOWN = 25

ACTIONS = {
    State.DRAFT: _l("Complete and submit the draft"),
    State.RETURNED: _l("Answer the return"),
    State.SUBMITTED: _l("Screen the proposal"),
    State.UNDER_REVIEW: _l("Publish the notice or put it on the agenda"),
    State.PUBLIC_NOTICE: _l("Close the public notice"),
    State.RECOMMENDED: _l("Draft the decision or the submission"),
}
CHAIR_RECOMMENDED = _l("Decide the award or sign the submission")
REVIEWER_SUBMITTED = _l("Review the proposal received")
SECRETARY_STATES = (State.SUBMITTED, State.UNDER_REVIEW, State.PUBLIC_NOTICE, State.RECOMMENDED)
REVIEWER_STATES = (State.SUBMITTED, State.UNDER_REVIEW, State.RECOMMENDED)


@dataclass
class Waiting:
    """One thing to do: what, on what (the endpoint and its arguments), by when."""

    kind: str  # proposal, meeting, submission
    action: str
    subject: str
    detail: str
    endpoint: str
    args: dict
    due: date | None
    overdue: bool
    state: str | None = None

    @property
    def sort_key(self):
        return (not self.overdue, self.due is None, self.due or date.max, self.subject)


def _authorities(user, *roles: str) -> set[int]:
    return {r.authority_id for r in user.roles if r.role in roles and r.authority_id}


class _Limits:
    """The rule set's numbers per authority. Authorities that pin no rule set of their own (nor
    their ancestors) share the period in force: looked up once for all of them, not once per
    commune a submission comes from."""

    def __init__(self, session: Session, today: date):
        self.session, self.today, self._rule_sets, self._in_force = session, today, {}, {}

    def rule_set(self, authority):
        node, key = authority, None
        while node is not None and key is None:
            key, node = node.rule_set_code, node.parent
        if key not in self._rule_sets:
            try:
                self._rule_sets[key] = rule_set_for(self.session, authority, self.today)
            except NotFound:
                self._rule_sets[key] = None
        return self._rule_sets[key]

    def in_force(self, authority) -> dict:
        rule_set = self.rule_set(authority)
        if rule_set is None:
            return {}
        if rule_set.id not in self._in_force:
            self._in_force[rule_set.id] = {t.code: snapshot(t, rule_set) for t in rule_set.award_types}
        return self._in_force[rule_set.id]

    def default(self, authority, name: str) -> int | None:
        rule_set = self.rule_set(authority)
        return ((rule_set.content.get("defaults") or {}).get(name)) if rule_set else None


def waiting_for(session: Session, user, today: date | None = None,
                calendar: WorkCalendar | None = None) -> tuple[list[Waiting], int]:
    """(the items, overdue first then by due date; how many there are in all)."""
    today = today or vntime.today()
    calendar = calendar or WorkCalendar.load(session)
    limits = _Limits(session, today)
    items: list[Waiting] = []
    total = 0
    found, count = _proposals(session, user, today, calendar, limits)
    items += found
    total += count
    found, count = _meetings(session, user, today)
    items += found
    total += count
    found, count = _submissions(session, user, today, calendar, limits)
    items += found
    total += count
    items.sort(key=lambda w: w.sort_key)
    return items[:SHOWN], total


# --- proposals ---------------------------------------------------------------------------------------

def _proposal_clause(user):
    units = {r.unit_id for r in user.roles if r.role == Role.NOMINATOR and r.unit_id}
    secretary, chair = _authorities(user, Role.SECRETARY), _authorities(user, Role.CHAIR)
    reviewer = _authorities(user, Role.HIGHER_REVIEWER)
    clauses = []
    if units:
        open_rounds = select(Round.id).where(Round.closed_at.is_(None))
        clauses += [Proposal.unit_id.in_(units) & (Proposal.state == State.RETURNED),
                    Proposal.unit_id.in_(units) & (Proposal.state == State.DRAFT) & Proposal.round_id.in_(open_rounds)]
    if secretary:
        clauses.append(Proposal.current_authority_id.in_(secretary) & Proposal.state.in_(SECRETARY_STATES))
    if chair:
        clauses.append(Proposal.current_authority_id.in_(chair) & (Proposal.state == State.RECOMMENDED))
    if reviewer:
        clauses.append(Proposal.current_authority_id.in_(reviewer) & Proposal.state.in_(REVIEWER_STATES))
    return or_(*clauses) if clauses else None


def _proposals(session, user, today, calendar, limits) -> tuple[list[Waiting], int]:
    clause = _proposal_clause(user)
    if clause is None:
        return [], 0
    scope = user_scope(session, user)
    query = select(Proposal).where(clause)
    if scope is not None:
        query = query.where(scope)
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(Proposal.id).subquery())) or 0
    # the longest waiting first (drafts, without an arrival, by their round's deadline below)
    rows = list(session.scalars(
        query.join(Round, Round.id == Proposal.round_id)
        .order_by(arrival().is_(None), arrival(), Round.nomination_deadline, Proposal.id).limit(LIMIT)
        .options(selectinload(Proposal.history), joinedload(Proposal.nominee), joinedload(Proposal.round),
                 joinedload(Proposal.current_authority), joinedload(Proposal.origin_authority))))
    chair, reviewer = _authorities(user, Role.CHAIR), _authorities(user, Role.HIGHER_REVIEWER)
    secretary = _authorities(user, Role.SECRETARY)
    out = []
    for p in rows:
        rule = choices.rule_of(p, limits.in_force(p.current_authority)) or {}
        due, overdue = _proposal_due(p, rule, calendar, today, limits)
        action = ACTIONS.get(p.state, "")
        if p.state == State.RECOMMENDED and p.current_authority_id in chair:
            action = CHAIR_RECOMMENDED
        elif p.state == State.SUBMITTED and p.current_authority_id in reviewer - secretary:
            action = REVIEWER_SUBMITTED
        out.append(Waiting("proposal", str(action), p.nominee.name,
                           f"{award_name(rule, p.award_type_code)} · {p.current_authority.name}",
                           "proposals.detail", {"proposal_id": p.id}, due, overdue, p.state))
    return out, total


def _proposal_due(p: Proposal, rule: dict, calendar: WorkCalendar, today: date, limits) -> tuple[date | None, bool]:
    if p.state == State.DRAFT:
        due = p.round.nomination_deadline
        return due, due < today
    if p.state == State.RETURNED:
        days = limits.default(p.current_authority, "returned_reminder_days")
        returned = [row for row in p.history if row.to_state == State.RETURNED]
        if not days or not returned:
            return None, False
        due = local_day(returned[-1].created_at) + timedelta(days=days)
        return due, due < today
    limit = rule.get("processing_days")
    if not limit:
        return None, False
    due = proposal_deadline(p, calendar, limit)
    # the clock's own rule: overdue once it counts more working days than the limit
    return due, bool(due and calendar.working_days_between(due, today) > 0)


# --- meetings and submissions ------------------------------------------------------------------------

MEETING_ACTIONS = {
    ("scheduled", Role.SECRETARY): _l("Run the council meeting"),
    ("scheduled", Role.CHAIR): _l("Open the vote at the meeting"),
    ("scheduled", Role.COUNCIL_MEMBER): _l("Attend the council meeting"),
    ("voting", Role.SECRETARY): _l("Voting is open at the meeting"),
    ("voting", Role.CHAIR): _l("Close the vote"),
    ("voting", Role.COUNCIL_MEMBER): _l("Cast your secret ballot"),
}


def _meetings(session, user, today) -> tuple[list[Waiting], int]:
    ids = _authorities(user, Role.SECRETARY, Role.CHAIR, Role.COUNCIL_MEMBER)
    if not ids:
        return [], 0
    query = select(Meeting).where(Meeting.authority_id.in_(ids), Meeting.status.in_(("scheduled", "voting")))
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(Meeting.id).subquery())) or 0
    rows = session.scalars(query.options(joinedload(Meeting.authority))
                           .order_by(Meeting.scheduled_at, Meeting.id).limit(LIMIT))
    out = []
    for m in rows:
        held = {r.role for r in user.roles if r.authority_id == m.authority_id}
        role = next(r for r in (Role.CHAIR, Role.SECRETARY, Role.COUNCIL_MEMBER) if r in held)
        due = local_day(m.scheduled_at)
        out.append(Waiting("meeting", str(MEETING_ACTIONS[(m.status, role)]), str(_l("Council meeting")),
                           f"{m.place} · {m.authority.name}",
                           "council.detail", {"meeting_id": m.id}, due, due < today))
    return out, total


def _submissions(session, user, today, calendar, limits) -> tuple[list[Waiting], int]:
    senders = _authorities(user, Role.SECRETARY)
    receivers = _authorities(user, Role.SECRETARY, Role.HIGHER_REVIEWER)
    if not senders and not receivers:
        return [], 0
    open_item = exists(select(SubmissionItem.id).where(SubmissionItem.submission_id == Submission.id,
                                                       SubmissionItem.outcome.is_(None)))
    query = select(Submission).where(Submission.status == "sent", open_item,
                                     or_(Submission.from_authority_id.in_(senders),
                                         Submission.to_authority_id.in_(receivers)))
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(Submission.id).subquery())) or 0
    rows = session.scalars(query.options(joinedload(Submission.from_authority), joinedload(Submission.to_authority))
                           .order_by(Submission.sent_on, Submission.id).limit(LIMIT))
    out = []
    for s in rows:
        receiving = s.to_authority_id in receivers
        days = limits.default(s.from_authority, "submission_answer_days")
        due = calendar.add_working_days(s.sent_on, days) if days and s.sent_on else None
        overdue = bool(due and calendar.working_days_between(due, today) > 0)
        action = _l("Answer the submission") if receiving else _l("Follow up the submission's answer")
        other = s.from_authority if receiving else s.to_authority
        out.append(Waiting("submission", str(action), s.number or "", other.name, "decisions.submission",
                           {"submission_id": s.id}, due, overdue))
    return out, total
