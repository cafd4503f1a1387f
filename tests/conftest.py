"""Fixtures: the app on each configured database, a client, the CLI runner, factories.

The suite runs on SQLite always, and again on PostgreSQL when TDKT_TEST_DATABASE_URL is set.
With TDKT_REQUIRE_SERVICES=1 (CI) a missing service is a failure, never a skip.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, delete, text
from sqlalchemy.orm import Session

from workflow import create_app
from workflow.db import Base
from workflow.extensions import db as _db

PG_URL = os.environ.get("TDKT_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TDKT_TEST_REDIS_URL")
REQUIRE = os.environ.get("TDKT_REQUIRE_SERVICES") == "1"

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def pytest_configure(config):
    if REQUIRE and not (PG_URL and REDIS_URL):
        raise pytest.UsageError("TDKT_REQUIRE_SERVICES=1 needs TDKT_TEST_DATABASE_URL and TDKT_TEST_REDIS_URL")


def need(condition: bool, message: str) -> None:
    """Skip when a service or tool is missing — a failure instead under TDKT_REQUIRE_SERVICES=1."""
    if condition:
        return
    if REQUIRE:
        pytest.fail(f"required under TDKT_REQUIRE_SERVICES=1: {message}")
    pytest.skip(message)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """One database per backend for the whole session; the schema is created from the models
    (the migration test proves the migrations build the same schema)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    else:
        url = PG_URL
    engine = create_engine(url)
    import workflow.models  # noqa: F401

    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        Base.metadata.create_all(conn)
    engine.dispose()
    return url


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "CELERY_ALWAYS_EAGER": True,
        "BROKER_URL": "memory://",
        "RATELIMIT_STORAGE_URL": "memory://",
    })
    app.config["TESTING"] = True
    with app.app_context():
        from workflow.cash.services import load_base_salary
        from workflow.catalog.services import load_rule_sets

        load_rule_sets(_db.session)
        load_base_salary(_db.session)
        _db.session.commit()
    yield app
    with app.app_context():
        _db.session.remove()
        _wipe(_db.engine)
        _db.engine.dispose()


def _wipe(engine) -> None:
    """Empty every table (the schema stays for the next test)."""
    tables = Base.metadata.sorted_tables
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        conn.execute(text("PRAGMA foreign_keys=OFF"))
        for table in reversed(tables):
            conn.execute(delete(table))
        conn.execute(text("PRAGMA foreign_keys=ON"))


@pytest.fixture
def session(app):
    """A plain session on the test database. No app context stays pushed during the test:
    Flask would otherwise reuse it (and its ``g``) for every test-client request."""
    with app.app_context():
        engine = _db.engine
    with Session(engine) as db_session:
        yield db_session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def backend(database_url) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch):
    """argon2id with the cheapest parameters: the suite hashes hundreds of passwords."""
    from argon2 import PasswordHasher

    from workflow.auth import credentials

    monkeypatch.setattr(credentials, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@contextmanager
def serve_in_thread(app):
    """Serve ``app`` over real HTTP on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
