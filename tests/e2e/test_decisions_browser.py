"""The chair issues a decision in a real browser (Debian Chromium through Playwright) on the Định
Biên demo: the draft waits on the signature desk with its PDF preview; ticking "read" and signing
numbers it and awards the proposal."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from workflow import vntime
from workflow.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect


def _draft_decision(app) -> tuple[int, str]:
    """A Giấy khen proposal of the demo commune taken to a draft decision through the services."""
    from workflow.decisions import services as decisions
    from workflow.extensions import db
    from workflow.org.models import Unit, User
    from workflow.org.services import create_nominee
    from workflow.proposals import services as proposals

    with app.app_context():
        session = db.session
        secretary = session.scalar(select(User).where(User.username == "thuky"))
        unit = session.scalar(select(Unit).where(Unit.code == "DB-VP"))
        round_ = proposals.create_round(session, secretary, authority_code="DB", year=vntime.today().year,
                                        kind="annual", title="Tổng kết năm", nomination_deadline=vntime.today())
        nominee = create_nominee(session, secretary, kind="individual", name="Lường Thị Trình Duyệt",
                                 authority_code="DB", unit_code=unit.code)
        proposal = proposals.create_proposal(session, secretary, round_id=round_.id, nominee_id=nominee.id,
                                             award_type_code="GK_XA", unit_code=unit.code,
                                             achievements="Hoàn thành xuất sắc nhiệm vụ năm.")
        chair = session.scalar(select(User).where(User.username == "chutich"))
        for event in ("submit", "accept"):
            proposals.transition(session, proposal.id, event, secretary)
        # the council recommends it (as a meeting's close does: the Giấy khen takes a council review)
        proposals.transition(session, proposal.id, "schedule", secretary, internal={"meeting_id": 1})
        proposals.transition(session, proposal.id, "pass", chair, internal={"meeting_id": 1})
        decision = decisions.create_decision(session, secretary, authority_code="DB", award_type_code="GK_XA",
                                             proposal_ids=[proposal.id])
        ids = decision.id, proposal.id
        db.session.commit()  # the set-up's unit of work ends, as a request's would
        db.session.remove()
    return ids


def _state(app, decision_id: int) -> tuple[str, str | None, str]:
    from workflow.decisions.models import Decision
    from workflow.extensions import db

    with app.app_context():
        decision = db.session.get(Decision, decision_id)
        result = decision.status, decision.number, decision.items[0].proposal.state
        db.session.commit()  # the set-up's unit of work ends, as a request's would
        db.session.remove()
    return result


def test_the_chair_issues_a_decision(page, app, live_server):
    decision_id, _proposal_id = _draft_decision(app)
    page.goto("/dang-nhap")
    page.get_by_label("Tên đăng nhập", exact=True).fill("chutich")
    page.get_by_label("Mật khẩu", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))

    page.locator('a[href="/ky-duyet"]').first.click()
    expect(page).to_have_url(re.compile(r"/ky-duyet$"))
    card = page.get_by_test_id(f"decision-{decision_id}")
    expect(card).to_contain_text("Lường Thị Trình Duyệt")
    expect(page.get_by_test_id("fresh")).to_be_visible()  # signed in a moment ago
    preview = card.get_by_test_id("preview")
    expect(preview).to_have_attribute("href", f"/quyet-dinh/{decision_id}/van-ban.pdf")
    with page.expect_download() as download:
        preview.click()
    assert download.value.suggested_filename == f"du-thao-quyet-dinh-{decision_id}.pdf"

    # the browser refuses to sign before "I have read the document" is ticked
    card.get_by_test_id("issue").click()
    assert _state(app, decision_id)[0] == "draft"
    card.get_by_test_id("confirm").check()
    card.get_by_test_id("issue").click()
    expect(page.get_by_test_id("flash-success")).to_contain_text("01/QĐ-UBND")
    expect(page.get_by_test_id("no-decisions")).to_be_visible()
    assert _state(app, decision_id) == ("issued", "01/QĐ-UBND", "awarded")
