"""Event notifications: a proposal returned, accepted, rejected, awarded, a submission answered, a
meeting scheduled and its vote opened reach the people concerned — once per event, never the one
who acted, none when the event's transaction rolls back — in the app and by e-mail per preference."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.decisions.helpers import Desk
from tests.reminders.test_api import _sign_in
from workflow.org.models import Authority, User
from workflow.proposals import services as proposals
from workflow.reminders import events
from workflow.reminders.delivery import deliver
from workflow.reminders.models import Notification, Reminder


@pytest.fixture
def d(app, client, session):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    return Desk(client, session)


def _told(session, kind: str) -> list[str]:
    """Usernames who received notification ``kind`` in the app, in order."""
    session.expire_all()
    return list(session.scalars(select(User.username).join(Notification, Notification.user_id == User.id)
                                .where(Notification.kind == kind).order_by(User.username)))


def _items(d, who: str, kind: str) -> list[dict]:
    return [i for i in d.get(who, "/api/v1/notifications?lang=vi")["items"] if i["kind"] == kind]


def test_a_return_is_told_to_the_units_nominators_with_a_link(d, session, client):
    other_unit = f.unit(session, d.org["commune"], "DB-DONGDAU", name="Xóm Đồng Đau")
    f.user(session, "nominator", d.org["commune"], other_unit, username="xomkhac")
    f.user(session, "nominator", d.org["commune"], d.org["hamlet"], username="photruongxom")
    pid = d.propose(d.person())["id"]
    d.event("nominator", pid, "submit")
    assert _told(session, "proposal_returned") == []
    d.event("secretary", pid, "return_for_changes", items=[{"field": "achievements", "message": "Ghi rõ thành tích"}],
            comment="Bổ sung số liệu")
    # both nominators of the hamlet, not the other hamlet's, not the secretary who returned it
    assert _told(session, "proposal_returned") == ["photruongxom", "truongxom"]
    [item] = _items(d, "nominator", "proposal_returned")
    assert "Ma Văn Thử" in item["title"] and item["action"] is True
    assert "Bổ sung số liệu" in item["body"]
    # on the screen, the notification links to the proposal
    _sign_in(client, "truongxom")
    assert f'href="/ho-so/{pid}"' in client.get("/thong-bao").get_data(as_text=True)


def test_accept_reject_and_award_reach_the_nominator(d, session):
    accepted = d.accepted("Hoàng Văn Nhận")
    assert _told(session, "proposal_accepted") == ["truongxom"]
    refused = d.accepted("Nông Thị Từ")
    d.event("secretary", refused, "reject", reason="Không đủ tiêu chuẩn")
    [item] = _items(d, "nominator", "proposal_rejected")
    assert "Không đủ tiêu chuẩn" in item["body"]
    d.recommend([accepted])
    decision = d.issue(d.decision([accepted])["id"])
    [awarded] = _items(d, "nominator", "proposal_awarded")
    assert "Hoàng Văn Nhận" in awarded["title"] and decision["number"] in awarded["body"]
    # the award's full name, not its code
    assert "Giấy khen" in awarded["title"] and "GK_XA" not in awarded["title"]
    assert _told(session, "proposal_awarded") == ["truongxom"]


def test_meeting_scheduled_and_voting_opened_reach_the_council(d, session):
    pid = d.accepted("Lường Văn Họp", "LDTT")
    mid = d.post("thuky", "/api/v1/meetings", {"authority_code": "X-DB", "scheduled_at": "2025-12-20T08:00:00",
                                              "place": "Hội trường"}, expect=201)["id"]
    # the secretary scheduled it: the other members are told
    assert _told(session, "meeting_scheduled") == ["chutich", "uyvien"]
    assert _told(session, "voting_opened") == []
    d.post("thuky", f"/api/v1/meetings/{mid}/agenda", {"proposal_ids": [pid]})
    d.post("thuky", f"/api/v1/meetings/{mid}/attendance", {"present": ["chutich", "uyvien", "thuky"]})
    d.post("chutich", f"/api/v1/meetings/{mid}/open")
    assert _told(session, "voting_opened") == ["thuky", "uyvien"]
    [item] = _items(d, "uyvien", "voting_opened")
    assert item["action"] is True
    # the nominator hears nothing of the council's meeting
    assert _items(d, "nominator", "meeting_scheduled") == []


def test_a_recorded_answer_is_told_to_the_other_secretaries(d, session):
    outside = f.authority(session, "H-NGOAI", "district", d.org["province"], name="UBND huyện Ngoài")
    session.scalar(select(Authority).where(Authority.code == "X-DB")).parent_id = outside.id
    session.commit()
    f.user(session, "secretary", d.org["commune"], username="thuky2")
    bk = d.accepted("Ma Thị Giấy", "BK_TINH")
    d.recommend([bk])
    sent = d.send(d.submission([bk])["id"], date="2025-12-29")
    d.post("thuky", f"/api/v1/submissions/{sent['id']}/outcome",
           {"proposal_id": bk, "outcome": "approved", "decision_number": "215/QĐ-UBND", "decision_date": "2026-02-03"})
    assert _told(session, "submission_answered") == ["thuky2"]
    [awarded] = _items(d, "nominator", "proposal_awarded")
    assert "215/QĐ-UBND" in awarded["body"]


def test_a_rolled_back_event_tells_no_one(d, session, monkeypatch):
    pid = d.propose(d.person())["id"]
    d.event("nominator", pid, "submit")

    def broken(*args, **kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(proposals.audit, "record", broken)
    secretary = session.scalar(select(User).where(User.username == "thuky"))
    with pytest.raises(RuntimeError):
        proposals.transition(session, pid, "accept", secretary)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Reminder).where(Reminder.kind == "proposal_accepted")) == 0
    assert _told(session, "proposal_accepted") == []


def test_each_event_is_told_once_however_often_it_is_written_or_delivered(app, d, session):
    pid = d.accepted("Đàm Văn Một")
    [row] = session.scalars(select(Reminder).where(Reminder.kind == "proposal_accepted"))
    # the same history row written again (a retried hook) adds nothing
    proposal = d.proposal(pid)
    from workflow.proposals.models import ProposalTransition
    history = session.scalar(select(ProposalTransition).where(ProposalTransition.proposal_id == pid,
                                                              ProposalTransition.event == "accept"))
    secretary = session.scalar(select(User).where(User.username == "thuky"))
    with app.test_request_context():
        assert events.proposal_event(session, proposal, history, secretary, proposal.current_authority) == []
        session.commit()
        deliver(session, ids=[row.id])
        deliver(session)
    assert _told(session, "proposal_accepted") == ["truongxom"]


def test_email_follows_the_recipients_preference(app, d, session):
    nominator = session.scalar(select(User).where(User.username == "truongxom"))
    nominator.email = "truongxom@example.vn"
    session.commit()
    d.call("nominator", "PUT", "/api/v1/notifications/preferences", {"email": "off"}, expect=200)
    d.accepted("Triệu Văn Tắt")
    session.expire_all()
    [row] = session.scalars(select(Reminder).where(Reminder.kind == "proposal_accepted"))
    assert (row.status, row.channel) == ("sent", "none")  # in the app only
    d.call("nominator", "PUT", "/api/v1/notifications/preferences", {"email": "immediate"}, expect=200)
    d.accepted("Bàn Văn Thư")
    session.expire_all()
    channels = sorted(r.channel for r in session.scalars(select(Reminder).where(Reminder.kind == "proposal_accepted")))
    assert channels == ["log", "none"]  # the embedded default mails to the log


def test_both_languages(d, session):
    d.accepted("La Văn Song")
    [vi] = _items(d, "nominator", "proposal_accepted")
    en = [i for i in d.get("nominator", "/api/v1/notifications?lang=en")["items"] if i["kind"] == "proposal_accepted"]
    assert vi["title"] == "Hồ sơ của La Văn Song đã được tiếp nhận"
    assert [i["title"] for i in en] == ["The proposal for La Văn Song was accepted"]
