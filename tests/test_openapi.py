"""The OpenAPI document is generated from the code and lists every API route."""

import re


def test_every_api_route_is_documented(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint in ("api.openapi", "api.docs"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (path, method.lower()) not in documented:
                missing.append(f"{method} {path}")
    assert not missing, f"routes missing from openapi.json: {missing}"


def test_contract_paths_present(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, method in [("/api/v1/auth/token", "post"), ("/api/v1/authorities", "post"),
                         ("/api/v1/authorities", "get"), ("/api/v1/units", "post"), ("/api/v1/users", "post"),
                         ("/api/v1/authorities/{code}/council", "put"), ("/api/v1/award-types", "get"),
                         ("/api/v1/nominees", "post"), ("/api/v1/nominees/{nominee_id}/awards", "post")]:
        assert method in paths.get(path, {}), f"{method.upper()} {path}"


def test_request_bodies_carry_their_schema(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/api/v1/users"]["post"]
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    schema = doc["components"]["schemas"][ref]
    assert {"username", "password", "full_name", "roles"} <= set(schema["required"])
    assert op["security"] == [{"bearer": []}]
    assert "security" not in doc["paths"]["/api/v1/auth/token"]["post"]
