"""Reminders through real services: a real Celery worker and real beat schedulers (subprocesses)
on Redis and on the embedded broker, delivering to a local SMTP server.

Each scenario: 200 nominators are due a reminder; beat scans (every second here), the scan
enqueues delivery after its commit, the worker sends, and every reminder must arrive exactly once
— also when the worker is SIGKILLed mid-batch and restarted, when Redis is killed and restarted
mid-run, and when two beat schedulers run side by side. Skipped without TDKT_TEST_REDIS_URL (a
failure under TDKT_REQUIRE_SERVICES=1); each scenario is bounded by timeouts.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.conftest import REDIS_URL, need
from tests.reminders.smtp_sink import SmtpSink
from workflow.db import utcnow
from workflow.org.models import RoleAssignment, Unit, User
from workflow.proposals.models import Round
from workflow.reminders import config
from workflow.reminders.models import Reminder
from workflow.reminders.schedule import local_date

pytestmark = [pytest.mark.services, pytest.mark.commits, pytest.mark.xdist_group("redis")]  # a real worker and beat
COUNT = 200
TIMEOUT = 150  # seconds for a whole scenario to converge


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """Worker and beat subprocesses sharing one environment; logs in files (never a full pipe)."""

    def __init__(self, tmp_path, env: dict):
        self.tmp, self.env, self.procs, self.logs = tmp_path, env, [], []

    def _start(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(self.tmp / f"{name}-{len(self.logs)}.log", "w")  # closed in stop()
        self.logs.append(log)
        proc = subprocess.Popen(args, env=env or self.env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def worker(self) -> subprocess.Popen:
        return self._start("worker", [sys.executable, "-m", "celery", "-A", "tasks.worker", "worker", "--pool", "solo",
                                      "--concurrency", "1", "--loglevel", "INFO", "--without-mingle",
                                      "--without-gossip", "--without-heartbeat"])

    def beat(self, name: str) -> subprocess.Popen:
        return self._start(name, [sys.executable, "-m", "celery", "-A", "tasks.worker", "beat", "--loglevel", "INFO",
                                  "-s", str(self.tmp / f"{name}-schedule")])

    def redis(self, port: int) -> subprocess.Popen:
        return self._start("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                     "--appendonly", "no", "--dir", str(self.tmp)], env=os.environ.copy())

    def stop(self) -> str:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for log in self.logs:
            log.close()
        return "\n".join(p.read_text()[-2500:] for p in sorted(self.tmp.glob("*.log")))


def _due_nominators(session, count: int) -> None:
    """``count`` hamlets of one commune, each with a nominator and nothing submitted, in a round
    whose nomination deadline is three days away."""
    commune = f.authority(session, "X-DB", "commune", name="UBND xã Định Biên")
    for i in range(count):
        unit = Unit(code=f"DB-{i:03d}", name=f"Xóm {i:03d}", kind="hamlet", authority_id=commune.id)
        user = User(username=f"xom{i:03d}", password_hash="!", full_name=f"Trưởng xóm {i:03d}",
                    email=f"xom{i:03d}@dinhbien.example", locale="vi")
        session.add_all([unit, user])
        session.flush()
        session.add(RoleAssignment(user_id=user.id, role="nominator", authority_id=commune.id, unit_id=unit.id))
    session.add(Round(authority_id=commune.id, year=local_date(utcnow()).year, kind="campaign", title="Đợt thi đua",
                      nomination_deadline=local_date(utcnow()) + timedelta(days=3)))
    # a short sweeper timeout: rows of a killed worker come back within seconds
    config.update_policies(session, None, delivery={"batch_size": 20, "sending_timeout_seconds": 4,
                                                     "max_attempts": 8, "retry_base_seconds": 1,
                                                     "retry_max_seconds": 5, "digest_hour": 7})
    session.commit()


def _wait(predicate, timeout: float, what: str, cluster: Cluster) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}; logs:\n{cluster.stop()}")


def _all_sent(session) -> bool:
    session.rollback()  # see what the worker committed
    return session.scalar(select(func.count(Reminder.id)).where(Reminder.status == "sent")) == COUNT


def _broker(kind: str, tmp_path) -> str:
    if kind == "redis":
        need(bool(REDIS_URL), "TDKT_TEST_REDIS_URL is not set: the Redis delivery tests are skipped")
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        return REDIS_URL
    return f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"


def _env(database_url: str, broker: str, sink: SmtpSink, tmp_path) -> dict:
    return {**os.environ, "TDKT_DATABASE_URL": database_url, "TDKT_BROKER_URL": broker, "TDKT_SMTP_URL": sink.url,
            "TDKT_INSTANCE_PATH": str(tmp_path / "instance"), "TDKT_SECRET_KEY": "worker-test-secret-key",
            "TDKT_BEAT_SCAN_SECONDS": "1", "TDKT_CELERY_ALWAYS_EAGER": "0"}


def _assert_exactly_once(session, sink: SmtpSink) -> None:
    time.sleep(2)  # a duplicate, if any, would arrive now
    counts = sink.counts()
    ids = {str(i) for i in session.scalars(select(Reminder.id))}
    assert len(ids) == COUNT, f"{len(ids)} outbox rows for {COUNT} due events"
    assert set(counts) == ids, "some reminders never arrived"
    assert max(counts.values()) == 1, f"duplicates: {[k for k, v in counts.items() if v > 1]}"


@pytest.fixture
def sink():
    server = SmtpSink()
    yield server
    server.close()


def _need_redis_for_ci():
    # the real-service tests run where CI provides Redis; without it, skipped (or failed when required)
    need(bool(REDIS_URL), "TDKT_TEST_REDIS_URL is not set: the real worker tests are skipped")


@pytest.mark.parametrize("broker_kind", ["embedded", "redis"])
def test_a_worker_delivers_200_reminders_exactly_once(broker_kind, app, session, database_url, sink, tmp_path):
    _need_redis_for_ci()
    _due_nominators(session, COUNT)
    cluster = Cluster(tmp_path, _env(database_url, _broker(broker_kind, tmp_path), sink, tmp_path))
    try:
        cluster.worker()
        cluster.beat("beat")
        _wait(lambda: _all_sent(session) and len(sink.counts()) == COUNT, TIMEOUT, "200 deliveries", cluster)
    finally:
        logs = cluster.stop()
    _assert_exactly_once(session, sink)
    assert "tdkt.reminders.send" in logs


@pytest.mark.parametrize("broker_kind", ["embedded", "redis"])
def test_a_worker_killed_mid_batch_and_restarted_loses_and_repeats_nothing(broker_kind, app, session, database_url,
                                                                          sink, tmp_path):
    _need_redis_for_ci()
    _due_nominators(session, COUNT)
    sink.hold_at = 50  # the worker is inside an SMTP transaction when it dies
    cluster = Cluster(tmp_path, _env(database_url, _broker(broker_kind, tmp_path), sink, tmp_path))
    try:
        worker = cluster.worker()
        cluster.beat("beat")
        _wait(sink.held.is_set, TIMEOUT, "the 50th message", cluster)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        sink.release.set()  # the dead client's message is refused: not delivered
        session.rollback()
        stuck = session.scalar(select(func.count(Reminder.id)).where(Reminder.status == "sending"))
        assert stuck >= 1, "the kill should leave claimed rows behind"
        cluster.worker()
        _wait(lambda: _all_sent(session) and len(sink.counts()) == COUNT, TIMEOUT, "recovery", cluster)
    finally:
        cluster.stop()
    _assert_exactly_once(session, sink)


def test_redis_restarted_mid_run_loses_nothing(app, session, database_url, sink, tmp_path):
    _need_redis_for_ci()
    need(shutil.which("redis-server") is not None, "redis-server is not installed")
    port = _free_port()
    _due_nominators(session, COUNT)
    sink.hold_at = 60
    sink.release_reply = "250 2.0.0 queued"  # the worker lives: its message goes through
    cluster = Cluster(tmp_path, _env(database_url, f"redis://127.0.0.1:{port}/0", sink, tmp_path))
    try:
        redis_proc = cluster.redis(port)
        _wait(lambda: _port_open(port), 20, "redis-server", cluster)
        cluster.worker()
        cluster.beat("beat")
        _wait(sink.held.is_set, TIMEOUT, "the 60th message", cluster)
        redis_proc.send_signal(signal.SIGKILL)  # queued messages vanish with it (no persistence)
        redis_proc.wait(timeout=10)
        time.sleep(1)
        cluster.redis(port)
        _wait(lambda: _port_open(port), 20, "redis-server again", cluster)
        sink.release.set()
        _wait(lambda: _all_sent(session) and len(sink.counts()) == COUNT, TIMEOUT, "recovery after Redis", cluster)
    finally:
        cluster.stop()
    _assert_exactly_once(session, sink)


@pytest.mark.parametrize("broker_kind", ["embedded", "redis"])
def test_two_beat_schedulers_side_by_side_duplicate_nothing(broker_kind, app, session, database_url, sink, tmp_path):
    _need_redis_for_ci()
    _due_nominators(session, COUNT)
    cluster = Cluster(tmp_path, _env(database_url, _broker(broker_kind, tmp_path), sink, tmp_path))
    try:
        cluster.beat("beat-a")
        cluster.beat("beat-b")
        cluster.worker()
        _wait(lambda: _all_sent(session) and len(sink.counts()) == COUNT, TIMEOUT, "200 deliveries", cluster)
        time.sleep(3)  # both beats keep scanning: still nothing new
    finally:
        cluster.stop()
    _assert_exactly_once(session, sink)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0
