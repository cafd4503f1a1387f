"""Helpers shared by tests of several folders (plain functions, as tests/factories.py)."""

from __future__ import annotations

import threading


def run_threads(target, arguments: list[tuple], what: str = "a thread") -> None:
    """Run ``target(*args)`` for each tuple of ``arguments``, each in its own thread, all started
    before any is awaited; fails when one has not ended after a minute."""
    threads = [threading.Thread(target=target, args=args) for args in arguments]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), f"{what} hung"


def two_workers_on_redis(session, database_url: str, tmp_path) -> list:
    """Two app instances (as two gunicorn workers) on one database and one emptied Redis for the
    rate limits, 3 failed sign-ins a minute, with the commune set up; skipped without Redis."""
    import redis

    from tests import factories as f
    from tests.conftest import REDIS_URL, need
    from workflow import create_app

    need(bool(REDIS_URL), "TDKT_TEST_REDIS_URL is not set: the Redis rate-limit test is skipped")
    redis.Redis.from_url(REDIS_URL).flushdb()
    f.commune_setup(session)
    settings = {"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40,
                "BROKER_URL": "memory://", "RATELIMIT_STORAGE_URL": REDIS_URL, "LOGIN_RATE_LIMIT": "3 per minute"}
    return [create_app(settings), create_app(settings)]


def dispose(apps) -> None:
    """Close the apps' database connections now, not whenever the garbage collector runs."""
    from workflow.extensions import db

    for app in apps:
        with app.app_context():
            db.engine.dispose()


def upgraded_cli(tmp_path, name: str):
    """A fresh SQLite database ``name`` migrated through ``tdkt db upgrade``: (the CLI runner, the
    environment the commands run with, the database URL)."""
    from click.testing import CliRunner

    from workflow.cli import main

    url = f"sqlite:///{tmp_path / name}"
    env = {"TDKT_DATABASE_URL": url, "TDKT_INSTANCE_PATH": str(tmp_path / "instance"),
           "TDKT_BROKER_URL": "memory://", "TDKT_SECRET_KEY": "cli-test-secret-key-not-for-production"}
    runner = CliRunner()
    upgraded = runner.invoke(main, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    return runner, env, url
