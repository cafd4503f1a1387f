"""Time travel through 2025: the scan runs every morning (and on the meeting day's afternoon) while
the commune's year unfolds; every reminder kind fires exactly once per due event, on its due day,
before and after its deadline; nobody who acted is reminded; nothing goes to an empty list; the
escalation lands on the working day it should, Tết 2025 included."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.reminders.timeline import Commune, at
from workflow.calendar.services import WorkCalendar
from workflow.reminders.models import Reminder
from workflow.reminders.schedule import local_date
from workflow.reminders.services import scan

D = date


def _timeline(c: Commune) -> list[tuple]:
    """(moment, action) for the whole year."""
    r24 = c.round(2024, D(2025, 1, 31))
    r25 = c.round(2025, D(2025, 10, 31))
    c.ids = ids = {"r24": r24, "r25": r25}
    ids["p_tet"] = c.proposal(r24, "NATO")
    ids["p_school24"] = c.proposal(r24, "SCHOOL")
    ids["p_ret1"] = c.proposal(r25, "DONGDAU")
    ids["p_ret2"] = c.proposal(r25, "NATO")
    ids["p_school25"] = c.proposal(r25, "SCHOOL")
    ids["p_sub1"] = c.proposal(r24, "SCHOOL", award="BK_TINH")
    ids["p_sub2"] = c.proposal(r24, "NATO", award="BK_TINH")
    ids["p_nato25"] = c.proposal(r25, "NATO", award="GDVH", household=True)
    ids["p_dd_gdvh"] = c.proposal(r25, "DONGDAU", award="GDVH", household=True)
    ids["p_meet"] = c.proposal(r25, "SCHOOL")

    def mv(pid, state, day, hour=9, **cols):
        return (at(day, hour), lambda: c.move(ids[pid], state, at(day, hour), **cols))

    def meeting_created():
        ids["meeting"] = c.meeting(at(D(2025, 12, 5), 9))

    def vote_opened():
        ids["items"] = c.open_vote(ids["meeting"], at(D(2025, 12, 5), 9, 30), [ids["p_meet"]],
                                   present=["chair", "secretary", "member1"])

    def submission_sent():
        ids["sub"] = c.submission(D(2025, 6, 11), [ids["p_sub1"], ids["p_sub2"]])

    return [
        # Tết 2025: submitted on Monday 20 January, 20 working days → Monday 24 February
        mv("p_tet", "submitted", D(2025, 1, 20)),
        mv("p_school24", "submitted", D(2025, 1, 29)),  # between the 3-day and the 1-day reminder
        mv("p_school24", "under_review", D(2025, 2, 3)),
        mv("p_school24", "recommended", D(2025, 2, 4)),
        mv("p_school24", "awarded", D(2025, 2, 5)),
        mv("p_tet", "under_review", D(2025, 3, 3)),
        mv("p_tet", "rejected", D(2025, 3, 10)),
        # returns: both returned on Wednesday 5 March (5 days → 10 March); one resubmitted on the 12th
        mv("p_ret1", "submitted", D(2025, 3, 3)),
        mv("p_ret2", "submitted", D(2025, 3, 3)),
        mv("p_ret1", "returned", D(2025, 3, 5), 10),
        mv("p_ret2", "returned", D(2025, 3, 5), 10),
        mv("p_ret2", "submitted", D(2025, 3, 12)),
        mv("p_ret2", "withdrawn", D(2025, 3, 13)),
        mv("p_ret1", "submitted", D(2025, 3, 20)),
        mv("p_ret1", "withdrawn", D(2025, 3, 24)),
        # public notice 3–12 April; closed on the 15th
        mv("p_school25", "submitted", D(2025, 4, 1)),
        mv("p_school25", "under_review", D(2025, 4, 2)),
        mv("p_school25", "public_notice", D(2025, 4, 3), notice_from=D(2025, 4, 3), notice_until=D(2025, 4, 12)),
        mv("p_school25", "under_review", D(2025, 4, 15), notice_done=True),
        mv("p_school25", "rejected", D(2025, 4, 16)),
        # a submission to the district on 11 June; answers on 28 July and 8 August
        mv("p_sub1", "submitted", D(2025, 6, 2)), mv("p_sub2", "submitted", D(2025, 6, 2)),
        mv("p_sub1", "under_review", D(2025, 6, 3)), mv("p_sub2", "under_review", D(2025, 6, 3)),
        mv("p_sub1", "recommended", D(2025, 6, 10)), mv("p_sub2", "recommended", D(2025, 6, 10)),
        mv("p_sub1", "forwarded", D(2025, 6, 11)), mv("p_sub2", "forwarded", D(2025, 6, 11)),
        (at(D(2025, 6, 11)), submission_sent),
        (at(D(2025, 7, 28)), lambda: c.outcome(ids["sub"], ids["p_sub1"], at(D(2025, 7, 28)))),
        (at(D(2025, 8, 8)), lambda: c.outcome(ids["sub"], ids["p_sub2"], at(D(2025, 8, 8)))),
        # Nà To submits its household on 27 October (after the 7-day reminder)
        mv("p_nato25", "submitted", D(2025, 10, 27)),
        mv("p_nato25", "under_review", D(2025, 10, 28)),
        mv("p_nato25", "recommended", D(2025, 11, 3)),  # GĐVH: the chairman decides within 10 working days
        mv("p_meet", "submitted", D(2025, 11, 17)),
        mv("p_meet", "under_review", D(2025, 11, 18)),
        mv("p_nato25", "awarded", D(2025, 11, 19)),
        mv("p_dd_gdvh", "submitted", D(2025, 11, 20)),  # Đồng Đau's household, before the 3-day reminder
        mv("p_dd_gdvh", "withdrawn", D(2025, 11, 26)),
        (at(D(2025, 11, 28)), meeting_created),
        mv("p_meet", "in_council", D(2025, 12, 1)),
        (at(D(2025, 12, 5), 9, 30), vote_opened),
        (at(D(2025, 12, 5), 10), lambda: c.vote(ids["items"], "member1")),
        (at(D(2025, 12, 5), 10, 15), lambda: c.vote(ids["items"], "chair")),
        (at(D(2025, 12, 5), 16), lambda: c.close_meeting(ids["meeting"], at(D(2025, 12, 5), 16))),
        mv("p_meet", "recommended", D(2025, 12, 5), 16),
        mv("p_meet", "awarded", D(2025, 12, 8)),
    ]


def _run_year(session, c: Commune, actions, extra_scans=()) -> tuple[dict[tuple, object], list[int]]:
    """Scan every day at 08:00 (plus ``extra_scans``) from 1 January to 31 December 2025, applying
    each action when its moment has come. Returns {outbox key: the scan moment that wrote it} and
    what an immediate re-run of each scan that wrote something wrote again."""
    moments = sorted({at(D(2025, 1, 1) + timedelta(days=i), 8) for i in range(365)} | set(extra_scans))
    pending = sorted(actions, key=lambda a: a[0])
    first_seen: dict[tuple, object] = {}
    rescans: list[int] = []
    last_id = 0
    for moment in moments:
        while pending and pending[0][0] <= moment:
            pending.pop(0)[1]()
        if scan(session, moment).inserted:
            rescans.append(len(scan(session, moment).inserted))
        for row in session.scalars(select(Reminder).where(Reminder.id > last_id).order_by(Reminder.id)):
            first_seen[(row.kind, row.subject_type, row.subject_id, row.due_on, row.recipient_id, row.level)] = moment
            last_id = row.id
    while pending:
        pending.pop(0)[1]()
    return first_seen, rescans


@pytest.fixture
def year(app, session):
    c = Commune(session)
    actions = _timeline(c)
    seen, rescans = _run_year(session, c, actions, extra_scans=[at(D(2025, 12, 5), 15)])
    return c, seen, rescans


def test_each_kind_fires_once_per_due_event_on_its_day(year):
    c, seen, rescans = year
    ids, u = c.ids, c.uid
    expected = {
        # nomination deadline of the 2024 round (Friday 31 January; 28 January is a Tết holiday —
        # calendar days): Đồng Đau never submits; the school submits on the 29th; Nà To had already
        ("nomination_deadline", "round", ids["r24"], D(2025, 1, 24), u("n_dongdau"), "remind"),
        ("nomination_deadline", "round", ids["r24"], D(2025, 1, 28), u("n_dongdau"), "remind"),
        ("nomination_deadline", "round", ids["r24"], D(2025, 1, 30), u("n_dongdau"), "remind"),
        ("nomination_deadline", "round", ids["r24"], D(2025, 1, 24), u("n_school"), "remind"),
        ("nomination_deadline", "round", ids["r24"], D(2025, 1, 28), u("n_school"), "remind"),
        # processing limit across Tết: 3 working days before, 1 after, chair 2 after
        ("processing_limit", "proposal", ids["p_tet"], D(2025, 2, 19), u("secretary"), "remind"),
        ("processing_limit", "proposal", ids["p_tet"], D(2025, 2, 25), u("secretary"), "remind"),
        ("processing_limit", "proposal", ids["p_tet"], D(2025, 2, 26), u("chair"), "escalate"),
        # returned on 5 March: 5 days, then a week later — only while not resubmitted
        ("returned_not_resubmitted", "proposal", ids["p_ret1"], D(2025, 3, 10), u("n_dongdau"), "remind"),
        ("returned_not_resubmitted", "proposal", ids["p_ret1"], D(2025, 3, 17), u("n_dongdau"), "remind"),
        ("returned_not_resubmitted", "proposal", ids["p_ret2"], D(2025, 3, 10), u("n_nato"), "remind"),
        # the notice ran until Saturday 12 April
        ("notice_over", "proposal", ids["p_school25"], D(2025, 4, 13), u("secretary"), "remind"),
        # the submission of 11 June: 30 working days → 23 July; chair 5 working days later; again 10 after
        ("submission_unanswered", "submission", ids["sub"], D(2025, 7, 23), u("secretary"), "remind"),
        ("submission_unanswered", "submission", ids["sub"], D(2025, 7, 30), u("chair"), "escalate"),
        ("submission_unanswered", "submission", ids["sub"], D(2025, 8, 6), u("secretary"), "remind"),
        # nomination deadline of the 2025 round (Friday 31 October)
        ("nomination_deadline", "round", ids["r25"], D(2025, 10, 24), u("n_nato"), "remind"),
        ("nomination_deadline", "round", ids["r25"], D(2025, 10, 24), u("n_dongdau"), "remind"),
        ("nomination_deadline", "round", ids["r25"], D(2025, 10, 28), u("n_dongdau"), "remind"),
        ("nomination_deadline", "round", ids["r25"], D(2025, 10, 30), u("n_dongdau"), "remind"),
        # recommended on 3 November: decide within 10 working days (17 November)
        ("awaiting_decision", "proposal", ids["p_nato25"], D(2025, 11, 13), u("chair"), "remind"),
        ("awaiting_decision", "proposal", ids["p_nato25"], D(2025, 11, 18), u("chair"), "remind"),
        # household review by 25 November: Đồng Đau proposes its household on the 20th
        ("household_review_deadline", "round", ids["r25"], D(2025, 11, 11), u("n_dongdau"), "remind"),
        ("household_review_deadline", "round", ids["r25"], D(2025, 11, 18), u("n_dongdau"), "remind"),
        # the meeting of 5 December, two days before: every council member
        *[("meeting_soon", "meeting", ids["meeting"], D(2025, 12, 3), u(m), "remind")
          for m in ("chair", "secretary", "member1", "member2")],
        # voting opened at 09:30; member1 and the chair voted, member2 is absent: only the secretary
        ("vote_pending", "meeting", ids["meeting"], D(2025, 12, 5), u("secretary"), "remind"),
    }
    assert set(seen) == expected, (sorted(set(seen) - expected, key=str), sorted(expected - set(seen), key=str))
    for key, moment in seen.items():
        if key[0] == "vote_pending":
            assert moment == at(D(2025, 12, 5), 15)
        else:
            assert local_date(moment) == key[3], (key, moment)
    # a scan run again at once (a second beat, a retried task) writes nothing
    assert rescans and set(rescans) == {0}


def test_the_escalation_counts_tet_as_days_off(app, session):
    calendar = WorkCalendar()
    # without Tết the 20th working day after 20 January would be Monday 17 February
    assert calendar.add_working_days(D(2025, 1, 20), 20) == D(2025, 2, 24)
    assert [d for d in (D(2025, 1, 27) + timedelta(days=i) for i in range(5)) if calendar.is_working_day(d)] == []


def test_no_reminder_goes_to_an_empty_list(app, session):
    c = Commune(session)
    r25 = c.round(2025, D(2025, 10, 31))
    # every unit with a nominator has submitted: the nomination reminder has nobody to go to
    for unit in ("NATO", "DONGDAU", "SCHOOL"):
        c.move(c.proposal(r25, unit), "submitted", at(D(2025, 10, 1)))
    # a proposal far past its limit at an authority whose secretary and chair have left
    late = c.proposal(r25, "NATO", award="GK_XA")
    c.move(late, "submitted", at(D(2025, 1, 6)))
    for who in ("secretary", "chair"):
        c.users[who].active = False
    session.commit()
    moments = [at(D(2025, 10, 24), 8), at(D(2025, 10, 30), 8)] + [at(D(2025, 2, d), 8) for d in range(1, 28)]
    for moment in moments:
        result = scan(session, moment)
        assert result.due == [] and result.inserted == [], (moment, result.due)
