"""The issue-11 screens of the year's paperwork in Chromium, on the Định Biên demo:

- the commune secretary opens the annual report (báo cáo năm), chooses the year, reads the
  section and downloads the DOCX and the XLSX;
- the hamlet head of Nà To imports households from a CSV: a file with one bad row is refused
  with the row-by-row table and nothing imported, the corrected file is taken (the count), and the
  nominee list shows the new names; then proposes the hamlet's eligible households for "Gia đình
  văn hóa" at once (the meeting entered once), reads the report of created and refused, ticks two
  drafts on the proposal list and submits them with the bulk form, exports the list to Excel and
  finds a "Hoàng …" household by typing "hoang" (no diacritics).

Every screen is checked with axe-core (no serious or critical violation) at 1280 and 390 px (no
sideways scroll) and photographed into ``$TDKT_E2E_SCREENSHOTS/year-screens``."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.e2e.test_browser import sign_in
from tests.e2e.test_year_by_screen import WIDE, Tour
from workflow import vntime
from workflow.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect

HAMLET = "DB-XOM-NATO"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NEW_HEADS = ("Hoàng Văn Nhập", "Triệu Thị Tệp")


class ScreensTour(Tour):
    def __init__(self, page):
        super().__init__(page)
        folder = os.environ.get("TDKT_E2E_SCREENSHOTS")
        self.folder = Path(folder) / "year-screens" if folder else None
        if self.folder:
            self.folder.mkdir(parents=True, exist_ok=True)


def _start(app, page) -> ScreensTour:
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    page.set_viewport_size(WIDE)
    page.emulate_media(reduced_motion="reduce")  # no half-faded button under axe's colour check
    page.on("dialog", lambda dialog: dialog.accept())
    return ScreensTour(page)


def _sign_in(page, username: str) -> None:
    sign_in(page, username, DEMO_PASSWORD)
    expect(page.get_by_test_id("sign-out")).to_be_visible()


def _fetch(page, href: str):
    """The file behind a link, fetched with the page's session (Playwright's request API)."""
    response = page.request.get(href)
    assert response.ok, f"{href}: {response.status}"
    return response


def _nominees_named(app, names) -> int:
    from workflow.extensions import db
    from workflow.org.models import Nominee

    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Nominee).where(Nominee.head_name.in_(names)))
        db.session.remove()
    return count


def _draft_for(app, nominee_id: int) -> int:
    """A draft GĐVH proposal for the nominee, made outside the screen (another user, meanwhile)."""
    from tests.proposals.rows import proposal_in_state
    from workflow.extensions import db
    from workflow.org.models import Nominee
    from workflow.proposals.models import Round

    with app.app_context():
        nominee = db.session.get(Nominee, nominee_id)
        round_ = db.session.scalar(select(Round).where(Round.authority_id == nominee.authority_id))
        proposal = proposal_in_state(db.session, round_=round_, unit=nominee.unit, state="draft", award="GDVH",
                                     nominee_row=nominee)
        db.session.commit()
        pid = proposal.id
        db.session.remove()
    return pid


def _nominee_id(app, head_name: str) -> int:
    from workflow.extensions import db
    from workflow.org.models import Nominee

    with app.app_context():
        nid = db.session.scalar(select(Nominee.id).where(Nominee.head_name == head_name))
        db.session.remove()
    return nid


def test_the_annual_report_is_read_and_downloaded(app, page):
    tour = _start(app, page)
    _sign_in(page, "thuky")
    page.get_by_role("link", name="Báo cáo năm", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/bao-cao/nam"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Báo cáo năm")
    year = str(vntime.today().year)
    page.get_by_test_id("report-year").select_option(year)
    page.get_by_test_id("report-choice").get_by_role("button", name="Xem", exact=True).click()
    expect(page).to_have_url(re.compile(rf"year={year}"))
    report = page.get_by_test_id("annual-report")
    expect(report).to_be_visible()
    expect(report.get_by_role("heading", level=2)).to_contain_text("UBND xã Định Biên")
    expect(report.get_by_test_id("report-section").first).to_be_visible()
    tour.look("annual-report")

    # the DOCX through the browser's download, both files' headers through the request API
    with page.expect_download() as info:
        report.get_by_test_id("report-docx").click()
    download = info.value
    assert download.suggested_filename.endswith(".docx")
    assert Path(download.path()).read_bytes()[:2] == b"PK"  # an Office Open XML file is a zip
    for testid, mimetype in (("report-docx", DOCX), ("report-xlsx", XLSX)):
        href = report.get_by_test_id(testid).get_attribute("href")
        assert f"year={year}" in href
        response = _fetch(page, href)
        assert response.headers["content-type"].startswith(mimetype)
        assert "attachment" in response.headers.get("content-disposition", "")
        body = response.body()
        assert len(body) > 1000 and body[:2] == b"PK"
    assert not tour.problems, "\n".join(tour.problems)


def test_import_then_bulk_nomination_then_bulk_submit_export_and_search(app, page):
    tour = _start(app, page)
    today = vntime.today()
    _sign_in(page, "xom_nato")

    # --- import households from a CSV ---------------------------------------------------------------
    page.goto("/doi-tuong/nhap")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhập danh sách từ tệp")
    tour.look("import")
    template = page.get_by_test_id("import-templates").locator("a[href*='kind=household'][href*='format=csv']")
    with page.expect_download() as info:
        template.click()
    header = Path(info.value.path()).read_bytes().decode("utf-8-sig").splitlines()[0]
    assert "Chủ hộ" in header and "Mã thôn/xóm" in header
    columns = "Chủ hộ,Giới tính chủ hộ,Tên hộ,Mã thôn/xóm"
    page.get_by_label("Đơn vị (mọi dòng của tệp thuộc đơn vị này)").select_option(HAMLET)
    bad = f"{columns}\n{NEW_HEADS[0]},Nam,,{HAMLET}\n{NEW_HEADS[1]},Không rõ,,{HAMLET}\n"
    page.get_by_label("Tệp (XLSX hoặc CSV)").set_input_files(
        {"name": "ho-moi.csv", "mimeType": "text/csv", "buffer": bad.encode("utf-8")})
    page.get_by_test_id("import-submit").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_be_visible()
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody tr").first.locator("td").first).to_have_text("3")  # the file's third line
    tour.look("import-refused")
    assert _nominees_named(app, NEW_HEADS) == 0, "a refused file imported rows"

    good = bad.replace("Không rõ", "Nữ")
    page.get_by_label("Tệp (XLSX hoặc CSV)").set_input_files(
        {"name": "ho-moi.csv", "mimeType": "text/csv", "buffer": good.encode("utf-8")})
    page.get_by_test_id("import-submit").click()
    expect(page).to_have_url(re.compile(r"/doi-tuong/?$"))
    expect(page.get_by_test_id("flash-success")).to_contain_text("2")
    for name in NEW_HEADS:
        expect(page.get_by_text(name).first).to_be_visible()
    tour.look("nominees-after-import")
    assert _nominees_named(app, NEW_HEADS) == 2

    # --- the whole hamlet proposed for GĐVH at once ----------------------------------------------------
    # one imported household already has a draft: listed, not ticked, with the reason
    taken = _nominee_id(app, NEW_HEADS[1])
    existing = _draft_for(app, taken)
    page.goto("/ho-so/don-vi")
    page.get_by_test_id("bulk-nominate").click()  # "Propose many at once", from the unit's list
    expect(page).to_have_url(re.compile(r"/ho-so/hang-loat"))
    expect(page.locator("#unit")).to_have_value(HAMLET)  # the hamlet head's own hamlet
    expect(page.get_by_test_id("bulk-title")).to_contain_text("Gia đình văn hóa")
    form = page.get_by_test_id("bulk-nominate-form")
    eligible = form.locator("li[data-eligible='true'] input[name='nominee_ids']")
    assert eligible.count() >= 3
    for i in range(eligible.count()):
        expect(eligible.nth(i)).to_be_checked()
    not_eligible = form.get_by_test_id(f"candidate-{taken}")
    expect(not_eligible).to_have_attribute("data-eligible", "false")
    expect(not_eligible.locator("input")).not_to_be_checked()
    expect(not_eligible.locator("input")).to_be_disabled()
    expect(form.get_by_test_id(f"reason-{taken}").get_by_role("link")).to_have_attribute("href", f"/ho-so/{existing}")
    tour.look("bulk-nominate")
    # meanwhile, another ticked household gets its proposal elsewhere: that one is refused
    raced_id = int(eligible.nth(0).get_attribute("value"))
    raced_name = form.locator(f"label[for='n-{raced_id}']").inner_text()
    seeded = {str(existing), str(_draft_for(app, raced_id))}
    page.locator("#held_on").fill((today - timedelta(days=20)).isoformat())
    page.locator("#invited").fill("42")
    page.locator("#present").fill("38")
    page.locator("#agreed").fill("36")
    page.locator("#notice_from").fill((today - timedelta(days=18)).isoformat())
    page.locator("#notice_to").fill((today - timedelta(days=5)).isoformat())
    page.locator("#achievements").fill("Gia đình gương mẫu chấp hành chủ trương, tích cực xây dựng nông thôn mới.")
    ticked = eligible.count()
    page.get_by_test_id("bulk-create").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kết quả đề nghị hàng loạt")
    created = page.get_by_test_id("report-created")
    expect(created.get_by_role("link")).to_have_count(ticked - 1)
    expect(created.get_by_role("link", name=NEW_HEADS[0])).to_be_visible()
    refused = page.get_by_test_id("report-refused")
    expect(refused.get_by_role("listitem")).to_have_count(1)
    expect(refused.get_by_role("listitem")).to_contain_text(raced_name)
    expect(page.get_by_test_id("report-summary")).to_contain_text(f"{ticked - 1} ")
    tour.look("bulk-report")

    # --- the proposal list: filters, two drafts submitted at once ------------------------------------
    page.get_by_role("link", name="Quay lại danh sách hồ sơ").click()
    expect(page).to_have_url(re.compile(r"/ho-so/don-vi"))
    filters = page.get_by_test_id("filter-form")
    filters.locator("#f-state").select_option("draft")
    filters.locator("#f-year").select_option(str(today.year))
    filters.locator("button[type='submit']").click()
    expect(page).to_have_url(re.compile(r"state=draft"))
    drafts = page.get_by_test_id("group-draft")
    expect(drafts).to_be_visible()
    expect(page.locator("section[data-testid^='group-']")).to_have_count(1)  # drafts only
    expect(page.get_by_test_id("clear-filters")).to_be_visible()
    tour.look("list-drafts")
    boxes = drafts.locator("input[name='proposal_ids']")
    # two of the drafts the bulk nomination made (with the hamlet meeting), not the seeded ones
    picked = [v for v in boxes.evaluate_all("els => els.map(e => e.value)") if v not in seeded][:2]
    for pid in picked:
        drafts.locator(f"input[name='proposal_ids'][value='{pid}']").check()
    bulk = page.get_by_test_id("bulk-form")
    bulk.get_by_label("Thao tác").select_option("submit")
    bulk.get_by_test_id("bulk-apply").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xử lý hàng loạt")
    expect(page.get_by_test_id("bulk-summary")).to_contain_text("2")
    for pid in picked:  # each one submitted through the workflow (these drafts meet its guards)
        row = page.get_by_test_id(f"done-{pid}")
        expect(row).to_be_visible()
        expect(row.locator("[data-state]")).to_have_attribute("data-state", "submitted")
    tour.look("bulk-result")

    # the Excel export of the (filtered) list
    page.goto("/ho-so/don-vi?state=draft")
    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    content = Path(info.value.path()).read_bytes()
    assert content[:2] == b"PK" and len(content) > 1000
    response = _fetch(page, page.get_by_test_id("export-xlsx").get_attribute("href"))
    assert response.headers["content-type"].startswith(XLSX)

    # a search without diacritics
    page.goto("/ho-so/don-vi")
    page.locator("#f-q").fill("hoang")
    page.get_by_test_id("filter-form").locator("button[type='submit']").click()
    expect(page).to_have_url(re.compile(r"q=hoang"))
    rows = page.locator("li[data-testid^='proposal-']")
    expect(rows.first).to_be_visible()
    for i in range(rows.count()):
        expect(rows.nth(i).locator("a.fw-semibold")).to_contain_text("Hoàng")
    page.locator("#f-q").fill("hoang van nhap")
    page.get_by_test_id("filter-form").locator("button[type='submit']").click()
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("link", name=f"Hộ ông {NEW_HEADS[0]}")).to_be_visible()
    tour.look("list-search")
    assert not tour.problems, "\n".join(tour.problems)
