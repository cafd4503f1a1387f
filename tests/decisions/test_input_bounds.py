"""Issue 15, item 10, for decisions and submissions: dates in 1900 or 9999 are refused naming the
field (API and screens), and two secretaries drafting decisions for one proposal at the same moment
get one 201 and one 409, never a 500 and never a proposal in two drafts."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.decisions.test_bad_input import snapshot
from tests.proposals.test_views import post_form, web
from workflow.decisions.models import Decision, DecisionItem

BAD_DATES = ["1900-01-01", "9999-12-31", "1999-12-31"]


@pytest.fixture
def within(d):
    pid = d.accepted("Ma Văn Một")
    d.recommend([pid])
    return pid


@pytest.mark.parametrize("day", BAD_DATES)
def test_issue_date_out_of_bounds(d, session, within, day):
    decision = d.decision([within])
    before = snapshot(session)
    error = d.issue(decision["id"], expect=422, date=day)["error"]
    assert "date" in error["details"]
    assert snapshot(session) == before
    assert d.issue(decision["id"], date="2025-12-20")["date"] == "2025-12-20"


@pytest.mark.parametrize("day", BAD_DATES)
def test_send_date_out_of_bounds(d, session, day):
    pid = d.accepted("Ma Văn Tỉnh", "BK_TINH")
    d.recommend([pid])
    sub = d.submission([pid])
    before = snapshot(session)
    assert "date" in d.send(sub["id"], expect=422, date=day)["error"]["details"]
    assert snapshot(session) == before


@pytest.mark.parametrize("day", BAD_DATES)
def test_outcome_decision_date_out_of_bounds(d, session, day):
    outside = f.authority(session, "H-NGOAI", "district", d.org["province"], name="UBND huyện Ngoài")
    session.merge(d.org["commune"]).parent_id = outside.id
    session.commit()
    pid = d.accepted("Hoàng Văn Ngoài", "BK_TINH")
    d.recommend([pid])
    sub = d.send(d.submission([pid])["id"])
    before = snapshot(session)
    error = d.post("thuky", f"/api/v1/submissions/{sub['id']}/outcome", {
        "proposal_id": pid, "outcome": "approved", "decision_number": "12/QĐ-UBND", "decision_date": day},
        expect=422)["error"]
    assert "decision_date" in error["details"]
    assert snapshot(session) == before


def test_outcome_date_from_the_screen_is_bounded_too(d, app, session):
    outside = f.authority(session, "H-NGOAI", "district", d.org["province"], name="UBND huyện Ngoài")
    session.merge(d.org["commune"]).parent_id = outside.id
    session.commit()
    pid = d.accepted("Hoàng Văn Ngoài", "BK_TINH")
    d.recommend([pid])
    sub = d.send(d.submission([pid])["id"])
    browser = web(app, "thuky")
    before = snapshot(session)
    page = f"/to-trinh/{sub['id']}"
    response = post_form(browser, page, f"/to-trinh/{sub['id']}/ket-qua", {
        "proposal_id": str(pid), "outcome": "approved", "decision_number": "12/QĐ-UBND",
        "decision_date": "9999-12-31"}, follow_redirects=True)
    assert response.status_code == 200
    assert "31/12/2100" in response.get_data(as_text=True)  # the bound is said on the screen
    assert snapshot(session) == before


@pytest.mark.commits  # drafts in threads
def test_concurrent_draft_decisions_for_one_proposal(d, app, session, within):
    """Two secretaries draft a decision with the same proposal, released together by a barrier:
    one 201, one 409 ``in_decision``; the proposal is in exactly one draft."""
    f.user(session, "secretary", d.org["commune"], username="thuky2")
    headers = [d.auth("secretary"), f.token(d.client, "thuky2")]
    barrier = threading.Barrier(2)
    answers: list = [None, None]

    def draft(index: int) -> None:
        client = app.test_client()
        barrier.wait(timeout=10)
        try:
            response = client.post("/api/v1/decisions", headers=headers[index], json={
                "authority_code": "X-DB", "award_type_code": "GK_XA", "proposal_ids": [within]})
            answers[index] = (response.status_code, response.get_json())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            answers[index] = ("crash", repr(exc))

    threads = [threading.Thread(target=draft, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(a[0] for a in answers) == [201, 409], answers
    refused = next(a[1] for a in answers if a[0] == 409)
    assert refused["error"]["code"] == "in_decision"
    session.expire_all()
    assert session.scalar(select(func.count(Decision.id))) == 1
    assert session.scalar(select(func.count(DecisionItem.id)).where(DecisionItem.proposal_id == within)) == 1
