"""The migrated schema equals the models, on SQLite and on PostgreSQL.

Alembic's ``compare_metadata`` sees tables, columns, types, indexes, unique and foreign keys but
not CHECK constraints, so those are compared here too: a database built by the migrations and one
built from the models (``Base.metadata.create_all``) are read back the same way (PostgreSQL's
``pg_constraint``, the table SQL in SQLite's ``sqlite_master``) and must hold the same set of
CHECK constraints, by name and normalised SQL.
"""

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, create_engine, inspect, text

import workflow.models  # noqa: F401
from tests.conftest import PG_URL, need
from workflow import create_app
from workflow.db import Base
from workflow.extensions import db
from workflow.migrate import upgrade


def _fresh_postgres_url(suffix: str = "migration_check") -> str:
    # named after the test database, so two checkouts testing side by side never share it
    name = PG_URL.rsplit("/", 1)[1].split("?")[0] + "_" + suffix
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_URL.rsplit("/", 1)[0] + "/" + name


def _fresh_url(backend: str, tmp_path, suffix: str) -> str:
    if backend == "postgresql":
        need(bool(PG_URL), "TDKT_TEST_DATABASE_URL is not set: PostgreSQL migration check skipped")
        return _fresh_postgres_url(suffix)
    return f"sqlite:///{tmp_path / (suffix + '.sqlite')}"


# --- CHECK constraints read back from a database --------------------------------------------

def _outer_parentheses_off(sql: str) -> str:
    while sql.startswith("(") and sql.endswith(")") and _closing(sql, 0) == len(sql) - 1:
        sql = sql[1:-1].strip()
    return sql


def _closing(sql: str, start: int) -> int:
    """Index of the parenthesis closing the one at ``start`` (quoted text skipped)."""
    depth, quote = 0, None
    for i in range(start, len(sql)):
        ch = sql[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError(f"unbalanced parentheses in {sql!r}")


def _normalised(sql: str) -> str:
    """One spelling of a CHECK expression: identifiers unquoted, white space collapsed, no space
    inside parentheses, no redundant outer parentheses (string literals kept as they are)."""
    parts = re.split(r"('(?:[^']|'')*')", sql)
    for i in range(0, len(parts), 2):  # outside the string literals
        code = parts[i].replace('"', "")
        code = re.sub(r"\s+", " ", code)
        code = re.sub(r"\(\s+", "(", code)
        code = re.sub(r"\s+\)", ")", code)
        parts[i] = code
    return _outer_parentheses_off("".join(parts).strip())


_SQLITE_CHECK = re.compile(r"(?:CONSTRAINT\s+(\"[^\"]+\"|\w+)\s+)?CHECK\s*\(", re.IGNORECASE)


def _sqlite_checks(conn) -> set[tuple[str, str | None, str]]:
    found = set()
    rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                             "AND name NOT LIKE 'sqlite_%' AND name <> 'alembic_version'"))
    for table, sql in rows:
        for match in _SQLITE_CHECK.finditer(sql):
            start = match.end() - 1
            body = sql[start:_closing(sql, start) + 1]
            name = match.group(1).strip('"') if match.group(1) else None
            found.add((table, name, _normalised(body)))
    return found


def _postgres_checks(conn) -> set[tuple[str, str | None, str]]:
    rows = conn.execute(text(
        "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
        "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE k.contype = 'c' AND n.nspname = current_schema()"))
    found = set()
    for table, name, definition in rows:
        assert definition.startswith("CHECK "), definition
        found.add((table, name, _normalised(definition[len("CHECK "):])))
    return found


def check_constraints(conn) -> set[tuple[str, str | None, str]]:
    """Every CHECK constraint of the database as (table, name, normalised SQL)."""
    return _postgres_checks(conn) if conn.dialect.name == "postgresql" else _sqlite_checks(conn)


