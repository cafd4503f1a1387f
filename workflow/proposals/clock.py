"""The processing clock (thời hạn giải quyết): working days a proposal has waited at its current
authority, paused while returned, against the award type's limit."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from workflow.calendar.services import WorkCalendar
from workflow.proposals.models import Proposal

RUNNING = {"submitted", "under_review", "public_notice", "in_council", "recommended"}


@dataclass
class Clock:
    working_days: int
    limit: int | None
    running: bool
    overdue: bool

    def as_dict(self) -> dict:
        return asdict(self)


def processing_clock(proposal: Proposal, calendar: WorkCalendar, today: date | None = None,
                     default_limit: int | None = None) -> Clock:
    """Sum the working days of every stretch the proposal spent running at its current authority."""
    today = today or date.today()
    authority_code = proposal.origin_authority.code
    started: date | None = None
    total = 0
    for row in proposal.history:
        if row.data.get("to_authority"):
            authority_code = row.data["to_authority"]
        here = authority_code == proposal.current_authority.code
        if started is not None:
            total += calendar.working_days_between(started, row.created_at.date())
            started = None
        if here and row.to_state in RUNNING:
            started = row.created_at.date()
    running = started is not None
    if running:
        total += calendar.working_days_between(started, today)
    rule = proposal.award_rule or {}
    limit = rule.get("processing_days") or default_limit
    return Clock(total, limit, running, bool(limit and total > limit))
