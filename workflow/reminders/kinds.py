"""Due events, kind by kind (SPEC §7), computed from the database for one moment ``now``.

Each kind selects its candidates with indexed conditions on state and dates — a subject whose
deadline cannot make a reminder current today is never loaded — and computes the exact due dates
(working days, rule-set limits) only for those; ``schedule`` says which stage is current. A kind
yields ``Due`` rows; ``services.scan`` inserts them once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from workflow.council.models import AgendaItem, Attendance, BallotReceipt, Meeting, Recusal
from workflow.decisions.models import Submission, SubmissionItem
from workflow.org.models import Nominee, RoleAssignment, Unit, User
from workflow.org.vocab import Role
from workflow.proposals.clock import processing_deadline
from workflow.proposals.models import Proposal, ProposalTransition, Round
from workflow.proposals.snapshot import AwardRule
from workflow.proposals.vocab import State
from workflow.reminders.config import CLOCK_STATES, Policy
from workflow.reminders.context import Recipients, ScanContext, chunks, emit, iso
from workflow.reminders.models import EVENT_KINDS
from workflow.reminders.schedule import (
    Due,
    before_by,
    calendar_span,
    current_stage,
    deadline_bounds,
    escalation_stage,
    local_date,
    local_midnight,
    shift,
    subtract_working_days,
)

NOT_SUBMITTED = (State.DRAFT, State.WITHDRAWN)  # a unit with only these has not submitted anything

# --- the kinds ----------------------------------------------------------------------------------------

def nomination_deadline(ctx: ScanContext, policy: Policy) -> Iterator[Due]:
    """A round's nomination deadline → nominators of the units with nothing submitted in it."""
    lo, hi = deadline_bounds(policy, ctx.calendar, ctx.now)
    rounds = ctx.session.execute(select(Round.id, Round.authority_id, Round.title, Round.nomination_deadline).where(
        Round.nomination_deadline.between(lo, hi)))
    for round_id, authority_id, title, deadline in rounds:
        stage = current_stage(policy, ctx.calendar, deadline, ctx.now)
        if stage is None:
            continue
        units = units_without_proposals(ctx.session, round_id, authority_id, codes=None, hamlets_only=False)
        yield from _per_nominator(policy, stage, round_id, authority_id, units,
                                  {"round": title, "deadline": iso(deadline)})


def household_review_deadline(ctx: ScanContext, policy: Policy) -> Iterator[Due]:
    """The household review deadline (the award types' ``review_deadline``, 25 November) of an
    annual round → nominators of hamlets that have proposed no household for those awards."""
    rounds = ctx.session.execute(select(Round.id, Round.authority_id, Round.title, Round.year).where(
        Round.kind == "annual", Round.year.between(ctx.today.year - 1, ctx.today.year + 1)))
    for round_id, authority_id, title, year in rounds:
        rule_set = ctx.rule_set(authority_id)
        if rule_set is None:
            continue
        typed = [(t.code, t.config["review_deadline"]) for t in rule_set.award_types
                 if t.config.get("review_deadline")]
        if not typed:
            continue
        try:
            deadline = min(date(year, d["month"], d["day"]) for _code, d in typed)
        except ValueError:
            continue
        stage = current_stage(policy, ctx.calendar, deadline, ctx.now)
        if stage is None:
            continue
        codes = sorted(c for c, _d in typed)
        units = units_without_proposals(ctx.session, round_id, authority_id, codes=codes, hamlets_only=True)
        yield from _per_nominator(policy, stage, round_id, authority_id, units,
                                  {"round": title, "deadline": iso(deadline), "codes": codes})


def units_without_proposals(session: Session, round_id: int, authority_id: int, *, codes, hamlets_only: bool):
    """(user_id, unit name) of nominators whose unit has submitted nothing (of ``codes``) in the round."""
    submitted = select(Proposal.id).where(Proposal.round_id == round_id, Proposal.unit_id == Unit.id,
                                          Proposal.state.notin_(NOT_SUBMITTED))
    if codes is not None:
        submitted = submitted.where(Proposal.award_type_code.in_(codes))
    query = (select(RoleAssignment.user_id, Unit.name)
             .join(Unit, Unit.id == RoleAssignment.unit_id)
             .join(User, User.id == RoleAssignment.user_id)
             .where(RoleAssignment.role == Role.NOMINATOR, Unit.authority_id == authority_id, User.active.is_(True),
                    ~exists(submitted))
             .order_by(RoleAssignment.user_id, Unit.name))
    if hamlets_only:
        query = query.where(Unit.kind == "hamlet")
    return session.execute(query).all()


