"""Forged requests change nothing (issue 13), walked from the URL map: every screen that changes
state refuses a POST without the session's CSRF token (Flask-WTF's CSRFProtect covers every
blueprint but the API's — the decision and council screens read their forms by hand and are covered
too); no GET changes the database; and the API never takes a browser's cookie for a sign-in, so a
cross-site request cannot act there with or without an X-CSRFToken header, while a bearer token
needs none."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.security_world import browser_for, build
from tests.test_access import BODIES, OTHER_ARGS
from workflow.db import Base

CHANGES = {"POST", "PUT", "PATCH", "DELETE"}
# API routes that take no sign-in at all: a forged request there can do no more than anyone can
ANONYMOUS_API = {"api.issue_token", "api.file_objection"}


def snapshot(session) -> dict:
    """Every row of every table."""
    session.expire_all()
    return {t.name: sorted(map(repr, session.execute(select(t)).all())) for t in Base.metadata.sorted_tables}


def changed(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def fill(rule, ids: dict) -> str:
    values = {}
    for arg in rule.arguments - set(rule.defaults or {}):
        if arg == "doc_id":
            values[arg] = ids["submission_id" if rule.endpoint.endswith("submission_bases") else "decision_id"]
        elif arg == "day":
            values[arg] = "2025-09-02"
        elif arg == "lang":
            values[arg] = "en"
        elif arg == "rule_set":
            values[arg] = "vn-2025"
        elif arg == "filename":
            values[arg] = "app.css"
        else:
            values[arg] = ids[arg] if arg in ids else OTHER_ARGS[arg]
    return rule.build(values)[1]


@pytest.fixture
def world(app, client, session):
    return build(app, client, session)


def test_every_screen_that_changes_state_refuses_a_post_without_the_csrf_token(app, world, session):
    rules = [r for r in app.url_map.iter_rules() if r.methods & CHANGES and not r.endpoint.startswith("api.")]
    assert {"decisions.issue", "council.ballot", "council.close_vote", "public.notices", "auth.login"} \
        <= {r.endpoint for r in rules}
    secretary, _token = browser_for(app, "thuky")
    admin, _token = browser_for(app, "root_admin")
    before, wrong = snapshot(session), []
    for rule in rules:
        url = fill(rule, world["ids"])
        for browser in (secretary, admin):
            for method in sorted(rule.methods & CHANGES):
                response = browser.open(url, method=method, data={"confirm": "1"})
                if response.status_code != 400:
                    wrong.append((method, url, response.status_code))
    assert not wrong
    assert changed(before, snapshot(session)) == []


def test_no_get_changes_the_database(app, world, session):
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods]
    admin, _token = browser_for(app, "root_admin")
    api = app.test_client()
    headers = f.token(api, "root_admin")
    before, wrong = snapshot(session), []
    for rule in sorted(rules, key=lambda r: r.rule):
        url = fill(rule, world["ids"])
        response = api.get(url, headers=headers) if url.startswith("/api/") else admin.get(url)
        response.close()
        assert response.status_code < 500, url
        tables = changed(before, after := snapshot(session))
        if tables:
            wrong.append((url, tables))
            before = after
    assert not wrong


def test_the_api_ignores_the_session_cookie_even_with_a_csrf_header(app, world, session):
    browser, token = browser_for(app, "thuky")  # the secretary, signed in on the screens
    rules = [r for r in app.url_map.iter_rules()
             if r.endpoint.startswith("api.") and r.methods & CHANGES and r.endpoint not in ANONYMOUS_API]
    assert len(rules) > 40
    before, wrong = snapshot(session), []
    for rule in rules:
        url = fill(rule, world["ids"])
        for method in sorted(rule.methods & CHANGES):
            response = browser.open(url, method=method, json=BODIES.get(rule.endpoint, {}),
                                    headers={"X-CSRFToken": token})
            if response.status_code != 401:
                wrong.append((method, url, response.status_code))
    assert not wrong
    assert changed(before, snapshot(session)) == []
    # the same secretary with a bearer token needs no CSRF header
    created = browser.post("/api/v1/rounds", headers=f.token(app.test_client(), "thuky"), json={
        "authority_code": "X-DB", "year": 2026, "kind": "campaign", "title": "Thi đua 2026",
        "nomination_deadline": "2026-10-15"})
    assert created.status_code == 201, created.get_json()
