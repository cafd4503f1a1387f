"""Delivery in process: claim, send, mark sent; locale; e-mail preferences and digests; retries
with back-off; the sweeper; concurrent scans and concurrent deliverers never duplicate."""

from __future__ import annotations

import smtplib
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.helpers import run_threads
from tests.reminders.conftest import DEADLINE, NOW, RecordingMailer
from tests.reminders.timeline import at
from workflow.reminders import config
from workflow.reminders.delivery import claim, deliver, send_digests, sweep
from workflow.reminders.models import Notification, Reminder
from workflow.reminders.services import scan, set_email_mode

pytestmark = pytest.mark.commits  # workers and senders in threads, sessions of their own: real commits


def _nomination_reminders(c, session):
    c.round(2025, DEADLINE)
    result = scan(session, NOW)
    assert len(result.inserted) == 3  # the three nominators, none has submitted
    return result.inserted


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_each_reminder_is_sent_once_with_a_notification(app, session, commune, mailer):
    ids = _nomination_reminders(commune, session)
    with app.app_context():
        result = deliver(session, mailer=mailer)
        assert (result.claimed, result.sent) == (3, 3)
        assert deliver(session, mailer=mailer).claimed == 0
    assert sorted(m["To"] for m in mailer.sent) == sorted(
        f"{n}@dinhbien.example" for n in ("xom_nato", "xom_dongdau", "hieutruong"))
    assert {m["X-TDKT-Reminder"] for m in mailer.sent} == {str(i) for i in ids}
    assert len({m["Message-ID"] for m in mailer.sent}) == 3
    assert _count(session, Reminder, Reminder.status == "sent", Reminder.channel == "email") == 3
    assert _count(session, Notification) == 3


def test_emails_use_the_recipients_locale_and_mark_action(app, session, commune, mailer):
    commune.users["n_school"].locale = "en"
    session.commit()
    _nomination_reminders(commune, session)
    with app.app_context():
        deliver(session, mailer=mailer)
    by_user = {m["To"].split("@")[0]: m for m in mailer.sent}
    english, vietnamese = by_user["hieutruong"], by_user["xom_nato"]
    assert english["Subject"].startswith("[Action required] ")
    assert "Oct 31, 2025" in english["Subject"] and "Hello Hieutruong," in english.get_content()
    assert "31/10/2025" in vietnamese["Subject"]  # the date as a Vietnamese reader writes it


def test_information_messages_have_their_own_prefix(app, session, commune, mailer):
    commune.meeting(at(date(2025, 12, 5), 9))
    scan(session, at(date(2025, 12, 3), 8))
    with app.app_context():
        deliver(session, mailer=mailer)
        from flask_babel import force_locale

        from workflow.reminders.messages import prefix

        with force_locale("vi"):
            info, action = prefix(False), prefix(True)
    assert len(mailer.sent) == 4 and info != action
    assert all(m["Subject"].startswith(info + " ") for m in mailer.sent)


def test_email_off_and_daily_digest(app, session, commune, mailer):
    with app.app_context():
        set_email_mode(session, commune.uid("n_nato"), "off")
        set_email_mode(session, commune.uid("n_dongdau"), "digest")
    _nomination_reminders(commune, session)
    with app.app_context():
        result = deliver(session, mailer=mailer)
        assert (result.sent, result.digest) == (2, 1)
        assert [m["To"] for m in mailer.sent] == ["hieutruong@dinhbien.example"]
        assert _count(session, Notification) == 3  # in-app for everyone
        # digests go out once a day, after 07:00 Vietnam time
        assert send_digests(session, at(date(2025, 10, 28), 6), mailer=mailer) == 0
        assert send_digests(session, at(date(2025, 10, 28), 7, 5), mailer=mailer) == 1
        assert send_digests(session, at(date(2025, 10, 28), 12), mailer=mailer) == 0
    digest = mailer.sent[-1]
    assert digest["To"] == "xom_dongdau@dinhbien.example" and "1" in digest["Subject"]
    assert _count(session, Reminder, Reminder.status == "sent") == 3


