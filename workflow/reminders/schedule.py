"""When reminders fall due: Vietnam's local dates, working-day arithmetic and the *stages* of a
policy around a deadline.

A policy's offsets give a list of due dates around the deadline. At ``now`` the *current* stage is
the latest one already due whose window is still open (until the next stage; a last "before"
stage until the deadline; a last "after" stage for ``LATE_DAYS``). Scans every few minutes
therefore send each stage once, and a scan after an outage sends only the most recent one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from workflow.calendar.services import WorkCalendar
from workflow.reminders.config import Policy
from workflow.vntime import VN_TZ, local_date, local_midnight  # noqa: F401  (re-exported)

# Vietnam's dates come from the one helper (re-exported here for the reminder modules)
LOCAL_TZ = VN_TZ
LATE_DAYS = 30  # a last "after" reminder still goes out this long after it fell due (missed scans)
LATE_HOURS = 24


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


