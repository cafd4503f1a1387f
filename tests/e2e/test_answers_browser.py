"""The district reviewer answers a submission by screen in a real browser (Chromium through
Playwright): the inbox leads to the submission, one proposal is approved with the district's
decision number and date, another returned with its reasons; the way back leads to the inbox.

The demo plays the 2-tier year (no district since 2025-07-01); this test puts Định Biên back under
huyện Định Hóa — the 3-tier tree of a deployment before the merger — with the 3-tier rules."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from workflow import vntime
from workflow.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect


def _sent_to_the_district(app) -> tuple[int, int, int]:
    """A Giấy khen huyện and a Bằng khen tỉnh of the demo commune, sent up to huyện Định Hóa."""
    from workflow.db import utcnow
    from workflow.decisions import services as decisions
    from workflow.extensions import db
    from workflow.org.models import Authority, Unit, User
    from workflow.org.services import create_nominee
    from workflow.proposals import services as proposals
    from workflow.proposals.models import Round

    with app.app_context():
        session = db.session
        by_code = {a.code: a for a in session.scalars(select(Authority))}
        by_code["DB"].parent_id, by_code["DH"].dissolved_on = by_code["DH"].id, None
        by_code["TN"].rule_set_code = "vn-2024"
        session.commit()
        secretary = session.scalar(select(User).where(User.username == "thuky"))
        chair = session.scalar(select(User).where(User.username == "chutich"))
        unit = session.scalar(select(Unit).where(Unit.code == "DB-VP"))
        round_ = session.scalar(select(Round).where(Round.authority_id == by_code["DB"].id,
                                                    Round.year == vntime.today().year))
        ids = []
        for name, award in (("Ma Văn Huyện Duyệt", "GK_HUYEN"), ("Hoàng Thị Trả Về", "BK_TINH")):
            nominee = create_nominee(session, secretary, kind="individual", name=name, authority_code="DB",
                                     unit_code=unit.code)
            proposal = proposals.create_proposal(session, secretary, round_id=round_.id, nominee_id=nominee.id,
                                                 award_type_code=award, unit_code=unit.code,
                                                 achievements="Hoàn thành xuất sắc nhiệm vụ năm.")
            for event in ("submit", "accept"):
                proposals.transition(session, proposal.id, event, secretary)
            # the council recommends it (as a meeting's close does; these awards take a vote)
            proposals.transition(session, proposal.id, "schedule", secretary, internal={"meeting_id": 1})
            proposals.transition(session, proposal.id, "pass", chair, internal={"meeting_id": 1})
            ids.append(proposal.id)
        submission = decisions.create_submission(session, secretary, from_authority_code="DB", proposal_ids=ids)
        decisions.send_submission(session, chair, submission.id, signed_in_at=utcnow(), fresh_minutes=15)
        result = (submission.id, *ids)
        db.session.commit()  # the set-up's unit of work ends, as a request's would
        db.session.remove()
    return result


def _proposal(app, pid: int) -> tuple[str, str]:
    from workflow.extensions import db
    from workflow.proposals.models import Proposal

    with app.app_context():
        p = db.session.get(Proposal, pid)
        result = p.state, p.current_authority.code
        db.session.commit()  # the set-up's unit of work ends, as a request's would
        db.session.remove()
    return result


def test_the_district_reviewer_answers_by_screen(page, app, live_server):
    submission_id, approve, give_back = _sent_to_the_district(app)
    page.goto("/dang-nhap")
    page.get_by_label("Tên đăng nhập", exact=True).fill("huyen_tdkt")
    page.get_by_label("Mật khẩu", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))

    page.locator('a[href="/hop-thu-den"]').first.click()
    row = page.get_by_test_id(f"inbox-row-{submission_id}")
    expect(row).to_contain_text("UBND xã Định Biên")
    row.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/to-trinh/{submission_id}$"))

    # approve the district's own award with its decision
    item = page.get_by_test_id(f"item-{approve}")
    item.locator("summary").click()
    form = page.get_by_test_id(f"outcome-{approve}")
    form.get_by_label("Kết quả trả lời").select_option("approved")
    form.get_by_label("Số quyết định").fill("45/QĐ-UBND")
    form.get_by_label("Ngày quyết định").fill(vntime.today().isoformat())
    form.get_by_role("button").click()
    expect(page.get_by_test_id("flash-success")).to_be_visible()
    expect(page.get_by_test_id(f"item-{approve}")).to_contain_text("45/QĐ-UBND")
    assert _proposal(app, approve) == ("awarded", "DH")

    # return the other with its reasons: it goes back to the commune
    page.get_by_test_id(f"item-{give_back}").locator("summary").click()
    form = page.get_by_test_id(f"outcome-{give_back}")
    form.get_by_label("Kết quả trả lời").select_option("returned")
    form.get_by_label("Lý do (khi trả lại hoặc không đồng ý)").fill("Bổ sung báo cáo thành tích.")
    form.get_by_role("button").click()
    expect(page.get_by_test_id(f"item-{give_back}")).to_contain_text("Bổ sung báo cáo thành tích.")
    assert _proposal(app, give_back) == ("recommended", "DB")

    # the way back leads where the reviewer may go
    page.get_by_role("link", name="← Tờ trình đến").click()
    expect(page).to_have_url(re.compile(r"/hop-thu-den$"))