def test_smtp_failures_back_off_then_give_up(app, session, commune, mailer):
    config.update_policies(session, None, delivery={"max_attempts": 2, "retry_base_seconds": 60})
    _nomination_reminders(commune, session)
    mailer.fail_with = smtplib.SMTPServerDisconnected("gone")
    with app.app_context():
        assert deliver(session, mailer=mailer).retried == 3
        rows = session.scalars(select(Reminder)).all()
        assert {(r.status, r.attempts) for r in rows} == {("pending", 1)}
        assert all(r.next_attempt_at > r.created_at + timedelta(seconds=50) for r in rows)
        assert deliver(session, mailer=mailer).claimed == 0  # not due again yet
        session.execute(Reminder.__table__.update().values(next_attempt_at=NOW))
        session.commit()
        assert deliver(session, mailer=mailer).failed == 3
    assert _count(session, Reminder, Reminder.status == "failed") == 3
    assert _count(session, Notification) == 0


def test_the_sweeper_requeues_rows_of_a_dead_worker(app, session, commune, mailer):
    _nomination_reminders(commune, session)
    token, claimed = claim(session, 10)  # a worker claimed them and died
    assert len(claimed) == 3
    with app.app_context():
        assert deliver(session, mailer=mailer).claimed == 0
        timeout = config.load(session).delivery.sending_timeout_seconds
        from workflow.db import utcnow

        assert sweep(session, utcnow()) == 0  # not stale yet
        assert sweep(session, utcnow() + timedelta(seconds=timeout + 1)) == 3
        assert deliver(session, mailer=mailer).sent == 3
    assert len(mailer.sent) == 3


def test_who_acted_after_the_scan_is_not_reminded(app, session, commune, mailer):
    c = commune
    mid = c.meeting(at(date(2025, 12, 5), 9))
    pid = c.proposal(c.round(2025, date(2025, 10, 31)), "SCHOOL")
    for state, day in (("submitted", 1), ("under_review", 2), ("in_council", 3)):
        c.move(pid, state, at(date(2025, 12, day)))
    items = c.open_vote(mid, at(date(2025, 12, 5), 9, 30), [pid], present=["chair", "secretary", "member1"])
    result = scan(session, at(date(2025, 12, 5), 11))
    assert len(result.inserted) == 3  # the three members present
    c.vote(items, "member1")  # votes between the scan and the delivery
    with app.app_context():
        outcome = deliver(session, mailer=mailer)
    assert (outcome.sent, outcome.cancelled) == (2, 1)
    assert "uyvien1@dinhbien.example" not in {m["To"] for m in mailer.sent}


def test_concurrent_scans_write_each_reminder_once(app, session, commune):
    commune.round(2025, DEADLINE)
    engine = session.get_bind()
    barrier, results, errors = threading.Barrier(4), [], []

    def run():
        try:
            with Session(engine) as own:
                barrier.wait(timeout=10)
                results.append(len(scan(own, NOW, lock=False).inserted))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    run_threads(run, [()] * 4)
    assert not errors, errors
    assert sum(results) == 3
    assert _count(session, Reminder) == 3


def test_concurrent_deliverers_send_each_once(app, session, commune):
    c = commune
    round_id = c.round(2025, DEADLINE)
    # more reminders: each nominator of 20 extra hamlets
    from tests import factories as f

    for i in range(20):
        unit = f.unit(session, c.commune, f"DB-X{i}")
        user = f.user(session, "nominator", c.commune, unit, username=f"xom_x{i}")
        user.email = f"{user.username}@dinhbien.example"
    session.commit()
    assert round_id and len(scan(session, NOW).inserted) == 23
    engine, shared, errors = session.get_bind(), RecordingMailer(), []

    def run():
        try:
            with app.app_context(), Session(engine) as own:
                deliver(own, mailer=shared, limit=3)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    run_threads(run, [()] * 3)
    assert not errors, errors
    ids = [m["X-TDKT-Reminder"] for m in shared.sent]
    assert len(ids) == 23 and len(set(ids)) == 23
    assert _count(session, Notification) == 23