def _per_nominator(policy, stage, round_id, authority_id, units, params) -> Iterator[Due]:
    by_user: dict[int, list[str]] = defaultdict(list)
    for user_id, unit_name in units:
        by_user[user_id].append(unit_name)
    for user_id, names in by_user.items():
        yield from emit(policy, stage, "round", round_id, [user_id], authority_id, {**params, "units": names})


def _entered(proposal_id, state: str):
    """When the proposal last entered ``state`` (a correlated subquery on its own history, by index)."""
    return (select(func.max(ProposalTransition.created_at))
            .where(ProposalTransition.proposal_id == proposal_id, ProposalTransition.to_state == state)
            .scalar_subquery())


def returned_not_resubmitted(ctx: ScanContext, policy: Policy) -> Iterator[Due]:
    """A returned proposal not resubmitted ``returned_reminder_days`` after the return → its nominators."""
    days = ctx.default_values("returned_reminder_days") or [0]
    lo, hi = deadline_bounds(policy, ctx.calendar, ctx.now)
    returned_at = _entered(Proposal.id, State.RETURNED)
    rows = ctx.session.execute(
        select(Proposal.id, Proposal.unit_id, Proposal.current_authority_id, Proposal.award_type_code, Nominee.name,
               returned_at.label("returned_at"))
        .join(Nominee, Nominee.id == Proposal.nominee_id)
        .where(Proposal.state == State.RETURNED,
               returned_at < local_midnight(hi - timedelta(days=min(days) - 1)),
               returned_at >= local_midnight(lo - timedelta(days=max(days))))).all()
    due = []
    for pid, unit_id, authority_id, award, nominee, at in rows:
        wait = ctx.default(authority_id, "returned_reminder_days")
        if not wait:
            continue
        returned_on = local_date(at)
        deadline = returned_on + timedelta(days=wait)
        stage = current_stage(policy, ctx.calendar, deadline, ctx.now)
        if stage is not None:
            due.append((pid, unit_id, authority_id, award, nominee, returned_on, deadline, stage))
    recipients = Recipients(ctx, policy.recipients, authority_ids=[d[2] for d in due], unit_ids=[d[1] for d in due])
    for pid, unit_id, authority_id, award, nominee, returned_on, deadline, stage in due:
        yield from emit(policy, stage, "proposal", pid, recipients.of(authority_id, [unit_id]), authority_id,
                         {"nominee": nominee, "award": award, "returned_on": iso(returned_on),
                          "deadline": iso(deadline), "days": ctx.default(authority_id, "returned_reminder_days")})


def processing_limit(ctx: ScanContext, policy: Policy) -> Iterator[Due]:
    """Proposals near or past the processing limit (working days) → secretary, then the chair."""
    states = policy.states or [s for s in CLOCK_STATES if s != State.RECOMMENDED]
    limits = ctx.default_values("processing_days") + ctx.award_values("processing_days")
    _lo, hi = deadline_bounds(policy, ctx.calendar, ctx.now)
    # the clock cannot have reached the limit before `limit` working days after the first arrival
    cutoff = local_midnight(subtract_working_days(ctx.calendar, hi, min(limits or [1])) + timedelta(days=1))
    arrived = exists(select(ProposalTransition.id).where(
        ProposalTransition.proposal_id == Proposal.id, ProposalTransition.to_state == State.SUBMITTED,
        ProposalTransition.created_at < cutoff))
    rows = ctx.session.execute(
        select(Proposal.id, Proposal.current_authority_id, Proposal.origin_authority_id, Proposal.award_type_code,
               Proposal.award_rule, Proposal.state, Nominee.name)
        .join(Nominee, Nominee.id == Proposal.nominee_id)
        .where(Proposal.state.in_(states), arrived)).all()
    histories: dict[int, list] = defaultdict(list)
    for chunk in chunks([r.id for r in rows]):
        for pid, to_state, created_at, data in ctx.session.execute(
                select(ProposalTransition.proposal_id, ProposalTransition.to_state, ProposalTransition.created_at,
                       ProposalTransition.data)
                .where(ProposalTransition.proposal_id.in_(chunk)).order_by(ProposalTransition.id)):
            histories[pid].append((to_state, created_at, data))
    due = []
    for row in rows:
        here, origin = ctx.authorities[row.current_authority_id], ctx.authorities[row.origin_authority_id]
        limit = (((rule := AwardRule.read(row.award_rule)) and rule.processing_days)
                 or ctx.award_config(here.id, row.award_type_code).get("processing_days")
                 or ctx.default(here.id, "processing_days"))
        if not limit:
            continue
        deadline = processing_deadline(histories[row.id], origin.code, here.code, ctx.calendar, limit)
        if deadline is None:
            continue
        for stage in (current_stage(policy, ctx.calendar, deadline, ctx.now),
                      escalation_stage(policy, ctx.calendar, deadline, ctx.now)):
            if stage is not None:
                due.append((row, deadline, limit, stage))
    roles = set(policy.recipients) | set(policy.escalate_to)
    recipients = Recipients(ctx, roles, authority_ids=[d[0].current_authority_id for d in due])
    for row, deadline, limit, stage in due:
        roles_now = policy.escalate_to if stage.level == "escalate" else policy.recipients
        users = recipients.of(row.current_authority_id, roles=roles_now)
        yield from emit(policy, stage, "proposal", row.id, users, row.current_authority_id,
                         {"nominee": row.name, "award": row.award_type_code, "deadline": iso(deadline),
                          "limit": limit, "authority": ctx.authority_name(row.current_authority_id)})


