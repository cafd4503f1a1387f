"""Alembic, driven from the application (``tdkt db upgrade``); never run at app start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from workflow.extensions import db

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(revision: str = "head") -> None:
    """Upgrade the database of the current app to ``revision`` (inside an app context)."""
    with db.engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
    if db.engine.dialect.name == "sqlite":
        refresh_statistics()


def refresh_statistics() -> None:
    """SQLite's planner statistics (``ANALYZE``), which nothing else gathers: without them it reads a
    province's annual report through the state index, every awarded row, instead of the award
    steps' index (150 -> 12 ms at 100,000 proposals). PostgreSQL's autovacuum keeps its own."""
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
