"""The proposal screens in a real browser on the Định Biên demo: the nominator's main path (create,
upload, submit) and the secretary's (inbox, eligibility, return with a checklist, fix and resubmit,
accept, publish, an objection from the public page, its resolution), and the pages on a phone."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.e2e.test_browser import assert_no_sideways_scroll, sign_in
from workflow import vntime
from workflow.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect

HAMLET = "DB-XOM-NATO"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _user(username: str):
    from workflow.extensions import db
    from workflow.org.models import User

    return db.session.scalar(select(User).where(User.username == username))


def open_round(app) -> int:
    """The secretary opens this year's round (through the service, as the brief's set-up)."""
    from sqlalchemy import select

    from workflow.extensions import db
    from workflow.proposals import services
    from workflow.proposals.models import Round

    with app.app_context():
        year = vntime.today().year
        # the demo ships an open round of the year: nominators use it
        shipped = db.session.scalar(select(Round.id).where(Round.year == year))
        if shipped:
            db.session.commit()  # the set-up's unit of work ends, as a request's would
            db.session.remove()
            return shipped
        round_ = services.create_round(db.session, _user("thuky"), authority_code="DB", year=year, kind="annual",
                                       title=f"Tổng kết thi đua năm {year}",
                                       nomination_deadline=date(year, 12, 31))
        round_id = round_.id
        db.session.commit()  # the set-up's unit of work ends, as a request's would
        db.session.remove()
    return round_id


def a_household(app, offset: int = 5) -> tuple[int, str, str]:
    """(id, name, head name) of a household of the Nà To hamlet."""
    from workflow.extensions import db
    from workflow.org.models import Nominee, Unit

    with app.app_context():
        nominee = db.session.scalars(
            select(Nominee).join(Unit, Unit.id == Nominee.unit_id)
            .where(Unit.code == HAMLET, Nominee.kind == "household").order_by(Nominee.id).offset(offset)).first()
        found = nominee.id, nominee.name, nominee.head_name
        db.session.commit()  # the set-up's unit of work ends, as a request's would
        db.session.remove()
    return found


def submitted_proposal(app, round_id: int) -> tuple[int, str]:
    """A Giấy khen proposal for a household, submitted by the hamlet head (through the services)."""
    from workflow.extensions import db
    from workflow.proposals import services

    nominee_id, name, _head = a_household(app, offset=11)
    with app.app_context():
        nominator = _user("xom_nato")
        proposal = services.create_proposal(db.session, nominator, round_id=round_id, nominee_id=nominee_id,
                                            award_type_code="GK_XA", unit_code=HAMLET,
                                            achievements="Gia đình tích cực tham gia phong trào của xóm.")
        services.transition(db.session, proposal.id, "submit", nominator)
        proposal_id = proposal.id
        db.session.commit()  # the set-up's unit of work ends, as a request's would
        db.session.remove()
    return proposal_id, name


def sign_out(page) -> None:
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():  # a phone: the menu is folded
        toggler.click()
        # wait for the unfolding to end: while Bootstrap animates it ("collapsing") the menu's
        # lower part is clipped, and a click there lands on the page beneath
        expect(page.locator("#nav-main")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    page.get_by_test_id("sign-out").click()
    expect(page).to_have_url(re.compile(r"/dang-nhap"))


def accept_next_dialog(page, seen: list) -> None:
    def _accept(dialog):
        seen.append(dialog.message)
        dialog.accept()

    page.once("dialog", _accept)


def state_badge(page):
    return page.get_by_test_id("proposal-head").locator("[data-state]")


def test_nominator_creates_uploads_and_submits(page, app, live_server):
    open_round(app)
    nominee_id, name, head = a_household(app)
    sign_in(page, "xom_nato", DEMO_PASSWORD)
    page.locator("#nav-main a[href='/ho-so/don-vi']").click()
    expect(page.get_by_test_id("empty")).to_be_visible()
    page.get_by_test_id("new-proposal").click()

    # 1. the only round and the hamlet are chosen already; the kind is the nominator's choice
    page.locator("#kind-household").check()
    page.get_by_test_id("step-1-continue").click()
    # 2. the hamlet's ~78 households: search by part of the head's name
    page.locator("#nominee-q").fill(head.split()[-1])
    page.locator("#nominee-q").press("Enter")
    choice = page.get_by_test_id("nominee-choices").locator(f"input[value='{nominee_id}']")
    choice.check()
    awards = page.get_by_test_id("award-choices")
    expect(awards.locator("input[value='LDTT']")).to_have_count(0)  # an individual's title
    evidence = page.get_by_test_id("evidence-fields")
    expect(evidence).to_be_hidden()
    awards.locator("input[value='GDVH']").check()
    expect(evidence).to_be_visible()  # the Cultured Family title needs the hamlet meeting
    awards.locator("input[value='GK_XA']").check()
    expect(evidence).to_be_hidden()
    page.locator("#achievements").fill("Gia đình gương mẫu, tích cực tham gia xây dựng nông thôn mới.")
    page.get_by_test_id("save-draft").click()

    expect(page.get_by_test_id("flash-success")).to_be_visible()
    expect(page.locator("h1")).to_have_text(name)
    expect(state_badge(page)).to_have_attribute("data-state", "draft")
    expect(page.get_by_test_id("eligibility").locator("[data-rule='document']")).to_have_attribute(
        "data-status", "warning")

    upload = page.get_by_test_id("upload-form")
    upload.locator("select[name='doc_type']").select_option("bao_cao_thanh_tich")
    upload.locator("input[type='file']").set_input_files(
        files=[{"name": "bao-cao-thanh-tich.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("attachment")).to_contain_text("bao-cao-thanh-tich.pdf")
    expect(page.get_by_test_id("eligibility").locator("[data-rule='document']")).to_have_attribute(
        "data-status", "pass")

    expect(page.get_by_test_id("action-accept")).to_have_count(0)
    page.get_by_test_id("action-submit").click()
    expect(state_badge(page)).to_have_attribute("data-state", "submitted")
    expect(page.get_by_test_id("history-row")).to_have_count(1)

    page.locator("#nav-main a[href='/ho-so/don-vi']").click()
    expect(page.get_by_test_id("group-submitted")).to_contain_text(name)


def test_secretary_screens_returns_accepts_publishes_and_resolves(page, app, live_server):
    round_id = open_round(app)
    proposal_id, name = submitted_proposal(app, round_id)
    detail = f"/ho-so/{proposal_id}"

    # the secretary finds it in the inbox, with its processing clock
    sign_in(page, "thuky", DEMO_PASSWORD)
    page.locator("#nav-main a[href='/ho-so/tiep-nhan']").click()
    row = page.get_by_test_id(f"inbox-row-{proposal_id}")
    expect(row).to_be_visible()
    expect(page.get_by_test_id(f"clock-{proposal_id}")).to_contain_text("/ 20")
    row.get_by_role("link", name=name).click()
    expect(page).to_have_url(re.compile(detail + "$"))

    # eligibility, colour-coded: the nominee kind passes, the missing report is a warning
    report = page.get_by_test_id("eligibility")
    expect(report.locator("[data-rule='nominee_kind']")).to_have_attribute("data-status", "pass")
    expect(report.locator("[data-rule='document']")).to_have_attribute("data-status", "warning")
    expect(report.locator("[data-status='warning'] .badge")).to_have_class(re.compile("text-bg-warning"))

    # return with a checklist: declining the confirmation changes nothing
    page.get_by_test_id("action-return_for_changes").click()
    line = page.locator("[data-testid='return-line'][data-key='field:achievements']")
    line.locator("input[type='checkbox']").check()
    line.locator("input[type='text']").fill("Ghi cụ thể thành tích năm nay của gia đình.")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_test_id("confirm-return").click()
    expect(page.get_by_test_id("return-form")).to_be_visible()
    seen: list[str] = []
    accept_next_dialog(page, seen)
    page.get_by_test_id("confirm-return").click()
    expect(state_badge(page)).to_have_attribute("data-state", "returned")
    assert seen and seen[0]
    sign_out(page)

    # the nominator sees the return's checklist, fixes the field and resubmits
    sign_in(page, "xom_nato", DEMO_PASSWORD)
    page.goto(detail)
    item = page.get_by_test_id("return-item")
    expect(item).to_have_count(1)
    expect(item).to_have_attribute("data-addressed", "false")
    expect(item).to_contain_text("Ghi cụ thể thành tích năm nay của gia đình.")
    page.get_by_test_id("edit").click()
    page.locator("#achievements").fill("Năm nay gia đình đóng góp 20 ngày công làm đường bê tông của xóm.")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("return-item")).to_have_attribute("data-addressed", "true")
    page.get_by_test_id("action-resubmit").click()
    expect(state_badge(page)).to_have_attribute("data-state", "submitted")
    sign_out(page)

    # the secretary accepts and publishes the notice
    sign_in(page, "thuky", DEMO_PASSWORD)
    page.goto(detail)
    page.get_by_test_id("action-accept").click()
    expect(state_badge(page)).to_have_attribute("data-state", "under_review")
    page.locator("#publish-days").fill("7")
    page.get_by_test_id("action-publish").click()
    expect(state_badge(page)).to_have_attribute("data-state", "public_notice")
    # closing before the period ran: the service's refusal is shown and nothing changes
    page.get_by_test_id("action-close_notice").click()
    expect(page.get_by_test_id("flash-danger")).to_be_visible()
    expect(state_badge(page)).to_have_attribute("data-state", "public_notice")
    sign_out(page)

    # anyone, without signing in, reads the notice and objects
    page.goto("/cong-khai/DB")
    card = page.get_by_test_id(f"notice-{proposal_id}")
    expect(card).to_contain_text(name)
    expect(card).to_contain_text("Xóm Nà To")
    page.get_by_test_id(f"open-objection-{proposal_id}").click()
    page.get_by_test_id(f"send-objection-{proposal_id}").click()  # empty: refused, errors on the fields
    form = page.get_by_test_id(f"objection-form-{proposal_id}")
    expect(form.locator(".invalid-feedback")).to_have_count(3)
    form.locator(f"#name-{proposal_id}").fill("Nông Văn Dân")
    form.locator(f"#contact-{proposal_id}").fill("0912 345 678")
    form.locator(f"#text-{proposal_id}").fill("Gia đình này chưa hoàn thành đóng góp quỹ của xóm.")
    page.get_by_test_id(f"send-objection-{proposal_id}").click()
    expect(page.get_by_test_id("flash-success")).to_be_visible()

    # the secretary records how it was resolved
    sign_in(page, "thuky", DEMO_PASSWORD)
    page.goto(detail)
    objection = page.get_by_test_id("objections").locator("[data-resolved]")
    expect(objection).to_have_attribute("data-resolved", "false")
    expect(objection).to_contain_text("Nông Văn Dân")
    objection.locator("textarea").fill("Đã xác minh: gia đình đã đóng đủ, phản ánh không đúng.")
    objection.get_by_role("button").click()
    expect(page.get_by_test_id("objections").locator("[data-resolved]")).to_have_attribute("data-resolved", "true")
    expect(page.get_by_test_id("history-row")).to_have_count(5)


def test_proposal_pages_fit_a_phone(phone_page, app, live_server):
    round_id = open_round(app)
    proposal_id, _name = submitted_proposal(app, round_id)
    page = phone_page
    sign_in(page, "thuky", DEMO_PASSWORD)
    for url in ("/ho-so/tiep-nhan", "/ho-so/", f"/ho-so/{proposal_id}", f"/ho-so/{proposal_id}/tra-lai"):
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        assert_no_sideways_scroll(page)
    # on a phone the actions come before the long report
    page.goto(f"/ho-so/{proposal_id}")
    actions = page.get_by_test_id("actions").bounding_box()
    report = page.get_by_test_id("eligibility").bounding_box()
    assert actions["y"] < report["y"]
    sign_out(page)
    sign_in(page, "xom_nato", DEMO_PASSWORD)
    for url in ("/ho-so/don-vi", "/ho-so/moi?kind=household", f"/ho-so/{proposal_id}", "/cong-khai/DB"):
        page.goto(url)
        assert_no_sideways_scroll(page)
