"""The OpenAPI document's generator: spectree, fed by the endpoints' pydantic models.

Documentation only. ``route()`` (workflow.api.core) hands each endpoint's models to
``document()``, which records them with spectree; the endpoint that Flask runs never passes
through spectree, so our own checks keep answering with our envelope, status codes and messages
(``parse_body``, ``parse_query_int``, the services). spectree then walks the app's url_map
(strict mode: only the endpoints recorded here) and writes paths, parameters, bodies and answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import BaseModel
from spectree import Response, SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import Server

from workflow.api.schemas import AnyObject, ErrorBody

API_DESCRIPTION = (
    "Quy trình thi đua, khen thưởng — award proposal workflow (SPEC §10). Sign in with "
    "`POST /api/v1/auth/token` and send `Authorization: Bearer <token>`. Every refusal is "
    '`{"error": {"code", "message", "details"}}`; an object outside the caller\'s scope answers 404.'
)

spec = SpecTree(
    "flask",
    mode="strict",  # only the endpoints recorded by ``document()``
    annotations=False,  # the views' ``data`` arguments are ours, not spectree's
    title="TĐKT Workflow API",
    version="1",
    description=API_DESCRIPTION,
    servers=[Server(url="/")],
    security_schemes=[SecurityScheme(name="bearer", data=SecuritySchemeData(
        type="http", scheme="bearer",
        description="A token from POST /api/v1/auth/token (the web session does not sign API calls)."))],
    naming_strategy=lambda model: model.__name__,
    validation_error_model=ErrorBody,
)

SUCCESS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No content"}
ERRORS = {400: "Bad request (a malformed body or form)", 401: "Not signed in, or the token expired",
          403: "Not allowed for this role (or the password must be changed first)",
          404: "Unknown, or outside the caller's scope", 409: "Conflict with the current state",
          413: "Too large", 422: "Invalid input (details name the fields)", 429: "Too many attempts",
          503: "A service (the database) is unavailable for a moment"}


def error_statuses(rule: str, methods, *, auth: bool, inputs: bool) -> list[int]:
    """The refusals an endpoint can give, from what it takes: 401/403 when signed in, 404 for a
    path id or a code it is given, 400/422 for what it is sent, 409 for a change, 413 for a body,
    429 for the public posts (sign-in, objections: throttled), 503 always; the rest an endpoint
    lists in ``errors``."""
    changes = any(m in ("POST", "PUT", "PATCH", "DELETE") for m in methods)
    has_path = "<" in rule
    codes = []
    if inputs or has_path:
        codes += [400, 404, 422]
    if auth:
        codes += [401, 403]
    if changes:
        codes.append(409)
    if changes and inputs:
        codes.append(413)
    if not auth and changes:
        codes.append(429)
    codes.append(503)
    return sorted(set(codes))


def _http(status: int) -> str:
    return f"HTTP_{status}"


def document(view: Callable, *, rule: str, methods, endpoint: str, auth: bool, tags, status: int,
             body: type[BaseModel] | None, query: type[BaseModel] | None, form: type[BaseModel] | None,
             resp, errors) -> Callable:
    """``view`` recorded with spectree (the returned function carries the record; Flask never calls it)."""
    answers: dict = {_http(status): (None if status == 204 else resp or AnyObject, SUCCESS.get(status, "OK"))}
    statuses = set(error_statuses(rule, methods, auth=auth, inputs=bool(body or query or form))) | set(errors)
    for code in sorted(statuses):
        answers[_http(code)] = (ErrorBody, ERRORS.get(code, "Error"))
    params = {name: _PATH_PARAMS.get(name, "") for name in re.findall(r"<(?:\w+:)?(\w+)>", rule)}
    return spec.validate(
        json=body, query=query, form=form, resp=Response(**answers), tags=list(tags),
        security={"bearer": []} if auth else None, operation_id=endpoint,
        path_parameter_descriptions=params or None, skip_validation=True,
        # spectree adds its validation refusal (422) to every operation unless that status already
        # has a model; ours are all listed above, so point it at one of them (it validates nothing)
        validation_error_status=max(statuses),
    )(view)


_PATH_PARAMS = {
    "code": "A code (authority, unit or award type) as chosen by the admin.",
    "rule_set": "A rule set code.",
    "day": "A date, YYYY-MM-DD.",
}
