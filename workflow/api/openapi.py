"""The OpenAPI 3.1 document, generated from the registered routes and their body models."""

from __future__ import annotations

import re

from flask import current_app, jsonify

from workflow.api.core import ROUTES, bp

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "details"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"}}}},
}


def _path(rule: str) -> tuple[str, list[dict]]:
    params = []

    def repl(match):
        converter, name = match.group(1), match.group(2)
        params.append({"name": name, "in": "path", "required": True,
                       "schema": {"type": "integer" if converter == "int" else "string"}})
        return "{" + name + "}"

    return re.sub(r"<(?:(\w+):)?(\w+)>", repl, rule), params


SUCCESS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No content"}
# every refusal the API gives, always as the Error body (workflow.api.core.error_response)
ERRORS = {400: "Bad request", 401: "Not signed in, or the token expired", 403: "Not allowed for this role",
          404: "Unknown, or outside the caller's scope", 405: "Method not allowed",
          409: "Conflict with the current state", 413: "Too large", 415: "Unsupported media type",
          422: "Invalid input (details name the fields)", 429: "Too many attempts",
          503: "A service (the database) is unavailable"}


def _responses(doc) -> dict:
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    responses: dict = {str(doc.status): {"description": SUCCESS.get(doc.status, "OK")}}
    for status, description in ERRORS.items():
        if status == 401 and not doc.auth:
            continue
        responses[str(status)] = {"description": description, **error}
    responses["default"] = {"description": "Error", **error}
    return responses


def build_document(app) -> dict:
    paths: dict = {}
    components: dict = {"schemas": {"Error": ERROR_SCHEMA},
                        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}
    for rule in app.url_map.iter_rules():
        doc = ROUTES.get(rule.endpoint)
        if doc is None:
            continue
        path, params = _path(rule.rule)
        for method in sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS")):
            operation: dict = {
                "operationId": rule.endpoint.split(".", 1)[1],
                "summary": doc.summary,
                "tags": doc.tags,
                "parameters": params,
                "responses": _responses(doc),
            }
            if doc.auth:
                operation["security"] = [{"bearer": []}]
            if doc.body is not None:
                schema = doc.body.model_json_schema(ref_template="#/components/schemas/{model}")
                for name, sub in schema.pop("$defs", {}).items():
                    components["schemas"][name] = sub
                components["schemas"][doc.body.__name__] = schema
                operation["requestBody"] = {"required": True, "content": {"application/json": {
                    "schema": {"$ref": f"#/components/schemas/{doc.body.__name__}"}}}}
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "TĐKT Workflow API", "version": "1",
                 "description": "Quy trình thi đua, khen thưởng — award proposal workflow (SPEC §10)."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": components,
    }


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI document of this API."""
    return jsonify(build_document(current_app))
