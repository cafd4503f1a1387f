"""The processing clock (thời hạn giải quyết): working days a proposal has waited at its current
authority, paused while returned, against the award type's limit."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from workflow import vntime
from workflow.calendar.services import WorkCalendar
from workflow.proposals.models import Proposal
from workflow.proposals.vocab import State

RUNNING = {State.SUBMITTED, State.UNDER_REVIEW, State.PUBLIC_NOTICE, State.IN_COUNCIL, State.RECOMMENDED}
# the authority's work on it is over: the clock shows the time it took
FINISHED = {State.AWARDED, State.REJECTED, State.WITHDRAWN, State.REVOKED, State.NOT_RECOMMENDED}
# working days are days of the Vietnamese calendar, whatever the server's zone
local_day = vntime.local_date
local_today = vntime.today


@dataclass
class Clock:
    working_days: int
    limit: int | None
    running: bool
    overdue: bool
    finished: bool = False
    finished_on: date | None = None  # the Vietnam date of the finishing act

    def as_dict(self) -> dict:
        data = asdict(self)
        data["finished_on"] = self.finished_on.isoformat() if self.finished_on else None
        return data


def processing_clock(proposal: Proposal, calendar: WorkCalendar, today: date | None = None,
                     default_limit: int | None = None) -> Clock:
    """Sum the working days of every stretch the proposal spent running at its current authority."""
    today = today or local_today()
    authority_code = proposal.origin_authority.code
    started: date | None = None
    total = 0
    for row in proposal.history:
        if row.data.get("to_authority"):
            authority_code = row.data["to_authority"]
        here = authority_code == proposal.current_authority.code
        if started is not None:
            total += calendar.working_days_between(started, local_day(row.created_at))
            started = None
        if here and row.to_state in RUNNING:
            started = local_day(row.created_at)
    running = started is not None
    if running:
        total += calendar.working_days_between(started, today)
    rule = proposal.rule
    limit = (rule.processing_days if rule else None) or default_limit
    finished = proposal.state in FINISHED and bool(proposal.history)
    return Clock(total, limit, running, bool(limit and total > limit), finished,
                 local_day(proposal.history[-1].created_at) if finished else None)


def clock_for(session, proposal: Proposal, calendar: WorkCalendar, today: date | None = None) -> Clock:
    """The clock with its limit: the snapshot's, or (before ``accept``) the rule set in force."""
    from workflow.proposals.eligibility import award_rule

    limit = None
    if not proposal.award_rule:
        found = award_rule(session, proposal)
        limit = found[1].get("processing_days") if found else None
    return processing_clock(proposal, calendar, today, default_limit=limit)
