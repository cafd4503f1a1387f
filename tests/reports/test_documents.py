"""The annual report as the office reads it: the DOCX read back with python-docx (section 4's
wording and order, counts written "01 cá nhân"), its English version, the XLSX read back with
openpyxl, and the report screen."""

from __future__ import annotations

import io
import re

import docx
import openpyxl
import pytest

from tests import factories as f
from tests.reports.crafted import YEAR, build
from tests.security_world import browser_for
from workflow.documents import wording
from workflow.documents.minutes import report_line_text


@pytest.fixture
def year(app, session):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    return build(session)


def download(client, who: str, path: str, code: str = "X-DB", extra: str = ""):
    response = client.get(f"{path}?authority={code}&year={YEAR}{extra}", headers=f.token(client, who))
    assert response.status_code == 200, response.get_data()[:300]
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return response


def section(data: bytes) -> list[str]:
    """The paragraphs of section 4, from its heading to the summary table's title."""
    paragraphs = [p.text.strip() for p in docx.Document(io.BytesIO(data)).paragraphs if p.text.strip()]
    start = next(i for i, p in enumerate(paragraphs) if re.match(r"4\. ", p))
    end = next(i for i, p in enumerate(paragraphs) if p in ("Bảng tổng hợp", "Summary table"))
    return paragraphs[start:end]


def test_the_docx_reads_like_section_4_of_the_reference(client, year):
    response = download(client, "thuky", "/api/v1/reports/annual.docx")
    assert response.headers["Content-Disposition"].endswith(f"bao-cao-khen-thuong-x-db-{YEAR}.docx")
    assert section(response.data) == [
        "4. Kết quả công tác khen thưởng năm 2023:",
        "4.1. Đề nghị cấp tỉnh khen thưởng:",
        "- Đề nghị tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh: 01 tập thể, 02 cá nhân",
        "4.2. Đề nghị cấp huyện khen thưởng:",
        "- Đề nghị tặng danh hiệu “Chiến sĩ thi đua cơ sở”: 02 cá nhân",
        "- Đề nghị tặng Giấy khen của Chủ tịch Ủy ban nhân dân huyện: 01 cá nhân",
        "4.3. Khen thưởng cấp xã:",
        "- Tặng danh hiệu “Lao động tiên tiến”: 03 cá nhân",
        "- Tặng Giấy khen của Chủ tịch Ủy ban nhân dân xã: 02 tập thể, 03 cá nhân, 01 gia đình",
        "- Khen thưởng gia đình văn hóa tiêu biểu: 04 gia đình",
    ]
    document = docx.Document(io.BytesIO(response.data))
    header = "\n".join(c.text for c in document.tables[0].rows[0].cells)  # the header is a table
    text = "\n".join(p.text for p in document.paragraphs)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header and "XÃ ĐỊNH BIÊN" in header
    assert "BÁO CÁO" in text
    # the summary table: one row per award type, collectives before individuals
    [table] = [t for t in document.tables if t.rows[0].cells[0].text == "TT"]
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["TT", "Hình thức khen thưởng", "Tập thể", "Cá nhân", "Gia đình"]
    assert ["5", "Giấy khen của Chủ tịch Ủy ban nhân dân xã", "02", "03", "01"] in rows


def test_an_empty_level_is_named_and_the_province_reports_its_own_awards(client, year):
    assert section(download(client, "khac_thuky", "/api/v1/reports/annual.docx", "X-KHAC").data) == [
        "4. Kết quả công tác khen thưởng năm 2023:",
        "4.1. Đề nghị cấp tỉnh khen thưởng:", "- Không có.",
        "4.2. Đề nghị cấp huyện khen thưởng:", "- Đề nghị tặng danh hiệu “Chiến sĩ thi đua cơ sở”: 01 cá nhân",
        "4.3. Khen thưởng cấp xã:", "- Tặng danh hiệu “Lao động tiên tiến”: 01 cá nhân",
        "- Tặng Giấy khen của Chủ tịch Ủy ban nhân dân xã: 01 tập thể",
    ]
    assert section(download(client, "tinh_thuky", "/api/v1/reports/annual.docx", "T-TN").data) == [
        "4. Kết quả công tác khen thưởng năm 2023:", "4.1. Khen thưởng cấp tỉnh:",
        "- Tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh: 01 cá nhân",
    ]


def test_counts_are_written_as_the_reference_writes_them(app):
    """The reference's own figures: "13 tập thể, 26 cá nhân", "78 gia đình", "01 cá nhân"."""
    with app.test_request_context():
        text = wording.load("report")
        values = {"year": 2023}
        gk = {"award_type": "GK_XA", "name": "Giấy khen của Chủ tịch Ủy ban nhân dân xã", "kind": "commendation",
              "collective": 13, "individual": 26, "household": 0}
        assert report_line_text(gk, text, values, "awarded") == \
            "- Tặng Giấy khen của Chủ tịch Ủy ban nhân dân xã: 13 tập thể, 26 cá nhân"
        families = {"award_type": "GDVH_TIEU_BIEU", "name": "Gia đình văn hóa tiêu biểu", "kind": "commendation",
                    "collective": 0, "individual": 0, "household": 78}
        assert report_line_text(families, text, values, "awarded") == \
            "- Khen thưởng gia đình văn hóa tiêu biểu: 78 gia đình"
        bk = {"award_type": "BK_TINH", "name": "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh", "kind": "commendation",
              "collective": 0, "individual": 1, "household": 0}
        assert report_line_text(bk, text, values, "proposed") == \
            "- Đề nghị tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh: 01 cá nhân"


