"""Sign-in that fits a commune office (issue 13): the council, the chair and the secretary sign in
from one meeting room's address within a minute, typos included, and nobody is refused; a
username's run of failures makes each next try wait longer (1 s, 2 s, 4 s … at most the cap),
while its owner's colleagues are never slowed down; a success ends the run (and the storage forgets a run after 15 quiet minutes)."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.test_sign_in_limits import api_login, web_login
from workflow.auth import throttle

ROOM = "192.168.1.20"  # the meeting room's NAT address


@pytest.fixture
def org(session):
    org = f.commune_setup(session)
    for i in range(9):  # the rest of a council of eleven
        f.user(session, "council_member", org["commune"], username=f"uyvien{i}")
    session.commit()
    return org


@pytest.fixture
def clock(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(throttle, "_now", lambda: now[0])
    return now


def test_a_whole_council_signs_in_from_one_room_typos_included(app, org):
    app.config["LOGIN_RATE_LIMIT"] = "10 per minute"  # the shipped defaults
    app.config["TDKT_LOGIN_ADDRESS_RATE_LIMIT"] = None
    people = ["chutich", "thuky", "uyvien", *[f"uyvien{i}" for i in range(9)]]
    assert len(people) == 12
    client = app.test_client()
    typos = [api_login(client, name, "sai-mat-khau", ROOM).status_code for name in people]
    assert typos == [401] * 12  # twelve failures from one address: more than one username's limit
    signed_in = [api_login(client, name, f.PASSWORD, ROOM).status_code for name in people]
    assert signed_in == [200] * 12
    assert web_login(app.test_client(), "chutich", f.PASSWORD, ROOM).status_code == 302


def test_a_run_of_failures_waits_longer_each_time(app, org, clock):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"  # the delay alone
    app.config["TDKT_LOGIN_DELAY_AFTER"] = 3
    app.config["TDKT_LOGIN_DELAY_MAX_SECONDS"] = 4
    client = app.test_client()
    addresses = (f"10.7.0.{i}" for i in range(1, 200))
    assert [api_login(client, "thuky", "x", next(addresses)).status_code for _ in range(3)] == [401] * 3

    waiting = api_login(client, "thuky", f.PASSWORD, next(addresses))  # even the right password waits
    assert waiting.status_code == 429
    assert waiting.get_json()["error"]["details"]["retry_after"] == 1 and waiting.headers["Retry-After"] == "1"
    # a colleague is not slowed down
    assert api_login(client, "chutich", f.PASSWORD, next(addresses)).status_code == 200

    clock[0] += 1
    assert api_login(client, "thuky", "x", next(addresses)).status_code == 401  # the 4th failure
    clock[0] += 1
    again = api_login(client, "thuky", "x", next(addresses))
    assert again.status_code == 429 and again.get_json()["error"]["details"]["retry_after"] == 1
    clock[0] += 1  # two seconds after the 4th
    assert api_login(client, "thuky", "x", next(addresses)).status_code == 401  # the 5th
    clock[0] += 3.5
    assert api_login(client, "thuky", "x", next(addresses)).status_code == 429  # 4 s now, the cap
    clock[0] += 0.5
    assert api_login(client, "thuky", "x", next(addresses)).status_code == 401  # the 6th
    clock[0] += 4
    # the owner finally types it right: the run ends, the next typo does not wait
    assert api_login(client, "thuky", f.PASSWORD, next(addresses)).status_code == 200
    assert api_login(client, "thuky", "x", next(addresses)).status_code == 401
    assert api_login(client, "thuky", f.PASSWORD, next(addresses)).status_code == 200


def test_the_sign_in_page_says_how_long_to_wait(app, org, clock):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    app.config["TDKT_LOGIN_DELAY_AFTER"] = 2
    client = app.test_client()
    for i in range(2):
        assert web_login(client, "chutich", "x", f"10.8.0.{i}").status_code == 200
    clock[0] += 0.2
    page = web_login(client, "chutich", "x", "10.8.0.9")
    assert page.status_code == 429
    assert "Vui lòng chờ 1 giây" in page.get_data(as_text=True)


def test_the_delay_doubles_up_to_the_cap_and_zero_turns_it_off():
    assert [throttle.delay_for(n, 2, 60) for n in range(1, 10)] == [0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert throttle.delay_for(100, 0, 60) == 0