def meeting_soon(ctx: ScanContext, policy: Policy) -> Iterator[Due]:
    """A council meeting coming up → its members."""
    lo, hi = deadline_bounds(policy, ctx.calendar, ctx.now)
    meetings = ctx.session.execute(select(Meeting.id, Meeting.authority_id, Meeting.scheduled_at, Meeting.place).where(
        Meeting.status == "scheduled", Meeting.scheduled_at >= local_midnight(lo),
        Meeting.scheduled_at < local_midnight(hi + timedelta(days=1)))).all()
    due = []
    for meeting_id, authority_id, scheduled_at, place in meetings:
        deadline = scheduled_at if policy.unit == "hours" else local_date(scheduled_at)
        if ctx.now >= scheduled_at:
            continue  # the meeting has begun
        stage = current_stage(policy, ctx.calendar, deadline, ctx.now)
        if stage is not None:
            due.append((meeting_id, authority_id, scheduled_at, place, stage))
    recipients = Recipients(ctx, policy.recipients, authority_ids=[d[1] for d in due])
    for meeting_id, authority_id, scheduled_at, place, stage in due:
        yield from emit(policy, stage, "meeting", meeting_id, recipients.of(authority_id), authority_id,
                         {"when": iso(scheduled_at), "place": place, "authority": ctx.authority_name(authority_id)})


def vote_pending(ctx: ScanContext, policy: Policy) -> Iterator[Due]:
    """Voting is open and a member present has not voted on every item → that member."""
    lo, hi = deadline_bounds(policy, ctx.calendar, ctx.now)
    meetings = ctx.session.execute(select(Meeting.id, Meeting.authority_id, Meeting.opened_at, Meeting.scheduled_at)
                                   .where(Meeting.status == "voting", Meeting.opened_at.is_not(None),
                                          Meeting.opened_at < local_midnight(hi + timedelta(days=1)),
                                          Meeting.opened_at >= local_midnight(lo)))
    for meeting_id, authority_id, opened_at, scheduled_at in meetings:
        deadline = opened_at if policy.unit == "hours" else local_date(opened_at)
        stage = current_stage(policy, ctx.calendar, deadline, ctx.now)
        if stage is None:
            continue
        for user_id in members_yet_to_vote(ctx.session, meeting_id):
            yield from emit(policy, stage, "meeting", meeting_id, [user_id], authority_id,
                             {"when": iso(scheduled_at), "authority": ctx.authority_name(authority_id)})


