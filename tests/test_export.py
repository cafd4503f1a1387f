"""Lists exported to XLSX (issue 11, item 3): ``GET /api/v1/proposals.xlsx`` holds exactly the rows
``GET /api/v1/proposals`` gives for the same filters — every page, the caller's scope only — and
each screen's "Xuất Excel" link downloads its list; headers Vietnamese (English on request),
dates as date cells dd/mm/yyyy, money as integers #,##0, header frozen, auto-filter."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from tests import factories as f
from tests.decisions.helpers import Desk
from tests.proposals.test_views import web
from workflow import vntime
from workflow.reports import exports


@pytest.fixture
def d(app, client, session, monkeypatch):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    monkeypatch.setattr(exports, "CHUNK", 2)  # several chunks from a handful of rows
    desk = Desk(client, session)
    desk.pids = [desk.propose(desk.person(f"Ma Văn {name}"))["id"] for name in ("An", "Bình", "Cường", "Dũng")]
    desk.pids.append(desk.propose(desk.household("Hộ ông Hoàng Văn Lâm"), "GDVH")["id"])
    for pid in desk.pids[:3]:
        desk.event("nominator", pid, "submit")
    # another commune with its own proposal: never in X-DB's export
    other = f.authority(session, "X-KH", "commune", desk.org["district"], name="UBND xã Khác")
    f.unit(session, other, "KH-XOM", name="Xóm Khác")
    f.user(session, "secretary", other, username="thuky_kh")
    round_kh = desk.post("thuky_kh", "/api/v1/rounds", {"authority_code": "X-KH", "year": 2025, "kind": "annual",
                                                        "title": "Năm 2025", "nomination_deadline": "2025-12-15"})
    nominee = desk.post("thuky_kh", "/api/v1/nominees", {"kind": "individual", "name": "Ma Văn Khác",
                                                         "authority_code": "X-KH", "unit_code": "KH-XOM"})
    desk.other_pid = desk.post("thuky_kh", "/api/v1/proposals", {
        "round_id": round_kh["id"], "nominee_id": nominee["id"], "award_type_code": "LDTT", "unit_code": "KH-XOM",
        "achievements": "Hoàn thành xuất sắc."})["id"]
    return desk


def sheet_of(response, index: int = 0):
    assert response.status_code == 200, response.get_data()[:300]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.data)).worksheets[index]


def ids_of(sheet) -> list[int]:
    return [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]


def api_ids(d, who: str, query: str = "") -> list[int]:
    return [p["id"] for p in d.get(who, f"/api/v1/proposals?per_page=500&{query}")["items"]]


@pytest.mark.parametrize("query", ["", "state=submitted", "state=draft", "q=Dũng", "award_type=GDVH",
                                   "year=2025&unit=DB-NATO", "year=2024"])
def test_the_export_holds_the_api_list_rows_for_the_same_filters(d, query):
    expected = api_ids(d, "secretary", query)
    sheet = sheet_of(d.client.get(f"/api/v1/proposals.xlsx?{query}", headers=d.auth("secretary")))
    assert ids_of(sheet) == expected  # the same rows in the same order, across chunks of 2
    assert d.other_pid not in ids_of(sheet)


def test_the_export_is_scoped_like_the_list(d):
    assert set(ids_of(sheet_of(d.client.get("/api/v1/proposals.xlsx", headers=d.auth("secretary"))))) == set(d.pids)
    other = ids_of(sheet_of(d.client.get("/api/v1/proposals.xlsx", headers=d.auth("thuky_kh"))))
    assert other == [d.other_pid]
    # a secretary naming another commune's authority gets what the list answers: 404, nothing of it
    assert d.client.get("/api/v1/proposals?authority=X-KH", headers=d.auth("secretary")).status_code == 404
    refused = d.client.get("/api/v1/proposals.xlsx?authority=X-KH", headers=d.auth("secretary"))
    assert refused.status_code == 404 and "Ma Văn Khác" not in refused.get_data(as_text=True)
    assert d.client.get("/api/v1/proposals.xlsx").status_code == 401
    assert d.client.get("/api/v1/proposals.xlsx?year=abc", headers=d.auth("secretary")).status_code == 422


def test_the_sheet_is_formatted(d):
    response = d.client.get("/api/v1/proposals.xlsx?state=submitted", headers=d.auth("secretary"))
    today = vntime.today()
    assert f"ho-so-de-nghi-{today.isoformat()}.xlsx" in response.headers["Content-Disposition"]
    sheet = sheet_of(response)
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Số hồ sơ", "Đối tượng", "Loại đối tượng"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:M{len(d.pids[:3]) + 1}"
    assert sheet.column_dimensions["B"].width >= 20
    created = sheet.cell(row=2, column=header.index("Ngày tạo") + 1)
    assert created.is_date and created.number_format == "dd/mm/yyyy"
    assert created.value.date() == today
    row = {h: c.value for h, c in zip(header, sheet[2], strict=True)}
    assert row["Trạng thái"] == "Đã nộp" or row["Trạng thái"]  # the state's label, not its code
    assert row["Trạng thái"] != "submitted" and row["Năm"] == 2025 and row["Mã danh hiệu"] == "LDTT"


def test_english_headers_when_the_ui_is_english(d):
    sheet = sheet_of(d.client.get("/api/v1/proposals.xlsx?lang=en", headers=d.auth("secretary")))
    assert [c.value for c in sheet[1]][:3] == ["Proposal no.", "Nominee", "Nominee kind"]


def test_the_list_screen_links_its_filters_to_the_export(app, d):
    browser = web(app, "secretary", d)
    page = browser.get("/ho-so/?state=submitted&q=Ma").get_data(as_text=True)
    assert "/xuat-excel/ho-so.xlsx?" in page and "state=submitted" in page.split("/xuat-excel/ho-so.xlsx?")[1][:80]
    sheet = sheet_of(browser.get("/xuat-excel/ho-so.xlsx?state=submitted&q=Ma"))
    assert ids_of(sheet) == api_ids(d, "secretary", "state=submitted&q=Ma")
    nominator = web(app, "nominator", d)
    assert "/xuat-excel/ho-so.xlsx" in nominator.get("/ho-so/don-vi").get_data(as_text=True)
    assert set(ids_of(sheet_of(nominator.get("/xuat-excel/ho-so.xlsx")))) == set(d.pids)
    assert app.test_client().get("/xuat-excel/ho-so.xlsx").status_code == 302  # sign in first


def test_nominees_export_follows_the_list(app, d):
    browser = web(app, "secretary", d)
    assert "/xuat-excel/doi-tuong.xlsx" in browser.get("/doi-tuong/").get_data(as_text=True)
    sheet = sheet_of(browser.get("/xuat-excel/doi-tuong.xlsx?kind=household"))
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[3]) for r in rows] == [("Hộ ông Hoàng Văn Lâm", "Hoàng Văn Lâm")]
    names = [r[1] for r in sheet_of(browser.get("/xuat-excel/doi-tuong.xlsx")).iter_rows(min_row=2, values_only=True)]
    assert len(names) == 5 and "Ma Văn Khác" not in names


def test_decisions_export_has_money_and_dates(app, d):
    pid = d.accepted("Hoàng Văn Thưởng", "LDTT")
    d.recommend([pid])
    decision = d.issue(d.decision([pid], "LDTT")["id"], date="2025-03-10")
    browser = web(app, "secretary", d)
    assert "/xuat-excel/quyet-dinh.xlsx" in browser.get("/quyet-dinh").get_data(as_text=True)
    response = browser.get("/xuat-excel/quyet-dinh.xlsx")
    sheet = sheet_of(response)
    row = sheet[2]
    assert row[0].value == decision["number"]
    assert row[1].is_date and row[1].value.date() == date(2025, 3, 10) and row[1].number_format == "dd/mm/yyyy"
    assert row[6].value == decision["cash_total"] == 710_000 and row[6].number_format == "#,##0"
    awardees = load_workbook(io.BytesIO(response.data)).worksheets[1]
    assert [(r[2], r[3], r[6]) for r in awardees.iter_rows(min_row=2, values_only=True)] == [
        (pid, "Hoàng Văn Thưởng", 710_000)]
    assert ids_of(sheet_of(web(app, "thuky_kh").get("/xuat-excel/quyet-dinh.xlsx"))) == []


def test_submissions_and_rounds_exports(app, d):
    pid = d.accepted("Hoàng Văn Lên", "BK_TINH")
    d.recommend([pid])
    submission = d.submission([pid])
    browser = web(app, "secretary", d)
    assert "/xuat-excel/to-trinh.xlsx?direction=outgoing" in browser.get("/to-trinh").get_data(as_text=True)
    rows = list(sheet_of(browser.get("/xuat-excel/to-trinh.xlsx?direction=outgoing")).iter_rows(
        min_row=2, values_only=True))
    assert [(r[5], r[6]) for r in rows] == [(pid, "Hoàng Văn Lên")] and submission["status"] == "draft"
    assert list(sheet_of(web(app, "thuky_kh").get("/xuat-excel/to-trinh.xlsx")).iter_rows(min_row=2)) == []
    rounds = sheet_of(browser.get("/xuat-excel/dot-thi-dua.xlsx"))
    assert [(r[0], r[1]) for r in rounds.iter_rows(min_row=2, values_only=True)] == [(2025, "Tổng kết năm 2025")]
