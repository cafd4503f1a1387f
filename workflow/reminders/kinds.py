"""Due events, kind by kind (SPEC §7), computed from the database for one moment ``now``.

Each kind selects its candidates with indexed conditions on state and dates — a subject whose
deadline cannot make a reminder current today is never loaded — and computes the exact due
dates (working days, rule-set limits) only for those. A kind yields ``Due`` rows; ``scan`` inserts
them once.

Stages: a policy's offsets give a list of due dates around the deadline. At ``now`` the *current*
stage is the latest one already due whose window is still open (until the next stage; a last
"before" stage until the deadline; a last "after" stage for ``LATE_DAYS``). Scans every few
minutes therefore send each stage once, and a scan after an outage sends only the most recent one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from workflow.calendar.services import WorkCalendar
from workflow.catalog.models import RuleSet
from workflow.council.models import AgendaItem, Attendance, BallotReceipt, Meeting, Recusal
from workflow.decisions.models import Submission, SubmissionItem
from workflow.errors import NotFound
from workflow.org.models import Authority, CouncilMember, Nominee, RoleAssignment, Unit, User
from workflow.proposals.clock import RUNNING
from workflow.proposals.models import Proposal, ProposalTransition, Round
from workflow.reminders.config import CLOCK_STATES, Policy

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LATE_DAYS = 30  # a last "after" reminder still goes out this long after it fell due (missed scans)
LATE_HOURS = 24
NOT_SUBMITTED = ("draft", "withdrawn")  # a unit with only these has not submitted anything


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def local_midnight(day: date) -> datetime:
    """The UTC moment at which ``day`` starts in Vietnam."""
    return datetime.combine(day, time.min, LOCAL_TZ).astimezone(UTC)


@dataclass(frozen=True)
class Due:
    """One reminder to one recipient: what ``scan`` writes into the outbox."""

    kind: str
    subject_type: str
    subject_id: int
    due_on: date
    recipient_id: int
    level: str
    action: bool
    authority_id: int | None
    params: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple:
        return (self.kind, self.subject_type, self.subject_id, self.due_on, self.recipient_id)


@dataclass(frozen=True)
class Stage:
    due: date | datetime
    offset: int  # signed, in the policy's unit: -3 = three before the deadline
    level: str = "remind"

    @property
    def due_on(self) -> date:
        return local_date(self.due) if isinstance(self.due, datetime) else self.due


# --- calendar arithmetic ----------------------------------------------------------------------------

def subtract_working_days(calendar: WorkCalendar, day: date, days: int) -> date:
    """The date ``days`` working days before ``day``."""
    left = days
    while left > 0:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            left -= 1
    return day


def shift(calendar: WorkCalendar, unit: str, deadline, offset: int):
    """``deadline`` moved by ``offset`` (signed) in ``unit``."""
    if unit == "hours":
        return deadline + timedelta(hours=offset)
    if unit == "working_days":
        if offset >= 0:
            return calendar.add_working_days(deadline, offset)
        return subtract_working_days(calendar, deadline, -offset)
    return deadline + timedelta(days=offset)


def calendar_span(unit: str, amount: int) -> int:
    """Calendar days that surely cover ``amount`` of ``unit`` (Tết and weekends included)."""
    if unit == "working_days":
        return amount * 2 + 14 if amount else 0
    if unit == "hours":
        return -(-amount // 24) + 1
    return amount


def deadline_bounds(policy: Policy, calendar: WorkCalendar, now: datetime) -> tuple[date, date]:
    """(lo, hi): only a deadline between these dates can have a reminder of ``policy`` current at
    ``now`` — its first stage must be due, its last window still open. A day of margin each side."""
    today = local_date(now)
    first = -max(policy.before) if policy.before else min(policy.after)
    if policy.unit == "hours":
        hi = local_date(now - timedelta(hours=first)) + timedelta(days=1)
        lo = today - timedelta(days=calendar_span("hours", max(policy.after or [0]) + LATE_HOURS) + 1)
    else:
        hi = shift(calendar, policy.unit, today, -first) + timedelta(days=1)
        lo = today - timedelta(days=calendar_span(policy.unit, max(policy.after or [0])) + LATE_DAYS + 1)
    if policy.escalate_after is not None:
        lo = min(lo, today - timedelta(days=calendar_span("working_days", policy.escalate_after) + LATE_DAYS + 1))
    return lo, hi


def before_by(calendar: WorkCalendar, unit: str, day: date, amount: int) -> date:
    """The latest start from which ``amount`` of ``unit`` reaches no later than ``day``."""
    return shift(calendar, "days" if unit == "hours" else unit, day, -amount)


def stages(policy: Policy, calendar: WorkCalendar, deadline) -> list[Stage]:
    found: dict = {}
    for offset in [-b for b in policy.before] + list(policy.after):
        due = shift(calendar, policy.unit, deadline, offset)
        found.setdefault(due, Stage(due, offset))
    return [found[k] for k in sorted(found)]


def current_stage(policy: Policy, calendar: WorkCalendar, deadline, now: datetime) -> Stage | None:
    """The stage due at ``now`` whose window is still open, or None."""
    hourly = isinstance(deadline, datetime)
    point = now if hourly else local_date(now)
    late = timedelta(hours=LATE_HOURS) if hourly else timedelta(days=LATE_DAYS)
    listed = stages(policy, calendar, deadline)
    for i in range(len(listed) - 1, -1, -1):
        stage = listed[i]
        if stage.due > point:
            continue
        if i + 1 < len(listed):
            end = listed[i + 1].due
        elif stage.offset < 0:
            end = deadline
        else:
            end = stage.due + late
        return stage if point < end else None
    return None


def escalation_stage(policy: Policy, calendar: WorkCalendar, deadline, now: datetime) -> Stage | None:
    """The escalation (to ``escalate_to``) ``escalate_after`` working days past the deadline."""
    if policy.escalate_after is None or not policy.escalate_to:
        return None
    day = local_date(deadline) if isinstance(deadline, datetime) else deadline
    due = calendar.add_working_days(day, policy.escalate_after)
    today = local_date(now)
    if due <= today < due + timedelta(days=LATE_DAYS):
        return Stage(due, policy.escalate_after, "escalate")
    return None


# --- what a scan needs to know ------------------------------------------------------------------------

class ScanContext:
    """Caches for one scan: the calendar, authorities, rule sets in force, who holds which role."""

    def __init__(self, session: Session, now: datetime):
        self.session, self.now = session, now
        self.today = local_date(now)
        self.calendar = WorkCalendar.load(session)
        self.authorities = {a.id: a for a in session.scalars(select(Authority))}
        self._rule_sets: dict[int, RuleSet | None] = {}
        self._all_rule_sets = list(session.scalars(select(RuleSet)))

    def rule_set(self, authority_id: int) -> RuleSet | None:
        if authority_id not in self._rule_sets:
            from workflow.catalog.services import rule_set_for

            try:
                self._rule_sets[authority_id] = rule_set_for(self.session, self.authorities[authority_id], self.today)
            except NotFound:
                self._rule_sets[authority_id] = None
        return self._rule_sets[authority_id]

    def default(self, authority_id: int, name: str) -> int | None:
        rule_set = self.rule_set(authority_id)
        return (rule_set.content.get("defaults") or {}).get(name) if rule_set else None

    def award_config(self, authority_id: int, code: str) -> dict:
        rule_set = self.rule_set(authority_id)
        if rule_set is None:
            return {}
        return next((t.config for t in rule_set.award_types if t.code == code), {})

    def default_values(self, name: str) -> list[int]:
        """``defaults.<name>`` over every loaded rule set (bounds for the SQL prefilters)."""
        return [v for r in self._all_rule_sets if (v := (r.content.get("defaults") or {}).get(name))]

    def award_values(self, name: str) -> list[int]:
        return [v for r in self._all_rule_sets for t in r.award_types if (v := t.config.get(name))]

    def authority_name(self, authority_id: int | None) -> str:
        authority = self.authorities.get(authority_id)
        return authority.name if authority else ""

    # recipients ------------------------------------------------------------------------------------
    def role_holders(self, authority_ids, roles) -> dict[tuple[int, str], list[int]]:
        roles = [r for r in roles if r not in ("nominator", "council")]
        found: dict[tuple[int, str], list[int]] = defaultdict(list)
        if not roles or not authority_ids:
            return found
        rows = self.session.execute(
            select(RoleAssignment.authority_id, RoleAssignment.role, RoleAssignment.user_id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(RoleAssignment.authority_id.in_(set(authority_ids)), RoleAssignment.role.in_(roles),
                   User.active.is_(True))
            .order_by(RoleAssignment.user_id))
        for authority_id, role, user_id in rows:
            if user_id not in found[(authority_id, role)]:
                found[(authority_id, role)].append(user_id)
        return found

    def unit_nominators(self, unit_ids) -> dict[int, list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        if not unit_ids:
            return found
        rows = self.session.execute(
            select(RoleAssignment.unit_id, RoleAssignment.user_id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(RoleAssignment.role == "nominator", RoleAssignment.unit_id.in_(set(unit_ids)),
                   User.active.is_(True))
            .order_by(RoleAssignment.user_id))
        for unit_id, user_id in rows:
            found[unit_id].append(user_id)
        return found

    def council(self, authority_ids) -> dict[int, list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        if not authority_ids:
            return found
        rows = self.session.execute(
            select(CouncilMember.authority_id, CouncilMember.user_id)
            .join(User, User.id == CouncilMember.user_id)
            .where(CouncilMember.authority_id.in_(set(authority_ids)), User.active.is_(True))
            .order_by(CouncilMember.id))
        for authority_id, user_id in rows:
            found[authority_id].append(user_id)
        return found


class Recipients:
    """Resolves a policy's roles for many subjects with three queries in all."""

    def __init__(self, ctx: ScanContext, roles, *, authority_ids=(), unit_ids=()):
        self.ctx, self.roles = ctx, list(roles)
        self.holders = ctx.role_holders(authority_ids, self.roles)
        self.nominators = ctx.unit_nominators(unit_ids) if "nominator" in self.roles else {}
        self.seats = ctx.council(authority_ids) if "council" in self.roles else {}

    def of(self, authority_id: int | None, unit_ids=(), roles=None) -> list[int]:
        users: list[int] = []
        for role in self.roles if roles is None else roles:
            if role == "nominator":
                found = [u for unit_id in unit_ids for u in self.nominators.get(unit_id, [])]
            elif role == "council":
                found = self.seats.get(authority_id, [])
            else:
                found = self.holders.get((authority_id, role), [])
            users.extend(u for u in found if u not in users)
        return users


