"""Operational tasks: the worker probe (proves a real worker consumes the queue)."""

from __future__ import annotations

import socket

from celery import shared_task

from workflow.extensions import db
from workflow.ops import services


@shared_task(name="tdkt.ops.record_probe", autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def record_probe(key: str) -> None:
    """Write the probe row for ``key`` (idempotent: a retried or duplicated message writes it once)."""
    services.record_probe(db.session, key, f"{socket.gethostname()}")
