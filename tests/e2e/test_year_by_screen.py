"""A commune's year by screen only, every role in turn, on the Định Biên demo in Chromium (issue 14):

- the secretary opens the round;
- the hamlet head registers a household, proposes it for "Gia đình văn hóa" with the hamlet
  meeting, uploads a document and submits; the secretary returns it with the missing item; the
  hamlet head fixes it and resubmits; the secretary accepts it and it needs no council vote;
- the hamlet head also proposes a villager for the provincial Bằng khen; the secretary accepts it,
  sets up the council meeting, puts it on the agenda and takes attendance;
- the chair opens the vote, each member present casts a secret ballot, the chair closes it;
- the secretary drafts the decision (the GĐVH) and the submission (the Bằng khen); the chair signs
  the one and signs and sends the other;
- the province's reviewer answers the submission with the province's decision.

No step uses the API or a service. Every screen visited is checked with axe-core (no serious or
critical violation) and photographed at 1280 and 390 px into ``$TDKT_E2E_SCREENSHOTS/year`` (CI
keeps the folder as an artifact); at 390 px no page scrolls sideways."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.e2e import axe
from tests.e2e.test_browser import sign_in
from workflow import vntime
from workflow.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect

COUNCIL_PRESENT = ("chutich", "pct", "thuky", "mttq", "doantn", "hoind", "phunu", "ccb")  # vhxh is away
HAMLET_HEAD = "xom_nato"
WIDE, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}


class Tour:
    """Checks and photographs each screen the year visits."""

    def __init__(self, page):
        self.page, self.count, self.problems = page, 0, []
        folder = os.environ.get("TDKT_E2E_SCREENSHOTS")
        self.folder = Path(folder) / "year" if folder else None
        if self.folder:
            self.folder.mkdir(parents=True, exist_ok=True)

    def look(self, name: str) -> None:
        """axe-core on the screen as it is, then the same screen at phone width (no sideways
        scroll), with a photograph at each width; back to the desktop width after."""
        page = self.page
        page.wait_for_load_state("load")
        self.count += 1
        found = axe.violations(page)
        if found:
            self.problems.append(axe.describe(f"{name} ({page.url})", found))
        if self.folder:
            page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}-1280.png"), full_page=True)
        page.set_viewport_size(PHONE)
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{name}: the page is wider than a phone: {width}"
        # tables scroll inside their box rather than break words
        broken = page.evaluate("""() => [...document.querySelectorAll('table td, table th')]
            .map(c => getComputedStyle(c)).filter(s => s.overflowWrap === 'anywhere' || s.wordBreak === 'break-all').length""")
        assert broken == 0, f"{name}: {broken} table cells may break inside a word"
        if self.folder:
            page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}-390.png"), full_page=True)
        found = axe.violations(page)
        if found:
            self.problems.append(axe.describe(f"{name} at 390 px ({page.url})", found))
        page.set_viewport_size(WIDE)


def _sign_in(page, tour: Tour, username: str) -> None:
    sign_in(page, username, DEMO_PASSWORD)
    expect(page.get_by_test_id("sign-out")).to_be_visible()


def _sign_out(page) -> None:
    page.get_by_test_id("sign-out").click()
    expect(page).to_have_url(re.compile(r"/dang-nhap"))


def _state(page):
    return page.get_by_test_id("proposal-head").locator("[data-state]")


def _id_from(url: str, prefix: str) -> int:
    return int(re.search(rf"{prefix}/(\d+)", url).group(1))


def _confirm_dialogs(page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def test_a_communes_year_by_screen_only(page, app, live_server):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    page.set_viewport_size(WIDE)
    page.emulate_media(reduced_motion="reduce")  # no half-faded button under axe's colour check
    _confirm_dialogs(page)
    tour = Tour(page)
    today = vntime.today()
    round_title = f"Phong trào “Toàn dân đoàn kết xây dựng đời sống văn hóa” năm {today.year}"

    page.goto("/dang-nhap")
    tour.look("sign-in")
    expect(page.get_by_test_id("public-notice-link").get_by_role("link")).to_have_attribute("href", "/cong-khai/")

    # --- the secretary opens the round ---------------------------------------------------------------
    _sign_in(page, tour, "thuky")
    tour.look("secretary-home")
    page.locator("#nav-main a[href='/dot-xet/']").click()
    tour.look("rounds")
    page.locator("a[href='/dot-xet/moi']").first.click()
    page.get_by_label("Loại đợt xét").select_option("campaign")
    page.get_by_label("Tiêu đề").fill(round_title)
    page.get_by_label("Năm", exact=True).fill(str(today.year))
    page.get_by_label("Hạn gửi hồ sơ đề nghị").fill((today + timedelta(days=20)).isoformat())
    tour.look("round-form")
    page.get_by_test_id("save-round").click()
    expect(page.get_by_test_id("rounds")).to_contain_text(round_title)
    _sign_out(page)

    # --- the hamlet head: a household registered, proposed for GĐVH, submitted ----------------------
    _sign_in(page, tour, HAMLET_HEAD)
    tour.look("nominator-home")
    page.locator("#nav-main a[href='/doi-tuong/']").click()
    tour.look("nominees")
    page.locator("a[href='/doi-tuong/moi']").first.click()
    page.locator("#kind").select_option("household")
    page.locator("#name").fill("Hộ ông Hoàng Văn Thử Nghiệm")
    page.locator("#head_name").fill("Hoàng Văn Thử Nghiệm")
    tour.look("nominee-form")
    page.get_by_test_id("save-nominee").click()
    expect(page.locator("h1")).to_contain_text("Hộ ông Hoàng Văn Thử Nghiệm")
    tour.look("nominee")
    household_id = _id_from(page.url, "/doi-tuong")

    page.locator("#nav-main a[href='/ho-so/don-vi']").click()
    tour.look("unit-proposals")
    page.get_by_test_id("new-proposal").click()
    page.locator("#round").select_option(page.locator("#round option", has_text=round_title).get_attribute("value"))
    page.locator("#kind-household").check()
    page.get_by_test_id("step-1-continue").click()
    page.locator("#nominee-q").fill("Thử Nghiệm")
    page.locator("#nominee-q").press("Enter")
    page.get_by_test_id("nominee-choices").locator(f"input[value='{household_id}']").check()
    page.get_by_test_id("award-choices").locator("input[value='GDVH']").check()
    page.locator("#held_on").fill((today - timedelta(days=20)).isoformat())
    page.locator("#invited").fill("42")
    page.locator("#present").fill("38")
    page.locator("#agreed").fill("36")
    page.locator("#notice_from").fill((today - timedelta(days=18)).isoformat())
    page.locator("#notice_to").fill((today - timedelta(days=5)).isoformat())
    page.locator("#achievements").fill("Gia đình gương mẫu chấp hành chủ trương, tích cực tham gia xây dựng nông thôn mới.")
    tour.look("proposal-form")
    page.get_by_test_id("save-draft").click()
    expect(_state(page)).to_have_attribute("data-state", "draft")
    gdvh = _id_from(page.url, "/ho-so")
    upload = page.get_by_test_id("upload-form")
    upload.locator("select[name='doc_type']").select_option("bien_ban_hop_thon")
    upload.locator("input[type='file']").set_input_files(files=[{
        "name": "bien-ban-hop-xom.pdf", "mimeType": "application/pdf",
        "buffer": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"}])
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("attachment")).to_contain_text("bien-ban-hop-xom.pdf")
    tour.look("proposal-draft")
    page.get_by_test_id("action-submit").click()
    expect(_state(page)).to_have_attribute("data-state", "submitted")

    # and a villager for the province's Bằng khen (the council votes on it at the commune)
    page.locator("#nav-main a[href='/doi-tuong/']").click()
    page.locator("a[href='/doi-tuong/moi']").first.click()
    page.locator("#kind").select_option("individual")
    page.locator("#name").fill("Ma Thị Bằng Khen")
    page.locator("#position").fill("Chi hội trưởng phụ nữ xóm")
    page.get_by_test_id("save-nominee").click()
    villager_id = _id_from(page.url, "/doi-tuong")
    page.locator("#nav-main a[href='/ho-so/don-vi']").click()
    page.get_by_test_id("new-proposal").click()
    page.locator("#round").select_option(page.locator("#round option", has_text=round_title).get_attribute("value"))
    page.locator("#kind-individual").check()
    page.get_by_test_id("step-1-continue").click()
    page.get_by_test_id("nominee-choices").locator(f"input[value='{villager_id}']").check()
    page.get_by_test_id("award-choices").locator("input[value='BK_TINH']").check()
    page.locator("#achievements").fill("Năm năm liền vận động chị em trong xóm phát triển kinh tế hộ.")
    page.get_by_test_id("save-draft").click()
    bk = _id_from(page.url, "/ho-so")
    page.get_by_test_id("action-submit").click()
    expect(_state(page)).to_have_attribute("data-state", "submitted")
    _sign_out(page)

    # --- the secretary screens: returns the GĐVH with what is missing -------------------------------
    _sign_in(page, tour, "thuky")
    page.locator("#nav-main a[href='/ho-so/tiep-nhan']").click()
    tour.look("inbox")
    page.get_by_test_id(f"inbox-row-{gdvh}").get_by_role("link").first.click()
    tour.look("proposal-screening")
    page.get_by_test_id("action-return_for_changes").click()
    line = page.locator("[data-testid='return-line'][data-key='field:achievements']")
    line.locator("input[type='checkbox']").check()
    line.locator("input[type='text']").fill("Ghi rõ số ngày công gia đình góp làm đường của xóm.")
    tour.look("return-form")
    page.get_by_test_id("confirm-return").click()
    expect(_state(page)).to_have_attribute("data-state", "returned")
    _sign_out(page)

    # --- the hamlet head answers the return --------------------------------------------------------
    _sign_in(page, tour, HAMLET_HEAD)
    page.goto("/")
    page.set_viewport_size(PHONE)  # on a phone the unread count shows beside the folded menu
    expect(page.get_by_test_id("unread-count-compact")).to_be_visible()
    page.set_viewport_size(WIDE)
    expect(page.get_by_test_id("unread-count")).to_be_visible()
    page.get_by_test_id("notification-bell").click()  # the return reached the bell, with its link
    tour.look("notifications")
    page.locator(f"main a[href$='/ho-so/{gdvh}']").first.click()
    expect(page.get_by_test_id("return-item")).to_contain_text("Ghi rõ số ngày công")
    page.get_by_test_id("edit").click()
    page.locator("#achievements").fill("Gia đình góp 25 ngày công làm đường bê tông của xóm, "
                                       "chấp hành tốt chủ trương của Đảng và pháp luật của Nhà nước.")
    tour.look("proposal-edit")
    page.get_by_test_id("save").click()
    page.get_by_test_id("action-resubmit").click()
    expect(_state(page)).to_have_attribute("data-state", "submitted")
    _sign_out(page)

    # --- the secretary accepts both; the GĐVH needs no vote; the Bằng khen goes to the council ---------
    _sign_in(page, tour, "thuky")
    page.goto(f"/ho-so/{gdvh}")
    page.get_by_test_id("action-accept").click()
    expect(_state(page)).to_have_attribute("data-state", "under_review")
    page.get_by_test_id("action-skip_council").click()
    expect(_state(page)).to_have_attribute("data-state", "recommended")
    tour.look("proposal-recommended")
    page.goto(f"/ho-so/{bk}")
    page.get_by_test_id("action-accept").click()
    expect(_state(page)).to_have_attribute("data-state", "under_review")

    page.locator("#nav-main a[href='/hoi-dong/']").click()
    tour.look("meetings")
    page.get_by_test_id("new-meeting").click()
    page.get_by_label("Ngày giờ").fill(f"{today.isoformat()}T08:00")
    page.get_by_label("Địa điểm").fill("Hội trường UBND xã Định Biên")
    tour.look("meeting-form")
    page.get_by_role("button", name="Lên lịch phiên họp").click()
    expect(page).to_have_url(re.compile(r"/hoi-dong/\d+/chuong-trinh$"))
    meeting = _id_from(page.url, "/hoi-dong")
    page.locator(f"#proposal-{bk}").check()
    tour.look("agenda")
    page.get_by_test_id("add-to-agenda").click()
    expect(page).to_have_url(re.compile(rf"/hoi-dong/{meeting}/diem-danh$"))
    for username in COUNCIL_PRESENT:
        page.locator(f'input[name="present"][value="{username}"]').check()
    tour.look("attendance")
    page.get_by_test_id("save-attendance").click()
    expect(page).to_have_url(re.compile(rf"/hoi-dong/{meeting}$"))
    _sign_out(page)

    # --- the chair opens the vote -------------------------------------------------------------------
    _sign_in(page, tour, "chutich")
    tour.look("chair-home")
    page.goto(f"/hoi-dong/{meeting}")
    tour.look("meeting")
    page.get_by_test_id("open-vote").click()
    tour.look("confirm-open-vote")
    page.get_by_test_id("confirm-yes").click()
    expect(page.get_by_test_id("vote-progress")).to_be_visible()
    _sign_out(page)

    # --- each member present casts a secret ballot ---------------------------------------------------
    for number, username in enumerate(COUNCIL_PRESENT):
        _sign_in(page, tour, username)
        page.locator("#nav-main a[href='/hoi-dong/']").click()
        page.get_by_role("link", name="Đến phiếu biểu quyết của tôi").click()
        expect(page).to_have_url(re.compile(rf"/hoi-dong/{meeting}/phieu-bau$"))
        page.locator(f'label[for="yes-{bk}"]').click()
        if number == 0:
            tour.look("ballot")
        page.get_by_test_id("review-ballot").click()
        if number == 0:
            tour.look("ballot-review")
        page.get_by_test_id("cast-ballot").click()
        expect(page.get_by_test_id("ballot-locked")).to_be_visible()
        if number == 0:
            tour.look("ballot-locked")
        _sign_out(page)

    # --- the chair closes the vote and reads the result ----------------------------------------------
    _sign_in(page, tour, "chutich")
    page.goto(f"/hoi-dong/{meeting}")
    page.get_by_test_id("close-vote").click()
    page.get_by_test_id("confirm-yes").click()
    expect(page).to_have_url(re.compile(rf"/hoi-dong/{meeting}/ket-qua$"))
    expect(page.get_by_test_id("results").locator(f'[data-proposal="{bk}"]').get_by_test_id("passed")).to_be_visible()
    tour.look("results")
    _sign_out(page)

    # --- the secretary drafts the decision and the submission ----------------------------------------
    _sign_in(page, tour, "thuky")
    page.locator("#nav-main a[href='/quyet-dinh']").click()
    tour.look("decisions")
    page.get_by_test_id("draft-GDVH").get_by_role("button").click()
    expect(page.get_by_test_id("flash-success")).to_be_visible()
    page.locator("#nav-main a[href='/to-trinh']").click()
    tour.look("submissions")
    page.get_by_test_id("draft-submission").get_by_role("button").click()
    expect(page.get_by_test_id("flash-success")).to_be_visible()
    tour.look("submission-draft")
    _sign_out(page)

    # --- the chair signs the decision, signs and sends the submission --------------------------------
    _sign_in(page, tour, "chutich")
    page.locator("#nav-main a[href='/ky-duyet']").click()
    tour.look("signature-desk")
    decision = page.locator("[data-testid^='decision-']").first
    expect(decision).to_contain_text("Hộ ông Hoàng Văn Thử Nghiệm")
    decision.get_by_test_id("confirm").check()
    decision.get_by_test_id("issue").click()
    expect(page.get_by_test_id("flash-success")).to_contain_text("/QĐ-UBND")
    submission = page.locator("[data-testid^='submission-']").first
    expect(submission).to_contain_text("Ma Thị Bằng Khen")
    submission_id = int(submission.get_attribute("data-testid").split("-")[1])
    submission.get_by_test_id("confirm").check()
    submission.get_by_test_id("send").click()
    expect(page.get_by_test_id("flash-success")).to_contain_text("/TTr-UBND")
    page.goto(f"/ho-so/{gdvh}")
    expect(_state(page)).to_have_attribute("data-state", "awarded")
    expect(page.get_by_test_id("clock-finished")).to_be_visible()  # the time it took, not a running clock
    tour.look("proposal-awarded")
    _sign_out(page)

    # --- the province's reviewer answers with the province's decision --------------------------------
    _sign_in(page, tour, "tinh_tdkt")
    tour.look("reviewer-home")
    page.locator("#nav-main a[href='/hop-thu-den']").click()
    tour.look("incoming-submissions")
    page.get_by_test_id(f"inbox-row-{submission_id}").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/to-trinh/{submission_id}$"))
    tour.look("incoming-submission")
    page.get_by_test_id(f"item-{bk}").locator("summary").click()
    form = page.get_by_test_id(f"outcome-{bk}")
    form.get_by_label("Kết quả trả lời").select_option("approved")
    form.get_by_label("Số quyết định").fill("1234/QĐ-UBND")
    form.get_by_label("Ngày quyết định").fill(today.isoformat())
    form.get_by_role("button").click()
    expect(page.get_by_test_id(f"item-{bk}")).to_contain_text("1234/QĐ-UBND")
    tour.look("submission-answered")
    _sign_out(page)

    # --- the hamlet head sees both awards; the history names the province, not its code -------------
    _sign_in(page, tour, HAMLET_HEAD)
    page.goto(f"/ho-so/{bk}")
    expect(_state(page)).to_have_attribute("data-state", "awarded")
    expect(page.get_by_test_id("history")).to_contain_text("UBND tỉnh Thái Nguyên")
    tour.look("proposal-awarded-by-province")
    page.goto(f"/doi-tuong/{household_id}")
    expect(page.get_by_test_id("award-history")).to_contain_text(str(today.year))
    tour.look("nominee-award-history")

    assert not tour.problems, "axe-core found serious or critical violations:\n" + "\n".join(tour.problems)
