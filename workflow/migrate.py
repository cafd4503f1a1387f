"""Alembic, driven from the application (``tdkt db upgrade``); never run at app start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

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
