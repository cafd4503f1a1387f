"""Delivery of the outbox: claim pending rows, send (in-app notification + e-mail), mark them sent;
the sweeper for rows stuck in ``sending``; the daily digests.

Exactly once, as far as the database can promise it: a row is claimed by one conditional UPDATE
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite the one-statement UPDATE … WHERE
status='pending' is atomic), the notification has a UNIQUE reminder id, and a row is marked sent
only by the holder of its claim token. A worker killed mid-batch leaves its rows in ``sending``;
the sweeper puts them back after ``sending_timeout_seconds``. The one window left is between the
SMTP server's acceptance of a message and our commit: a crash exactly there resends that message
with the same Message-ID (derived from the row), which receivers can recognise.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from workflow.db import insert_ignoring_duplicates, utcnow
from workflow.org.models import User
from workflow.reminders import config, mail
from workflow.reminders.kinds import still_due
from workflow.reminders.models import Notification, Reminder, ReminderPreference
from workflow.reminders.schedule import LOCAL_TZ, local_date
from workflow.reminders.services import email_mode

log = logging.getLogger("workflow.reminders")


@dataclass
class DeliveryResult:
    claimed: int = 0
    sent: int = 0
    digest: int = 0
    cancelled: int = 0
    retried: int = 0
    failed: int = 0
    more: bool = False  # rows were left for another task (time budget spent)

    def add(self, other: DeliveryResult) -> None:
        for name in ("claimed", "sent", "digest", "cancelled", "retried", "failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def claim(session: Session, limit: int, ids: list[int] | None = None, now: datetime | None = None) -> tuple[str, list[int]]:
    """Move up to ``limit`` due pending rows (of ``ids`` when given) to ``sending`` under a fresh
    claim token, in one statement, and commit. Two workers never claim the same row."""
    now = now or utcnow()
    token = uuid.uuid4().hex
    due = (select(Reminder.id).where(Reminder.status == "pending", Reminder.next_attempt_at <= now)
           .order_by(Reminder.id).limit(limit))
    if ids is not None:
        due = due.where(Reminder.id.in_(ids))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    session.commit()  # the claim is the first statement of its own transaction
    claimed = list(session.scalars(
        update(Reminder).where(Reminder.id.in_(due.scalar_subquery()), Reminder.status == "pending")
        .values(status="sending", claim_token=token, claimed_at=now, attempts=Reminder.attempts + 1)
        .returning(Reminder.id).execution_options(synchronize_session=False)))
    session.commit()  # the claim is durable before any mail goes out: two workers never take one row
    return token, sorted(claimed)


def _backoff(attempts: int, settings: config.Delivery) -> timedelta:
    return timedelta(seconds=min(settings.retry_base_seconds * 2 ** max(attempts - 1, 0), settings.retry_max_seconds))


def _release(session: Session, row: Reminder, token: str, settings: config.Delivery, error: Exception,
             *, give_up: bool = False) -> str:
    """A failure of one message: back to pending with back-off, or failed (parked, with the
    reason in ``last_error``) after ``max_attempts`` — at once with ``give_up`` (a message that
    cannot be built fails the same way every time)."""
    failed = give_up or row.attempts >= settings.max_attempts
    values = {"status": "failed" if failed else "pending", "claim_token": None, "claimed_at": None,
              "last_error": f"{type(error).__name__}: {error}"[:2000]}
    if not failed:
        values["next_attempt_at"] = utcnow() + _backoff(row.attempts, settings)
    session.execute(update(Reminder).where(Reminder.id == row.id, Reminder.claim_token == token)
                    .values(**values).execution_options(synchronize_session=False))
    session.commit()  # this message's failure is recorded alone, the batch goes on
    log.warning("reminder %s: %s (attempt %s)%s", row.id, values["last_error"], row.attempts,
                " — given up" if failed else "")
    return "failed" if failed else "retried"


def _finish(session: Session, row: Reminder, token: str, *, status: str, channel: str | None,
            notify: bool) -> bool:
    """The in-app notification and the row's new status, in one commit — only under our claim."""
    if notify:
        insert_ignoring_duplicates(session, Notification, [{
            "user_id": row.recipient_id, "reminder_id": row.id, "kind": row.kind, "level": row.level,
            "action": row.action, "params": row.params, "created_at": utcnow(), "read_at": None}], ["reminder_id"])
    done = session.execute(update(Reminder).where(
        Reminder.id == row.id, Reminder.claim_token == token, Reminder.status == "sending",
    ).values(status=status, channel=channel, sent_at=utcnow(), claim_token=None,
             claimed_at=None, last_error=None).execution_options(synchronize_session=False)).rowcount
    if done != 1:
        session.rollback()  # the sweeper took the row back and someone else claimed it
        return False
    session.commit()  # each send is recorded at once: a crash later never sends it twice
    return True


