"""The working-day clock (thời hạn giải quyết) across Tết 2025.

Tết Ất Tỵ: Monday 27 January – Saturday 1 February 2025 are public holidays (the ``holidays``
package's list), Sunday 2 February is a Sunday; work resumes on Monday 3 February. Every expected
number below is counted by hand on this calendar (written out in the comments)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from tests import factories as f
from tests.proposals import rows
from tests.proposals.helpers import World
from workflow.calendar.models import CalendarDay
from workflow.calendar.services import WorkCalendar
from workflow.proposals.clock import processing_clock
from workflow.proposals.models import Proposal, ProposalTransition, Round

TET_2025 = [date(2025, 1, 27) + timedelta(days=i) for i in range(6)]  # Mon 27 Jan … Sat 1 Feb


def d(month: int, day: int, year: int = 2025) -> date:
    return date(year, month, day)


def by_hand(start: date, end: date, off=(), extra_working=()) -> int:
    """Mon–Fri after ``start`` up to ``end``, minus Tết / New Year / ``off``, plus ``extra_working``."""
    closed = set(TET_2025) | {date(2025, 1, 1)} | set(off)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if day in extra_working or (day.weekday() < 5 and day not in closed):
            count += 1
    return count


# --- WorkCalendar ---------------------------------------------------------------------------------

def test_tet_2025_holidays_are_not_working_days():
    cal = WorkCalendar()
    assert [cal.is_working_day(day) for day in TET_2025] == [False] * 6
    assert cal.is_working_day(d(1, 24)) and cal.is_working_day(d(2, 3))
    assert not cal.is_working_day(d(2, 2))  # Sunday


@pytest.mark.parametrize(("start", "end", "expected"), [
    (d(1, 24), d(2, 7), 5),  # Fri 24 Jan → Fri 7 Feb: only 3–7 Feb
    (d(1, 24), d(1, 31), 0),  # the whole Tết week
    (d(1, 24), d(2, 3), 1),
    (d(1, 26), d(2, 3), 1),  # from the Sunday before Tết
    (d(1, 20), d(1, 24), 4),  # an ordinary week: Tue–Fri
    (d(1, 20), d(2, 14), 14),  # 21–24 Jan (4) + 3–7 Feb (5) + 10–14 Feb (5)
    (date(2024, 12, 31), d(1, 2), 1),  # New Year's Day across the year boundary
    (d(2, 7), d(2, 7), 0),
    (d(2, 7), d(2, 3), 0),  # end before start
])
def test_working_days_between(start, end, expected):
    assert WorkCalendar().working_days_between(start, end) == expected
    assert by_hand(start, end) == expected  # the hand count agrees with itself


@pytest.mark.parametrize(("start", "days", "expected"), [
    (d(1, 24), 0, d(1, 24)),
    (d(1, 23), 1, d(1, 24)),
    (d(1, 24), 1, d(2, 3)),  # Tết and two weekends skipped
    (d(1, 24), 5, d(2, 7)),
    (d(1, 24), 6, d(2, 10)),
    (d(1, 26), 1, d(2, 3)),
    (date(2024, 12, 31), 1, d(1, 2)),
])
def test_add_working_days(start, days, expected):
    assert WorkCalendar().add_working_days(start, days) == expected


def test_between_and_add_agree_over_tet():
    cal = WorkCalendar()
    for start in (d(1, 17), d(1, 24), d(1, 26), d(1, 29)):
        for n in range(0, 25):
            end = cal.add_working_days(start, n)
            assert cal.working_days_between(start, end) == n == by_hand(start, end)
            assert n == 0 or cal.is_working_day(end)


def test_counted_working_days_equal_the_day_by_day_walk():
    """``working_days_between`` counts (weekdays, holidays, configured days) rather than walking
    each day: over random spans and random configured days, the same number as the walk."""
    import random

    def walk(cal, start, end):
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += cal.is_working_day(day)
        return count

    rnd = random.Random(12)
    for _ in range(60):
        days = {d(1, 1, 2024) + timedelta(days=rnd.randint(0, 1100)): rnd.choice(("working_day", "day_off"))
                for _ in range(rnd.randint(0, 12))}
        cal = WorkCalendar(days)
        for _ in range(20):
            start = d(1, 1, 2024) + timedelta(days=rnd.randint(-10, 1100))
            end = start + timedelta(days=rnd.randint(-5, 800))
            assert cal.working_days_between(start, end) == walk(cal, start, end), (start, end)


def test_configured_day_off_and_compensatory_working_saturday(session):
    session.add_all([
        CalendarDay(day=d(2, 3), kind="day_off", note="Nghỉ bù thêm sau Tết"),
        CalendarDay(day=d(2, 8), kind="working_day", note="Làm bù thứ Bảy"),
        CalendarDay(day=d(4, 26), kind="working_day", note="Làm bù cho ngày 2/5"),
    ])
    session.commit()
    cal = WorkCalendar.load(session)
    assert not cal.is_working_day(d(2, 3)) and cal.is_working_day(d(2, 8))
    assert cal.working_days_between(d(1, 24), d(2, 7)) == 4 == by_hand(d(1, 24), d(2, 7), off=[d(2, 3)])
    assert cal.add_working_days(d(1, 24), 1) == d(2, 4)
    assert cal.working_days_between(d(2, 7), d(2, 10)) == 2  # Sat 8 Feb worked, Mon 10 Feb
    assert cal.add_working_days(d(2, 7), 1) == d(2, 8)
    assert cal.working_days_between(d(1, 24), d(2, 14)) == by_hand(
        d(1, 24), d(2, 14), off=[d(2, 3)], extra_working=[d(2, 8)]) == 10
    # 2 May 2025 is a public day off, swapped with Saturday 26 April
    assert cal.working_days_between(d(4, 25), d(4, 28)) == 2
    assert cal.working_days_between(d(4, 30), d(5, 5)) == 1  # 30 Apr, 1 May, 2 May off; Mon 5 May
    # without the configuration the defaults stand
    assert WorkCalendar().working_days_between(d(2, 7), d(2, 10)) == 1


# --- the processing clock of a proposal -----------------------------------------------------------

def at(day: date, hour: int = 2) -> datetime:
    """A UTC timestamp on ``day`` (02:00 UTC is 09:00 in Vietnam: office hours, same date)."""
    return datetime(day.year, day.month, day.day, hour, 30, tzinfo=UTC)


@pytest.fixture
def place(session):
    org = f.commune_setup(session)
    round_ = Round(authority_id=org["commune"].id, year=2025, kind="annual", title="Năm 2025",
                   nomination_deadline=d(12, 15))
    session.add(round_)
    session.commit()
    return org, round_


def make(session, place, state, moves, limit=20, current=None):
    """A proposal in ``state`` whose history is ``moves`` = [(event, from, to, day, data?)]."""
    org, round_ = place
    code, rule = rows.rule_for(session, org["commune"], "LDTT")
    proposal = rows.proposal_in_state(session, round_=round_, unit=org["hamlet"], state=state,
                                      rule=(code, {**rule, "processing_days": limit}))
    for event, from_state, to_state, day, *data in moves:
        rows.history_row(session, proposal, event, from_state, to_state, at(day), data=data[0] if data else None)
    if current is not None:
        proposal.current_authority_id = current.id
    session.commit()
    session.expire_all()
    return session.get(Proposal, proposal.id)


RETURNED_OVER_TET = [
    ("submit", "draft", "submitted", d(1, 20)),  # runs: 21, 22 Jan → 2
    ("return_for_changes", "submitted", "returned", d(1, 22)),  # paused over Tết
    ("resubmit", "returned", "submitted", d(2, 5)),  # runs: 6 Feb → 1
    ("accept", "submitted", "under_review", d(2, 6)),  # runs from 6 Feb
]


@pytest.mark.parametrize(("today", "days", "overdue"), [
    (d(2, 6), 3, False),
    (d(2, 10), 5, False),  # + 7, 10 Feb
    (d(3, 3), 20, False),  # + 7 Feb … 3 Mar = 17 working days: exactly the limit
    (d(3, 4), 21, True),  # one past the limit
])
def test_clock_runs_pauses_while_returned_and_turns_overdue(session, place, today, days, overdue):
    proposal = make(session, place, "under_review", RETURNED_OVER_TET, limit=20)
    clock = processing_clock(proposal, WorkCalendar.load(session), today=today)
    assert (clock.working_days, clock.limit, clock.running, clock.overdue) == (days, 20, True, overdue)
    assert days == by_hand(d(1, 20), d(1, 22)) + by_hand(d(2, 5), d(2, 6)) + by_hand(d(2, 6), today)


def test_clock_is_paused_while_returned(session, place):
    proposal = make(session, place, "returned", RETURNED_OVER_TET[:2])
    for today in (d(1, 23), d(3, 31)):
        clock = processing_clock(proposal, WorkCalendar(), today=today, default_limit=1)
        assert (clock.working_days, clock.running) == (2, False)
        assert clock.overdue is True  # 2 working days against a limit of 1, frozen while returned


def test_clock_over_tet_only_counts_working_days(session, place):
    """Before `accept` there is no snapshot yet: the caller passes the award type's limit."""
    proposal = make(session, place, "submitted", [("submit", "draft", "submitted", d(1, 24))])
    assert proposal.award_rule is None
    cal = WorkCalendar()
    assert processing_clock(proposal, cal, today=d(1, 31)).working_days == 0
    assert processing_clock(proposal, cal, today=d(2, 4)).working_days == 2
    assert not processing_clock(proposal, cal, today=d(2, 7), default_limit=5).overdue  # 5 of 5
    assert processing_clock(proposal, cal, today=d(2, 10), default_limit=5).overdue  # 6 of 5


