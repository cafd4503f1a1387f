"""A real Celery worker runs our task: on the embedded broker (kombu's SQLAlchemy transport on a
SQLite file, one worker process) and on Redis."""

import os
import subprocess
import sys

import pytest

from tests.conftest import REDIS_URL, need
from workflow import create_app
from workflow.extensions import db
from workflow.ops.services import new_probe_key, wait_for_probe

pytestmark = [pytest.mark.commits, pytest.mark.xdist_group("redis")]  # a real worker process reads what the test committed


def test_eager_task_runs_in_the_active_context(app):
    from tasks.ops import record_probe

    with app.app_context():
        key = new_probe_key()
        record_probe.delay(key)  # eager: runs here, inside the caller's unit of work …
        db.session.commit()  # … which the caller's boundary ends
        assert wait_for_probe(db.session, key, timeout=1) is not None


@pytest.mark.parametrize("broker", ["embedded", "redis"])
def test_real_worker_runs_the_probe(broker, database_url, tmp_path):
    if broker == "redis":
        need(bool(REDIS_URL), "TDKT_TEST_REDIS_URL is not set: the Redis worker test is skipped")
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        broker_url = REDIS_URL
    else:
        broker_url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    env = {**os.environ, "TDKT_DATABASE_URL": database_url, "TDKT_BROKER_URL": broker_url,
           "TDKT_INSTANCE_PATH": str(tmp_path), "TDKT_SECRET_KEY": "worker-test-secret"}
    app = create_app({"DATABASE_URL": database_url, "BROKER_URL": broker_url, "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": "worker-test-secret"})
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tasks.worker", "worker", "--pool", "solo", "--concurrency", "1",
         "--loglevel", "INFO", "--without-mingle", "--without-gossip", "--without-heartbeat"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        from tasks.ops import record_probe

        with app.app_context():
            key = new_probe_key()
            record_probe.apply_async(args=[key])
            probe = wait_for_probe(db.session, key, timeout=60)
            db.session.remove()
            db.engine.dispose()
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    assert probe is not None, f"the worker did not run the probe; its log:\n{output[-3000:]}"
    assert "tdkt.ops.record_probe" in output
