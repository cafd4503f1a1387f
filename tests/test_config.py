"""Factory and configuration: defaults, TDKT_* environment, overrides, secrets."""

import pytest

from workflow import create_app
from workflow.config import ConfigError, load_settings


def test_embedded_defaults(tmp_path):
    settings = load_settings({"INSTANCE_PATH": str(tmp_path)}, environ={})
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'tdkt.sqlite'}"
    assert settings["BROKER_URL"] == f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    assert settings["RATELIMIT_STORAGE_URL"] == "memory://"


def test_environment_then_overrides(tmp_path):
    env = {"TDKT_DATABASE_URL": "postgresql+psycopg://u@h/db", "TDKT_BROKER_URL": "redis://r:6379/0",
           "TDKT_SECRET_KEY": "from-env", "TDKT_TOKEN_TTL_HOURS": "3"}
    settings = load_settings({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "override"}, environ=env)
    assert settings["DATABASE_URL"] == "postgresql+psycopg://u@h/db"
    assert settings["SECRET_KEY"] == "override"
    assert settings["TOKEN_TTL_HOURS"] == 3
    # with Redis as the broker the rate limiter shares it across web workers
    assert settings["RATELIMIT_STORAGE_URL"] == "redis://r:6379/0"


def test_secret_generated_once_into_instance(tmp_path):
    first = load_settings({"INSTANCE_PATH": str(tmp_path)}, environ={})["SECRET_KEY"]
    second = load_settings({"INSTANCE_PATH": str(tmp_path)}, environ={})["SECRET_KEY"]
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_without_secret(tmp_path):
    with pytest.raises(ConfigError, match="TDKT_SECRET_KEY"):
        load_settings({"INSTANCE_PATH": str(tmp_path)}, environ={"TDKT_ENV": "production"})
    assert not (tmp_path / "secret_key").exists()


def test_create_app_uses_settings(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40,
                      "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.sqlite")
    assert app.config["SECRET_KEY"] == "k" * 40
    assert app.config["MAX_CONTENT_LENGTH"] == 20 * 1024 * 1024


def test_sqlite_pragmas(session, backend):
    if backend != "sqlite":
        pytest.skip("SQLite pragmas")
    from sqlalchemy import text

    assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert session.execute(text("PRAGMA busy_timeout")).scalar() == 10000
