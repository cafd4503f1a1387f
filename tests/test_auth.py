"""Sign-in: passwords, sessions that really end, safe redirects, rate limits, API tokens."""

import re

import pytest

from tests import factories as f
from workflow.org.models import User


def _csrf(client, path="/dang-nhap"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


def _login(client, username, password, next_url=None):
    url = "/dang-nhap" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": username, "password": password, "csrf_token": _csrf(client)})


@pytest.fixture
def org(session):
    return f.commune_setup(session)


def test_password_is_stored_as_argon2id(session, org):
    user = session.get(User, org["users"]["secretary"].id)
    assert user.password_hash.startswith("$argon2id$")
    assert f.PASSWORD not in user.password_hash


def test_good_password_signs_in(client, org):
    response = _login(client, "thuky", f.PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "UBND xã Định Biên" in home.get_data(as_text=True)


def test_bad_password_stays_on_login(client, org):
    response = _login(client, "thuky", "wrong-password")
    assert response.status_code == 200
    assert client.get("/").status_code == 302  # still anonymous


def test_unknown_user_same_answer(client, org):
    bad_user = _login(client, "nobody", f.PASSWORD).get_data(as_text=True)
    bad_pass = _login(client, "thuky", "nope-nope").get_data(as_text=True)
    assert ("alert-danger" in bad_user) and ("alert-danger" in bad_pass)


def test_login_without_csrf_refused(client, org):
    response = client.post("/dang-nhap", data={"username": "thuky", "password": f.PASSWORD})
    assert response.status_code in (200, 400)
    assert client.get("/").status_code == 302


def test_logout_kills_replayed_cookie(app, org):
    first = app.test_client()
    _login(first, "thuky", f.PASSWORD)
    stolen = first.get_cookie("session").value
    assert first.get("/").status_code == 200
    first.post("/dang-xuat", data={"csrf_token": _csrf(first, "/")})
    assert first.get("/").status_code == 302
    # an attacker replays the cookie captured before logout
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/").status_code == 302


@pytest.mark.parametrize("target,expected", [
    ("/api/v1/openapi.json", "/api/v1/openapi.json"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
])
def test_next_only_local(client, org, target, expected):
    response = _login(client, "thuky", f.PASSWORD, next_url=target)
    assert response.headers["Location"] == expected


def test_login_rate_limit_per_username(app, org):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    statuses = []
    for i in range(4):
        # spread over "addresses": the per-username limit still applies
        statuses.append(client.post("/api/v1/auth/token", json={"username": "thuky", "password": "x"},
                                    environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code)
    assert statuses == [401, 401, 401, 429]
    other = client.post("/api/v1/auth/token", json={"username": "chutich", "password": f.PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


def test_login_rate_limit_per_ip(app, org):
    app.config["TDKT_LOGIN_ADDRESS_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    statuses = [client.post("/api/v1/auth/token", json={"username": f"user{i}", "password": "x"}).status_code
                for i in range(4)]
    assert statuses == [401, 401, 401, 429]
    body = client.post("/api/v1/auth/token", json={"username": "u", "password": "x"}).get_json()
    assert body["error"]["code"] == "rate_limited"


def test_web_login_rate_limited(app, org):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    client = app.test_client()
    codes = [_login(client, "thuky", "bad-password").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get("/dang-nhap").status_code == 200  # viewing the form is never limited


def test_token_roundtrip(client, org):
    response = client.post("/api/v1/auth/token", json={"username": "thuky", "password": f.PASSWORD})
    body = response.get_json()
    assert response.status_code == 200
    assert body["user"]["username"] == "thuky" and body["user"]["roles"] == ["secretary"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.get_json()["username"] == "thuky"


def test_token_bad_password_401(client, org):
    response = client.post("/api/v1/auth/token", json={"username": "thuky", "password": "nope"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Basic dGh1a3k6eA=="])
def test_api_requires_valid_token(client, org, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/authorities", headers=headers)
    assert response.status_code == 401
    assert set(response.get_json()["error"]) == {"code", "message", "details"}


def test_inactive_user_cannot_sign_in(client, session, org):
    user = session.get(User, org["users"]["chair"].id)
    user.active = False
    session.commit()
    assert client.post("/api/v1/auth/token", json={"username": "chutich", "password": f.PASSWORD}).status_code == 401


@pytest.mark.xdist_group("redis")  # it empties the one Redis DB
@pytest.mark.commits  # the two apps on their own engines see the user whose password is guessed
def test_rate_limit_shared_through_redis(database_url, tmp_path, session):
    """With Redis configured, the limit holds across app instances (gunicorn workers)."""
    from tests.helpers import dispose, two_workers_on_redis

    apps = two_workers_on_redis(session, database_url, tmp_path)
    one, two = (a.test_client() for a in apps)
    codes = [c.post("/api/v1/auth/token", json={"username": "thuky", "password": "x"}).status_code
             for c in (one, two, one, two)]
    dispose(apps)
    assert codes == [401, 401, 401, 429]
