"""The life cycle through the API: create, submit, return, resubmit, accept, notice, reject, withdraw."""

import pytest

from tests.proposals.helpers import World


@pytest.fixture
def w(client, session):
    return World(client, session)


def test_create_is_a_draft(w):
    p = w.propose(w.person())
    assert p["state"] == "draft" and p["version"] == 1
    assert p["allowed_events"] == ["submit", "withdraw"]


def test_duplicate_refused_409(w):
    person = w.person()
    w.propose(person)
    body = {"round_id": w.round["id"], "nominee_id": person, "award_type_code": "LDTT", "unit_code": "DB-NATO"}
    r = w.call("nominator", "POST", "/api/v1/proposals", body)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "duplicate"


def test_award_the_kind_may_not_receive_422(w):
    house = w.household()
    body = {"round_id": w.round["id"], "nominee_id": house, "award_type_code": "LDTT", "unit_code": "DB-NATO"}
    r = w.call("nominator", "POST", "/api/v1/proposals", body)
    assert r.status_code == 422 and "award_type_code" in r.get_json()["error"]["details"]


def test_happy_path_to_review(w):
    p = w.propose(w.person())
    p = w.event("nominator", p["id"], "submit")
    assert p["state"] == "submitted"
    p = w.event("secretary", p["id"], "accept")
    assert p["state"] == "under_review" and p["rule_set"] == "vn-2026"
    history = w.get("secretary", f"/api/v1/proposals/{p['id']}/history")
    assert [(h["from"], h["to"], h["event"]) for h in history] == [
        ("draft", "submitted", "submit"), ("submitted", "under_review", "accept")]
    assert history[1]["actor"] == "thuky" and history[1]["authority_code"] == "X-DB"


def test_return_lists_everything_and_resubmit_needs_all_items(w, client):
    p = w.propose(w.person())
    w.event("nominator", p["id"], "submit")
    w.event("secretary", p["id"], "return_for_changes", expect=422)  # no items
    items = [{"doc_type": "bao_cao_thanh_tich", "message": "Thiếu báo cáo thành tích"},
             {"field": "achievements", "message": "Ghi rõ thành tích năm 2025"}]
    p = w.event("secretary", p["id"], "return_for_changes", items=items)
    assert p["state"] == "returned" and len(p["missing_items"]) == 2
    refused = w.event("nominator", p["id"], "resubmit", expect=422)
    assert set(refused["error"]["details"]) == {"bao_cao_thanh_tich", "achievements"}
    # fix the field (with the version read), then upload the document
    p = w.call("nominator", "PATCH", f"/api/v1/proposals/{p['id']}",
               {"version": p["version"], "achievements": "Thành tích mới, chi tiết."}, expect=200).get_json()
    still = w.event("nominator", p["id"], "resubmit", expect=422)
    assert set(still["error"]["details"]) == {"bao_cao_thanh_tich"}
    import io
    r = client.post(f"/api/v1/proposals/{p['id']}/attachments", headers=w.auth("nominator"),
                    data={"doc_type": "bao_cao_thanh_tich", "file": (io.BytesIO(b"%PDF-1.4 test"), "bc.pdf")})
    assert r.status_code == 201, r.get_json()
    p = w.event("nominator", p["id"], "resubmit")
    assert p["state"] == "submitted" and p["missing_items"] is None


def test_stale_version_409(w):
    p = w.propose(w.person())
    w.call("nominator", "PATCH", f"/api/v1/proposals/{p['id']}", {"version": 1, "achievements": "A"}, expect=200)
    r = w.call("nominator", "PATCH", f"/api/v1/proposals/{p['id']}", {"version": 1, "achievements": "B"})
    assert r.status_code == 409 and r.get_json()["error"]["details"]["version"] == 2


def test_unknown_event_and_wrong_state_and_wrong_role(w):
    p = w.propose(w.person())
    assert w.event("nominator", p["id"], "fly", expect=422)["error"]["code"] == "unknown_event"
    err = w.event("secretary", p["id"], "accept", expect=409)["error"]
    assert err["code"] == "invalid_transition" and err["details"]["state"] == "draft"
    w.event("nominator", p["id"], "submit")
    assert w.event("nominator", p["id"], "accept", expect=403)["error"]["code"] == "forbidden"
    assert w.get("secretary", f"/api/v1/proposals/{p['id']}")["state"] == "submitted"


def test_internal_events_refused_through_the_api(w):
    p = w.propose(w.person())
    w.event("nominator", p["id"], "submit")
    w.event("secretary", p["id"], "accept")
    err = w.event("secretary", p["id"], "schedule", expect=422)["error"]
    assert err["code"] == "guard_failed"
    assert w.get("secretary", f"/api/v1/proposals/{p['id']}")["state"] == "under_review"


def test_reject_needs_reason_and_withdraw(w):
    p = w.propose(w.person())
    w.event("nominator", p["id"], "submit")
    w.event("secretary", p["id"], "reject", expect=422)
    p = w.event("chair", p["id"], "reject", reason="Không đủ tiêu chuẩn")
    assert p["state"] == "rejected" and p["reason"] == "Không đủ tiêu chuẩn"
    q = w.propose(w.person("Hoàng Thị Hai"))
    assert w.event("nominator", q["id"], "withdraw")["state"] == "withdrawn"


def test_public_notice_objection_and_close(w, client, session):
    from datetime import timedelta

    from sqlalchemy import update

    from workflow import vntime
    from workflow.proposals.models import Proposal

    p = w.propose(w.person())
    w.event("nominator", p["id"], "submit")
    w.event("secretary", p["id"], "accept")
    p = w.event("secretary", p["id"], "publish", days=7)
    assert p["state"] == "public_notice"
    listing = client.get("/api/v1/public/notices/X-DB").get_json()
    assert [i["proposal_id"] for i in listing["items"]] == [p["id"]]
    empty = client.post("/api/v1/public/notices/X-DB/objections",
                        json={"proposal_id": p["id"], "name": "Dân", "contact": "0912", "text": ""})
    assert empty.status_code == 422
    ok = client.post("/api/v1/public/notices/X-DB/objections",
                     json={"proposal_id": p["id"], "name": "Nông Văn Dân", "contact": "0912345678",
                           "text": "Tôi thấy chưa đúng thành tích."})
    assert ok.status_code == 201
    # the period has not run yet
    assert w.event("secretary", p["id"], "close_notice", expect=422)["error"]["details"]["notice_until"]
    session.execute(update(Proposal).where(Proposal.id == p["id"]).values(
        notice_until=vntime.today() - timedelta(days=1)))
    session.commit()
    err = w.event("secretary", p["id"], "close_notice", expect=422)["error"]
    assert "objections" in err["details"]
    objection = w.get("secretary", f"/api/v1/proposals/{p['id']}")["objections"][0]
    w.post("secretary", f"/api/v1/objections/{objection['id']}/resolve", {"resolution": "Đã xác minh, đúng."})
    p = w.event("secretary", p["id"], "close_notice")
    assert p["state"] == "under_review"
    closed = client.post("/api/v1/public/notices/X-DB/objections",
                         json={"proposal_id": p["id"], "name": "A", "contact": "B", "text": "Phản ánh muộn."})
    assert closed.status_code == 409
