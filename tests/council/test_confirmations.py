"""Irreversible acts ask first: opening and closing a vote and discarding a draft show a
confirmation step (a page, no script) and change nothing until it is confirmed; a vote opens before
the meeting's day only with a recorded reason; withdrawing is the unit's act."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.council.helpers import MEMBERS, audit_count
from tests.council.test_views import csrf_of, text, vi, web  # noqa: F401 — the signed-in client fixture
from workflow.audit.models import AuditEntry
from workflow.council.models import Meeting
from workflow.db import utcnow
from workflow.extensions import db


def _future_meeting(c, pids) -> int:
    day = (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT08:00:00")
    mid = c.post("secretary", "/api/v1/meetings", {"authority_code": "X-DB", "scheduled_at": day,
                                                   "place": "Hội trường"}, expect=201)["id"]
    c.post("secretary", f"/api/v1/meetings/{mid}/agenda", {"proposal_ids": pids})
    c.attendance(mid, MEMBERS)
    return mid


def test_opening_and_closing_the_vote_ask_first(c, web, app, session):  # noqa: F811
    pids = c.under_review(1)
    mid = c.meeting(pids)
    chutich = web("chutich")
    page = text(chutich.get(f"/hoi-dong/{mid}"))
    before = audit_count(session)
    asked = chutich.post(f"/hoi-dong/{mid}/mo-bo-phieu", data={"csrf_token": csrf_of(page)})
    assert asked.status_code == 200 and 'data-testid="confirm-step"' in text(asked)
    assert vi(app, "Open the vote?") in text(asked)
    assert c.show(mid)["status"] == "scheduled" and audit_count(session) == before
    done = chutich.post(f"/hoi-dong/{mid}/mo-bo-phieu", data={"csrf_token": csrf_of(text(asked)), "confirm": "1"})
    assert done.status_code == 302 and c.show(mid)["status"] == "voting"

    c.votes(mid, {u: {pids[0]: "yes"} for u in MEMBERS})
    page = text(chutich.get(f"/hoi-dong/{mid}"))
    asked = chutich.post(f"/hoi-dong/{mid}/ket-thuc-bo-phieu", data={"csrf_token": csrf_of(page)})
    assert 'data-testid="confirm-step"' in text(asked) and c.show(mid)["status"] == "voting"
    done = chutich.post(f"/hoi-dong/{mid}/ket-thuc-bo-phieu", data={"csrf_token": csrf_of(text(asked)),
                                                                     "confirm": "1"})
    assert done.status_code == 302 and c.show(mid)["status"] == "closed"


def test_a_vote_opens_before_the_meeting_day_only_with_a_reason(c, web, app, session):  # noqa: F811
    pids = c.under_review(1)
    mid = _future_meeting(c, pids)
    # the API: refused with the day, then opened with the reason, which the audit keeps
    refused = c.open(mid, expect=409)
    assert refused["error"]["code"] == "before_meeting_day" and "early_reason" in refused["error"]["details"]
    assert c.show(mid)["status"] == "scheduled"
    blank = c.call("chutich", "POST", f"/api/v1/meetings/{mid}/open", {"early_reason": "   "}, expect=409)
    assert blank.get_json()["error"]["code"] == "before_meeting_day"
    # the screen: the confirmation asks for the reason
    chutich = web("chutich")
    page = text(chutich.get(f"/hoi-dong/{mid}"))
    asked = chutich.post(f"/hoi-dong/{mid}/mo-bo-phieu", data={"csrf_token": csrf_of(page), "confirm": "1"})
    assert 'data-testid="confirm-reason"' in text(asked) and c.show(mid)["status"] == "scheduled"
    done = chutich.post(f"/hoi-dong/{mid}/mo-bo-phieu", data={
        "csrf_token": csrf_of(text(asked)), "confirm": "1", "early_reason": "Chủ tịch đi công tác ngày họp"})
    assert done.status_code == 302 and c.show(mid)["status"] == "voting"
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "meeting.open"))
    assert entry.data["early_reason"] == "Chủ tịch đi công tác ngày họp"


def test_on_the_meeting_day_no_reason_is_needed(c, app, session):
    pids = c.under_review(1)
    mid = _future_meeting(c, pids)
    with app.app_context():
        meeting = db.session.get(Meeting, mid)
        meeting.scheduled_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    assert c.open(mid)["status"] == "voting"
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "meeting.open"))
    assert "early_reason" not in entry.data


def test_withdrawing_is_the_units_act(c):
    pid = c.propose(c.person("Ma Văn Rút"))["id"]
    c.event("nominator", pid, "submit")
    refused = c.call("secretary", "POST", f"/api/v1/proposals/{pid}/events", {"event": "withdraw"}, expect=403)
    assert refused.get_json()["error"]["code"] == "forbidden"
    assert c.state(pid) == "submitted"
    # the secretary rejects with a reason instead; the unit may withdraw
    assert c.event("nominator", pid, "withdraw")["state"] == "withdrawn"
