"""Behind the TLS-terminating proxy (TDKT_PROXY_HOPS=1, as in docker-compose.yml): the client's
address (the sign-in limit's key) and scheme come from the X-Forwarded-* headers the proxy sets —
only from the hop it adds; without a proxy (0, the default) a forged header changes nothing."""

from __future__ import annotations

import re

import pytest
from flask import jsonify, request, url_for

from tests import factories as f
from workflow import create_app
from workflow.extensions import db


@pytest.fixture
def make_app(database_url, tmp_path):
    made = []

    def make(hops: int, **extra):
        app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / f"i{len(made)}"),
                          "SECRET_KEY": "k" * 40, "BROKER_URL": "memory://", "RATELIMIT_STORAGE_URL": "memory://",
                          "PROXY_HOPS": hops, **extra})

        @app.get("/_probe")  # this test's own app only: what the views see of the request
        def _probe():
            return jsonify({"addr": request.remote_addr, "scheme": request.scheme, "secure": request.is_secure,
                            "home": url_for("main.home", _external=True)})

        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# what nginx sends on: the client's own (possibly forged) X-Forwarded-For with the address nginx
# saw appended (``$proxy_add_x_forwarded_for``), and the scheme it was reached by
FROM_PROXY = {"X-Forwarded-For": "198.51.100.66, 203.0.113.7", "X-Forwarded-Proto": "https",
              "Host": "tdkt.example.gov.vn"}


def test_behind_the_proxy_the_view_sees_the_client_and_https(make_app):
    probe = make_app(1).test_client().get("/_probe", headers=FROM_PROXY,
                                          environ_base={"REMOTE_ADDR": "172.18.0.5"}).get_json()
    # the hop nginx added, not the leftmost entry the client wrote itself
    assert probe["addr"] == "203.0.113.7"
    assert probe["scheme"] == "https" and probe["secure"] is True
    assert probe["home"] == "https://tdkt.example.gov.vn/"


def test_without_a_proxy_forged_headers_are_ignored(make_app):
    probe = make_app(0).test_client().get("/_probe", headers=FROM_PROXY,
                                          environ_base={"REMOTE_ADDR": "172.18.0.5"}).get_json()
    assert probe["addr"] == "172.18.0.5"
    assert probe["scheme"] == "http" and probe["secure"] is False
    assert probe["home"] == "http://tdkt.example.gov.vn/"


def _failed_sign_ins(app, forwarded_for: list[str], remote="172.18.0.5") -> list[int]:
    client = app.test_client()
    return [client.post("/api/v1/auth/token", json={"username": name, "password": "sai-mat-khau"},
                        headers={"X-Forwarded-For": xff}, environ_base={"REMOTE_ADDR": remote}).status_code
            for xff, name in zip(forwarded_for, ("thuky", "chutich", "uyvien", "truongxom"), strict=False)]


def test_the_sign_in_limit_keys_on_the_real_client_behind_the_proxy(make_app, session):
    """Three clients behind one proxy each get their own count; one client that writes a new
    X-Forwarded-For each time still has one count (the proxy's hop is what is trusted)."""
    f.commune_setup(session)
    app = make_app(1, LOGIN_ADDRESS_RATE_LIMIT="2 per minute")
    assert _failed_sign_ins(app, ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) == [401, 401, 401]
    forged = [f"10.0.0.{i}, 203.0.113.9" for i in range(3)]
    assert _failed_sign_ins(app, forged) == [401, 401, 429]


def test_without_the_proxy_setting_a_forged_address_earns_no_new_count(make_app, session):
    f.commune_setup(session)
    app = make_app(0, LOGIN_ADDRESS_RATE_LIMIT="2 per minute")
    assert _failed_sign_ins(app, ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) == [401, 401, 429]


@pytest.mark.commits  # a second app on its own engine signs in
def test_sign_in_behind_tls_keeps_the_browser_on_https_with_a_secure_cookie(make_app, session):
    f.commune_setup(session)
    app = make_app(1, ENV="production")
    # the browser is on https (its Secure cookies go back); nginx speaks plain http to gunicorn
    browser = app.test_client()
    plain_http = {"wsgi.url_scheme": "http"}
    page = browser.get("/dang-nhap", base_url="https://tdkt.example.gov.vn", headers=FROM_PROXY,
                       environ_overrides=plain_http)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    # over https Flask-WTF also wants a same-origin Referer: it matches only because the app
    # knows, from the proxy, that it is served as https://tdkt.example.gov.vn
    signed_in = browser.post("/dang-nhap", base_url="https://tdkt.example.gov.vn", environ_overrides=plain_http,
                             headers={**FROM_PROXY, "Referer": "https://tdkt.example.gov.vn/dang-nhap"},
                             data={"username": "thuky", "password": f.PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    location = signed_in.headers["Location"]
    assert location.startswith("/") or location.startswith("https://tdkt.example.gov.vn/"), location
    cookies = signed_in.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie
    assert signed_in.headers["Strict-Transport-Security"].startswith("max-age=")
