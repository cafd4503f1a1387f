"""Sessions and tokens that really end (issue 15, item 14): API logout revokes the token, a password
change or a disabled account ends every session and token, web sessions idle out."""

from __future__ import annotations

import re
import sys
from datetime import timedelta

import pytest

from tests import factories as f
from workflow.config import load_settings
from workflow.org.models import User

NEW_PASSWORD = "Mat-khau-moi-2025"


def _csrf(client, path="/dang-nhap"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


def web_login(client, username, password=f.PASSWORD):
    response = client.post("/dang-nhap", data={"username": username, "password": password,
                                               "csrf_token": _csrf(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def me(client, headers):
    return client.get("/api/v1/auth/me", headers=headers).status_code


@pytest.fixture
def org(app, session):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    return f.commune_setup(session)


# --- API logout ------------------------------------------------------------------------------------

def test_api_logout_revokes_the_calling_token_only(client, org):
    first, second = f.token(client, "thuky"), f.token(client, "thuky")
    assert me(client, first) == 200
    response = client.post("/api/v1/auth/logout", headers=first)
    assert response.status_code == 204
    assert me(client, first) == 401  # the token replayed after logout
    assert client.post("/api/v1/auth/logout", headers=first).status_code == 401
    assert me(client, second) == 200  # another device of the same user is not signed out


def test_api_logout_needs_a_token(client, org):
    response = client.post("/api/v1/auth/logout")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


# --- password change --------------------------------------------------------------------------------

def test_password_change_over_the_api_ends_every_session_and_token(app, client, org):
    browser = app.test_client()
    web_login(browser, "thuky")
    stolen = browser.get_cookie("session").value
    caller, other = f.token(client, "thuky"), f.token(client, "thuky")
    colleague = f.token(client, "chutich")

    response = client.post("/api/v1/auth/password", headers=caller,
                           json={"current_password": f.PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 200, response.get_json()

    assert me(client, caller) == 401 and me(client, other) == 401
    assert not signed_in(browser)
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert not signed_in(replay)
    assert me(client, colleague) == 200  # nobody else is affected
    assert client.post("/api/v1/auth/token", json={"username": "thuky", "password": f.PASSWORD}).status_code == 401
    assert me(client, f.token(client, "thuky", NEW_PASSWORD)) == 200


@pytest.mark.parametrize("body,field", [
    ({"current_password": "sai-mat-khau", "new_password": NEW_PASSWORD}, "current_password"),
    ({"current_password": f.PASSWORD, "new_password": "short"}, "new_password"),
    ({"current_password": f.PASSWORD, "new_password": "QWERTYUIOP"}, "new_password"),  # a common one
    ({"current_password": f.PASSWORD, "new_password": f.PASSWORD}, "new_password"),
    ({"current_password": f.PASSWORD}, "new_password"),
    ({"current_password": f.PASSWORD, "new_password": NEW_PASSWORD, "username": "chutich"}, "username"),
    ({"current_password": f.PASSWORD, "new_password": "x" * 201}, "new_password"),
])
def test_a_refused_password_change_changes_nothing(app, client, session, org, body, field):
    browser = app.test_client()
    web_login(browser, "thuky")
    headers = f.token(client, "thuky")
    before = session.get(User, org["users"]["secretary"].id).password_hash

    response = client.post("/api/v1/auth/password", headers=headers, json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["details"]
    session.expire_all()
    assert session.get(User, org["users"]["secretary"].id).password_hash == before
    assert me(client, headers) == 200 and signed_in(browser)


def test_the_password_screen_keeps_this_browser_and_ends_the_others(app, client, org):
    here, elsewhere = app.test_client(), app.test_client()
    web_login(here, "thuky")
    web_login(elsewhere, "thuky")
    headers = f.token(client, "thuky")
    home = here.get("/").get_data(as_text=True)
    assert 'data-testid="change-password"' in home and 'href="/doi-mat-khau"' in home

    wrong = here.post("/doi-mat-khau", data={"csrf_token": _csrf(here, "/doi-mat-khau"), "current_password": "sai",
                                              "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert wrong.status_code == 200 and 'data-testid="current_password-error"' in wrong.get_data(as_text=True)
    differ = here.post("/doi-mat-khau", data={"csrf_token": _csrf(here, "/doi-mat-khau"),
                                               "current_password": f.PASSWORD, "new_password": NEW_PASSWORD,
                                               "confirm_password": NEW_PASSWORD + "x"})
    assert differ.status_code == 200 and 'data-testid="confirm_password-error"' in differ.get_data(as_text=True)
    assert me(client, headers) == 200 and signed_in(elsewhere)  # nothing changed so far

    done = here.post("/doi-mat-khau", data={"csrf_token": _csrf(here, "/doi-mat-khau"), "current_password": f.PASSWORD,
                                             "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert done.status_code == 302
    assert signed_in(here)
    assert not signed_in(elsewhere) and me(client, headers) == 401
    web_login(app.test_client(), "thuky", NEW_PASSWORD)


def test_the_password_screen_needs_a_sign_in(client, org):
    response = client.get("/doi-mat-khau")
    assert response.status_code == 302 and "/dang-nhap" in response.headers["Location"]


# --- disabled accounts ------------------------------------------------------------------------------

def test_disabling_an_account_ends_its_sessions_and_tokens_for_good(app, client, org):
    admin = f.token(client, "root_admin")
    browser = app.test_client()
    web_login(browser, "thuky")
    stolen = browser.get_cookie("session").value
    token = f.token(client, "thuky")
    thuky = org["users"]["secretary"].id

    response = client.post(f"/api/v1/users/{thuky}/disable", headers=admin)
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert me(client, token) == 401 and not signed_in(browser)
    assert client.post("/api/v1/auth/token", json={"username": "thuky", "password": f.PASSWORD}).status_code == 401

    # enabled again, the account signs in afresh; what it had before stays dead
    assert client.post(f"/api/v1/users/{thuky}/enable", headers=admin).get_json()["active"] is True
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert me(client, token) == 401 and not signed_in(replay)
    assert me(client, f.token(client, "thuky")) == 200


def test_only_an_administrator_of_the_account_disables_it(client, session, org):
    local_admin = f.user(session, "admin", org["commune"], username="qtxa")
    headers = f.token(client, "qtxa")
    users = org["users"]
    for target in (users["higher_reviewer"], users["admin"]):  # the district's, the deployment's
        response = client.post(f"/api/v1/users/{target.id}/disable", headers=headers)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.post("/api/v1/users/999999/disable", headers=headers).status_code == 404
    secretary = f.token(client, "thuky")
    assert client.post(f"/api/v1/users/{users['chair'].id}/disable", headers=secretary).status_code == 404
    own = client.post(f"/api/v1/users/{local_admin.id}/disable", headers=headers)
    assert own.status_code == 409 and own.get_json()["error"]["code"] == "conflict"
    session.expire_all()
    assert all(session.get(User, u.id).active for u in (*users.values(), local_admin))
    assert client.post(f"/api/v1/users/{users['chair'].id}/disable", headers=headers).status_code == 200


# --- idle timeout -----------------------------------------------------------------------------------

@pytest.fixture
def clock(monkeypatch):
    """Move the project's clock (workflow.db.utcnow) forward by ``clock.minutes``."""
    module = sys.modules["workflow.db"]  # the package's ``db`` attribute is the SQLAlchemy extension
    real = module.utcnow

    class Clock:
        minutes = 0

    monkeypatch.setattr(module, "utcnow", lambda: real() + timedelta(minutes=Clock.minutes))
    return Clock


def test_a_web_session_idles_out_after_eight_hours(app, org, clock):
    assert app.config["SESSION_IDLE_MINUTES"] == 480
    browser = app.test_client()
    web_login(browser, "chutich")
    stolen = browser.get_cookie("session").value
    clock.minutes = 300
    assert signed_in(browser)  # active: the idle clock starts again
    clock.minutes = 700
    assert signed_in(browser)
    # the cookie captured at sign-in, replayed 481 minutes later
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    clock.minutes = 481
    assert not signed_in(replay)

    clock.minutes = 700 + 481
    response = browser.get("/ky-duyet")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/dang-nhap") and "next=%2Fky-duyet" in response.headers["Location"]
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "480" in page and 'data-testid="flash-warning"' in page
    clock.minutes = 0
    assert not signed_in(browser)  # signed out for good, not only while the clock is ahead


def test_the_idle_limit_is_configurable(app, org, clock):
    app.config["SESSION_IDLE_MINUTES"] = 5
    browser = app.test_client()
    web_login(browser, "chutich")
    clock.minutes = 5
    assert signed_in(browser)
    clock.minutes = 11
    assert not signed_in(browser)
    assert load_settings(environ={"TDKT_SESSION_IDLE_MINUTES": "30", "TDKT_SECRET_KEY": "x"})["SESSION_IDLE_MINUTES"] == 30
    assert load_settings(environ={"TDKT_SECRET_KEY": "x"})["SESSION_IDLE_MINUTES"] == 480


def test_a_session_without_the_idle_clock_counts_as_idle(app, org):
    browser = app.test_client()
    web_login(browser, "chutich")
    with browser.session_transaction() as s:
        del s["seen_at"]  # a cookie made before the rule existed
    assert not signed_in(browser)
