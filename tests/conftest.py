"""Fixtures: the app on each configured database, a client, the CLI runner, factories.

The suite runs on SQLite always, and again on PostgreSQL when TDKT_TEST_DATABASE_URL is set.
With TDKT_REQUIRE_SERVICES=1 (CI) a missing service is a failure, never a skip.

Each test runs inside one outer transaction that it rolls back at the end: the app's session
(every request, CLI command and eager task) and the test's ``session`` share one connection and
join that transaction with a SAVEPOINT each, so a "commit" of theirs releases a savepoint and the
rollback at the end forgets everything (the schema and the seeded rule sets stay). A test that
needs real commits seen by other connections (threads, a served app, a browser, a Celery worker,
races) is marked ``@pytest.mark.commits``: it gets the real database and the tables are emptied
(and seeded again) after it.

Under pytest-xdist (``make test`` runs ``-n auto``) every worker has its own databases: its own
SQLite files (its own temporary folder) and ``<name>_gwN`` on PostgreSQL, created on demand; the
tests that share the one Redis DB run on one worker (``xdist_group("redis")``, ``--dist loadgroup``).
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import pytest
from flask import current_app
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import create_engine, delete, make_url, text
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from workflow import create_app
from workflow.db import Base
from workflow.extensions import db as _db

PG_URL = os.environ.get("TDKT_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TDKT_TEST_REDIS_URL")
REQUIRE = os.environ.get("TDKT_REQUIRE_SERVICES") == "1"

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, … under pytest-xdist, else ""


def pytest_configure(config):
    if REQUIRE and not (PG_URL and REDIS_URL):
        raise pytest.UsageError("TDKT_REQUIRE_SERVICES=1 needs TDKT_TEST_DATABASE_URL and TDKT_TEST_REDIS_URL")


def pytest_collection_modifyitems(config, items):
    """A browser test drives a served app from another thread: it needs real commits."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.commits)


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
        url = worker_database(PG_URL)
    engine = create_engine(url)
    import workflow.models  # noqa: F401

    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        Base.metadata.create_all(conn)
    engine.dispose()
    seeding = _make_app(url, tmp_path_factory.mktemp("seed"))
    with seeding.app_context():
        _wipe(_db.engine)
        _db.engine.dispose()
    return url


def worker_database(url: str) -> str:
    """This xdist worker's own PostgreSQL database: ``<name>_gwN`` beside ``url``'s, created when
    missing (the plain ``url`` without xdist)."""
    if not WORKER:
        return url
    base = make_url(url)
    name = f"{base.database}_{WORKER}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar() is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _make_app(database_url, folder):
    app = create_app({
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(folder / "instance"),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "CELERY_ALWAYS_EAGER": True,
        "BROKER_URL": "memory://",
        "RATELIMIT_STORAGE_URL": "memory://",
    })
    app.config["TESTING"] = True
    return app


@pytest.fixture
def app(request, database_url, tmp_path, monkeypatch):
    app = _make_app(database_url, tmp_path)
    if request.node.get_closest_marker("commits"):
        yield app
        with app.app_context():
            _db.session.remove()
            _wipe(_db.engine)
            _db.engine.dispose()
        return
    with app.app_context():
        engine = _db.engine
    connection = engine.connect()
    outer = connection.begin()
    if engine.dialect.name == "sqlite":
        # pysqlite begins lazily, at the first write: a SAVEPOINT before it would start (and its
        # RELEASE commit) a transaction of its own, so the outer one begins now
        connection.exec_driver_sql("BEGIN")
    app_session = _db.session
    joined = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")

    def new_session():  # another app made by the test (a second machine, a district) keeps its own
        return joined() if current_app._get_current_object() is app else app_session.session_factory()

    _db.session = scoped_session(new_session, scopefunc=_app_ctx_id)
    app.extensions["tdkt_test_connection"] = connection
    test_sessions = app.extensions["tdkt_test_sessions"] = []

    def _release_test_sessions():
        # the savepoints nest: a test session's open one would enclose this request's, and the
        # test's later rollback would undo the request too; released first (before any hook opens
        # the request's own), as a real database would have the request see what the test committed
        for test_session in test_sessions:
            if test_session.in_transaction() and test_session.get_transaction().is_active:
                test_session.commit()

    app.before_request_funcs.setdefault(None, []).insert(0, _release_test_sessions)
    # the reminder tasks open a session of their own (they commit their own work): on the same
    # connection here, else a second connection would wait on this transaction's lock
    import tasks.reminders

    monkeypatch.setattr(tasks.reminders, "_session",
                        lambda: Session(bind=connection, join_transaction_mode="create_savepoint"))
    try:
        yield app
    finally:
        with app.app_context():
            _db.session.remove()
        _db.session = app_session
        outer.rollback()
        connection.close()
        engine.dispose()


def _wipe(engine) -> None:
    """Empty every table, then seed the rule sets and the base salary again: the schema and the
    seed stay for the next test (which starts from them, in its own transaction)."""
    from workflow.cash.services import load_base_salary
    from workflow.catalog.services import load_rule_sets

    tables = Base.metadata.sorted_tables
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            for table in reversed(tables):
                conn.execute(delete(table))
            conn.execute(text("PRAGMA foreign_keys=ON"))
    with Session(engine) as seeding:
        load_rule_sets(seeding)
        load_base_salary(seeding)
        seeding.commit()


@pytest.fixture
def session(app):
    """A plain session on the test database. No app context stays pushed during the test:
    Flask would otherwise reuse it (and its ``g``) for every test-client request."""
    connection = app.extensions.get("tdkt_test_connection")
    if connection is not None:  # the test's outer transaction, a savepoint of its own
        with Session(bind=connection, join_transaction_mode="create_savepoint") as db_session:
            app.extensions["tdkt_test_sessions"].append(db_session)
            yield db_session
        return
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
