"""Scale out: two beats (or a beat restarted while the old one still runs) on two machines, and
workers on both, never deliver a reminder twice. What protects it: the outbox's UNIQUE due-event
key written with INSERT … ON CONFLICT DO NOTHING (and, on PostgreSQL, an advisory lock that lets
a second concurrent scan step aside), then delivery's claim tokens (conditional updates) and one
notification per outbox row (a unique key too)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories as f
from tests.reminders.conftest import DEADLINE, NOW, RecordingMailer
from workflow import create_app
from workflow.extensions import db
from workflow.reminders import mail
from workflow.reminders.delivery import deliver
from workflow.reminders.models import Notification, Reminder
from workflow.reminders.services import scan

pytestmark = pytest.mark.commits  # two beats in threads, sessions of their own: real commits

EXTRA_HAMLETS = 20  # with the commune's three nominators: 23 reminders due at NOW


@pytest.fixture
def machines(app, database_url, tmp_path):
    """Two web/worker machines: one database, each its own app, engine (pool) and instance folder."""
    other = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "machine-2"),
                        "SECRET_KEY": app.config["SECRET_KEY"], "BROKER_URL": "memory://",
                        "RATELIMIT_STORAGE_URL": "memory://", "CELERY_ALWAYS_EAGER": True})
    yield [app, other]
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _due_nominators(commune, session) -> None:
    commune.round(2025, DEADLINE)
    for i in range(EXTRA_HAMLETS):
        unit = f.unit(session, commune.commune, f"DB-X{i}")
        user = f.user(session, "nominator", commune.commune, unit, username=f"xom_x{i}")
        user.email = f"{user.username}@dinhbien.example"
    session.commit()


def _run_side_by_side(machines, work) -> list:
    """``work(own_session)`` on every machine at the same moment, each in its own thread and session."""
    barrier, results, errors = threading.Barrier(len(machines)), [], []

    def run(machine):
        try:
            with machine.app_context():
                engine = db.engine
                with Session(engine) as own:
                    barrier.wait(timeout=20)
                    results.append(work(own))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(m,)) for m in machines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(results) == len(machines)
    return results


def _count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_two_beats_and_two_workers_on_two_machines_deliver_each_reminder_once(session, commune, machines):
    _due_nominators(commune, session)
    expected = 3 + EXTRA_HAMLETS
    shared = RecordingMailer()  # the one SMTP relay both machines' workers send through

    def beat_tick_then_worker(own: Session):
        # each beat's scan (with its lock, as the task runs it), then that machine's worker
        # delivering what is due — while the other machine does the same
        result = scan(own, NOW)
        outcome = deliver(own, mailer=shared, limit=4)
        while outcome.more:
            outcome = deliver(own, mailer=shared, limit=4)
        return len(result.inserted), result.skipped

    results = _run_side_by_side(machines, beat_tick_then_worker)
    assert sum(inserted for inserted, _skipped in results) == expected
    sent = [m["X-TDKT-Reminder"] for m in shared.sent]
    assert len(sent) == expected and len(set(sent)) == expected
    assert _count(session, Reminder) == expected
    assert _count(session, Reminder, Reminder.status == "sent") == expected
    assert _count(session, Notification) == expected

    # the next tick of both beats, at the same moment again: nothing new, nothing resent
    again = _run_side_by_side(machines, beat_tick_then_worker)
    assert [inserted for inserted, _skipped in again] == [0, 0]
    assert len(shared.sent) == expected and _count(session, Notification) == expected


def test_a_delivery_task_run_twice_or_on_two_workers_sends_once(app, session, commune, machines, monkeypatch):
    """A message redelivered by the broker (a worker died before its ack) or the same ids handed
    to workers on two machines: the claim lets one send, the other finds nothing to do."""
    from tasks.reminders import send_reminders

    _due_nominators(commune, session)
    ids = sorted(scan(session, NOW).inserted)
    shared = RecordingMailer()
    monkeypatch.setattr(mail, "mailer", lambda: shared)

    def task(_own: Session):
        return send_reminders.apply(args=[ids]).result

    counts = _run_side_by_side(machines, task)
    with app.app_context():
        counts.append(send_reminders.apply(args=[ids]).result)  # the redelivered message, later
    assert sum(counts) == len(ids)
    sent = [m["X-TDKT-Reminder"] for m in shared.sent]
    assert sorted(sent) == sorted(str(i) for i in ids)
    assert _count(session, Notification) == len(ids)
