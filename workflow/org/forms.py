"""Reading the administration forms into the API's bodies. No checks here: the API's body models
(``check_body``) and the services judge what a form holds, so a screen refuses what the API refuses
with the same words, field by field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, request

from workflow.errors import DomainError, Invalid, NotFound
from workflow.extensions import db


def text(name: str) -> str | None:
    """A form field stripped, None when empty."""
    value = (request.form.get(name) or "").strip()
    return value or None


def rows(prefix: str, fields: tuple[str, ...], limit: int = 200) -> tuple[list[dict], list[int]]:
    """The repeated rows ``prefix-N-field`` of a form that have any field filled, in order, with the
    form's row number of each (so an error on ``roles.1`` lands on the row the user filled)."""
    found, numbers = [], []
    for n in range(limit):
        row = {f: text(f"{prefix}-{n}-{f}") for f in fields}
        if any(v is not None for v in row.values()):
            found.append(row)
            numbers.append(n)
    return found, numbers


def shown_rows(prefix: str, fields: tuple[str, ...], limit: int = 200) -> list[dict]:
    """Every row the form sent, blank ones included (to show the form again as it was)."""
    out = []
    for n in range(limit):
        if not any(f"{prefix}-{n}-{f}" in request.form for f in fields):
            break
        out.append({f: request.form.get(f"{prefix}-{n}-{f}", "") for f in fields})
    return out


def field_errors(exc: Invalid, prefix: str | None = None, numbers: list[int] | None = None) -> dict[str, str]:
    """An Invalid's details keyed as the form names its fields: ``roles.0.unit_code`` becomes
    ``roles.<the form's row>.unit_code``; a detail on no known field goes under ``""``."""
    errors: dict[str, str] = {}
    for key, message in exc.details.items():
        parts = key.split(".")
        if prefix and numbers is not None and len(parts) >= 2 and parts[0] == prefix and parts[1].isdigit():
            i = int(parts[1])
            parts[1] = str(numbers[i]) if i < len(numbers) else parts[1]
            key = ".".join(parts)
        errors[key] = str(message)
    if not errors:
        errors[""] = exc.message
    return errors


def attempt(action: Callable[[], Any], *, prefix: str | None = None, numbers: list[int] | None = None,
            not_found: bool = True, refusals: bool = True) -> tuple[Any, dict[str, str]]:
    """Run one step of an administration form: ``(its result, {})``, or ``(None, errors)`` to show
    the form again after the session is rolled back. An Invalid is shown field by field
    (``field_errors``); with ``not_found`` a NotFound answers 404 as the API does; with
    ``refusals`` any other DomainError is shown above the form, else it propagates."""
    try:
        return action(), {}
    except Invalid as exc:
        db.session.rollback()
        return None, field_errors(exc, prefix, numbers)
    except DomainError as exc:
        if isinstance(exc, NotFound) and not_found:
            db.session.rollback()
            abort(404)
        if not refusals:
            raise
        db.session.rollback()
        return None, {"": exc.message}