def triggers(conn) -> set[tuple]:
    """(name, definition) of every trigger, with its function's body on PostgreSQL."""
    if conn.dialect.name == "postgresql":
        return set(conn.execute(text(
            "SELECT t.tgname, pg_get_triggerdef(t.oid), p.prosrc FROM pg_trigger t "
            "JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal")).all())
    return set(conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all())


def test_normalised_check_sql_is_one_spelling():
    assert _normalised('(( "kind"  IN (\'a\',  \'b  c\') ))') == "kind IN ('a', 'b  c')"
    assert _normalised("(a > 0) AND (b > 0)") == "(a > 0) AND (b > 0)"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_match_models(backend, tmp_path):
    url = _fresh_url(backend, tmp_path, "migration_check")
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 40,
                      "BROKER_URL": "memory://"})
    with app.app_context():
        upgrade("head")
        upgrade("head")  # a second run has nothing to do
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
            tables = set(inspect(conn).get_table_names())
            migrated_checks = check_constraints(conn)
            migrated_triggers = triggers(conn)
        db.engine.dispose()
    assert diff == [], f"migrations and models differ: {diff}"
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables

    models = create_engine(_fresh_url(backend, tmp_path, "metadata_check"))
    with models.begin() as conn:
        Base.metadata.create_all(conn)
    with models.connect() as conn:
        model_checks = check_constraints(conn)
        model_triggers = triggers(conn)
    models.dispose()
    declared = [c for t in Base.metadata.tables.values() for c in t.constraints if isinstance(c, CheckConstraint)]
    assert len(model_checks) == len(declared), "the reader missed CHECK constraints the models declare"
    missing = sorted(model_checks - migrated_checks)
    extra = sorted(migrated_checks - model_checks)
    assert not missing and not extra, (
        f"CHECK constraints differ between migrations and models on {backend}: "
        f"in the models only {missing}; in the migrated database only {extra}. "
        "Add a new revision that makes the migrated schema match (never edit a released one)"
    )
    # the triggers that keep the report's counts (reports.triggers), which compare_metadata ignores
    assert {name for name, *_ in model_triggers} == {"report_count_proposal", "report_count_forward",
                                                     "report_count_award"}
    assert migrated_triggers == model_triggers, "the migrations' triggers differ from reports.triggers"


def test_sqlite_upgrade_leaves_the_planner_its_statistics(tmp_path):
    """SQLite gathers no statistics by itself; without them it plans a province's annual report
    through the state index (every awarded row) rather than the award steps' index."""
    app = create_app({"DATABASE_URL": _fresh_url("sqlite", tmp_path, "stats"), "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": "x" * 40, "BROKER_URL": "memory://"})
    with app.app_context():
        upgrade("head")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar() == 1
        db.engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_report_counts_revision_fills_them_from_the_rows(backend, tmp_path):
    """0015 counts what the proposals and their history already hold: the reports read from the
    kept counts right after the upgrade are those counted from the rows."""
    from tests.reports.crafted import YEAR, build
    from workflow.catalog.services import load_rule_sets
    from workflow.org.models import User
    from workflow.reports.services import annual_report, report_count_differences

    app = create_app({"DATABASE_URL": _fresh_url(backend, tmp_path, "report_counts"), "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": "x" * 40, "BROKER_URL": "memory://"})
    with app.app_context():
        upgrade("0014_list_scope_index")
        load_rule_sets(db.session)
        admin_id = build(db.session).users["tinh_admin"].id
        db.session.close()
        upgrade("head")
        admin = db.session.get(User, admin_id)
        assert db.session.execute(text("SELECT count(*) FROM report_count")).scalar() > 0
        assert report_count_differences(db.session) == 0
        for code in ("X-DB", "H-DH", "T-TN"):
            kept = annual_report(db.session, admin, code, YEAR)
            assert kept == annual_report(db.session, admin, code, YEAR, from_rows=True)
            assert kept["proposed_to"] or kept["awarded_here"]
        db.session.close()
        db.engine.dispose()