def test_the_docx_is_in_english_when_the_interface_is(client, year):
    paragraphs = section(download(client, "thuky", "/api/v1/reports/annual.docx", extra="&lang=en").data)
    assert paragraphs[:3] == [
        "4. Results of commendation work in 2023:",
        "4.1. Proposed to the provincial level for awards:",
        "- Proposed for the Certificate of Merit of the Provincial Chairman: 1 collective, 2 individuals",
    ]
    assert "4.3. Awards at the commune level:" in paragraphs
    assert "- Awarded the “Advanced Worker” title: 3 individuals" in paragraphs


def test_the_xlsx_is_laid_out_as_the_report(client, year):
    response = download(client, "chutich", "/api/v1/reports/annual.xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].endswith(f"bao-cao-khen-thuong-x-db-{YEAR}.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert len(book.worksheets) == 1
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows == [
        ["Nội dung", "Hình thức khen thưởng", "Tập thể", "Cá nhân", "Gia đình", "Tổng số", "Mã hình thức"],
        ["Đề nghị cấp tỉnh khen thưởng", "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh", 1, 2, 0, 3, "BK_TINH"],
        ["Đề nghị cấp huyện khen thưởng", "Danh hiệu “Chiến sĩ thi đua cơ sở”", 0, 2, 0, 2, "CSTDCS"],
        ["Đề nghị cấp huyện khen thưởng", "Giấy khen của Chủ tịch Ủy ban nhân dân huyện", 0, 1, 0, 1, "GK_HUYEN"],
        ["Khen thưởng cấp xã", "Danh hiệu “Lao động tiên tiến”", 0, 3, 0, 3, "LDTT"],
        ["Khen thưởng cấp xã", "Giấy khen của Chủ tịch Ủy ban nhân dân xã", 2, 3, 1, 6, "GK_XA"],
        ["Khen thưởng cấp xã", "Gia đình văn hóa tiêu biểu", 0, 0, 4, 4, "GDVH_TIEU_BIEU"],
    ]
    assert all(cell.font.bold for cell in sheet[1])


def test_the_report_screen(app, year):
    browser, _token = browser_for(app, "thuky")
    home = browser.get("/").get_data(as_text=True)
    assert 'href="/bao-cao/nam"' in home  # in the secretary's menu
    page = browser.get(f"/bao-cao/nam?year={YEAR}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for expected in ("4. Kết quả công tác khen thưởng năm 2023:", "4.1. Đề nghị cấp tỉnh khen thưởng:",
                     "- Đề nghị tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh: 01 tập thể, 02 cá nhân",
                     "4.3. Khen thưởng cấp xã:", "- Khen thưởng gia đình văn hóa tiêu biểu: 04 gia đình"):
        assert expected in html, expected
    assert html.index("4.1. Đề nghị cấp tỉnh") < html.index("4.2. Đề nghị cấp huyện") < html.index("4.3. Khen thưởng")
    assert f'/bao-cao/nam.docx?authority=X-DB&amp;year={YEAR}' in html
    assert f'/bao-cao/nam.xlsx?authority=X-DB&amp;year={YEAR}' in html
    docx_file = browser.get(f"/bao-cao/nam.docx?authority=X-DB&year={YEAR}")
    assert docx_file.status_code == 200 and section(docx_file.data)[1] == "4.1. Đề nghị cấp tỉnh khen thưởng:"
    xlsx_file = browser.get(f"/bao-cao/nam.xlsx?authority=X-DB&year={YEAR}")
    assert openpyxl.load_workbook(io.BytesIO(xlsx_file.data)).active["B2"].value.startswith("Bằng khen")
    # a bad year is a form message, not an error page
    bad = browser.get("/bao-cao/nam?year=20x3")
    assert bad.status_code == 200 and 'data-testid="report-error"' in bad.get_data(as_text=True)
    # another authority's report: 404, like one that does not exist
    assert browser.get(f"/bao-cao/nam?authority=X-KHAC&year={YEAR}").status_code == 404
    assert browser.get(f"/bao-cao/nam.xlsx?authority=X-KHAC&year={YEAR}").status_code == 404
    assert browser.get(f"/bao-cao/nam?authority=NOWHERE&year={YEAR}").status_code == 404


def test_an_admin_of_the_scope_chooses_the_authority_and_others_have_no_screen(app, year):
    admin, _token = browser_for(app, "tinh_admin")
    html = admin.get(f"/bao-cao/nam?authority=H-DH&year={YEAR}").get_data(as_text=True)
    assert 'data-testid="report-authority"' in html
    for name in ("UBND tỉnh Thái Nguyên", "UBND huyện Định Hóa", "UBND xã Định Biên", "UBND xã Khác"):
        assert name in html
    assert "4.1. Đề nghị cấp tỉnh khen thưởng:" in html and "4.2. Khen thưởng cấp huyện:" in html
    english = admin.get(f"/bao-cao/nam?authority=H-DH&year={YEAR}&lang=en").get_data(as_text=True)
    assert "4.2. Awards at the district level:" in english
    nominator, _token = browser_for(app, "truongxom")
    assert 'href="/bao-cao/nam"' not in nominator.get("/").get_data(as_text=True)
    assert nominator.get("/bao-cao/nam").status_code == 404
