"""The migrated schema equals the models, on SQLite and on PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

import workflow.models  # noqa: F401
from tests.conftest import PG_URL, need
from workflow import create_app
from workflow.db import Base
from workflow.extensions import db
from workflow.migrate import upgrade


def _fresh_postgres_url() -> str:
    # named after the test database, so two checkouts testing side by side never share it
    name = PG_URL.rsplit("/", 1)[1].split("?")[0] + "_migration_check"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_URL.rsplit("/", 1)[0] + "/" + name


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_match_models(backend, tmp_path):
    if backend == "postgresql":
        need(bool(PG_URL), "TDKT_TEST_DATABASE_URL is not set: PostgreSQL migration check skipped")
        url = _fresh_postgres_url()
    else:
        url = f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 40,
                      "BROKER_URL": "memory://"})
    with app.app_context():
        upgrade("head")
        upgrade("head")  # a second run has nothing to do
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
            tables = set(inspect(conn).get_table_names())
        db.engine.dispose()
    assert diff == [], f"migrations and models differ: {diff}"
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
