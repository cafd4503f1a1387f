"""Domain errors. Services raise them; the API turns them into ``{"error": {...}}`` and the
screens into form messages. ``code`` is stable for integrators; ``message`` is for people."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: dict | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.details = details or {}
        if code:
            self.code = code


class Invalid(DomainError):
    """Input that names a field wrongly: 422 with ``details`` keyed by field."""

    status = 422
    code = "validation_error"


class NotFound(DomainError):
    """Unknown — or out of the caller's scope, which answers the same (404, never 403)."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """In scope but the role may not do this."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """Duplicate, stale version, wrong state: 409."""

    status = 409
    code = "conflict"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


def field_error(field: str, message: str) -> Invalid:
    """A 422 that names one field."""
    return Invalid(message, details={field: message})
