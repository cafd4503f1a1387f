"""Faults on real services: the database connection killed under a request, every connection of
the database killed under load (PostgreSQL restarted), an exception inside a transition, the same
form posted twice at once, Redis gone. A request the fault broke answers 503 (never 500, never a
trace) and changed nothing; the next one works without restarting the app; nothing is half done.

The kills use ``pg_terminate_backend`` on this test database's own connections (PostgreSQL only);
Redis "gone" is a port where nothing listens. Neither server is ever stopped.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.pool import NullPool

from tests import factories as f
from tests.conftest import PG_URL, need, serve_in_thread
from tests.proposals.helpers import World
from tests.proposals.test_views import csrf_of, web
from workflow import create_app
from workflow.audit import services as audit_services
from workflow.audit.models import AuditChain, AuditEntry
from workflow.auth import throttle
from workflow.extensions import db
from workflow.org.models import User
from workflow.proposals.models import Proposal, ProposalTransition
from workflow.reminders import events as reminder_events
from workflow.reminders import mail
from workflow.reminders.models import Notification, Reminder

pytestmark = pytest.mark.commits  # a served app under load, connections killed: real commits

DEAD_REDIS = "redis://127.0.0.1:6390/0"  # nothing listens there
UNAVAILABLE_VI = "Cơ sở dữ liệu tạm thời không truy cập được. Chưa có gì bị thay đổi; vui lòng thử lại."
LEAKS = ("Traceback", "SELECT", "INSERT", "UPDATE", "psycopg", "sqlalchemy", "AdminShutdown", "terminating",
         "OperationalError", "boom")


@pytest.fixture
def w(client, session):
    return World(client, session)


def postgresql_only(backend: str) -> None:
    need(bool(PG_URL), "TDKT_TEST_DATABASE_URL is not set: the killed-connection tests need PostgreSQL")
    if backend != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's: the PostgreSQL run of this test covers it")


def terminate(database_url: str, pids: list[int] | None = None) -> list[int]:
    """Terminate ``pids`` — or every client connection to the test database but this one — from a
    connection of its own, waiting until each is gone. Returns the pids terminated."""
    killer = create_engine(database_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with killer.connect() as conn:
            if pids is None:
                pids = list(conn.scalars(text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")))
            return [pid for pid in pids
                    if conn.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})]
    finally:
        killer.dispose()


def snapshot(app, pid: int) -> dict:
    """What a half-done transition would leave: the proposal row, its history, the audit chains
    (and whether they verify), the outbox and the in-app notifications. Read on a fresh session."""
    with app.app_context():
        s = db.session
        try:
            p = s.get(Proposal, pid)
            return {
                "proposal": (p.state, p.version, p.updated_at),
                "history": s.execute(select(ProposalTransition.id, ProposalTransition.event)
                                     .where(ProposalTransition.proposal_id == pid)
                                     .order_by(ProposalTransition.id)).all(),
                "audit": s.execute(select(AuditEntry.id, AuditEntry.chain, AuditEntry.seq, AuditEntry.hash)
                                   .order_by(AuditEntry.id)).all(),
                "chains": s.execute(select(AuditChain.chain, AuditChain.seq, AuditChain.hash)
                                    .order_by(AuditChain.chain)).all(),
                "verified": audit_services.verify(s)[1],
                "outbox": s.execute(select(Reminder.id, Reminder.kind, Reminder.subject_id, Reminder.status)
                                    .order_by(Reminder.id)).all(),
                "notifications": s.execute(select(Notification.id).order_by(Notification.id)).all(),
            }
        finally:
            db.session.remove()


def submitted(w: World, name: str = "Ma Văn Lỗi") -> int:
    p = w.propose(w.person(name))
    w.event("nominator", p["id"], "submit")
    return p["id"]


def kill_own_connection_after(monkeypatch, database_url: str, module, name: str) -> list:
    """Wrap ``module.name`` (a writer called with the session first): once, after it has written
    its rows, terminate the backend of the session's own connection from a second connection.
    The transition's next statement then finds its connection dead. Returns what was killed."""
    original = getattr(module, name)
    killed: list = []

    def wrapper(session, *args, **kwargs):
        result = original(session, *args, **kwargs)
        if not killed:
            own = session.execute(text("SELECT pg_backend_pid()")).scalar()
            killed.append(terminate(database_url, [own]))
        return result

    monkeypatch.setattr(module, name, wrapper)
    return killed


def assert_clean(body: str) -> None:
    leaked = [word for word in LEAKS if word in body]
    assert not leaked, (leaked, body[:2000])


# --- 1. the connection killed mid-request -----------------------------------------------------------

