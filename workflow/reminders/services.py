"""Reminders: the scan that fills the outbox, cancelling a subject's pending reminders, and the
user's side — notifications and e-mail preferences. Delivery lives in ``delivery``."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, text, tuple_, update
from sqlalchemy.orm import Session

from workflow.db import after_commit, insert_ignoring_duplicates, utcnow
from workflow.errors import NotFound, field_error
from workflow.reminders import config
from workflow.reminders.context import ScanContext
from workflow.reminders.kinds import KIND_SCANNERS
from workflow.reminders.models import EMAIL_MODES, Notification, Reminder, ReminderPreference
from workflow.reminders.schedule import Due

log = logging.getLogger("workflow.reminders")

# one scan at a time on PostgreSQL (a second beat's scan steps aside); the unique key alone already
# prevents duplicates, the lock only saves the second scan its work
SCAN_LOCK_ID = 0x7D4B_0006


@dataclass
class ScanResult:
    due: list[Due] = field(default_factory=list)  # every due event computed
    inserted: list[int] = field(default_factory=list)  # outbox ids written by this scan
    new: list[Due] = field(default_factory=list)  # dry run: the events not in the outbox yet
    seconds: float = 0.0
    skipped: bool = False  # another scan held the lock


def _try_lock(session: Session) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True  # SQLite writers queue anyway; the unique key does the rest
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": SCAN_LOCK_ID}))


def compute_due(session: Session, now: datetime, kinds=None) -> list[Due]:
    """Every due event at ``now`` (deduplicated on the outbox key), without writing."""
    loaded = config.load(session)
    ctx = ScanContext(session, now)
    found: dict[tuple, Due] = {}
    for policy in loaded.enabled():
        if kinds and policy.kind not in kinds:
            continue
        for due in KIND_SCANNERS[policy.kind](ctx, policy):
            found.setdefault(due.key, due)
    return list(found.values())


def scan(session: Session, now: datetime | None = None, *, dry_run: bool = False, kinds=None,
         dispatch: Callable[[list[int]], None] | None = None, lock: bool = True) -> ScanResult:
    """Compute the reminders due at ``now`` and write each once into the outbox.

    Idempotent: a due event is a UNIQUE (kind, subject, due date, recipient) row inserted with ON
    CONFLICT DO NOTHING, so re-runs, two beats and retried tasks never duplicate. ``dispatch``
    receives the new ids *after* the commit (a rollback drops it). ``dry_run`` writes nothing and
    returns in ``new`` what a real scan would queue. Commits (unless ``dry_run``).
    """
    started = time.perf_counter()
    now = now or utcnow()
    result = ScanResult()
    if not dry_run:
        config.ensure_policies(session)
        if lock and not _try_lock(session):
            session.rollback()  # another scan holds the lock: release what this one began, write nothing
            result.skipped = True
            return result
    result.due = compute_due(session, now, kinds)
    if dry_run:
        existing = _existing_keys(session, result.due)
        result.new = [d for d in result.due if d.key not in existing]
        session.rollback()  # a dry run writes nothing, not even the policies ensured above
    else:
        written = utcnow()  # deliverable at once, whatever moment the scan was computed for
        rows = [{"kind": d.kind, "subject_type": d.subject_type, "subject_id": d.subject_id, "due_on": d.due_on,
                 "recipient_id": d.recipient_id, "level": d.level, "action": d.action,
                 "authority_id": d.authority_id, "params": d.params, "status": "pending", "attempts": 0,
                 "next_attempt_at": written, "created_at": written} for d in result.due]
        result.inserted = insert_ignoring_duplicates(
            session, Reminder, rows, ["kind", "subject_type", "subject_id", "due_on", "recipient_id"],
            returning=Reminder.id)
        if dispatch is not None and result.inserted:
            ids = sorted(result.inserted)
            after_commit(session, lambda: dispatch(ids))
        session.commit()  # the scan's own transaction: it ends the scan lock, then dispatches the new ids
    result.seconds = time.perf_counter() - started
    return result


def _existing_keys(session: Session, dues: list[Due]) -> set[tuple]:
    keys: set[tuple] = set()
    items = [d.key for d in dues]
    columns = (Reminder.kind, Reminder.subject_type, Reminder.subject_id, Reminder.due_on, Reminder.recipient_id)
    for i in range(0, len(items), 200):
        chunk = items[i:i + 200]
        keys.update(tuple(row) for row in session.execute(select(*columns).where(tuple_(*columns).in_(chunk))))
    return keys


def cancel_pending(session: Session, subject_type: str, subject_id: int) -> int:
    """Cancel the subject's reminders not yet handed to delivery — in the caller's transaction
    (``proposals.services.transition`` calls it when a proposal moves on)."""
    return session.execute(update(Reminder).where(
        Reminder.subject_type == subject_type, Reminder.subject_id == subject_id, Reminder.status == "pending",
    ).values(status="cancelled").execution_options(synchronize_session=False)).rowcount


# --- notifications (the bell) -----------------------------------------------------------------------

def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def list_notifications(session: Session, user_id: int, *, unread_only: bool = False, page: int = 1,
                       per_page: int = 20) -> tuple[list[Notification], int]:
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                            .offset((page - 1) * per_page).limit(per_page)).all()
    return list(items), total


def mark_read(session: Session, user_id: int, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (404 for anyone else's). Idempotent."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id:
        raise NotFound(_("Unknown notification: %(id)s.", id=notification_id))
    if notification.read_at is None:
        notification.read_at = utcnow()
    session.flush()
    return notification


def mark_all_read(session: Session, user_id: int) -> int:
    count = session.execute(update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)).values(read_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    return count


def email_mode(session: Session, user_id: int) -> str:
    return session.scalar(select(ReminderPreference.email_mode).where(
        ReminderPreference.user_id == user_id)) or "immediate"


def set_email_mode(session: Session, user_id: int, mode: str) -> str:
    """Each reminder e-mailed at once, one daily digest, or no e-mail (in-app only)."""
    if mode not in EMAIL_MODES:
        raise field_error("email", _("Must be one of: %(values)s.", values=", ".join(EMAIL_MODES)))
    preference = session.get(ReminderPreference, user_id)
    if preference is None:
        insert_ignoring_duplicates(session, ReminderPreference, [{"user_id": user_id, "email_mode": mode,
                                                                  "updated_at": utcnow()}], ["user_id"])
        preference = session.get(ReminderPreference, user_id)
    preference.email_mode, preference.updated_at = mode, utcnow()
    session.flush()
    return mode
