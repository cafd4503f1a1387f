"""Database base class, naming convention, SQLite pragmas, the unit of work and the after-commit queue."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Timezone-aware now in UTC (stored naive-UTC on SQLite, timestamptz on PostgreSQL)."""
    return datetime.now(UTC)


def enum_check(column: str, values) -> str:
    """SQL for a CHECK that keeps a string-stored enum inside its values."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL, foreign keys and a busy timeout on every SQLite connection."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def insert_ignoring_duplicates(session: Session, model, rows: list[dict], conflict_columns: list[str] | None = None,
                               returning=None) -> list:
    """INSERT … ON CONFLICT DO NOTHING, on PostgreSQL and SQLite alike: the rows a unique key
    already holds are skipped, not an error (a racing writer, a second scan). ``conflict_columns``
    names the key (None: any unique key); with ``returning`` (a column), the values of the rows
    really inserted, else []. The one copy of this statement: outbox, preferences, policies, the
    audit chain's head and the document counters all use it."""
    if not rows:
        return []
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(model).on_conflict_do_nothing(index_elements=conflict_columns)
    if returning is None:
        session.execute(stmt, rows)
        return []
    return list(session.scalars(stmt.returning(returning), rows))


# --- the database gone ------------------------------------------------------------------------

def is_disconnect(exc: BaseException) -> bool:
    """The connection died under the statement (server restarted, backend terminated, network):
    SQLAlchemy has invalidated it, and a pre-pinged checkout will give the next request a new one.
    Never a conflict to report as such: the caller re-raises it."""
    return bool(getattr(exc, "connection_invalidated", False))


def database_unavailable(exc: BaseException) -> bool:
    """Is ``exc`` the database being unreachable or gone for a moment (answered 503, try again),
    rather than a bug (500)? A lost connection, a refused or failed connect, a pool exhausted
    past its timeout, a lock wait given up (SQLite busy)."""
    return isinstance(exc, OperationalError | PoolTimeout) or (isinstance(exc, SQLAlchemyError) and is_disconnect(exc))


RETRY_AFTER_SECONDS = 5


# --- the unit of work -------------------------------------------------------------------------
# Services flush, never commit or roll back: one boundary per request (WorkflowFlask.dispatch_request),
# per CLI command and per Celery task ends the transaction — a commit when the work succeeded, a
# rollback when it raised (or, for a request, answered an error). Only the deliberate exceptions
# commit on their own, each with its reason on the line (claims, row-by-row deliveries, locks).

def has_writes(session: Session) -> bool:
    """Did this transaction write anything (a flush, an INSERT/UPDATE/DELETE statement, pending
    objects, a queued side effect)? A read-only unit of work is left to the session's close."""
    return bool(session.info.get("wrote") or session.new or session.dirty or session.deleted
                or session.info.get("after_commit"))


def finish(session: Session, ok: bool) -> None:
    """End the unit of work: commit what it wrote when ``ok``, else roll it back."""
    if ok and has_writes(session):
        session.commit()
    elif not ok:
        session.rollback()


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """The boundary of a CLI command or a task: commit on success, roll back on any exception."""
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finish(session, ok=True)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _flush_context) -> None:
    session.info["wrote"] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if not state.is_select:
        state.session.info["wrote"] = True


# --- side effects after commit ---------------------------------------------------------------

def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's current transaction commits; a rollback drops it."""
    session.info.setdefault("after_commit", []).append(callback)


def on_rollback(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` if the session's current transaction rolls back (undo what lives outside
    the database, e.g. a stored file); a commit drops it."""
    session.info.setdefault("on_rollback", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    session.info.pop("wrote", None)
    session.info.pop("on_rollback", None)
    callbacks = session.info.pop("after_commit", [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop("wrote", None)
    session.info.pop("after_commit", None)
    for callback in session.info.pop("on_rollback", []):
        callback()


class UTCDateTime(TypeDecorator):
    """A UTC timestamp: aware datetimes in Python, naive UTC in the column on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)