def test_api_transition_whose_connection_dies_answers_503_and_changes_nothing(app, w, backend, database_url,
                                                                             monkeypatch):
    postgresql_only(backend)
    pid = submitted(w)
    before = snapshot(app, pid)
    # accept writes the history row and the nominator's outbox row, then the connection dies
    killed = kill_own_connection_after(monkeypatch, database_url, reminder_events, "proposal_event")
    response = w.call("secretary", "POST", f"/api/v1/proposals/{pid}/events", {"event": "accept"})
    assert killed and len(killed[0]) == 1, killed
    assert response.status_code == 503, (response.status_code, response.get_data(as_text=True))
    body = response.get_json()
    assert body["error"]["code"] == "database_unavailable"
    assert body["error"]["message"] == UNAVAILABLE_VI
    assert response.headers["Retry-After"].isdigit()
    assert_clean(response.get_data(as_text=True))
    assert snapshot(app, pid) == before  # no state, history, audit entry or reminder of the failed try

    # the very next request gets a working connection (pool_pre_ping) and does the whole thing once
    monkeypatch.undo()
    done = w.event("secretary", pid, "accept")
    assert done["state"] == "under_review"
    after = snapshot(app, pid)
    assert [event for _id, event in after["history"]] == ["submit", "accept"]
    assert len(after["audit"]) == len(before["audit"]) + 1 and after["verified"] is None
    accepted = [row for row in after["outbox"] if row.kind == "proposal_accepted"]
    assert len(accepted) == 1 and accepted[0].subject_id == after["history"][-1].id


def test_screen_action_whose_connection_dies_shows_the_unavailable_page(app, w, backend, database_url, monkeypatch):
    postgresql_only(backend)
    pid = submitted(w)
    browser = web(app, "secretary", w)
    page = browser.get(f"/ho-so/{pid}").get_data(as_text=True)
    version = snapshot(app, pid)["proposal"][1]
    before = snapshot(app, pid)
    killed = kill_own_connection_after(monkeypatch, database_url, reminder_events, "proposal_event")
    response = browser.post(f"/ho-so/{pid}/thao-tac",
                            data={"csrf_token": csrf_of(page), "event": "accept", "version": str(version)})
    assert killed and len(killed[0]) == 1, killed
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert 'data-testid="error-page" data-code="503"' in html
    assert "Hệ thống tạm thời gián đoạn" in html and "Chưa có gì bị thay đổi" in html
    assert_clean(html)
    assert snapshot(app, pid) == before

    monkeypatch.undo()
    assert browser.get(f"/ho-so/{pid}").status_code == 200  # still signed in, the page works again
    again = browser.post(f"/ho-so/{pid}/thao-tac", data={"csrf_token": csrf_of(page), "event": "accept",
                                                         "version": str(version)}, follow_redirects=True)
    assert 'data-testid="flash-success"' in again.get_data(as_text=True)
    assert [event for _id, event in snapshot(app, pid)["history"]] == ["submit", "accept"]


def test_a_database_that_cannot_be_reached_is_a_503_without_its_sql(app, w, monkeypatch):
    """The first query of a request fails (the connect refused): the same clean 503, on both
    backends, and the statement it carried is not shown."""
    from sqlalchemy.exc import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("SELECT secret FROM api_token", {}, ConnectionRefusedError("connection refused"))

    headers = w.auth("secretary")
    monkeypatch.setattr("workflow.auth.services.user_for_token", refuse)
    response = app.test_client().get("/api/v1/proposals", headers=headers)
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "database_unavailable"
    assert_clean(response.get_data(as_text=True))
    monkeypatch.undo()
    assert app.test_client().get("/api/v1/proposals", headers=headers).status_code == 200


# --- 2. PostgreSQL "restarted" under load -----------------------------------------------------------

