"""Account care by screen: an admin lists the accounts it administers, resets a password (the
next sign-in must choose a new one, every old session and token ends), disables and enables an
account — scoped (another authority's admin gets 404) and audited, with the API's checks."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests import factories as f
from workflow.org.models import User

TEMPORARY = "Tam-thoi-2026"


@pytest.fixture
def org(app, session):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    return f.commune_setup(session)


def _csrf(client, path: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def _sign_in(client, username: str, password: str = f.PASSWORD):
    return client.post("/dang-nhap", data={"username": username, "password": password,
                                           "csrf_token": _csrf(client, "/dang-nhap")})


def _user(session, username: str) -> User:
    session.expire_all()
    return session.scalar(select(User).where(User.username == username))


def _actions(session, username: str) -> list[str]:
    return [a for a in f.audit_actions(session, "user", _user(session, username).id) if a != "user.create"]


def test_the_accounts_screen_lists_what_the_admin_administers(app, org, session):
    admin = app.test_client()
    _sign_in(admin, "root_admin")
    page = admin.get("/quan-tri/tai-khoan")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-username="truongxom"' in html and "Xóm Nà To" in html
    # the admin's own row has no buttons
    own = re.search(r'data-username="root_admin".*?</tr>', html, re.S).group(0)
    assert "Đặt lại mật khẩu" not in own and 'data-testid="disable"' not in own
    # not an admin: no such screen
    other = app.test_client()
    _sign_in(other, "thuky")
    assert other.get("/quan-tri/tai-khoan").status_code == 404


def test_a_reset_ends_every_session_and_the_next_sign_in_chooses_a_password(app, client, org, session):
    old_token = f.token(client, "truongxom")
    browser = app.test_client()
    _sign_in(browser, "truongxom")
    assert browser.get("/ho-so/don-vi").status_code == 200

    admin = app.test_client()
    _sign_in(admin, "root_admin")
    uid = _user(session, "truongxom").id
    path = f"/quan-tri/tai-khoan/{uid}/dat-lai-mat-khau"
    before = _user(session, "truongxom").password_hash
    # too short, or the two differ: the form says so and nothing changes
    short = admin.post(path, data={"password": "ngan", "confirm": "ngan", "csrf_token": _csrf(admin, path)})
    assert short.status_code == 200 and 'data-testid="password-error"' in short.get_data(as_text=True)
    differ = admin.post(path, data={"password": TEMPORARY, "confirm": TEMPORARY + "x",
                                    "csrf_token": _csrf(admin, path)})
    assert 'data-testid="confirm-error"' in differ.get_data(as_text=True)
    assert _user(session, "truongxom").password_hash == before and _actions(session, "truongxom") == []

    done = admin.post(path, data={"password": TEMPORARY, "confirm": TEMPORARY, "csrf_token": _csrf(admin, path)})
    assert done.status_code == 302
    assert _user(session, "truongxom").must_change_password is True
    assert _actions(session, "truongxom") == ["user.password_reset"]
    # the old browser session and the old token are signed out
    assert browser.get("/ho-so/don-vi").status_code == 302
    assert client.get("/api/v1/auth/me", headers=old_token).status_code == 401

    # signing in with the temporary password leads to the password change, from every screen
    fresh = app.test_client()
    _sign_in(fresh, "truongxom", TEMPORARY)
    blocked = fresh.get("/ho-so/don-vi")
    assert blocked.status_code == 302 and blocked.headers["Location"].endswith("/doi-mat-khau")
    # and through the API: only the password change (and me, logout) until it is done
    token = f.token(client, "truongxom", TEMPORARY)
    refused = client.get("/api/v1/proposals", headers=token)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "password_change_required"
    changed = fresh.post("/doi-mat-khau", data={"current_password": TEMPORARY, "new_password": "Mat-khau-moi-2026",
                                                "confirm_password": "Mat-khau-moi-2026",
                                                "csrf_token": _csrf(fresh, "/doi-mat-khau")})
    assert changed.status_code == 302
    assert _user(session, "truongxom").must_change_password is False
    assert fresh.get("/ho-so/don-vi").status_code == 200


def test_disable_and_enable_by_screen(app, org, session):
    admin = app.test_client()
    _sign_in(admin, "root_admin")
    uid = _user(session, "uyvien").id
    member = app.test_client()
    _sign_in(member, "uyvien")
    assert member.get("/ho-so/").status_code == 200
    token = _csrf(admin, "/quan-tri/tai-khoan")
    assert admin.post(f"/quan-tri/tai-khoan/{uid}/khoa", data={"csrf_token": token}).status_code == 302
    assert _user(session, "uyvien").active is False
    assert 'data-testid="disabled"' in admin.get("/quan-tri/tai-khoan").get_data(as_text=True)
    # signed out, and cannot sign in again
    assert member.get("/ho-so/").status_code == 302  # signed out
    again = app.test_client()
    _sign_in(again, "uyvien")
    assert again.get("/ho-so/").status_code == 302  # a disabled account does not sign in
    assert admin.post(f"/quan-tri/tai-khoan/{uid}/mo-khoa", data={"csrf_token": token}).status_code == 302
    assert _user(session, "uyvien").active is True
    assert _actions(session, "uyvien") == ["user.disable", "user.enable"]
    # without the CSRF token nothing happens
    assert admin.post(f"/quan-tri/tai-khoan/{uid}/khoa", data={}).status_code == 400
    assert _user(session, "uyvien").active is True


def test_an_admin_of_another_authority_gets_404(app, org, session):
    elsewhere = f.authority(session, "X-KHAC", "commune", org["district"], name="UBND xã Khác")
    f.user(session, "admin", elsewhere, username="quantri_khac")
    admin = app.test_client()
    _sign_in(admin, "quantri_khac")
    uid = _user(session, "truongxom").id
    assert 'data-username="truongxom"' not in admin.get("/quan-tri/tai-khoan").get_data(as_text=True)
    token = _csrf(admin, "/quan-tri/tai-khoan")
    assert admin.get(f"/quan-tri/tai-khoan/{uid}/dat-lai-mat-khau").status_code == 404
    assert admin.post(f"/quan-tri/tai-khoan/{uid}/khoa", data={"csrf_token": token}).status_code == 404
    assert admin.post("/quan-tri/tai-khoan/999999/khoa", data={"csrf_token": token}).status_code == 404
    assert _user(session, "truongxom").active is True and _actions(session, "truongxom") == []


def test_the_reset_through_the_api(client, org, session):
    admin = f.token(client, "root_admin")
    uid = _user(session, "thuky").id
    short = client.post(f"/api/v1/users/{uid}/password", json={"password": "ngan"}, headers=admin)
    assert short.status_code == 422 and "password" in short.get_json()["error"]["details"]
    common = client.post(f"/api/v1/users/{uid}/password", json={"password": "Sunshine1"}, headers=admin)
    assert common.status_code == 422 and "phổ biến" in common.get_json()["error"]["details"]["password"]
    done = client.post(f"/api/v1/users/{uid}/password", json={"password": TEMPORARY}, headers=admin)
    assert done.status_code == 200 and done.get_json()["must_change_password"] is True
    token = f.token(client, "thuky", TEMPORARY)
    assert client.get("/api/v1/auth/me", headers=token).status_code == 200
    changed = client.post("/api/v1/auth/password", json={"current_password": TEMPORARY,
                                                          "new_password": "Mat-khau-moi-2026"}, headers=token)
    assert changed.status_code == 200, changed.get_json()
    fresh = f.token(client, "thuky", "Mat-khau-moi-2026")
    assert client.get("/api/v1/proposals", headers=fresh).status_code == 200
    own = client.post(f"/api/v1/users/{_user(session, 'root_admin').id}/password", json={"password": TEMPORARY},
                      headers=admin)
    assert own.status_code == 409
