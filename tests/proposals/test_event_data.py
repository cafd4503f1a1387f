"""Issue 15, item 10: an event's ``data`` has one typed model per event (no free keys, bounded
values), shared by the API and the screens; ``publish`` days within the rule's limits; a linked
proposal must exist, be in scope and be about the same nominee; and a history row of any shape
never turns the proposal page into a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.proposals.helpers import World
from tests.proposals.test_views import csrf_of, web
from workflow.proposals.models import Proposal, ProposalTransition


@pytest.fixture
def w(client, session):
    return World(client, session)


def _state(session, pid: int) -> tuple:
    session.expire_all()
    p = session.get(Proposal, pid)
    count = session.scalar(select(func.count(ProposalTransition.id)).where(ProposalTransition.proposal_id == pid))
    return p.state, p.version, count, p.notice_until


def _under_review(w) -> int:
    pid = w.propose(w.person())["id"]
    w.event("nominator", pid, "submit")
    w.event("secretary", pid, "accept")
    return pid


@pytest.mark.parametrize(("event", "data", "field"), [
    ("submit", {"items": 5}, "items"),  # the free key that once broke the proposal page
    ("submit", {"anything": {"nested": [1, 2]}}, "anything"),
    ("withdraw", {"reason": "x", "extra": 1}, "reason"),
])
def test_free_keys_in_event_data_are_refused(w, session, event, data, field):
    pid = w.propose(w.person())["id"]
    before = _state(session, pid)
    error = w.event("nominator", pid, event, expect=422, **data)["error"]
    assert error["code"] == "validation_error" and field in error["details"]
    assert _state(session, pid) == before


@pytest.mark.parametrize(("data", "field"), [
    ({"reason": "Không đủ\x00 tiêu chuẩn"}, "reason"),
    ({"reason": ["một", "danh sách"]}, "reason"),
    ({"reason": "x" * 5001}, "reason"),
])
def test_bad_values_in_known_keys(w, session, data, field):
    pid = _under_review(w)
    before = _state(session, pid)
    error = w.event("chair", pid, "reject", expect=422, **data)["error"]
    assert field in error["details"]
    assert _state(session, pid) == before


def test_return_items_are_typed(w, session):
    pid = w.propose(w.person())["id"]
    w.event("nominator", pid, "submit")
    before = _state(session, pid)
    for items, field in (([{"doc_type": "bao_cao", "message": "Thiếu", "color": "red"}], "items.0.color"),
                         ([{"doc_type": {"a": 1}, "message": "Thiếu"}], "items.0.doc_type"),
                         ("bao_cao", "items")):
        error = w.event("secretary", pid, "return_for_changes", expect=422, items=items)["error"]
        assert field in error["details"], error
    assert _state(session, pid) == before
    w.event("secretary", pid, "return_for_changes", items=[{"doc_type": "bao_cao", "message": "Thiếu báo cáo"}])


@pytest.mark.parametrize("days", [10_000_000, 61, 0, -3, "mười"])
def test_publish_days_within_the_rule_limits(w, session, days):
    pid = _under_review(w)
    before = _state(session, pid)
    error = w.event("secretary", pid, "publish", expect=422, days=days)["error"]
    assert "days" in error["details"]
    assert _state(session, pid) == before
    w.event("secretary", pid, "publish", days=60)  # the ceiling itself is allowed
    assert _state(session, pid)[0] == "public_notice"


def test_publish_days_from_the_screen_are_bounded_too(w, app, session):
    pid = _under_review(w)
    browser = web(app, "secretary", w)
    before = _state(session, pid)
    token = csrf_of(browser.get(f"/ho-so/{pid}").get_data(as_text=True))
    response = browser.post(f"/ho-so/{pid}/thao-tac", data={"csrf_token": token, "event": "publish",
                                                           "days": "10000000", "version": str(before[1])})
    assert response.status_code == 302
    assert _state(session, pid) == before


def test_outcome_dates_within_bounds():
    """``record_outcome`` data as ``transition`` checks it (the path the screens share)."""
    from workflow.errors import Invalid
    from workflow.proposals import event_data

    for date_ in ("1900-01-01", "9999-12-31"):
        with pytest.raises(Invalid) as refused:
            event_data.validate("record_outcome", {"outcome": "approved", "decision_number": "7/QĐ-UBND",
                                                   "decision_date": date_}, None)
        assert "decision_date" in refused.value.details
    ok = event_data.validate("record_outcome", {"outcome": "approved", "decision_number": "7/QĐ-UBND",
                                                "decision_date": "2025-12-20"}, None)
    assert ok == {"outcome": "approved", "decision_number": "7/QĐ-UBND", "decision_date": "2025-12-20"}


def test_a_comment_with_control_characters_is_refused(w, session):
    pid = w.propose(w.person())["id"]
    before = _state(session, pid)
    error = w.event("nominator", pid, "submit", expect=422, comment="Gửi\x00")["error"]
    assert "comment" in error["details"]
    assert _state(session, pid) == before


def test_linked_proposal_must_exist_be_in_scope_and_same_nominee(w, session):
    nominee = w.person()
    first = w.propose(nominee)["id"]
    other_nominee = w.person("Ma Văn Khác")
    other = w.propose(other_nominee)["id"]
    # another commune's proposal, invisible to this nominator
    commune2 = f.authority(session, "X-KHAC", "commune", w.org["district"])
    hamlet2 = f.unit(session, commune2, "KH-XOM")
    f.user(session, "nominator", commune2, hamlet2, username="xom_khac")
    f.user(session, "secretary", commune2, username="thuky_khac")
    elsewhere = World.__new__(World)
    elsewhere.client, elsewhere.session, elsewhere.tokens = w.client, session, {}
    elsewhere.org = {"users": {}}
    round2 = elsewhere.post("thuky_khac", "/api/v1/rounds", {
        "authority_code": "X-KHAC", "year": 2025, "kind": "annual", "title": "Năm 2025",
        "nomination_deadline": "2025-12-15"})
    n2 = elsewhere.post("xom_khac", "/api/v1/nominees", {"kind": "individual", "name": "Nông Văn Xa",
                                                         "authority_code": "X-KHAC", "unit_code": "KH-XOM"})["id"]
    far = elsewhere.post("xom_khac", "/api/v1/proposals", {
        "round_id": round2["id"], "nominee_id": n2, "award_type_code": "LDTT", "unit_code": "KH-XOM",
        "achievements": "Tốt."})["id"]
    count = session.scalar(select(func.count(Proposal.id)))
    for linked in (999_999, far, other):
        response = w.call("nominator", "POST", "/api/v1/proposals", {
            "round_id": w.round["id"], "nominee_id": nominee, "award_type_code": "GK_XA", "unit_code": "DB-NATO",
            "achievements": "Tốt.", "linked_proposal_id": linked})
        assert response.status_code == 422, (linked, response.status_code, response.get_json())
        assert "linked_proposal_id" in response.get_json()["error"]["details"]
    session.expire_all()
    assert session.scalar(select(func.count(Proposal.id))) == count
    linked_ok = w.propose(nominee, "GK_XA", linked_proposal_id=first)
    assert linked_ok["linked_proposal_id"] == first


def test_a_stored_history_row_of_any_shape_does_not_break_the_page(w, app, session):
    """Rows written before event data was typed may hold anything: the page still renders."""
    pid = w.propose(w.person())["id"]
    w.event("nominator", pid, "submit")
    row = session.scalars(select(ProposalTransition).where(ProposalTransition.proposal_id == pid)).one()
    row.data = {"items": 5, "days": "mười", "reason": {"a": 1}, "to_authority": ["X"], "free": [[[]]]}
    session.add(ProposalTransition(proposal_id=pid, event="submit", from_state="draft", to_state="submitted",
                                   actor_id=row.actor_id, actor_name=row.actor_name, authority_id=row.authority_id,
                                   data={"items": [1, "x", {"doc_type": ["a"], "message": "m"}]}))
    session.commit()
    for who in ("secretary", "nominator"):
        response = web(app, who, w).get(f"/ho-so/{pid}")
        assert response.status_code == 200, (who, response.status_code)
        assert 'data-testid="history"' in response.get_data(as_text=True)
    assert w.call("secretary", "GET", f"/api/v1/proposals/{pid}/history").status_code == 200