def _http(base: str, method: str, path: str, headers: dict | None = None, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, method=method, data=data,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_every_connection_killed_under_load_then_every_request_works(app, w, backend, database_url, monkeypatch):
    postgresql_only(backend)
    paused_pid, later_pid = submitted(w, "Ma Văn Chờ"), submitted(w, "Ma Văn Sau")
    token = w.auth("secretary")
    browser = web(app, "secretary", w)
    cookie = {"Cookie": f"session={browser.get_cookie('session').value}"}
    w.session.close()  # the test's own session holds no connection the kill would break
    before = snapshot(app, paused_pid)

    # one transition is caught mid-transaction (rows written, not committed) when the kill comes
    original, paused, release = reminder_events.proposal_event, threading.Event(), threading.Event()

    def held(session, *args, **kwargs):
        result = original(session, *args, **kwargs)
        if not paused.is_set():
            paused.set()
            release.wait(timeout=30)
        return result

    monkeypatch.setattr(reminder_events, "proposal_event", held)
    answers: list[tuple[str, int, str]] = []
    stop = threading.Event()

    def read(kind: str) -> None:
        while not stop.is_set():
            if kind == "api":
                answers.append(("api", *_http(base, "GET", f"/api/v1/proposals/{later_pid}", token)))
            else:
                answers.append(("screen", *_http(base, "GET", f"/ho-so/{later_pid}", cookie)))

    with serve_in_thread(app) as base:
        caught: dict = {}
        accept = threading.Thread(target=lambda: caught.update(answer=_http(
            base, "POST", f"/api/v1/proposals/{paused_pid}/events", token, {"event": "accept"})))
        accept.start()
        assert paused.wait(timeout=30), "the transition never reached its writer"
        readers = [threading.Thread(target=read, args=(kind,)) for kind in ("api", "api", "screen", "screen")]
        for reader in readers:
            reader.start()
        time.sleep(0.3)
        killed = terminate(database_url)  # "PostgreSQL restarted": every connection of the app is gone
        release.set()
        accept.join(timeout=60)
        for _ in range(3):  # and again, while the readers run
            time.sleep(0.2)
            killed += terminate(database_url)
        time.sleep(0.2)
        stop.set()
        for reader in readers:
            reader.join(timeout=60)
        monkeypatch.undo()

        assert killed, "no connection of the app was terminated"
        status, body = caught["answer"]
        assert status == 503, (status, body)
        assert json.loads(body)["error"]["code"] == "database_unavailable"
        assert snapshot(app, paused_pid) == before  # the caught transition left nothing behind
        assert answers, "the readers got no answer at all"
        for kind, status, body in answers:
            assert status in (200, 503), (kind, status, body[:2000])
            assert_clean(body)
            if status == 503 and kind == "api":
                assert json.loads(body)["error"]["code"] == "database_unavailable"
            elif status == 503:
                assert 'data-code="503"' in body

        # the same app, not restarted: every request works again
        for _ in range(5):
            assert _http(base, "GET", f"/api/v1/proposals/{later_pid}", token)[0] == 200
            assert _http(base, "GET", f"/ho-so/{later_pid}", cookie)[0] == 200
        for target in (paused_pid, later_pid):
            status, body = _http(base, "POST", f"/api/v1/proposals/{target}/events", token, {"event": "accept"})
            assert status == 200 and json.loads(body)["state"] == "under_review", body
    assert [event for _id, event in snapshot(app, paused_pid)["history"]] == ["submit", "accept"]
    assert snapshot(app, later_pid)["verified"] is None


# --- 3. an exception inside a transition -------------------------------------------------------------

def _fail_after(monkeypatch, module, name: str) -> list:
    original, raised = getattr(module, name), []

    def wrapper(*args, **kwargs):
        original(*args, **kwargs)  # the rows are written (flushed), then it breaks
        raised.append(name)
        raise RuntimeError(f"boom in {name}")

    monkeypatch.setattr(module, name, wrapper)
    return raised


@pytest.mark.parametrize("writer", ["outbox", "audit"])
def test_an_exception_inside_a_transition_leaves_nothing_behind(app, w, writer, monkeypatch):
    pid = submitted(w)
    before = snapshot(app, pid)
    if writer == "outbox":
        raised = _fail_after(monkeypatch, reminder_events, "proposal_event")
    else:
        raised = _fail_after(monkeypatch, audit_services, "record")
    response = w.call("secretary", "POST", f"/api/v1/proposals/{pid}/events", {"event": "accept"})
    assert raised, "the writer was never reached"
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert_clean(response.get_data(as_text=True))
    assert snapshot(app, pid) == before

    monkeypatch.undo()
    assert w.event("secretary", pid, "accept")["state"] == "under_review"
    after = snapshot(app, pid)
    assert [event for _id, event in after["history"]] == ["submit", "accept"]
    assert len(after["audit"]) == len(before["audit"]) + 1 and after["verified"] is None
    assert [row.subject_id for row in after["outbox"] if row.kind == "proposal_accepted"] == [after["history"][-1].id]


# --- 4. the same screen form posted twice at once -----------------------------------------------------

def test_two_identical_posts_of_the_action_form_change_the_state_once(app, w):
    pid = submitted(w)
    first = web(app, "secretary", w)
    page = first.get(f"/ho-so/{pid}").get_data(as_text=True)
    second = app.test_client()  # the same browser: the same session cookie, the same page
    second.set_cookie("session", first.get_cookie("session").value)
    form = {"csrf_token": csrf_of(page), "event": "accept", "version": str(snapshot(app, pid)["proposal"][1])}
    barrier, answers = threading.Barrier(2), {}

    def click(name, browser) -> None:
        barrier.wait(timeout=10)
        answers[name] = browser.post(f"/ho-so/{pid}/thao-tac", data=form).status_code

    threads = [threading.Thread(target=click, args=item) for item in (("first", first), ("second", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert answers == {"first": 302, "second": 302}, answers
    flashes = {}
    for name, browser in (("first", first), ("second", second)):
        html = browser.get(f"/ho-so/{pid}").get_data(as_text=True)
        flashes[name] = re.findall(r'data-testid="flash-(\w+)">\s*([^<]+)', html)
    outcomes = sorted(tuple(kind for kind, _message in found if kind in ("success", "danger"))
                      for found in flashes.values())
    assert outcomes == [("danger",), ("success",)], flashes  # one done, one refused — each told its own
    refusal = next(message for found in flashes.values() for kind, message in found if kind == "danger")
    assert "Hồ sơ hiện ở trạng thái “Đang thẩm định”" in refusal, refusal
    after = snapshot(app, pid)
    assert after["proposal"][0] == "under_review"
    assert [event for _id, event in after["history"]] == ["submit", "accept"]
    assert after["verified"] is None


# --- 5. Redis gone ----------------------------------------------------------------------------------

class RecordingMailer:
    channel = "smtp"
    sent: list = []

    def send(self, message) -> None:
        RecordingMailer.sent.append(message["To"])

    def close(self) -> None:
        pass


@pytest.fixture
def dead_redis_app(app, database_url, tmp_path):
    """The app as deployed with Redis as broker and rate-limit storage — and Redis not answering.
    (The ``app`` fixture loads the rule sets into the same database and empties it afterwards.)"""
    broken = create_app({
        "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "dead-redis"),
        "SECRET_KEY": "test-secret-key-not-for-production", "BROKER_URL": DEAD_REDIS,
        "CELERY_ALWAYS_EAGER": False, "LOGIN_RATE_LIMIT": "5 per minute",
    })
    broken.config["TESTING"] = True
    throttle._FALLBACK.storage.reset()  # the in-memory stand-in counters start empty for each run
    assert broken.config["RATELIMIT_STORAGE_URI"] == DEAD_REDIS
    yield broken
    with broken.app_context():
        db.session.remove()
        db.engine.dispose()
    app.extensions["celery"].set_default()


def test_without_redis_the_web_serves_commits_and_the_outbox_delivers_once_later(dead_redis_app, w, monkeypatch):
    app = dead_redis_app
    pid = submitted(w)
    w.session.execute(update(User).where(User.username == "truongxom").values(email="truongxom@example.vn"))
    w.session.commit()
    # sign-in, by screen and by API, goes through the failed-sign-in counters kept in Redis
    browser = web(app, "secretary", w)
    assert browser.get("/").status_code == 200
    assert browser.get(f"/ho-so/{pid}").status_code == 200
    api = app.test_client()
    signed_in = api.post("/api/v1/auth/token", json={"username": "thuky", "password": f.PASSWORD})
    assert signed_in.status_code == 200, signed_in.get_json()
    headers = {"Authorization": f"Bearer {signed_in.get_json()['token']}"}
    assert api.get(f"/api/v1/proposals/{pid}", headers=headers).status_code == 200

    # a transition commits although its delivery task cannot be enqueued
    accepted = api.post(f"/api/v1/proposals/{pid}/events", json={"event": "accept"}, headers=headers)
    assert accepted.status_code == 200, accepted.get_json()
    state = snapshot(app, pid)
    assert state["proposal"][0] == "under_review"
    waiting = [row for row in state["outbox"] if row.kind == "proposal_accepted"]
    assert len(waiting) == 1 and waiting[0].status == "pending", state["outbox"]

    # the failed-sign-in limit still holds, counted in memory while Redis is away
    for _ in range(5):
        assert api.post("/api/v1/auth/token", json={"username": "ai-do", "password": "sai"}).status_code == 401
    assert api.post("/api/v1/auth/token", json={"username": "ai-do", "password": "sai"}).status_code == 429

    # delivery runs again (beat's periodic send once a worker is back): each reminder goes once
    from tasks.reminders import send_reminders

    RecordingMailer.sent = []
    monkeypatch.setattr(mail, "mailer", RecordingMailer)
    with app.app_context():
        # run in this process (eagerly); the value read from the result, not by .get(): an earlier test's
        # worker thread leaves Celery's "inside a task" flag set for the process
        first = _ran(send_reminders.apply())
        again = _ran(send_reminders.apply())
        late = _ran(send_reminders.apply(args=[[waiting[0].id]]))  # the message the broker lost, late
    assert first >= 1 and again == 0 and late == 0
    assert RecordingMailer.sent.count("truongxom@example.vn") == 1
    after = snapshot(app, pid)
    delivered = next(row for row in after["outbox"] if row.id == waiting[0].id)
    assert delivered.status == "sent"
    with app.app_context():
        count = db.session.scalar(select(db.func.count(Notification.id)).where(
            Notification.reminder_id == waiting[0].id))
        db.session.remove()
    assert count == 1


def _ran(result):
    """The return value of a task run eagerly (its exception re-raised)."""
    if not result.successful():
        raise result.result
    return result.result
