"""Reminder tasks (thin: each calls one service). Beat runs the scan, a delivery fallback, the
sweeper and the digests (``beat_entries``); the scan enqueues delivery of what it wrote once its
commit succeeded. Every task is idempotent — the outbox's unique key and claim tokens hold the
guarantees, not the broker — so a lost, repeated or retried message changes nothing."""

from __future__ import annotations

import logging

from celery import shared_task
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from workflow.extensions import db
from workflow.reminders import delivery, services

log = logging.getLogger("workflow.reminders")

# Retries back off exponentially and never wait more than 5 minutes (no long ETA or countdown).
RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": 5, "retry_backoff_max": 300,
         "retry_jitter": True, "max_retries": 8}
CHUNK = 20  # ids per delivery task enqueued by a scan


def _session() -> Session:
    """A session of the task's own: the task commits its own work, and in eager mode it may run
    from the after-commit hook of the caller's session, which can emit no more SQL."""
    return Session(db.engine)


def enqueue_delivery(ids: list[int]) -> None:
    """Hand new outbox ids to delivery tasks (called after the scan's commit). A broker that is
    down loses nothing: the periodic delivery picks pending rows up from the database."""
    try:
        for i in range(0, len(ids), CHUNK):
            send_reminders.apply_async(args=[ids[i:i + CHUNK]])
    except Exception:  # the rows are safe in the outbox; beat's periodic delivery will send them
        log.exception("could not enqueue reminder delivery; the periodic delivery will send them")


@shared_task(name="tdkt.reminders.scan", **RETRY)
def scan_reminders() -> int:
    """Compute due reminders now and write them into the outbox; enqueue their delivery after the
    commit. Returns how many rows were new."""
    with _session() as session:
        result = services.scan(session, dispatch=enqueue_delivery)
    if result.inserted:
        log.info("reminder scan: %d due, %d new (%.2f s)", len(result.due), len(result.inserted), result.seconds)
    return len(result.inserted)


@shared_task(name="tdkt.reminders.send", **RETRY)
def send_reminders(ids: list[int] | None = None) -> int:
    """Deliver the given outbox rows (or every due pending row); rows already taken, sent or
    cancelled are skipped. Re-enqueues itself when its time budget runs out."""
    with _session() as session:
        result = delivery.deliver(session, ids=ids)
    if result.more:
        send_reminders.apply_async(args=[ids])
    return result.sent + result.digest


@shared_task(name="tdkt.reminders.sweep", **RETRY)
def sweep_reminders() -> int:
    """Put reminders stuck in sending (their worker died) back in the queue."""
    with _session() as session:
        return delivery.sweep(session)


@shared_task(name="tdkt.reminders.digest", **RETRY)
def send_digests() -> int:
    """Send the daily digest e-mails that are due."""
    with _session() as session:
        return delivery.send_digests(session)


def beat_entries(scan_seconds: float) -> dict:
    """The beat schedule: the scan every ``TDKT_BEAT_SCAN_SECONDS``; delivery of anything left
    pending (retries, messages lost with the broker) at least every minute; sweeper and digests
    with the scan."""
    scan_seconds = float(scan_seconds)
    return {
        "reminders-scan": {"task": "tdkt.reminders.scan", "schedule": scan_seconds},
        "reminders-send": {"task": "tdkt.reminders.send", "schedule": min(60.0, scan_seconds)},
        "reminders-sweep": {"task": "tdkt.reminders.sweep", "schedule": scan_seconds},
        "reminders-digest": {"task": "tdkt.reminders.digest", "schedule": scan_seconds},
    }