def _emit(policy: Policy, stage: Stage, subject_type: str, subject_id: int, users, authority_id,
          params: dict) -> Iterator[Due]:
    """One Due per recipient; nothing for an empty list."""
    for user_id in users:
        yield Due(policy.kind, subject_type, subject_id, stage.due_on, user_id, stage.level, policy.action,
                  authority_id, {**params, "offset": stage.offset, "unit": policy.unit})


def _iso(value) -> str:
    return value.isoformat()


def _chunks(items: list, size: int = 500):
    for i in range(0, len(items), size):
        yield items[i:i + size]


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
                                  {"round": title, "deadline": _iso(deadline)})


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
                                  {"round": title, "deadline": _iso(deadline), "codes": codes})


def units_without_proposals(session: Session, round_id: int, authority_id: int, *, codes, hamlets_only: bool):
    """(user_id, unit name) of nominators whose unit has submitted nothing (of ``codes``) in the round."""
    submitted = select(Proposal.id).where(Proposal.round_id == round_id, Proposal.unit_id == Unit.id,
                                          Proposal.state.notin_(NOT_SUBMITTED))
    if codes is not None:
        submitted = submitted.where(Proposal.award_type_code.in_(codes))
    query = (select(RoleAssignment.user_id, Unit.name)
             .join(Unit, Unit.id == RoleAssignment.unit_id)
             .join(User, User.id == RoleAssignment.user_id)
             .where(RoleAssignment.role == "nominator", Unit.authority_id == authority_id, User.active.is_(True),
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
        yield from _emit(policy, stage, "round", round_id, [user_id], authority_id, {**params, "units": names})


def _entered(proposal_id, state: str):
    """When the proposal last entered ``state`` (a correlated subquery on its own history, by index)."""
    return (select(func.max(ProposalTransition.created_at))
            .where(ProposalTransition.proposal_id == proposal_id, ProposalTransition.to_state == state)
            .scalar_subquery())


def returned_not_resubmitted(ctx: ScanContext, policy: Policy) -> Iterator[Due]:
    """A returned proposal not resubmitted ``returned_reminder_days`` after the return → its nominators."""
    days = ctx.default_values("returned_reminder_days") or [0]
    lo, hi = deadline_bounds(policy, ctx.calendar, ctx.now)
    returned_at = _entered(Proposal.id, "returned")
    rows = ctx.session.execute(
        select(Proposal.id, Proposal.unit_id, Proposal.current_authority_id, Proposal.award_type_code, Nominee.name,
               returned_at.label("returned_at"))
        .join(Nominee, Nominee.id == Proposal.nominee_id)
        .where(Proposal.state == "returned",
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
        yield from _emit(policy, stage, "proposal", pid, recipients.of(authority_id, [unit_id]), authority_id,
                         {"nominee": nominee, "award": award, "returned_on": _iso(returned_on),
                          "deadline": _iso(deadline), "days": ctx.default(authority_id, "returned_reminder_days")})


def processing_deadline(history, origin_code: str, current_code: str, calendar: WorkCalendar,
                        limit: int) -> date | None:
    """The day the processing clock reaches ``limit`` working days — the clock of
    ``proposals.clock``: stretches in a running state at the current authority, paused while
    returned. Stable across transitions (the day it was crossed, when that already happened);
    None when the clock is not running now."""
    authority_code, started, used, deadline = origin_code, None, 0, None
    for to_state, created_at, data in history:
        day = local_date(created_at)
        if started is not None and deadline is None:
            stretch = calendar.working_days_between(started, day)
            if used + stretch >= limit:
                deadline = calendar.add_working_days(started, limit - used)
            used += stretch
        if (data or {}).get("to_authority"):
            authority_code = data["to_authority"]
        started = day if authority_code == current_code and to_state in RUNNING else None
    if started is None:
        return None
    return deadline or calendar.add_working_days(started, max(limit - used, 0))


def processing_limit(ctx: ScanContext, policy: Policy) -> Iterator[Due]:
    """Proposals near or past the processing limit (working days) → secretary, then the chair."""
    states = policy.states or [s for s in CLOCK_STATES if s != "recommended"]
    limits = ctx.default_values("processing_days") + ctx.award_values("processing_days")
    _lo, hi = deadline_bounds(policy, ctx.calendar, ctx.now)
    # the clock cannot have reached the limit before `limit` working days after the first arrival
    cutoff = local_midnight(subtract_working_days(ctx.calendar, hi, min(limits or [1])) + timedelta(days=1))
    arrived = exists(select(ProposalTransition.id).where(
        ProposalTransition.proposal_id == Proposal.id, ProposalTransition.to_state == "submitted",
        ProposalTransition.created_at < cutoff))
    rows = ctx.session.execute(
        select(Proposal.id, Proposal.current_authority_id, Proposal.origin_authority_id, Proposal.award_type_code,
               Proposal.award_rule, Proposal.state, Nominee.name)
        .join(Nominee, Nominee.id == Proposal.nominee_id)
        .where(Proposal.state.in_(states), arrived)).all()
    histories: dict[int, list] = defaultdict(list)
    for chunk in _chunks([r.id for r in rows]):
        for pid, to_state, created_at, data in ctx.session.execute(
                select(ProposalTransition.proposal_id, ProposalTransition.to_state, ProposalTransition.created_at,
                       ProposalTransition.data)
                .where(ProposalTransition.proposal_id.in_(chunk)).order_by(ProposalTransition.id)):
            histories[pid].append((to_state, created_at, data))
    due = []
    for row in rows:
        here, origin = ctx.authorities[row.current_authority_id], ctx.authorities[row.origin_authority_id]
        limit = ((row.award_rule or {}).get("processing_days")
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
        yield from _emit(policy, stage, "proposal", row.id, users, row.current_authority_id,
                         {"nominee": row.name, "award": row.award_type_code, "deadline": _iso(deadline),
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
        yield from _emit(policy, stage, "meeting", meeting_id, recipients.of(authority_id), authority_id,
                         {"when": _iso(scheduled_at), "place": place, "authority": ctx.authority_name(authority_id)})


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
            yield from _emit(policy, stage, "meeting", meeting_id, [user_id], authority_id,
                             {"when": _iso(scheduled_at), "authority": ctx.authority_name(authority_id)})


def members_yet_to_vote(session: Session, meeting_id: int) -> list[int]:
    """Members present who still have a secret-ballot item to vote on (recusals excepted)."""
    items = session.execute(select(AgendaItem.id, Proposal.award_rule).join(Proposal, Proposal.id == AgendaItem.proposal_id)
                            .where(AgendaItem.meeting_id == meeting_id)).all()
    votable = {item_id for item_id, rule in items
               if ((rule or {}).get("ballot") or {}).get("method") != "show_of_hands"}
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
        .where(Proposal.state == "public_notice",
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
        yield from _emit(policy, stage, "proposal", pid, recipients.of(authority_id, roles=roles), authority_id,
                         {"nominee": nominee, "award": award, "deadline": _iso(deadline),
                          "authority": ctx.authority_name(authority_id), **params})


def awaiting_decision(ctx: ScanContext, policy: Policy) -> Iterator[Due]:
    """Recommended proposals waiting for the chair's decision (``decide_within_days``) → the chair."""
    days = ctx.award_values("decide_within_days") + [policy.deadline_days or 10]
    lo, hi = deadline_bounds(policy, ctx.calendar, ctx.now)
    recommended_at = _entered(Proposal.id, "recommended")
    rows = ctx.session.execute(
        select(Proposal.id, Proposal.current_authority_id, Proposal.award_type_code, Proposal.award_rule,
               Nominee.name, recommended_at.label("recommended_at"))
        .join(Nominee, Nominee.id == Proposal.nominee_id)
        .where(Proposal.state == "recommended",
               recommended_at < local_midnight(before_by(ctx.calendar, policy.unit, hi, min(days))
                                               + timedelta(days=1)),
               recommended_at >= local_midnight(lo - timedelta(days=calendar_span(policy.unit, max(days)))))).all()
    out = []
    for pid, authority_id, award, rule, nominee, at in rows:
        within = ((rule or {}).get("decide_within_days") or ctx.award_config(authority_id, award).get("decide_within_days")
                  or policy.deadline_days or 10)
        since = local_date(at)
        deadline = shift(ctx.calendar, "working_days" if policy.unit == "working_days" else "days", since, within)
        out.append((pid, authority_id, award, nominee, deadline, {"since": _iso(since), "days": within}))
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
        yield from _emit(policy, stage, "submission", sid, recipients.of(authority_id, roles=roles), authority_id,
                         {"number": number, "to": ctx.authority_name(to_id), "sent_on": _iso(sent_on),
                          "open": open_count, "days": days, "deadline": _iso(deadline)})


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
    "returned_not_resubmitted": {"returned"},
    "notice_over": {"public_notice"},
    "awaiting_decision": {"recommended"},
}


def still_due(session: Session, row, processing_states=None) -> bool:
    """False when the reason for reminder ``row`` went away between the scan and the delivery (the
    proposal moved on, the member voted, the unit submitted, the higher level answered)."""
    kind, subject_id = row.kind, row.subject_id
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
