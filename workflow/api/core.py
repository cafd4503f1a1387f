"""The /api/v1 blueprint: bearer tokens, the error format, body validation and route metadata
from which the OpenAPI document is generated."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, g, request
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from workflow.api.spec import document
from workflow.errors import DomainError, Forbidden, Invalid, Unauthorized, field_error
from workflow.extensions import db
from workflow.responses import database_unavailable_response, error_response

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@dataclass
class RouteDoc:
    rule: str
    methods: list[str]
    summary: str
    auth: bool = True
    body: type[BaseModel] | None = None
    response: str = "object"
    tags: list[str] = field(default_factory=list)
    status: int = 200  # the answer on success (201 created, 204 nothing to say)
    media: tuple[str, ...] = ()  # a download: its media types instead of a JSON answer
    doc_body: type[BaseModel] | None = None  # a JSON body the view reads itself (documented only)
    optional_body: bool = False  # ... and only when one is sent


ROUTES: dict[str, RouteDoc] = {}


class StrictBody(BaseModel):
    """Base of every request body: unknown fields are refused, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)  # endpoint → doc, read by the OpenAPI generator


# what a user whose password an admin reset may still do before choosing a new one
PASSWORD_CHANGE_ENDPOINTS = {"api.change_password", "api.me", "api.logout"}


def current_api_user():
    return g.get("api_user")


def _authenticate() -> None:
    from workflow.auth.services import user_for_token

    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Unauthorized(_("Sign in first: send Authorization: Bearer <token>."))
    found = user_for_token(db.session, header.removeprefix("Bearer ").strip())
    if found is None:
        raise Unauthorized(_("The token is invalid or has expired."))
    g.api_user, g.api_token = found
    if found[0].must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        raise Forbidden(_("An administrator reset your password: choose a new one first "
                          "(POST /api/v1/auth/password)."), code="password_change_required")


def parse_body(model: type[BaseModel]) -> BaseModel:
    """Validate the JSON body against ``model``; 422 naming each bad field."""
    payload = request.get_json(silent=True)
    if payload is None:
        raise Invalid(_("The request body must be a JSON object."), details={"body": "invalid JSON"})
    return check_body(model, payload)


def check_body(model: type[BaseModel], payload, *, for_people: bool = False) -> BaseModel:
    """``payload`` validated against an API body model; 422 naming each bad field. The screens
    call it with what their forms hold (``for_people``: the messages in the reader's language),
    so a form and the API refuse the same input."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        details = {}
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "body"
            details[name] = _message_for_people(err) if for_people else err["msg"]
        raise Invalid(_("Some fields are invalid: %(fields)s", fields=", ".join(details)),
                      details=details) from exc


def _message_for_people(err: dict) -> str:
    """A pydantic error as a form says it (pydantic's own messages are English only)."""
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    if kind in ("missing", "string_too_short") and ctx.get("min_length", 1) <= 1:
        return _("This field is required.")
    if kind == "string_too_short":
        return _("At least %(n)d characters.", n=ctx["min_length"])
    if kind == "string_too_long":
        return _("At most %(n)d characters.", n=ctx["max_length"])
    if kind == "string_pattern_mismatch":
        return _("Use letters without diacritics, digits and - _ . only.")
    if kind == "too_short":
        return _("Give at least %(n)d.", n=ctx.get("min_length", 1))
    if kind in ("literal_error", "enum"):
        return _("Choose one of the values offered.")
    return _("This value is not valid.")


def parse_query_int(name: str, default, low: int, high: int):
    """An integer query parameter within [low, high]; 422 naming it otherwise."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise Invalid(_("%(name)s must be a whole number from %(low)d to %(high)d.", name=name, low=low, high=high),
                      details={name: raw})
    return value


def authority_year_query() -> tuple[str, int]:
    """``?authority=CODE&year=YYYY``, both required (the annual report and its documents); 422
    naming the missing or wrong one."""
    code = request.args.get("authority")
    if not code:
        raise field_error("authority", _("Give the authority code."))
    year = parse_query_int("year", None, 1946, 2200)
    if year is None:
        raise field_error("year", _("Give the year."))
    return code, year


def route(rule: str, methods=("GET",), *, body: type[BaseModel] | None = None, auth: bool = True,
          tags: tuple[str, ...] = (), status: int = 200, resp=None, query: type[BaseModel] | None = None,
          form: type[BaseModel] | None = None, doc_body: type[BaseModel] | None = None,
          body_required: bool = True, media: tuple[str, ...] = (), errors: tuple[int, ...] = ()) -> Callable:
    """Register an API endpoint. The view receives ``user`` (when auth) and ``data`` (when body).

    The rest only documents it (workflow.api.spec; nothing of it checks a request): ``resp`` the
    answer's model on success, ``query`` the query string's, ``form`` the multipart form's,
    ``doc_body`` a JSON body the view parses itself (``body_required=False``: it may be left out),
    ``media`` a download's media types, ``errors`` refusals beyond those ``spec.error_statuses`` infers."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(**kwargs):
            if auth:
                _authenticate()
                kwargs["user"] = g.api_user
            if body is not None:
                kwargs["data"] = parse_body(body)
            return view(**kwargs)

        endpoint = view.__name__
        # the record spectree reads, found through ``__wrapped__``; requests never run through it
        wrapper.__wrapped__ = document(view, rule=rule, methods=methods, endpoint=endpoint, auth=auth, tags=tags,
                                       status=status, body=body or doc_body, query=query, form=form,
                                       resp=resp, errors=errors)
        bp.add_url_rule(rule, endpoint, wrapper, methods=list(methods))
        summary = (view.__doc__ or endpoint).strip().splitlines()[0]
        ROUTES[f"{bp.name}.{endpoint}"] = RouteDoc(rule, list(methods), summary, auth, body, tags=list(tags),
                                                   status=status, media=tuple(media), doc_body=doc_body,
                                                   optional_body=not body_required)
        return wrapper

    return decorator


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    db.session.rollback()
    response = error_response(exc.status, exc.code, exc.message, exc.details)
    if exc.status == 429 and isinstance(exc.details.get("retry_after"), int):
        response.headers["Retry-After"] = str(exc.details["retry_after"])
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    db.session.rollback()
    codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 409: "conflict", 413: "too_large", 429: "rate_limited"}
    return error_response(exc.code or 500, codes.get(exc.code, "http_error"), exc.description or exc.name)


@bp.errorhandler(SQLAlchemyError)
def _database_error(exc: SQLAlchemyError):
    """The database gone for a moment (a lost connection, a restart): 503 ``database_unavailable``,
    the request changed nothing. Any other database error is a bug: 500."""
    from workflow.db import database_unavailable

    if database_unavailable(exc):
        return database_unavailable_response(exc)
    return _unexpected(exc)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):  # never a stack trace to the client
    import logging

    logging.getLogger("workflow.api").exception("unhandled API error")
    db.session.rollback()
    return error_response(500, "internal_error", _("An unexpected error occurred. It has been logged."))
