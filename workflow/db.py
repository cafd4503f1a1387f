"""Database base class, naming convention, SQLite pragmas and the after-commit queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event
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


# --- side effects after commit ---------------------------------------------------------------

def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's current transaction commits; a rollback drops it."""
    session.info.setdefault("after_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop("after_commit", [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop("after_commit", None)


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