def _recipient(session: Session, user_id: int):
    """What a message needs of its recipient, with the e-mail preference, in one query."""
    return session.execute(
        select(User.id, User.email, User.active, User.locale, User.full_name, ReminderPreference.email_mode)
        .outerjoin(ReminderPreference, ReminderPreference.user_id == User.id).where(User.id == user_id)).one()


def deliver_one(session: Session, row_id: int, token: str, mailer, settings: config.Delivery,
                processing_states=None) -> str:
    row = session.get(Reminder, row_id, populate_existing=True)
    if row is None or row.status != "sending" or row.claim_token != token:
        return "lost"
    if not still_due(session, row, processing_states):
        _finish(session, row, token, status="cancelled", channel=None, notify=False)
        return "cancelled"
    user = _recipient(session, row.recipient_id)
    mode = user.email_mode or "immediate"
    status, channel = "sent", "none"
    if user.email and user.active and mode == "immediate":
        try:
            message = mail.reminder_message(row, user)
        except Exception as exc:  # noqa: BLE001 — this message alone fails, parked with its reason
            session.rollback()  # drop this row's unfinished work; its release below is its own commit
            return _release(session, row, token, settings, exc, give_up=True)
        try:
            mailer.send(message)
        except Exception as exc:  # noqa: BLE001 — SMTP or not, retried with back-off, then parked
            session.rollback()  # drop this row's unfinished work; its release below is its own commit
            return _release(session, row, token, settings, exc)
        channel = mailer.channel
    elif user.email and user.active and mode == "digest":
        status, channel = "digest", "digest"
    if not _finish(session, row, token, status=status, channel=channel, notify=True):
        return "lost"
    return "digest" if status == "digest" else "sent"


def deliver(session: Session, *, ids: list[int] | None = None, limit: int | None = None, mailer=None,
            budget_seconds: float = 120.0) -> DeliveryResult:
    """Claim and deliver batches until nothing due is left (of ``ids`` when given) or the time
    budget is spent (then ``more`` is set: the caller enqueues another run)."""
    loaded = config.load(session)
    settings = loaded.delivery
    processing_states = loaded.policies["processing_limit"].states
    own_mailer = mailer is None
    mailer = mailer or mail.mailer()
    result = DeliveryResult()
    started = time.monotonic()
    try:
        while True:
            token, claimed = claim(session, limit or settings.batch_size, ids)
            if not claimed:
                break
            result.claimed += len(claimed)
            for row_id in claimed:
                try:
                    outcome = deliver_one(session, row_id, token, mailer, settings, processing_states)
                except Exception as exc:  # noqa: BLE001 — one bad row never strands the rest in sending
                    session.rollback()  # this row alone; the rest of the claimed batch goes on
                    log.exception("reminder %s: delivery failed", row_id)
                    row = session.get(Reminder, row_id, populate_existing=True)
                    outcome = _release(session, row, token, settings, exc) if row is not None else "lost"
                if outcome in ("sent", "digest", "cancelled", "retried", "failed"):
                    setattr(result, outcome, getattr(result, outcome) + 1)
            if time.monotonic() - started > budget_seconds:
                result.more = True
                break
    finally:
        if own_mailer:
            mailer.close()
    return result


