"""The processing clock (thời hạn giải quyết): working days a proposal has waited at its current
authority, paused while returned, against the award type's limit. The one place that walks a
proposal's history into running stretches (``running_stretches``): the clock a screen and the API
show (``processing_clock``), and the day the limit is reached (``processing_deadline``) that the
reminders' scan and the waiting report use, all count the same days."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import vntime
from workflow.calendar.services import WorkCalendar
from workflow.proposals.eligibility import award_rule
from workflow.proposals.models import Proposal, ProposalTransition
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


def running_stretches(history: Iterable, origin_code: str, current_code: str) -> Iterator[tuple[date, date | None]]:
    """The (first day, end day) of every stretch the proposal spent in a running state at its
    current authority, oldest first; the end of a stretch still running is None. ``history``: the
    proposal's transitions in order, as (to_state, created_at, data); a ``to_authority`` in the
    data moves the proposal (a forward, a return down), days are Vietnam dates."""
    authority_code, started = origin_code, None
    for to_state, created_at, data in history:
        day = local_day(created_at)
        if started is not None:
            yield started, day
        if (data or {}).get("to_authority"):
            authority_code = data["to_authority"]
        started = day if authority_code == current_code and to_state in RUNNING else None
    if started is not None:
        yield started, None


def _history(proposal: Proposal) -> list[tuple]:
    return [(row.to_state, row.created_at, row.data) for row in proposal.history]


def histories(session: Session, proposal_ids) -> dict[int, list[tuple]]:
    """``{proposal id: its history as (to_state, created_at, data), in order}`` in one select of
    those three columns (a list's clocks: no transition objects for every row of the page)."""
    out: dict[int, list[tuple]] = {pid: [] for pid in proposal_ids}
    if out:
        rows = session.execute(select(ProposalTransition.proposal_id, ProposalTransition.to_state,
                                      ProposalTransition.created_at, ProposalTransition.data)
                               .where(ProposalTransition.proposal_id.in_(list(out)))
                               .order_by(ProposalTransition.id))
        for pid, to_state, created_at, data in rows:
            out[pid].append((to_state, created_at, data))
    return out


def processing_clock(proposal: Proposal, calendar: WorkCalendar, today: date | None = None,
                     default_limit: int | None = None, history: list[tuple] | None = None) -> Clock:
    """Sum the working days of every stretch the proposal spent running at its current authority.
    ``history``: the proposal's, as ``histories`` reads it (else read from the relationship)."""
    history = _history(proposal) if history is None else history
    rule = proposal.rule
    return clock_of(history, proposal.origin_authority.code, proposal.current_authority.code, proposal.state,
                    (rule.processing_days if rule else None) or default_limit, calendar, today)


def clock_of(history: list[tuple], origin_code: str, current_code: str, state: str, limit: int | None,
             calendar: WorkCalendar, today: date | None = None) -> Clock:
    """``processing_clock`` of a proposal known by its columns (a list screen's plain rows): its
    history as ``histories`` reads it, the codes of its origin and current authorities, its state
    and the limit (the snapshot's processing days, else the rule in force)."""
    today = today or local_today()
    total, running = 0, False
    for started, ended in running_stretches(history, origin_code, current_code):
        running = ended is None
        total += calendar.working_days_between(started, today if running else ended)
    finished = state in FINISHED and bool(history)
    return Clock(total, limit, running, bool(limit and total > limit), finished,
                 local_day(history[-1][1]) if finished else None)


def clock_for(session, proposal: Proposal, calendar: WorkCalendar, today: date | None = None) -> Clock:
    """The clock with its limit: the snapshot's, or (before ``accept``) the rule set in force."""
    limit = None
    if not proposal.award_rule:
        found = award_rule(session, proposal)
        limit = found[1].get("processing_days") if found else None
    return processing_clock(proposal, calendar, today, default_limit=limit)


def processing_deadline(history: Iterable, origin_code: str, current_code: str, calendar: WorkCalendar,
                        limit: int) -> date | None:
    """The day the processing clock reaches ``limit`` working days (the stretches of
    ``running_stretches``: in a running state at the current authority, paused while returned).
    Stable across transitions (the day it was crossed, when that already happened); None when the
    clock is not running now. ``history`` as for ``running_stretches``."""
    used, deadline = 0, None
    for started, ended in running_stretches(history, origin_code, current_code):
        if ended is None:
            return deadline or calendar.add_working_days(started, max(limit - used, 0))
        if deadline is None:
            stretch = calendar.working_days_between(started, ended)
            if used + stretch >= limit:
                deadline = calendar.add_working_days(started, limit - used)
            used += stretch
    return None


def proposal_deadline(proposal: Proposal, calendar: WorkCalendar, limit: int) -> date | None:
    """``processing_deadline`` of a loaded proposal (its history read from the relationship)."""
    return processing_deadline(_history(proposal), proposal.origin_authority.code, proposal.current_authority.code,
                               calendar, limit)
