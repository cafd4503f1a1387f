"""Worker probe: enqueue, record, wait."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflow.ops.models import WorkerProbe


def record_probe(session: Session, key: str, worker: str) -> None:
    if session.scalar(select(WorkerProbe.id).where(WorkerProbe.key == key)):
        return
    session.add(WorkerProbe(key=key, worker=worker))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()  # a lost race: another delivery of the same message wrote the row


def new_probe_key() -> str:
    return uuid.uuid4().hex


def wait_for_probe(session: Session, key: str, timeout: float) -> WorkerProbe | None:
    """Poll until a worker has recorded ``key`` (or the timeout passes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session.rollback()  # see rows committed by the worker since the last look
        probe = session.scalar(select(WorkerProbe).where(WorkerProbe.key == key))
        if probe is not None:
            return probe
        time.sleep(0.2)
    return None