def sweep(session: Session, now: datetime | None = None) -> int:
    """Put rows stuck in ``sending`` (a worker died) back to pending, or mark them failed after
    ``max_attempts``; stuck digests back to ``digest``. Commits; returns the rows moved."""
    now = now or utcnow()
    settings = config.load(session).delivery
    stale = now - timedelta(seconds=settings.sending_timeout_seconds)
    moved = session.execute(update(Reminder).where(
        Reminder.status == "sending", Reminder.claimed_at < stale, Reminder.attempts >= settings.max_attempts,
    ).values(status="failed", claim_token=None, claimed_at=None, last_error="stuck in sending")
        .execution_options(synchronize_session=False)).rowcount
    moved += session.execute(update(Reminder).where(Reminder.status == "sending", Reminder.claimed_at < stale)
                             .values(status="pending", claim_token=None, claimed_at=None,
                                     next_attempt_at=Reminder.claimed_at)  # due again at once
                             .execution_options(synchronize_session=False)).rowcount
    moved += session.execute(update(Reminder).where(Reminder.status == "digesting", Reminder.claimed_at < stale)
                             .values(status="digest", claim_token=None, claimed_at=None)
                             .execution_options(synchronize_session=False)).rowcount
    session.commit()  # the sweep is its own transaction (a task's whole work)
    if moved:
        log.info("sweeper: %d reminder(s) put back", moved)
    return moved


def send_digests(session: Session, now: datetime | None = None, mailer=None) -> int:
    """Once a day after ``digest_hour`` (local), each digest user's waiting reminders in one e-mail.
    The day is claimed on the user's preference row first, so two runs never send two digests."""
    now = now or utcnow()
    settings = config.load(session).delivery
    if now.astimezone(LOCAL_TZ).hour < settings.digest_hour:
        return 0
    today = local_date(now)
    users = session.scalars(select(Reminder.recipient_id).where(Reminder.status == "digest").distinct()).all()
    own_mailer = mailer is None
    mailer = mailer or mail.mailer()
    sent = 0
    try:
        for user_id in users:
            sent += _digest_for(session, user_id, today, now, mailer)
    finally:
        if own_mailer:
            mailer.close()
    return sent


def _digest_for(session: Session, user_id: int, today, now: datetime, mailer) -> int:
    previous = session.scalar(select(ReminderPreference.last_digest_on).where(ReminderPreference.user_id == user_id))
    session.commit()  # end the read before the day's claim, the first statement of its own transaction
    day_claimed = session.execute(update(ReminderPreference).where(
        ReminderPreference.user_id == user_id,
        or_(ReminderPreference.last_digest_on.is_(None), ReminderPreference.last_digest_on < today),
    ).values(last_digest_on=today).execution_options(synchronize_session=False)).rowcount
    if not day_claimed:
        session.rollback()  # another run claimed today's digest: nothing of this user's is sent
        return 0
    token = uuid.uuid4().hex
    ids = list(session.scalars(update(Reminder).where(Reminder.recipient_id == user_id, Reminder.status == "digest")
                               .values(status="digesting", claim_token=token, claimed_at=now)
                               .returning(Reminder.id).execution_options(synchronize_session=False)))
    session.commit()  # the day and the rows are claimed before the e-mail goes out
    if not ids:
        return 0
    user = session.get(User, user_id)
    rows = list(session.scalars(select(Reminder).where(Reminder.id.in_(ids)).order_by(Reminder.id)))
    channel = "none"
    if user.email and user.active and email_mode(session, user_id) != "off":
        try:
            mailer.send(mail.digest_message(rows, user, today))
            channel = mailer.channel
        except Exception as exc:  # noqa: BLE001 — this user's digest waits for the next run, the others go

            session.rollback()  # the failed digest's claim is undone and recorded below, in its own commit
            session.execute(update(Reminder).where(Reminder.claim_token == token)
                            .values(status="digest", claim_token=None, claimed_at=None,
                                    last_error=f"{type(exc).__name__}: {exc}"[:2000])
                            .execution_options(synchronize_session=False))
            session.execute(update(ReminderPreference).where(ReminderPreference.user_id == user_id)
                            .values(last_digest_on=previous).execution_options(synchronize_session=False))
            session.commit()  # the rows wait for the next run: recorded at once
            log.warning("digest for user %s: %s", user_id, exc)
            return 0
    session.execute(update(Reminder).where(Reminder.claim_token == token, Reminder.status == "digesting")
                    .values(status="sent", channel=channel, sent_at=utcnow(), claim_token=None, claimed_at=None)
                    .execution_options(synchronize_session=False))
    session.commit()  # the digest is recorded as sent at once
    return 1
