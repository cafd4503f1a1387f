"""Tracking submissions (theo dõi tờ trình): the state of each proposal in a sent submission and the
working days waited for the higher level's answer against the rule set's limit
(``defaults.submission_answer_days``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from workflow import vntime
from workflow.calendar.services import WorkCalendar
from workflow.catalog.services import rule_set_for
from workflow.decisions.models import Submission, SubmissionItem
from workflow.errors import NotFound
from workflow.org.models import Authority
from workflow.org.vocab import Role
from workflow.proposals.models import Proposal
from workflow.proposals.states import TERMINAL

VIEW_ROLES = {Role.SECRETARY, Role.CHAIR, Role.COUNCIL_MEMBER, Role.HIGHER_REVIEWER, Role.ADMIN}


@dataclass
class ItemTrack:
    proposal_id: int
    answered: bool
    answered_on: date | None


@dataclass
class Track:
    working_days: int  # working days from sending to the last answer, or to today while one is open
    limit: int | None
    pending: int  # proposals still waiting for the higher level
    overdue: bool
    due_on: date | None
    items: list[ItemTrack] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["due_on"] = self.due_on.isoformat() if self.due_on else None
        data["items"] = [{"proposal_id": i.proposal_id, "answered": i.answered,
                          "answered_on": i.answered_on.isoformat() if i.answered_on else None}
                         for i in self.items]
        return data


def answer_limit(session: Session, submission: Submission) -> int | None:
    """Working days the rule set gives the higher level to answer (None when it sets none)."""
    try:
        rule_set = rule_set_for(session, submission.from_authority, submission.sent_on or vntime.today())
    except NotFound:
        return None
    value = (rule_set.content.get("defaults") or {}).get("submission_answer_days")
    return int(value) if value else None


def _answered_on(item: SubmissionItem) -> date | None:
    """When the higher level answered this item: a recorded outcome, or (in-system) the proposal's
    last move into a final state."""
    if item.outcome is not None:
        return vntime.local_date(item.recorded_at) if item.recorded_at else None
    proposal = item.proposal
    if proposal.state in TERMINAL:
        last = proposal.history[-1] if proposal.history else None
        return vntime.local_date(last.created_at) if last else None
    return None


def track(session: Session, submission: Submission, calendar: WorkCalendar, today: date | None = None) -> Track:
    today = today or vntime.today()
    limit = answer_limit(session, submission)
    if submission.status != "sent" or submission.sent_on is None:
        return Track(0, limit, len(submission.items), False, None,
                     [ItemTrack(i.proposal_id, False, None) for i in submission.items])
    items = []
    for item in submission.items:
        on = _answered_on(item)
        answered = item.outcome is not None or item.proposal.state in TERMINAL
        items.append(ItemTrack(item.proposal_id, answered, on))
    pending = sum(1 for i in items if not i.answered)
    if pending:
        end = today
    else:
        end = max((i.answered_on for i in items if i.answered_on), default=today)
    waited = calendar.working_days_between(submission.sent_on, end)
    due = calendar.add_working_days(submission.sent_on, limit) if limit else None
    return Track(waited, limit, pending, bool(limit and pending and waited > limit), due, items)


def submissions_query(session: Session, actor, *, status: str | None = None, authority_code: str | None = None,
                      direction: str | None = None, year: int | None = None):
    """Submissions the actor may see (sent by, or addressed to, an authority in the actor's scope),
    newest first. ``direction``: ``outgoing`` or ``incoming`` relative to the actor's authorities;
    None when an ``authority_code`` names no authority. The select (the screens page it)."""
    # the same rule as ``services.get_submission``: a role held at the sending or receiving authority
    ids = None if actor.is_deployment_admin else {
        r.authority_id for r in actor.roles if r.role in VIEW_ROLES and r.authority_id is not None}
    query = select(Submission).options(
        selectinload(Submission.items).selectinload(SubmissionItem.proposal).selectinload(Proposal.history),
        selectinload(Submission.items).selectinload(SubmissionItem.proposal).selectinload(Proposal.nominee),
    ).order_by(Submission.id.desc())
    if ids is not None:
        if direction == "outgoing":
            query = query.where(Submission.from_authority_id.in_(ids))
        elif direction == "incoming":
            query = query.where(Submission.to_authority_id.in_(ids), Submission.status == "sent")
        else:
            # drafts stay with the authority that drafts them; the parent sees what was sent
            query = query.where(or_(Submission.from_authority_id.in_(ids),
                                    (Submission.to_authority_id.in_(ids)) & (Submission.status == "sent")))
    elif direction == "incoming":
        query = query.where(Submission.status == "sent")
    if status:
        query = query.where(Submission.status == status)
    if authority_code:
        authority = session.scalar(select(Authority).where(Authority.code == authority_code))
        if authority is None:
            return None
        query = query.where(or_(Submission.from_authority_id == authority.id,
                                Submission.to_authority_id == authority.id))
    if year:
        query = query.where(Submission.year == year)
    return query


def list_submissions(session: Session, actor, **filters) -> list[Submission]:
    """Every submission of ``submissions_query`` (the API's list)."""
    query = submissions_query(session, actor, **filters)
    return [] if query is None else list(session.scalars(query).unique())


def for_proposal(session: Session, proposal: Proposal, calendar: WorkCalendar,
                 today: date | None = None) -> tuple[Submission, Track] | None:
    """The last sent submission that carries ``proposal`` and its tracking (for the proposal's
    page); None when it was never sent up."""
    submission = session.scalar(select(Submission).join(SubmissionItem).where(
        SubmissionItem.proposal_id == proposal.id, Submission.status == "sent").order_by(Submission.id.desc()))
    if submission is None:
        return None
    return submission, track(session, submission, calendar, today)