def test_clock_stops_at_a_decision(session, place):
    moves = RETURNED_OVER_TET + [
        ("schedule", "under_review", "in_council", d(2, 10)),
        ("pass", "in_council", "recommended", d(2, 12)),
        ("decide", "recommended", "awarded", d(2, 14)),
    ]
    proposal = make(session, place, "awarded", moves)
    clock = processing_clock(proposal, WorkCalendar(), today=d(6, 30))
    assert (clock.working_days, clock.running) == (3 + by_hand(d(2, 6), d(2, 14)), False) == (9, False)


def test_clock_restarts_at_the_higher_level(session, place):
    org, _round = place
    moves = [
        ("submit", "draft", "submitted", d(1, 6)),
        ("accept", "submitted", "under_review", d(1, 7)),
        ("forward", "recommended", "submitted", d(2, 10), {"to_authority": org["district"].code}),
    ]
    proposal = make(session, place, "submitted", moves, current=org["district"])
    clock = processing_clock(proposal, WorkCalendar(), today=d(2, 12))
    assert (clock.working_days, clock.running) == (2, True)  # 11, 12 Feb at the district only


def test_clock_counts_vietnamese_calendar_days(session, place):
    proposal = make(session, place, "submitted", [])
    rows.history_row(session, proposal, "submit", "draft", "submitted",
                     datetime(2025, 2, 2, 23, 30, tzinfo=UTC))  # Mon 3 Feb 2025, 06:30 in Hà Nội
    session.commit()
    session.expire_all()
    proposal = session.get(Proposal, proposal.id)
    # waited Tuesday 4 February only
    assert processing_clock(proposal, WorkCalendar(), today=d(2, 4)).working_days == 1


