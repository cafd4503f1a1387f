"""Fixtures: the app on each configured database, a client, the CLI runner, factories.

The suite runs on SQLite always, and again on PostgreSQL when TDKT_TEST_DATABASE_URL is set.
With TDKT_REQUIRE_SERVICES=1 (CI) a missing service is a failure, never a skip.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, delete, text

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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE and report.skipped and call.when in ("setup", "call"):
        report.outcome = "failed"
        report.longrepr = f"skipped under TDKT_REQUIRE_SERVICES=1: {report.longrepr}"


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
        from workflow.catalog.services import load_rule_sets

        load_rule_sets(_db.session)
        _db.session.commit()
    yield app
    with app.app_context():
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(delete(table))
        _db.engine.dispose()


@pytest.fixture
def session(app):
    with app.app_context():
        yield _db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def backend(database_url) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"
