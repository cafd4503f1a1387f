"""One failure limit per username across the web sign-in, the API token sign-in and the re-sign-in
before signing a decision, plus one per address (issue 15, item 13)."""

from __future__ import annotations

import re
import threading

import pytest

from tests import factories as f
from tests.helpers import run_threads


def _csrf(client, path="/dang-nhap", addr="10.9.9.9"):
    html = client.get(path, environ_base={"REMOTE_ADDR": addr}).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


def web_login(client, username, password, addr):
    token = _csrf(client, addr=addr)
    return client.post("/dang-nhap", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": addr})


def api_login(client, username, password, addr):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def reauth(client, password, addr):
    token = _csrf(client, "/xac-thuc-lai", addr=addr)
    return client.post("/xac-thuc-lai", data={"password": password, "next": "/ky-duyet", "csrf_token": token},
                       environ_base={"REMOTE_ADDR": addr})


@pytest.fixture
def org(session):
    return f.commune_setup(session)


def test_failures_on_web_api_and_reauth_share_one_limit_per_username(app, org):
    app.config["LOGIN_RATE_LIMIT"] = "20 per minute"
    app.config["TDKT_LOGIN_DELAY_AFTER"] = 0  # the window's count alone (the growing delay: below)
    desk = app.test_client()  # the chair's own browser, signed in before the attack
    assert web_login(desk, "chutich", f.PASSWORD, "10.0.0.1").status_code == 302
    attacker = app.test_client()
    addresses = (f"10.1.{i}.{i}" for i in range(100))  # a new address each time: only the username limit
    codes = []
    for i in range(20):
        if i % 3 == 0:
            codes.append(("web", web_login(attacker, "chutich", f"guess-{i}", next(addresses)).status_code))
        elif i % 3 == 1:
            codes.append(("api", api_login(attacker, "chutich", f"guess-{i}", next(addresses)).status_code))
        else:  # a stolen session guessing the password at the re-sign-in
            codes.append(("reauth", reauth(desk, f"guess-{i}", next(addresses)).status_code))
    assert codes == [(path, {"web": 200, "api": 401, "reauth": 200}[path]) for path, _ in codes]

    # the 21st try is refused on every path, even with the right password
    assert web_login(app.test_client(), "chutich", f.PASSWORD, next(addresses)).status_code == 429
    refused = api_login(app.test_client(), "ChuTich ", f.PASSWORD, next(addresses))
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "rate_limited"
    assert reauth(desk, f.PASSWORD, next(addresses)).status_code == 429
    with desk.session_transaction() as s:
        assert "auth_at" in s  # the sign-in's own moment, not refreshed by the refused reauth
    # another user signs in fine, on the web and the API
    assert web_login(app.test_client(), "thuky", f.PASSWORD, next(addresses)).status_code == 302
    assert api_login(app.test_client(), "thuky", f.PASSWORD, next(addresses)).status_code == 200


def test_failures_from_one_address_are_limited_too(app, org):
    app.config["TDKT_LOGIN_ADDRESS_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    codes = [web_login(client, "thuky", "x", "10.2.0.1").status_code,
             api_login(client, "chutich", "x", "10.2.0.1").status_code,
             api_login(client, "truongxom", "x", "10.2.0.1").status_code,
             api_login(client, "uyvien", f.PASSWORD, "10.2.0.1").status_code]
    assert codes == [200, 401, 401, 429]
    assert api_login(client, "uyvien", f.PASSWORD, "10.2.0.2").status_code == 200  # another address


def test_successful_sign_ins_do_not_count(app, org):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    assert [api_login(client, "thuky", "x", "10.3.0.1").status_code for _ in range(2)] == [401, 401]
    # the real user (and colleagues behind the same address) keep signing in
    for username in ("thuky", "chutich", "thuky", "uyvien", "thuky"):
        assert api_login(client, username, f.PASSWORD, "10.3.0.1").status_code == 200
    assert web_login(app.test_client(), "thuky", f.PASSWORD, "10.3.0.1").status_code == 302
    assert api_login(client, "thuky", "x", "10.3.0.1").status_code == 401  # the third failure
    assert api_login(client, "thuky", f.PASSWORD, "10.3.0.1").status_code == 429


@pytest.mark.commits  # guesses in threads
def test_concurrent_guesses_on_web_and_api_cannot_pass_the_limit(app, org):
    app.config["LOGIN_RATE_LIMIT"] = "5 per minute"
    clients = [app.test_client() for _ in range(12)]
    tokens = [_csrf(c, addr=f"10.4.0.{i}") for i, c in enumerate(clients)]
    barrier = threading.Barrier(len(clients))
    results: list[int] = []

    def guess(i: int) -> None:
        addr, client = f"10.4.0.{i}", clients[i]
        barrier.wait()
        if i % 2:
            response = api_login(client, "thuky", f"guess-{i}", addr)
        else:
            response = client.post("/dang-nhap", data={"username": "thuky", "password": f"guess-{i}",
                                                       "csrf_token": tokens[i]}, environ_base={"REMOTE_ADDR": addr})
        results.append(response.status_code)

    run_threads(guess, [(i,) for i in range(len(clients))])
    assert len(results) == 12
    # exactly five guesses were checked (200: the form again, 401: the API), the other seven refused
    assert results.count(429) == 7 and all(c in (200, 401) for c in results if c != 429), results


@pytest.mark.xdist_group("redis")  # it empties the one Redis DB
@pytest.mark.commits  # two more apps on their own engines sign the user in: real commits
def test_limit_shared_through_redis_across_web_and_api(database_url, tmp_path, session):
    """With Redis, web failures on one worker and API failures on another share the count, and a
    success gives its slot back there too."""
    from tests.helpers import dispose, two_workers_on_redis

    apps = two_workers_on_redis(session, database_url, tmp_path)
    try:
        web, api = apps[0].test_client(), apps[1].test_client()
        codes = [web_login(web, "thuky", "x", "10.5.0.1").status_code,
                 api_login(api, "thuky", "x", "10.5.0.2").status_code,
                 api_login(api, "thuky", f.PASSWORD, "10.5.0.3").status_code,  # a success: not counted
                 web_login(web, "thuky", "x", "10.5.0.4").status_code,
                 api_login(api, "thuky", f.PASSWORD, "10.5.0.5").status_code]
    finally:
        dispose(apps)
    assert codes == [200, 401, 200, 200, 429]


def test_wrong_current_passwords_at_the_password_change_count_too(app, org):
    """A stolen token cannot be used to guess the password through the password change."""
    client = app.test_client()
    headers = f.token(client, "thuky")
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    codes = [client.post("/api/v1/auth/password", headers=headers, environ_base={"REMOTE_ADDR": f"10.6.0.{i}"},
                         json={"current_password": f"guess-{i}", "new_password": "Mat-khau-moi-2025"}).status_code
             for i in range(4)]
    assert codes == [422, 422, 422, 429]
    assert api_login(client, "thuky", f.PASSWORD, "10.6.1.1").status_code == 429


@pytest.mark.parametrize("hops,expected", [(0, [401, 401, 429]), (1, [401, 401, 401])])
@pytest.mark.commits  # the app on its own engine must see the user whose password is guessed
def test_the_address_behind_a_trusted_proxy(database_url, tmp_path, session, hops, expected):
    """Behind the TLS proxy (TDKT_PROXY_HOPS=1) the per-address count is the client's; without a
    trusted proxy a forged X-Forwarded-For changes nothing."""
    from workflow import create_app

    f.commune_setup(session)
    app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 40,
                      "BROKER_URL": "memory://", "RATELIMIT_STORAGE_URL": "memory://",
                      "LOGIN_ADDRESS_RATE_LIMIT": "2 per minute", "PROXY_HOPS": hops})
    try:
        client = app.test_client()
        codes = [client.post("/api/v1/auth/token", json={"username": name, "password": "x"},
                             headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                 for i, name in enumerate(("thuky", "chutich", "uyvien"))]
    finally:
        with app.app_context():
            from workflow.extensions import db

            db.engine.dispose()
    assert codes == expected