def members_yet_to_vote(session: Session, meeting_id: int) -> list[int]:
    """Members present who still have a secret-ballot item to vote on (recusals excepted)."""
    items = session.execute(select(AgendaItem.id, Proposal.award_rule).join(Proposal, Proposal.id == AgendaItem.proposal_id)
                            .where(AgendaItem.meeting_id == meeting_id)).all()
    votable = {item_id for item_id, rule in items
               if not ((typed := AwardRule.read(rule)) and typed.show_of_hands)}
    if not votable:
        return []
    present = session.scalars(select(Attendance.user_id).join(User, User.id == Attendance.user_id).where(
        Attendance.meeting_id == meeting_id, Attendance.present.is_(True), User.active.is_(True))
        .order_by(Attendance.user_id)).all()
    done = defaultdict(set)
    for item_id, user_id in session.execute(select(Recusal.agenda_item_id, Recusal.user_id).where(
            Recusal.agenda_item_id.in_(votable))):
        done[user_id].add(item_id)
    for item_id, user_id in session.execute(select(BallotReceipt.agenda_item_id, BallotReceipt.user_id).where(
            BallotReceipt.agenda_item_id.in_(votable))):
        done[user_id].add(item_id)
    return [u for u in present if votable - done[u]]


def notice_over(ctx: ScanContext, policy: Policy) -> Iterator[Due]:
    """The public notice period is over and the notice is still open → the secretary."""
    lo, hi = deadline_bounds(policy, ctx.calendar, ctx.now)
    rows = ctx.session.execute(
        select(Proposal.id, Proposal.current_authority_id, Proposal.award_type_code, Proposal.notice_until,
               Nominee.name)
        .join(Nominee, Nominee.id == Proposal.nominee_id)
        .where(Proposal.state == State.PUBLIC_NOTICE,
               Proposal.notice_until.between(lo, hi))).all()
    yield from _proposal_deadlines(ctx, policy, [(r.id, r.current_authority_id, r.award_type_code, r.name,
                                                  r.notice_until, {}) for r in rows])


def _proposal_deadlines(ctx: ScanContext, policy: Policy, rows) -> Iterator[Due]:
    """Stages and escalation for (id, authority, award, nominee, deadline, params) rows."""
    due = []
    for pid, authority_id, award, nominee, deadline, params in rows:
        for stage in (current_stage(policy, ctx.calendar, deadline, ctx.now),
                      escalation_stage(policy, ctx.calendar, deadline, ctx.now)):
            if stage is not None:
                due.append((pid, authority_id, award, nominee, deadline, params, stage))
    recipients = Recipients(ctx, set(policy.recipients) | set(policy.escalate_to),
                            authority_ids=[d[1] for d in due])
    for pid, authority_id, award, nominee, deadline, params, stage in due:
        roles = policy.escalate_to if stage.level == "escalate" else policy.recipients
        yield from emit(policy, stage, "proposal", pid, recipients.of(authority_id, roles=roles), authority_id,
                         {"nominee": nominee, "award": award, "deadline": iso(deadline),
                          "authority": ctx.authority_name(authority_id), **params})


def awaiting_decision(ctx: ScanContext, policy: Policy) -> Iterator[Due]:
    """Recommended proposals waiting for the chair's decision (``decide_within_days``) → the chair."""
    days = ctx.award_values("decide_within_days") + ([policy.deadline_days] if policy.deadline_days else [])
    if not days:
        return
    lo, hi = deadline_bounds(policy, ctx.calendar, ctx.now)
    recommended_at = _entered(Proposal.id, State.RECOMMENDED)
    rows = ctx.session.execute(
        select(Proposal.id, Proposal.current_authority_id, Proposal.award_type_code, Proposal.award_rule,
               Nominee.name, recommended_at.label("recommended_at"))
        .join(Nominee, Nominee.id == Proposal.nominee_id)
        .where(Proposal.state == State.RECOMMENDED,
               recommended_at < local_midnight(before_by(ctx.calendar, policy.unit, hi, min(days))
                                               + timedelta(days=1)),
               recommended_at >= local_midnight(lo - timedelta(days=calendar_span(policy.unit, max(days)))))).all()
    out = []
    for pid, authority_id, award, rule, nominee, at in rows:
        within = (((typed := AwardRule.read(rule)) and typed.decide_within_days) or ctx.award_config(authority_id, award).get("decide_within_days")
                  or policy.deadline_days)
        if not within:
            continue  # no deadline configured for this award type
        since = local_date(at)
        deadline = shift(ctx.calendar, "working_days" if policy.unit == "working_days" else "days", since, within)
        out.append((pid, authority_id, award, nominee, deadline, {"since": iso(since), "days": within}))
    yield from _proposal_deadlines(ctx, policy, out)