def _backdate_submit(session, pid: int, days_ago: int) -> None:
    session.execute(update(ProposalTransition).where(ProposalTransition.proposal_id == pid).values(
        created_at=datetime.now(UTC) - timedelta(days=days_ago)))
    session.commit()


def test_clock_in_the_api_answer(client, session):
    w = World(client, session)
    p = w.propose(w.person())
    w.event("nominator", p["id"], "submit")
    clock = w.get("secretary", f"/api/v1/proposals/{p['id']}")["clock"]
    assert clock["running"] is True and clock["working_days"] == 0 and clock["overdue"] is False
    # accepted: the snapshot's limit (20 working days in the rule sets shipped) and the waiting time
    w.event("secretary", p["id"], "accept")
    _backdate_submit(session, p["id"], 70)
    clock = w.get("secretary", f"/api/v1/proposals/{p['id']}")["clock"]
    assert clock["limit"] == 20 and clock["working_days"] > 20 and clock["overdue"] is True


def test_api_clock_of_a_submitted_proposal_has_the_award_types_limit(client, session):
    w = World(client, session)
    p = w.propose(w.person())
    w.event("nominator", p["id"], "submit")
    _backdate_submit(session, p["id"], 70)
    clock = w.get("secretary", f"/api/v1/proposals/{p['id']}")["clock"]
    assert clock["working_days"] > 20
    assert clock["limit"] == 20 and clock["overdue"] is True
