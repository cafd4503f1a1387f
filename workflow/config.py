"""Configuration: defaults, then ``TDKT_*`` environment variables, then explicit overrides.

Every setting a deployment may change is listed in ``DEFAULTS``; the environment variable is the
key with a ``TDKT_`` prefix (``DATABASE_URL`` → ``TDKT_DATABASE_URL``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from workflow.locales import LOCALES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"

DEFAULTS: dict[str, object] = {
    "ENV": "development",  # "production" refuses to start without TDKT_SECRET_KEY
    "INSTANCE_PATH": None,  # default: ./instance next to the project
    "DATABASE_URL": None,  # default: sqlite file instance/tdkt.sqlite
    "BROKER_URL": None,  # default: kombu's SQLAlchemy transport on instance/broker.sqlite
    "SECRET_KEY": None,  # default (development only): generated into instance/secret_key
    "SMTP_URL": None,  # default: e-mails are written to the log
    "MAIL_FROM": "tdkt@localhost",
    "PUBLIC_URL": None,  # e.g. https://tdkt.example.gov.vn — links in e-mails
    "RATELIMIT_STORAGE_URL": None,  # default: memory://, or the broker when it is Redis
    "LOGIN_RATE_LIMIT": "10 per minute",  # failed sign-ins per username
    "LOGIN_ADDRESS_RATE_LIMIT": None,  # failed sign-ins per address; default: ten times the above
    "LOGIN_DELAY_AFTER": 5,  # failures in a row of one username before each next try waits 1, 2, 4 … s
    "LOGIN_DELAY_MAX_SECONDS": 60,
    "OBJECTION_RATE_LIMIT": "5 per hour",
    "TOKEN_TTL_HOURS": 12,
    "FRESH_LOGIN_MINUTES": 15,
    "PROXY_HOPS": 0,  # reverse proxies in front that set X-Forwarded-For/-Proto (1 behind nginx)
    "SESSION_IDLE_MINUTES": 480,  # a web session unused this long is signed out (API tokens: TOKEN_TTL_HOURS)
    "DEFAULT_LOCALE": "vi",
    "CELERY_ALWAYS_EAGER": False,
    "UPLOAD_MAX_MB": 20,
    # where uploaded files live (workflow/storage.py): "filesystem" (STORAGE_DIR, default
    # instance/attachments; shared by every machine only on a shared mount) or "database"
    "STORAGE": "filesystem",
    "STORAGE_DIR": None,
    # a dossier package (ZIP) unpacks to at most RATIO × its own size (never less than MIN, never
    # more than MAX megabytes), in at most MEMBERS files: a zip bomb is refused, not unpacked
    "PACKAGE_UNPACK_RATIO": 10,
    "PACKAGE_UNPACK_MIN_MB": 16,
    "PACKAGE_UNPACK_MAX_MB": 100,
    "PACKAGE_MAX_MEMBERS": 2000,
    "BEAT_SCAN_SECONDS": 300,
}

INT_KEYS = {"TOKEN_TTL_HOURS", "FRESH_LOGIN_MINUTES", "SESSION_IDLE_MINUTES", "PROXY_HOPS", "UPLOAD_MAX_MB",
            "BEAT_SCAN_SECONDS", "PACKAGE_UNPACK_RATIO", "PACKAGE_UNPACK_MIN_MB", "PACKAGE_UNPACK_MAX_MB",
            "PACKAGE_MAX_MEMBERS", "LOGIN_DELAY_AFTER", "LOGIN_DELAY_MAX_SECONDS"}
BOOL_KEYS = {"CELERY_ALWAYS_EAGER"}


class ConfigError(RuntimeError):
    """The configuration cannot run (e.g. production without a secret key)."""


def _coerce(key: str, value: object) -> object:
    if isinstance(value, str):
        if key in INT_KEYS:
            return int(value)
        if key in BOOL_KEYS:
            return value.strip().lower() in {"1", "true", "yes", "on"}
    return value


def load_settings(overrides: dict | None = None, environ: dict | None = None) -> dict:
    """Merge defaults, environment and overrides, then fill in the embedded defaults."""
    environ = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    for key in DEFAULTS:
        if f"TDKT_{key}" in environ and environ[f"TDKT_{key}"] != "":
            settings[key] = _coerce(key, environ[f"TDKT_{key}"])
    for key, value in (overrides or {}).items():
        settings[key] = _coerce(key, value)

    instance = Path(settings["INSTANCE_PATH"] or DEFAULT_INSTANCE)
    settings["INSTANCE_PATH"] = str(instance)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{instance / 'tdkt.sqlite'}"
    if not settings["BROKER_URL"]:
        settings["BROKER_URL"] = f"sqla+sqlite:///{instance / 'broker.sqlite'}"
    if not settings["RATELIMIT_STORAGE_URL"]:
        broker = str(settings["BROKER_URL"])
        settings["RATELIMIT_STORAGE_URL"] = broker if broker.startswith("redis") else "memory://"
    if settings["DEFAULT_LOCALE"] not in LOCALES:
        raise ConfigError(f"TDKT_DEFAULT_LOCALE must be one of {', '.join(LOCALES)}")
    if not settings["SECRET_KEY"]:
        if settings["ENV"] == "production":
            raise ConfigError("TDKT_SECRET_KEY must be set when TDKT_ENV=production")
        settings["SECRET_KEY"] = _instance_secret(instance)
    return settings


def _instance_secret(instance: Path) -> str:
    """Read, or create once, a random secret key kept in the instance folder (development only)."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting together (web and worker) must agree on one key
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
