"""The password rule wherever a password is set (issue 13): at least 8 characters and not one of the
most common passwords, whatever its case — by the CLI, the API, an admin's reset and the password
screen, with a Vietnamese message; and a sign-in that tells nothing about which usernames exist,
neither by its answer nor by its time."""

from __future__ import annotations

import re
import statistics
import time

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from sqlalchemy import select

from tests import factories as f
from workflow.auth import credentials, services
from workflow.auth.passwords import common_passwords, password_problem
from workflow.cli import main
from workflow.demo.data import DEMO_PASSWORD
from workflow.org.models import User

COMMON_MESSAGE = "phổ biến"  # “… one of the most common ones …” in Vietnamese


@pytest.fixture
def org(session):
    return f.commune_setup(session)


def test_the_shipped_list_holds_a_thousand_common_passwords():
    listed = common_passwords()
    assert len(listed) == 1000 and {"password", "12345678", "iloveyou", "qwertyuiop"} <= listed


@pytest.mark.parametrize("password", ["password", "PASSWORD", "Password1", "qWeRtYuIoP", " iloveyou "])
def test_common_passwords_are_refused_whatever_the_case(password):
    assert password_problem(password) is not None


@pytest.mark.parametrize("password", [f.PASSWORD, DEMO_PASSWORD, "Smoke-test-2024!", "ruộng-lúa-xanh"])
def test_the_fixed_passwords_of_the_demo_tests_and_contract_pass(password):
    assert password_problem(password) is None


@pytest.mark.commits  # the CLI runs on its own engine: it reads what the test committed
def test_the_cli_refuses_a_common_password(database_url, tmp_path, session, org):
    env = {"TDKT_DATABASE_URL": database_url, "TDKT_INSTANCE_PATH": str(tmp_path / "cli"),
           "TDKT_BROKER_URL": "memory://", "TDKT_SECRET_KEY": "cli-test-secret-key-not-for-production"}
    args = ["user", "create", "moi", "--role", "secretary", "--authority", "X-DB", "--password-stdin"]
    refused = CliRunner().invoke(main, args, input="Password123\n", env=env)
    assert refused.exit_code == 1 and COMMON_MESSAGE in refused.output
    assert session.scalar(select(User).where(User.username == "moi")) is None
    created = CliRunner().invoke(main, args, input="Lua-chin-vang-2026\n", env=env)
    assert created.exit_code == 0, created.output


def _csrf(browser, path):
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', browser.get(path).get_data(as_text=True)).group(1)


def test_the_password_screen_says_why_in_vietnamese(app, session, org):
    browser = app.test_client()
    browser.post("/dang-nhap", data={"username": "thuky", "password": f.PASSWORD,
                                     "csrf_token": _csrf(browser, "/dang-nhap")})
    before = session.get(User, org["users"]["secretary"].id).password_hash
    page = browser.post("/doi-mat-khau", data={"current_password": f.PASSWORD, "new_password": "Baseball1",
                                               "confirm_password": "Baseball1",
                                               "csrf_token": _csrf(browser, "/doi-mat-khau")})
    assert page.status_code == 200
    assert "Mật khẩu này nằm trong số những mật khẩu phổ biến nhất" in page.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, org["users"]["secretary"].id).password_hash == before


# --- sign-in: one answer, one cost ------------------------------------------------------------------

def test_unknown_user_and_wrong_password_get_the_same_api_answer(client, org):
    unknown = client.post("/api/v1/auth/token", json={"username": "khong-ai", "password": f.PASSWORD})
    wrong = client.post("/api/v1/auth/token", json={"username": "thuky", "password": "Sai-mat-khau-1"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.get_json() == wrong.get_json()


def test_unknown_user_and_wrong_password_get_the_same_sign_in_page(app, org):
    pages = []
    for username, password in (("khong-ai", f.PASSWORD), ("thuky", "Sai-mat-khau-1")):
        browser = app.test_client()
        html = browser.post("/dang-nhap", data={"username": username, "password": password,
                                                "csrf_token": _csrf(browser, "/dang-nhap")}).get_data(as_text=True)
        pages.append(re.search(r'<div class="alert alert-danger[^>]*>(.*?)</div>', html, re.S).group(1).strip())
    assert pages[0] == pages[1] and pages[0]


def test_an_unknown_username_costs_a_password_verification_too(session, org, monkeypatch):
    # a hasher slow enough that its verification, not the lookup, is most of a sign-in's time
    monkeypatch.setattr(credentials, "_hasher", PasswordHasher(time_cost=2, memory_cost=32768, parallelism=1))
    user = session.get(User, org["users"]["secretary"].id)
    user.password_hash = services.hash_password(f.PASSWORD)
    session.commit()

    def median(username: str) -> float:
        times = []
        for _ in range(7):
            start = time.perf_counter()
            assert services.authenticate(session, username, "Sai-mat-khau-1") is None
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    median("thuky"), median("khong-ai")  # warm up both paths (and the dummy hash)
    known, unknown = median("thuky"), median("khong-ai")
    assert unknown > known / 3 and known > unknown / 3, (known, unknown)
