"""Issue 15, item 10: hostile input anywhere — control characters in paths, queries, forms and
bodies (anonymous pages included), ids beyond the database's integer, deep or huge JSON — gets a
clear 4xx naming the field, never a 500, and writes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.proposals.helpers import World
from workflow.org.models import Nominee
from workflow.proposals.models import Proposal, ProposalTransition

BEYOND = 2**31  # one more than PostgreSQL's integer holds
HUGE = 10**20  # more than SQLite's 64-bit integer holds


@pytest.fixture
def w(client, session):
    return World(client, session)


def _json_error(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data()[:300])
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "details"} and "Traceback" not in response.get_data(as_text=True)
    return error


def _rows(session) -> tuple:
    session.expire_all()
    return tuple(session.scalar(select(func.count(model.id))) for model in (Proposal, ProposalTransition, Nominee))


@pytest.mark.parametrize("path", ["/cong-khai/X-DB%00", "/cong-khai/X%0bDB", "/cong-khai/X-DB?lang=vi%00"])
def test_control_characters_on_the_anonymous_notice_page_get_an_error_page(w, path):
    response = w.client.get(path)
    assert response.status_code == 422, response.status_code
    html = response.get_data(as_text=True)
    assert 'data-testid="error-page"' in html and 'data-code="422"' in html and "Traceback" not in html


@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/public/notices/X-DB%00", "path"),
    ("/api/v1/public/notices/X-DB?page=1%00", "page"),
])
def test_control_characters_in_anonymous_api_paths_and_queries(w, path, field):
    error = _json_error(w.client.get(path), 422)
    assert error["code"] == "validation_error" and field in error["details"]


def test_control_characters_in_a_signed_in_query(w):
    error = _json_error(w.call("secretary", "GET", "/api/v1/proposals?q=Ma%00V%C4%83n"), 422)
    assert "q" in error["details"]


def test_sign_in_with_a_nul_byte(w, session):
    before = _rows(session)
    error = _json_error(w.client.post("/api/v1/auth/token", json={"username": "thuky\u0000", "password": f.PASSWORD}),
                        422)
    assert "username" in error["details"]
    html_form = w.client.get("/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html_form).group(1)
    response = w.client.post("/dang-nhap", data={"username": "thuky\x00", "password": f.PASSWORD,
                                                 "csrf_token": token})
    assert response.status_code == 422 and 'data-code="422"' in response.get_data(as_text=True)
    assert _rows(session) == before


@pytest.mark.parametrize("path", [f"/api/v1/proposals/{BEYOND}", f"/api/v1/proposals/{HUGE}",
                                  f"/api/v1/proposals/{HUGE}/history", f"/api/v1/decisions/{HUGE}",
                                  f"/api/v1/meetings/{HUGE}", f"/api/v1/attachments/{HUGE}"])
def test_path_ids_beyond_the_integer_range_are_unknown(w, path):
    assert _json_error(w.call("secretary", "GET", path), 404)["code"] == "not_found"


def test_html_path_ids_beyond_the_integer_range_are_unknown(w, app):
    from tests.proposals.test_views import web

    browser = web(app, "secretary", w)
    pid = w.propose(w.person())["id"]
    assert browser.get(f"/ho-so/{pid}").status_code == 200
    for path in (f"/ho-so/{HUGE}", f"/ho-so/{BEYOND}", f"/ho-so/tai-lieu/{HUGE}"):
        response = browser.get(path)
        assert response.status_code == 404 and 'data-code="404"' in response.get_data(as_text=True), path


@pytest.mark.parametrize(("body", "field"), [
    ({"nominee_id": BEYOND}, "nominee_id"),
    ({"round_id": HUGE}, "round_id"),
    ({"linked_proposal_id": HUGE}, "linked_proposal_id"),
])
def test_body_ids_beyond_the_integer_range(w, session, body, field):
    payload = {"round_id": w.round["id"], "nominee_id": w.person(), "award_type_code": "LDTT",
               "unit_code": "DB-NATO", "achievements": "Hoàn thành xuất sắc nhiệm vụ.", **body}
    w.auth("nominator")
    before = _rows(session)
    error = _json_error(w.call("nominator", "POST", "/api/v1/proposals", payload), 422)
    assert field in error["details"]
    assert _rows(session) == before


def test_decision_ids_beyond_the_integer_range(w):
    error = _json_error(w.call("secretary", "POST", "/api/v1/decisions",
                               {"authority_code": "X-DB", "proposal_ids": [HUGE]}), 422)
    assert "proposal_ids.0" in error["details"]


@pytest.mark.parametrize("text", ["Ma Văn\x00Thử", "Ma\x0bVăn", "Ma Văn\u001bThử"])
def test_control_characters_in_body_text(w, session, text):
    w.auth("nominator")
    before = _rows(session)
    error = _json_error(w.call("nominator", "POST", "/api/v1/nominees", {
        "kind": "individual", "name": text, "authority_code": "X-DB", "unit_code": "DB-NATO"}), 422)
    assert "name" in error["details"]
    assert _rows(session) == before


def test_multi_line_text_keeps_line_breaks_but_not_other_controls(w):
    pid = w.propose(w.person(), achievements="Dòng một\r\nDòng hai\tcột")["id"]
    assert w.get("nominator", f"/api/v1/proposals/{pid}")["achievements"] == "Dòng một\r\nDòng hai\tcột"
    error = _json_error(w.call("nominator", "POST", "/api/v1/proposals", {
        "round_id": w.round["id"], "nominee_id": w.person("Ma Văn Hai"), "award_type_code": "LDTT",
        "unit_code": "DB-NATO", "achievements": "Thành tích\x00"}), 422)
    assert "achievements" in error["details"]


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_json_is_refused_before_parsing(w, session, depth):
    before = _rows(session)
    nested = "[" * depth + "]" * depth
    # anonymous: the sign-in's rate-limit key reads the body before the view does
    response = w.client.post("/api/v1/auth/token", data=nested, content_type="application/json")
    assert "body" in _json_error(response, 422)["details"]
    pid = w.propose(w.person())["id"]
    body = '{"event": "submit", "data": {"x": ' + nested + "}}"
    response = w.client.post(f"/api/v1/proposals/{pid}/events", data=body, content_type="application/json",
                             headers=w.auth("nominator"))
    assert "body" in _json_error(response, 422)["details"]
    assert _rows(session)[1] == before[1]  # no transition


def test_an_oversized_json_body_is_413(w):
    response = w.client.post("/api/v1/auth/token", content_type="application/json",
                             data='{"username": "' + "a" * (2 * 1024 * 1024) + '", "password": "x"}')
    assert _json_error(response, 413)["code"] == "too_large"


def test_nesting_inside_strings_does_not_count(w):
    """Brackets inside a string are text, not nesting: an ordinary body still passes."""
    pid = w.propose(w.person(), achievements="[[[[" * 20 + "{{{{" * 20)["id"]
    assert w.get("nominator", f"/api/v1/proposals/{pid}")["achievements"].startswith("[[[[")


@pytest.mark.parametrize("raw", [str(HUGE), "²", "٣"])
def test_odd_ids_in_the_anonymous_objection_form(w, client, session, raw):
    """Digits that are not ASCII, or beyond the integer: a 400 page, never a 500."""
    from tests.proposals.test_views import csrf_of

    pid = w.propose(w.person())["id"]
    w.event("nominator", pid, "submit")
    w.event("secretary", pid, "accept")
    w.event("secretary", pid, "publish", days=10)
    token = csrf_of(client.get("/cong-khai/X-DB").get_data(as_text=True))
    response = client.post("/cong-khai/X-DB", data={"csrf_token": token, "proposal_id": raw, "name": "Ma Văn Dân",
                                                    "contact": "0912345678", "text": "Không đúng sự thật."})
    assert response.status_code == 400 and 'data-code="400"' in response.get_data(as_text=True)


def test_an_odd_version_on_the_action_form(w, app, session):
    from tests.proposals.test_views import csrf_of, web

    pid = w.propose(w.person())["id"]
    browser = web(app, "nominator", w)
    token = csrf_of(browser.get(f"/ho-so/{pid}").get_data(as_text=True))
    response = browser.post(f"/ho-so/{pid}/thao-tac", data={"csrf_token": token, "event": "submit", "version": "²"})
    assert response.status_code == 302  # back to the page; the version is simply not checked
