"""The answers screens and the API share: does the client want JSON, the JSON error body, and the
503 while the database is away. A core module (Flask, the session, nothing of a domain), so the
request guard, the app's error handlers and the API blueprint use it without importing each
other or the ``workflow.api`` package (which imports every domain's endpoints)."""

from __future__ import annotations

import logging

from flask import jsonify, request
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from workflow.db import RETRY_AFTER_SECONDS
from workflow.extensions import db


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, code: str, message: str, details: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


def note_database_unavailable(exc: BaseException) -> None:
    """Log the outage in one line (no stack: it is not a bug) and drop what the request's session
    held; the rollback of a dead connection only releases it."""
    logging.getLogger("workflow").warning("database unavailable: %s", getattr(exc, "orig", None) or exc)
    try:
        db.session.rollback()
    except SQLAlchemyError:  # nothing more to release
        logging.getLogger("workflow").debug("rollback after the outage failed", exc_info=True)


def database_unavailable_response(exc: BaseException):
    """The API's answer while the database is unreachable: 503 ``database_unavailable``, to retry."""
    note_database_unavailable(exc)
    response = error_response(503, "database_unavailable",
                              _("The database is unavailable for a moment. Nothing was changed; please try again."))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
