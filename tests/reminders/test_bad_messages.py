"""Issue 15, item 11: a name with control characters must neither break an e-mail's headers nor
stop its delivery batch. One bad message fails alone (retried with back-off, then parked with its
reason); the rest of the batch is delivered, nothing is left in ``sending``."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.reminders.conftest import NOW, RecordingMailer
from tests.reminders.timeline import at
from workflow.reminders import config
from workflow.reminders.delivery import deliver
from workflow.reminders.models import Notification, Reminder

BAD_NAME = "Ma Văn\x0bTùng\r\nBcc: ke-gian@example.invalid\x00"
GOOD = 17


def _outbox(commune, session, bad_params: dict | None = None) -> tuple[list[int], int]:
    """17 good reminders and one whose nominee name carries control characters, all due now, for
    the hamlet's nominator (one per due day: the outbox key is subject, kind, day, recipient)."""
    pid = commune.proposal(commune.round(2025, date(2025, 12, 15)), "NATO")
    commune.move(pid, "submitted", at(date(2025, 10, 1)))
    commune.move(pid, "returned", at(date(2025, 10, 2)))
    rows = []
    for i in range(GOOD + 1):
        bad = i == 5
        params = {"nominee": BAD_NAME if bad else f"Ma Văn {i}", "award": "Lao động tiên tiến",
                  "returned_on": "2025-10-02", **((bad_params or {}) if bad else {})}
        rows.append(Reminder(kind="returned_not_resubmitted", subject_type="proposal", subject_id=pid,
                             due_on=date(2025, 10, 10) + timedelta(days=i), recipient_id=commune.uid("n_nato"),
                             authority_id=commune.commune.id, params=params, next_attempt_at=NOW, created_at=NOW))
    session.add_all(rows)
    session.commit()
    return [r.id for r in rows], rows[5].id


def _statuses(session) -> dict:
    session.expire_all()
    return dict(session.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all())


def test_a_name_with_control_characters_is_delivered_with_clean_headers(app, session, commune, mailer):
    ids, bad_id = _outbox(commune, session)
    with app.app_context():
        result = deliver(session, mailer=mailer)
    assert (result.claimed, result.sent) == (GOOD + 1, GOOD + 1)
    assert _statuses(session) == {"sent": GOOD + 1}
    message = next(m for m in mailer.sent if m["X-TDKT-Reminder"] == str(bad_id))
    subject = message["Subject"]
    assert "Ma Văn Tùng Bcc: ke-gian@example.invalid" in subject
    assert message["Bcc"] is None and not any(c in subject for c in "\x00\x0b\r\n")
    assert message.as_bytes().count(b"\nBcc:") == 0  # no header injected
    assert session.scalar(select(func.count(Notification.id))) == GOOD + 1


class ChokingMailer(RecordingMailer):
    """Refuses one message with a non-SMTP error (as a library does on a malformed message)."""

    def __init__(self, bad_id: int):
        super().__init__()
        self.bad_id = str(bad_id)

    def send(self, msg) -> None:
        if msg["X-TDKT-Reminder"] == self.bad_id:
            raise ValueError("malformed message")
        super().send(msg)


def test_one_failing_message_does_not_stop_the_batch(app, session, commune):
    config.update_policies(session, None, delivery={"max_attempts": 2, "retry_base_seconds": 60})
    ids, bad_id = _outbox(commune, session)
    mailer = ChokingMailer(bad_id)
    with app.app_context():
        result = deliver(session, mailer=mailer)
    assert (result.sent, result.retried) == (GOOD, 1)
    assert len(mailer.sent) == GOOD and _statuses(session) == {"sent": GOOD, "pending": 1}
    bad = session.get(Reminder, bad_id)
    assert bad.last_error == "ValueError: malformed message" and bad.next_attempt_at > NOW
    # the second attempt is the last: parked as failed, with its reason
    session.execute(Reminder.__table__.update().where(Reminder.id == bad_id).values(next_attempt_at=NOW))
    session.commit()
    with app.app_context():
        assert deliver(session, mailer=mailer).failed == 1
    assert _statuses(session) == {"sent": GOOD, "failed": 1}
    assert session.get(Reminder, bad_id).last_error == "ValueError: malformed message"


def test_a_message_that_cannot_be_built_is_parked_at_once(app, session, commune, mailer):
    """An address that does not parse fails only its own message, parked with the reason."""
    ids, bad_id = _outbox(commune, session)
    with app.app_context():
        import workflow.reminders.mail as mail

        real = mail.reminder_message

        def building(row, user):
            if row.id == bad_id:
                raise UnicodeEncodeError("ascii", "Tùng", 1, 2, "cannot encode")
            return real(row, user)

        mail.reminder_message = building
        try:
            result = deliver(session, mailer=mailer)
        finally:
            mail.reminder_message = real
    assert (result.sent, result.failed) == (GOOD, 1)
    assert _statuses(session) == {"sent": GOOD, "failed": 1}
    assert session.get(Reminder, bad_id).last_error.startswith("UnicodeEncodeError")


@pytest.mark.parametrize("email", ["xom nato@dinhbien.example", "xom_nato@dinh\x1bbien.example"])
def test_a_recipient_address_with_control_characters_or_spaces(app, session, commune, mailer, email):
    commune.users["n_nato"].email = email
    session.commit()
    ids, _bad = _outbox(commune, session)
    with app.app_context():
        result = deliver(session, mailer=mailer)
    # every message goes to the same (bad) address: each fails alone, none stays in sending
    assert result.claimed == GOOD + 1
    statuses = _statuses(session)
    assert "sending" not in statuses and sum(statuses.values()) == GOOD + 1
    for message in mailer.sent:
        assert "\x1b" not in str(message["To"]) and " " not in str(message["To"])
