"""Celery bound to the Flask app (Flask's Celery pattern, with one addition: when an app context
is already active — eager mode, tests — the task runs in it instead of pushing a new one, so it
sees the same session and its caller's boundary commits). A task in its own app context is one unit
of work: its session commits when it returns and rolls back when it raises (then retried)."""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask, has_app_context

from tasks.reminders import beat_entries, enqueue_delivery
from workflow import vntime
from workflow.db import unit_of_work
from workflow.extensions import db
from workflow.reminders.events import DISPATCH_KEY


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            if has_app_context():
                return self.run(*args, **kwargs)
            with app.app_context(), unit_of_work(db.session):
                return self.run(*args, **kwargs)

    broker = app.config["TDKT_BROKER_URL"]
    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=broker,
        task_ignore_result=True,
        result_backend=None,
        task_serializer="json",
        accept_content=["json"],
        timezone=vntime.ZONE_NAME,
        enable_utc=True,
        # reliability: acknowledge after the work, requeue if the worker dies, one message at a time
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=300,
        task_soft_time_limit=240,
        broker_connection_retry_on_startup=True,
        broker_transport_options=_transport_options(broker),
        task_always_eager=bool(app.config["TDKT_CELERY_ALWAYS_EAGER"]),
        task_eager_propagates=True,
        beat_schedule=beat_entries(app.config["TDKT_BEAT_SCAN_SECONDS"]),
        include=["tasks.ops", "tasks.reminders"],
    )
    celery.set_default()
    app.extensions["celery"] = celery
    app.extensions[DISPATCH_KEY] = enqueue_delivery  # events' outbox rows, after their commit
    return celery


def _transport_options(broker: str) -> dict:
    """Redis: redeliver an unacknowledged task after an hour. The embedded SQLite broker: wait up to
    30 s for the file's lock (web, worker and beat share it) instead of pysqlite's 5 s; on a busy
    machine a shorter wait fails the publish and kombu's retry then reuses a closed channel."""
    if broker.startswith("redis"):
        return {"visibility_timeout": 3600}
    if broker.startswith("sqla+sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {}
