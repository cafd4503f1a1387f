"""Security headers on every response (issue 15, item 15): pages, JSON, static files, errors and
downloads carry a CSP that forbids framing and inline scripts, nosniff, a referrer policy and
X-Frame-Options; HSTS only in production."""

from __future__ import annotations

import pytest

from tests import factories as f
from workflow import create_app

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")


def assert_secured(response, *, hsts: bool = False) -> None:
    where = f"{response.request.method} {response.request.path} ({response.status_code})"
    assert response.headers.get("Content-Security-Policy") == CSP, where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") == "same-origin", where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    if hsts:
        assert response.headers.get("Strict-Transport-Security") == "max-age=31536000; includeSubDomains", where
    else:
        assert "Strict-Transport-Security" not in response.headers, where


def _argless_get_rules(app) -> list[str]:
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments})


@pytest.fixture
def org(session):
    return f.commune_setup(session)


def test_every_page_without_arguments_is_secured(app, org):
    rules = _argless_get_rules(app)
    assert "/ky-duyet" in rules and "/api/v1/openapi.json" in rules  # the signing desk is among them
    anonymous, signed_in = app.test_client(), app.test_client()
    headers = f.token(signed_in, "chutich")
    login = signed_in.get("/dang-nhap")
    import re

    csrf = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', login.get_data(as_text=True)).group(1)
    signed_in.post("/dang-nhap", data={"username": "chutich", "password": f.PASSWORD, "csrf_token": csrf})
    for path in rules:
        for response in (anonymous.get(path),  # mostly redirects to the sign-in page, or 401 JSON
                         signed_in.get(path, headers=headers if path.startswith("/api/") else {})):
            response.close()
            assert_secured(response)


def test_pages_with_arguments_errors_static_and_downloads_are_secured(app, org):
    client = app.test_client()
    headers = f.token(client, "thuky")
    samples = [
        client.get("/static/app.css"),  # a static file
        client.get("/static/vendor/bootstrap/bootstrap.bundle.min.js"),
        client.get("/no-such-page"),  # 404 page
        client.get("/api/v1/no-such-endpoint"),  # 404 JSON
        client.get("/api/v1/proposals/999999", headers=headers),  # an object out of reach
        client.post("/healthz"),  # 405
        client.post("/dang-nhap", data={"username": "x", "password": "y"}),  # no CSRF token
        client.get("/api/v1/reports/annual/document?authority=X-DB&year=2025", headers=headers),  # a download
    ]
    assert samples[-1].status_code == 200 and samples[-1].mimetype.endswith("wordprocessingml.document")
    for response in samples:
        response.close()  # the static files are streamed from open files
        assert_secured(response)


def test_an_unexpected_error_is_secured_too(app, org):
    def boom():
        raise RuntimeError("boom")

    app.add_url_rule("/boom-for-test", "boom_for_test", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom-for-test")
    assert response.status_code == 500 and "RuntimeError" not in response.get_data(as_text=True)
    assert_secured(response)


def test_hsts_only_in_production(database_url, tmp_path):
    app = create_app({"ENV": "production", "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": "p" * 40, "BROKER_URL": "memory://", "RATELIMIT_STORAGE_URL": "memory://"})
    try:
        client = app.test_client()
        assert_secured(client.get("/healthz"), hsts=True)
        assert_secured(client.get("/dang-nhap"), hsts=True)
    finally:
        with app.app_context():
            from workflow.extensions import db

            db.engine.dispose()
