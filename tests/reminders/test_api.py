"""The reminder policies API (admin), notifications API and screens, the bell, the CLI, and the
cancelling of a proposal's pending reminders by the transition that moves it on."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.proposals.helpers import World
from workflow.db import utcnow
from workflow.reminders.models import Notification, Reminder
from workflow.reminders.services import scan


@pytest.fixture
def w(client, session):
    return World(client, session)


def _returned_proposal(w) -> int:
    p = w.propose(w.person())
    w.event("nominator", p["id"], "submit")
    w.event("secretary", p["id"], "return_for_changes",
            items=[{"field": "achievements", "message": "Ghi rõ thành tích"}])
    return p["id"]


def test_a_transition_cancels_the_proposals_pending_reminders(w, session):
    pid = _returned_proposal(w)
    # six days after the return (the rule set's 5 days), the nominator is due a reminder
    result = scan(session, utcnow() + timedelta(days=6))
    assert [(d.kind, d.subject_id) for d in result.due] == [("returned_not_resubmitted", pid)]
    w.call("nominator", "PATCH", f"/api/v1/proposals/{pid}",
           {"version": w.get("nominator", f"/api/v1/proposals/{pid}")["version"], "achievements": "Mới"}, expect=200)
    w.event("nominator", pid, "resubmit")
    session.expire_all()
    # (the return itself was told to the nominator at once: an event notification, not a reminder)
    assert session.scalars(select(Reminder.status).where(Reminder.kind == "returned_not_resubmitted")).all() \
        == ["cancelled"]
    # and the scan does not bring it back: the proposal moved on
    assert scan(session, utcnow() + timedelta(days=6)).inserted == []


def test_policies_are_read_by_admins_and_changed_by_the_deployment_admin(w, session):
    r = w.call("secretary", "GET", "/api/v1/reminder-policies")
    assert r.status_code == 403
    doc = w.get("admin", "/api/v1/reminder-policies")
    kinds = {p["kind"]: p for p in doc["policies"]}
    assert len(kinds) == 9 and kinds["nomination_deadline"]["before"] == [7, 3, 1]
    assert kinds["processing_limit"]["escalate_to"] == ["chair"] and doc["delivery"]["batch_size"] == 20
    changed = {**kinds["returned_not_resubmitted"], "after": [2]}
    changed.pop("edited")
    new = w.call("admin", "PUT", "/api/v1/reminder-policies", {"policies": [changed]}, expect=200).get_json()
    policy = next(p for p in new["policies"] if p["kind"] == "returned_not_resubmitted")
    assert policy["after"] == [2] and policy["edited"] is True
    # the scan follows the table: 5 days + 2
    pid = _returned_proposal(w)
    assert scan(session, utcnow() + timedelta(days=6)).due == []
    assert [d.subject_id for d in scan(session, utcnow() + timedelta(days=8)).due] == [pid]


def test_invalid_policies_are_refused_whole(w, session):
    doc = w.get("admin", "/api/v1/reminder-policies")
    good = {k: v for k, v in doc["policies"][0].items() if k != "edited"}
    bad = {**good, "kind": "vote_pending", "recipients": ["chair"]}
    r = w.call("admin", "PUT", "/api/v1/reminder-policies", {"policies": [{**good, "before": [5]}, bad]})
    assert r.status_code == 422
    assert w.get("admin", "/api/v1/reminder-policies")["policies"][0]["before"] == [7, 3, 1]
    r = w.call("admin", "PUT", "/api/v1/reminder-policies", {"delivery": {"batch_size": 0}})
    assert r.status_code == 422 and "delivery.batch_size" in r.get_json()["error"]["details"]


def _deliver(app, session):
    from tests.reminders.conftest import RecordingMailer
    from workflow.reminders.delivery import deliver

    mailer = RecordingMailer()
    with app.app_context():
        deliver(session, mailer=mailer)
    return mailer


def test_notifications_api(app, w, session):
    pid = _returned_proposal(w)
    scan(session, utcnow() + timedelta(days=6))
    _deliver(app, session)
    doc = w.get("nominator", "/api/v1/notifications")
    # the return told at once (an event) and the reminder six days later
    assert doc["total"] == 2 and doc["unread"] == 2
    assert sorted(i["kind"] for i in doc["items"]) == ["proposal_returned", "returned_not_resubmitted"]
    item = next(i for i in doc["items"] if i["kind"] == "returned_not_resubmitted")
    assert item["action"] is True and not item["read"]
    assert "Ma Văn Thử" in item["title"]
    assert w.get("secretary", "/api/v1/notifications")["total"] == 0
    assert w.call("secretary", "POST", f"/api/v1/notifications/{item['id']}/read").status_code == 404
    read = w.post("nominator", f"/api/v1/notifications/{item['id']}/read")
    assert read["read"] is True and w.get("nominator", "/api/v1/notifications?unread=1")["total"] == 1
    assert pid
    assert w.get("nominator", "/api/v1/notifications/preferences")["email"] == "immediate"
    assert w.call("nominator", "PUT", "/api/v1/notifications/preferences", {"email": "digest"},
                  expect=200).get_json()["email"] == "digest"
    assert w.call("nominator", "PUT", "/api/v1/notifications/preferences", {"email": "never"}).status_code == 422


def _sign_in(client, username):
    html = client.get("/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)
    client.post("/dang-nhap", data={"username": username, "password": f.PASSWORD, "csrf_token": token})


def test_the_bell_and_the_list_page(app, client, w, session):
    _returned_proposal(w)
    scan(session, utcnow() + timedelta(days=6))
    _deliver(app, session)
    _sign_in(client, "truongxom")
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="unread-count">2' in home  # the return itself, and the reminder
    page = client.get("/thong-bao?lang=en").get_data(as_text=True)
    assert "Ma Văn Thử" in page and "[Action required]" in page
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
    for nid in session.scalars(select(Notification.id)):
        r = client.post(f"/thong-bao/{nid}/da-doc", data={"csrf_token": token})
        assert r.status_code == 302
    assert 'data-testid="unread-count"' not in client.get("/").get_data(as_text=True)
    r = client.post("/thong-bao/cai-dat", data={"csrf_token": token, "email": "off"})
    assert r.status_code == 302
    assert re.search(r'value="off"\s+checked', client.get("/thong-bao").get_data(as_text=True))
    assert client.post("/thong-bao/999999/da-doc", data={"csrf_token": token}).status_code == 404


@pytest.mark.commits  # the CLI runs on its own engine: it reads what the test committed
def test_cli_scan_dry_run_writes_nothing(app, session, database_url, tmp_path):
    from click.testing import CliRunner

    from tests.reminders.timeline import Commune
    from workflow.cli import main

    c = Commune(session)
    c.round(2025, (utcnow() + timedelta(days=3)).date())
    session.commit()  # as the request that opened the round would
    env = {"TDKT_DATABASE_URL": database_url, "TDKT_INSTANCE_PATH": str(tmp_path), "TDKT_BROKER_URL": "memory://",
           "TDKT_SECRET_KEY": "cli-test-secret-key-not-for-production", "TDKT_CELERY_ALWAYS_EAGER": "1"}
    runner = CliRunner()
    out = runner.invoke(main, ["reminders", "scan", "--dry-run"], env=env)
    assert out.exit_code == 0, out.output
    assert out.output.count("nomination_deadline") == 3 and "would be queued" in out.output
    assert "xom_dongdau" in out.output
    assert session.scalar(select(func.count(Reminder.id))) == 0
    out = runner.invoke(main, ["reminders", "scan"], env=env)
    assert out.exit_code == 0 and "3 reminder(s) queued" in out.output, out.output
    session.expire_all()
    # eager mode: the delivery ran after the scan's commit (into the log: no SMTP URL)
    assert set(session.scalars(select(Reminder.channel))) == {"log"}
    assert runner.invoke(main, ["reminders", "scan", "--dry-run"], env=env).output.startswith("dry run: 0")
