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
                "responses": {
                    "200": {"description": "OK"},
                    "default": {"description": "Error",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                },
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