def submission_unanswered(ctx: ScanContext, policy: Policy) -> Iterator[Due]:
    """A sent submission still without the higher level's answer past its limit → the secretary."""
    answer_days = ctx.default_values("submission_answer_days") or [1]
    lo, hi = deadline_bounds(policy, ctx.calendar, ctx.now)
    open_items = (select(func.count(SubmissionItem.id)).where(SubmissionItem.submission_id == Submission.id,
                                                               SubmissionItem.outcome.is_(None))
                  .scalar_subquery())
    rows = ctx.session.execute(
        select(Submission.id, Submission.from_authority_id, Submission.to_authority_id, Submission.number,
               Submission.sent_on, open_items.label("open"))
        .where(Submission.status == "sent",
               Submission.sent_on <= subtract_working_days(ctx.calendar, hi, min(answer_days)),
               Submission.sent_on >= lo - timedelta(days=calendar_span("working_days", max(answer_days))))).all()
    due = []
    for sid, authority_id, to_id, number, sent_on, open_count in rows:
        days = ctx.default(authority_id, "submission_answer_days")
        if not open_count or not days:
            continue  # every proposal answered: nobody to remind
        deadline = ctx.calendar.add_working_days(sent_on, days)
        for stage in (current_stage(policy, ctx.calendar, deadline, ctx.now),
                      escalation_stage(policy, ctx.calendar, deadline, ctx.now)):
            if stage is not None:
                due.append((sid, authority_id, to_id, number, sent_on, open_count, days, deadline, stage))
    recipients = Recipients(ctx, set(policy.recipients) | set(policy.escalate_to), authority_ids=[d[1] for d in due])
    for sid, authority_id, to_id, number, sent_on, open_count, days, deadline, stage in due:
        roles = policy.escalate_to if stage.level == "escalate" else policy.recipients
        yield from emit(policy, stage, "submission", sid, recipients.of(authority_id, roles=roles), authority_id,
                         {"number": number, "to": ctx.authority_name(to_id), "sent_on": iso(sent_on),
                          "open": open_count, "days": days, "deadline": iso(deadline)})


KIND_SCANNERS = {
    "nomination_deadline": nomination_deadline,
    "returned_not_resubmitted": returned_not_resubmitted,
    "processing_limit": processing_limit,
    "meeting_soon": meeting_soon,
    "vote_pending": vote_pending,
    "notice_over": notice_over,
    "awaiting_decision": awaiting_decision,
    "submission_unanswered": submission_unanswered,
    "household_review_deadline": household_review_deadline,
}


# --- re-checked at delivery: has the recipient acted since the scan? ----------------------------------

PROPOSAL_STATES = {
    "returned_not_resubmitted": {State.RETURNED},
    "notice_over": {State.PUBLIC_NOTICE},
    "awaiting_decision": {State.RECOMMENDED},
}


def still_due(session: Session, row, processing_states=None) -> bool:
    """False when the reason for reminder ``row`` went away between the scan and the delivery (the
    proposal moved on, the member voted, the unit submitted, the higher level answered)."""
    kind, subject_id = row.kind, row.subject_id
    if kind in EVENT_KINDS:
        return True  # what happened stays true: it is told however things moved on since
    if row.subject_type == "proposal":
        state = session.scalar(select(Proposal.state).where(Proposal.id == subject_id))
        wanted = PROPOSAL_STATES.get(kind) or set(processing_states or CLOCK_STATES)
        return state in wanted
    if row.subject_type == "meeting":
        status = session.scalar(select(Meeting.status).where(Meeting.id == subject_id))
        if kind == "meeting_soon":
            return status == "scheduled"
        return status == "voting" and row.recipient_id in members_yet_to_vote(session, subject_id)
    if row.subject_type == "submission":
        return bool(session.scalar(select(func.count(SubmissionItem.id)).where(
            SubmissionItem.submission_id == subject_id, SubmissionItem.outcome.is_(None))))
    if row.subject_type == "round":
        authority_id = session.scalar(select(Round.authority_id).where(Round.id == subject_id))
        if authority_id is None:
            return False
        household = kind == "household_review_deadline"
        units = units_without_proposals(session, subject_id, authority_id,
                                        codes=(row.params or {}).get("codes") if household else None,
                                        hamlets_only=household)
        return any(user_id == row.recipient_id for user_id, _name in units)
    return True
