"""Domain errors. Services raise them; the API turns them into ``{"error": {...}}`` and the
screens into form messages. ``code`` is stable for integrators; ``message`` is for people."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal a service states in words. Each kind names its HTTP status and stable code in its
    class line (``class Conflict(DomainError, status=409, code="conflict")``)."""

    status = 400
    code = "bad_request"

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if code is not None:
            cls.code = code

    def __init__(self, message: str, *, details: dict | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.details = details or {}
        if code:
            self.code = code


class Invalid(DomainError, status=422, code="validation_error"):
    """Input that names a field wrongly: 422 with ``details`` keyed by field."""


class NotFound(DomainError, status=404, code="not_found"):
    """Unknown — or out of the caller's scope, which answers the same (404, never 403)."""


class Forbidden(DomainError, status=403, code="forbidden"):
    """In scope but the role may not do this."""


class Conflict(DomainError, status=409, code="conflict"):
    """Duplicate, stale version, wrong state: 409."""


class Unauthorized(DomainError, status=401, code="unauthorized"):
    """Not signed in, a token that is not (or no longer) valid, or a sign-in too old for the act."""


def field_error(field: str, message: str) -> Invalid:
    """A 422 that names one field."""
    return Invalid(message, details={field: message})
