"""The cookies a sign-in sets (issue 13): HttpOnly and SameSite=Lax always, Secure when the app runs
in production; no remember-me cookie from the sign-in form, and one that a sign-in would ask for
lasts two weeks at most."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from flask_login import login_user

from tests import factories as f
from workflow import create_app
from workflow.extensions import db
from workflow.org.models import User

pytestmark = pytest.mark.commits  # a second app on its own engine signs in: it reads what the test committed


def _set_cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def _attributes(header: str) -> dict[str, str]:
    parts = [p.strip() for p in header.split(";")[1:]]
    return {p.split("=", 1)[0].lower(): (p.split("=", 1)[1] if "=" in p else "") for p in parts}


@pytest.fixture(params=["development", "production"])
def env_app(request, database_url, tmp_path, session):
    f.commune_setup(session)  # through the suite's app, which empties the database afterwards
    app = create_app({"ENV": request.param, "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": "c" * 40, "BROKER_URL": "memory://", "RATELIMIT_STORAGE_URL": "memory://"})

    def remembered():  # what a sign-in with "remember me" would set (the form offers none)
        login_user(db.session.scalar(db.select(User).where(User.username == "thuky")), remember=True)
        return "ok"

    app.add_url_rule("/remember-for-test", "remember_for_test", remembered)
    yield app, request.param == "production"
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _sign_in(client):
    html = client.get("/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)
    return client.post("/dang-nhap", data={"username": "thuky", "password": f.PASSWORD, "csrf_token": token})


def test_the_session_cookie_is_httponly_lax_and_secure_in_production(env_app):
    app, production = env_app
    response = _sign_in(app.test_client())
    assert response.status_code == 302
    cookies = _set_cookies(response)
    assert set(cookies) == {"session"}  # no remember-me cookie from the sign-in form
    attributes = _attributes(cookies["session"])
    assert "httponly" in attributes and attributes["samesite"] == "Lax"
    assert ("secure" in attributes) is production


def test_a_remember_cookie_is_guarded_and_lasts_two_weeks_at_most(env_app):
    app, production = env_app
    response = app.test_client().get("/remember-for-test")
    attributes = _attributes(_set_cookies(response)["remember_token"])
    assert "httponly" in attributes and attributes["samesite"] == "Lax"
    assert ("secure" in attributes) is production
    expires = parsedate_to_datetime(attributes["expires"])
    assert expires <= datetime.now(UTC) + timedelta(days=14, minutes=1)
