"""Rounds by screen: the secretary opens a round with its deadline, edits it, closes it (no new
proposals, the existing ones go on) and reopens it; the API does the same; scope and audit as
everywhere, bad input kept in the form with its message."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.proposals.helpers import screens_world
from tests.proposals.test_views import csrf_of, web
from workflow.proposals.models import Round


@pytest.fixture
def w(app, client, session):
    return screens_world(app, client, session)


def test_the_secretary_opens_edits_closes_and_reopens_a_round(app, w, session):
    browser = web(app, "secretary", w)
    page = browser.get("/dot-xet/moi").get_data(as_text=True)
    assert 'name="nomination_deadline"' in page
    # bad input: the form comes back with the message, nothing is created
    before = session.scalar(select(Round.id).order_by(Round.id.desc()))
    bad = browser.post("/dot-xet/moi", data={"csrf_token": csrf_of(page), "authority_code": "X-DB", "year": "2026",
                                             "kind": "annual", "title": "", "nomination_deadline": ""})
    assert bad.status_code == 200
    assert 'id="title-error"' in bad.get_data(as_text=True)
    assert 'id="nomination_deadline-error"' in bad.get_data(as_text=True)
    assert session.scalar(select(Round.id).order_by(Round.id.desc())) == before

    done = browser.post("/dot-xet/moi", data={"csrf_token": csrf_of(page), "authority_code": "X-DB", "year": "2026",
                                              "kind": "campaign", "title": "Thi đua chuyển đổi số 2026",
                                              "nomination_deadline": "2026-12-20"})
    assert done.status_code == 302
    round_ = session.scalar(select(Round).where(Round.title == "Thi đua chuyển đổi số 2026"))
    assert (round_.year, round_.kind, round_.nomination_deadline.isoformat()) == (2026, "campaign", "2026-12-20")
    listing = browser.get("/dot-xet/").get_data(as_text=True)
    assert "Thi đua chuyển đổi số 2026" in listing and "20/12/2026" in listing

    edit = browser.get(f"/dot-xet/{round_.id}/sua").get_data(as_text=True)
    saved = browser.post(f"/dot-xet/{round_.id}/sua", data={"csrf_token": csrf_of(edit), "kind": "campaign",
                                                            "title": "Thi đua chuyển đổi số năm 2026",
                                                            "nomination_deadline": "2026-12-25"})
    assert saved.status_code == 302
    session.expire_all()
    assert session.get(Round, round_.id).nomination_deadline.isoformat() == "2026-12-25"

    # closing asks first, then closes; a nominator can no longer propose in it
    asked = browser.post(f"/dot-xet/{round_.id}/dong", data={"csrf_token": csrf_of(listing)})
    assert 'data-testid="confirm-step"' in asked.get_data(as_text=True)
    session.expire_all()
    assert session.get(Round, round_.id).closed_at is None
    closed = browser.post(f"/dot-xet/{round_.id}/dong", data={"csrf_token": csrf_of(listing), "confirm": "1"})
    assert closed.status_code == 302
    session.expire_all()
    assert session.get(Round, round_.id).closed_at is not None
    refused = w.call("nominator", "POST", "/api/v1/proposals", {
        "round_id": round_.id, "nominee_id": w.person(), "award_type_code": "LDTT", "unit_code": "DB-NATO",
        "achievements": "Hoàn thành xuất sắc"})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "round_closed"
    # the create screen offers only open rounds
    create = web(app, "nominator", w).get("/ho-so/moi").get_data(as_text=True)
    assert "Thi đua chuyển đổi số năm 2026" not in create
    # an edit of a closed round is refused; reopening lets nominations in again
    assert w.call("secretary", "PATCH", f"/api/v1/rounds/{round_.id}", {"title": "X"}, expect=409)
    assert browser.post(f"/dot-xet/{round_.id}/mo-lai", data={"csrf_token": csrf_of(listing)}).status_code == 302
    assert w.post("nominator", "/api/v1/proposals", {
        "round_id": round_.id, "nominee_id": w.person("Ma Văn Mở"), "award_type_code": "LDTT",
        "unit_code": "DB-NATO", "achievements": "Hoàn thành xuất sắc"})["state"] == "draft"
    assert f.audit_actions(session, "round", round_.id) == ["round.create", "round.update", "round.close", "round.reopen"]


def test_rounds_are_scoped(app, w, session):
    elsewhere = f.authority(session, "X-KHAC", "commune", w.org["district"], name="UBND xã Khác")
    f.user(session, "secretary", elsewhere, username="thuky_khac")
    other = web(app, "thuky_khac")
    rid = w.round["id"]
    assert "Tổng kết năm 2025" not in other.get("/dot-xet/").get_data(as_text=True)
    page = other.get("/dot-xet/").get_data(as_text=True)
    assert other.get(f"/dot-xet/{rid}/sua").status_code == 404
    assert other.post(f"/dot-xet/{rid}/dong", data={"csrf_token": csrf_of(page), "confirm": "1"}).status_code == 404
    assert w.call("thuky_khac", "POST", f"/api/v1/rounds/{rid}/close").status_code == 404
    # a nominator sees the rounds but manages none
    nominator = web(app, "nominator", w).get("/dot-xet/").get_data(as_text=True)
    assert "Tổng kết năm 2025" in nominator and 'data-testid="close-round"' not in nominator
    assert web(app, "nominator", w).get("/dot-xet/moi").status_code == 404


def test_the_round_api(w):
    rid = w.round["id"]
    patched = w.call("secretary", "PATCH", f"/api/v1/rounds/{rid}", {"nomination_deadline": "2025-12-31"},
                     expect=200).get_json()
    assert patched["nomination_deadline"] == "2025-12-31" and patched["status"] == "open"
    bad = w.call("secretary", "PATCH", f"/api/v1/rounds/{rid}", {"kind": "yearly"}, expect=422)
    assert "kind" in bad.get_json()["error"]["details"]
    assert w.post("secretary", f"/api/v1/rounds/{rid}/close")["status"] == "closed"
    again = w.call("secretary", "POST", f"/api/v1/rounds/{rid}/close", expect=409)
    assert again.get_json()["error"]["code"] == "round_state"
    assert w.post("secretary", f"/api/v1/rounds/{rid}/reopen")["status"] == "open"
    assert re.match(r"\d{4}-\d{2}-\d{2}", w.get("secretary", "/api/v1/rounds")[0]["nomination_deadline"])
