"""Generated documents opened by readers (python-docx, pypdf): the number, the names, the counts and
Vietnamese text with its diacritics; attachments only, in scope only; templates an admin replaces."""

from __future__ import annotations

import io
import unicodedata

import docx
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests import factories as f
from workflow.council.models import Meeting

NAMES = ("Ma Văn Thử", "Hoàng Thị Lường", "Đàm Văn Ngọc")


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def flat(text: str) -> str:
    """Line breaks of the PDF layout removed (a long name may wrap)."""
    return " ".join(text.split())


@pytest.fixture
def issued(d):
    """Three Giấy khen awardees of the commune, decided and issued; an LĐTT voted by the council."""
    pids = [d.accepted(name, "GK_XA") for name in NAMES]
    ldtt = d.accepted("Nông Thị Bích", "LDTT")
    d.recommend(pids + [ldtt])
    decision = d.decision(pids)
    draft = d.download("thuky", f"/api/v1/decisions/{decision['id']}/document?format=pdf")
    issued = d.issue(decision["id"], date="2025-12-28")
    return {"decision": issued, "draft_pdf": draft.data, "pids": pids, "ldtt": ldtt}


def test_decision_pdf_and_docx_say_the_same(d, issued):
    did = issued["decision"]["id"]
    assert issued["decision"]["number"] == "01/QĐ-UBND"
    for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
        response = d.download("chutich", f"/api/v1/decisions/{did}/document?format={fmt}")
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["Content-Disposition"].endswith(f"quyet-dinh-01-qd-ubnd.{fmt}")
        text = flat(read(response.data))
        for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "ỦY BAN NHÂN DÂN",
                         "XÃ ĐỊNH BIÊN", "Số: 01/QĐ-UBND", "Định Biên, ngày 28 tháng 12 năm 2025", "QUYẾT ĐỊNH",
                         "Căn cứ Luật Thi đua, khen thưởng", "Điều 1.", "Điều 3.", "Nơi nhận:", "CHỦ TỊCH",
                         "03 cá nhân", "DANH SÁCH", *NAMES):
            assert expected in text, (fmt, expected)
        # Giấy khen 0.3 × 2,340,000 = 702,000, rounded up to 710,000 per person (NĐ 152 Art 54),
        # three people: the amount and the amount in words
        assert "710.000" in text and "2.130.000" in text
        assert "Hai triệu một trăm ba mươi nghìn đồng" in text
        assert "Nông Thị Bích" not in text  # not in this decision


def test_docx_uses_times_new_roman_and_a4(d, issued):
    data = d.download("chutich", f"/api/v1/decisions/{issued['decision']['id']}/document?format=docx").data
    document = docx.Document(io.BytesIO(data))
    assert document.styles["Normal"].font.name == "Times New Roman"
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert round(section.left_margin.mm) == 30
    runs = [r for p in document.paragraphs for r in p.runs if r.text.strip()]
    assert runs and all(r.font.name == "Times New Roman" for r in runs)


def test_pdf_embeds_the_vendored_font_and_is_a4(d, issued):
    data = d.download("chutich", f"/api/v1/decisions/{issued['decision']['id']}/document?format=pdf").data
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    fonts = {str(font["/BaseFont"]) for p in reader.pages for font in p["/Resources"]["/Font"].values()}
    assert any("LiberationSerif" in name for name in fonts), fonts
    assert reader.metadata.title == "Quyết định 01/QĐ-UBND"


def test_a_draft_is_marked_and_leaves_the_number_blank(issued):
    text = flat(pdf_text(issued["draft_pdf"]))
    assert "DỰ THẢO" in text and "/QĐ-UBND" in text and "01/QĐ-UBND" not in text
    assert "ngày tháng năm" in text  # the date is left for the pen


def test_certificates_one_landscape_page_per_awardee(d, issued):
    response = d.download("chutich", f"/api/v1/decisions/{issued['decision']['id']}/certificates?format=pdf")
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == len(NAMES)
    for page, name in zip(reader.pages, NAMES, strict=True):
        assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
        text = flat(unicodedata.normalize("NFC", page.extract_text()))
        assert "GIẤY KHEN" in text and name in text and "Quyết định số 01/QĐ-UBND ngày 28/12/2025" in text


def test_certificates_of_a_draft_are_refused(d):
    pid = d.accepted("Lường Văn Nháp")
    d.recommend([pid])
    decision = d.decision([pid])
    response = d.download("chutich", f"/api/v1/decisions/{decision['id']}/certificates?format=pdf", expect=409)
    assert response.get_json()["error"]["code"] == "not_issued"


def test_submission_document_lists_the_proposals_and_votes(d):
    pid = d.accepted("Triệu Thị Bằng", "BK_TINH")
    d.recommend([pid])
    sub = d.send(d.submission([pid])["id"], date="2025-12-29")
    for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
        text = flat(read(d.download("thuky", f"/api/v1/submissions/{sub['id']}/document?format={fmt}").data))
        for expected in ("TỜ TRÌNH", "Số: 01/TTr-UBND", "Kính gửi: Ủy ban nhân dân huyện Định Hóa",
                         "Triệu Thị Bằng", "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh", "01 cá nhân",
                         "3/3 phiếu đồng ý", "TM. ỦY BAN NHÂN DÂN", "Định Biên, ngày 29 tháng 12 năm 2025"):
            assert expected in text, (fmt, expected)


def test_minutes_only_after_the_close_with_every_count(d, session):
    a, b = d.accepted("Bàn Văn Phiếu", "LDTT"), d.accepted("Mạc Thị Kín", "LDTT")
    d.recommend([a])  # one meeting, closed
    meeting_id = d.post("thuky", "/api/v1/meetings", {"authority_code": "X-DB", "scheduled_at": "2025-12-21T14:30:00",
                                                      "place": "Nhà văn hóa xóm Nà To"}, expect=201)["id"]
    d.post("thuky", f"/api/v1/meetings/{meeting_id}/agenda", {"proposal_ids": [b]})
    refused = d.download("thuky", f"/api/v1/meetings/{meeting_id}/minutes?format=pdf", expect=409)
    assert refused.get_json()["error"]["code"] == "not_closed"
    closed = session.scalar(select(Meeting.id).where(Meeting.status == "closed"))
    for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
        text = flat(read(d.download("thuky", f"/api/v1/meetings/{closed}/minutes?format={fmt}").data))
        for expected in ("BIÊN BẢN", "HỘI ĐỒNG THI ĐUA", "KHEN THƯỞNG", "Thời gian: 08 giờ 00 phút",
                         "Địa điểm: Hội trường Ủy ban nhân dân", "Chủ trì:", "Thư ký:", "3/3 thành viên",
                         "Vắng mặt: không", "Bàn Văn Phiếu", "100% của 3", "Đạt", "KẾT LUẬN"):
            assert expected in text, (fmt, expected)
    # a member of the council sees the minutes; someone of another commune does not
    other = f.authority(session, "X-KHAC", "commune", d.org["district"], name="UBND xã Khác")
    f.user(session, "secretary", other, username="thuky_khac")
    d.download("uyvien", f"/api/v1/meetings/{closed}/minutes?format=pdf")
    d.download("thuky_khac", f"/api/v1/meetings/{closed}/minutes?format=pdf", expect=404)


def test_annual_report_section(d):
    pids = [d.accepted(name, "GK_XA") for name in NAMES[:2]]
    bk = d.accepted("Hoàng Văn Tỉnh", "BK_TINH")
    d.recommend(pids + [bk])
    d.issue(d.decision(pids)["id"])
    d.send(d.submission([bk])["id"])
    response = d.download("thuky", "/api/v1/reports/annual/document?authority=X-DB&year=2025")
    assert response.headers["Content-Disposition"].endswith(".docx")  # DOCX unless asked otherwise
    for text in (docx_text(response.data),
                 pdf_text(d.download("chutich", "/api/v1/reports/annual/document?authority=X-DB&year=2025"
                                                "&format=pdf").data)):
        text = flat(text)
        for expected in ("BÁO CÁO", "4. Kết quả công tác khen thưởng năm 2025",
                         "Đề nghị tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh: 01 cá nhân",
                         "Khen thưởng cấp xã", "Tặng Giấy khen của Chủ tịch Ủy ban nhân dân xã: 02 cá nhân",
                         "Hình thức khen thưởng", "Cá nhân"):
            assert expected in text, expected
    # a nominator learns nothing, not even that the report exists (it was a 403: issue 15, item 7)
    d.download("nominator", "/api/v1/reports/annual/document?authority=X-DB&year=2025", expect=404)
    d.download("thuky", "/api/v1/reports/annual/document?authority=NOWHERE&year=2025", expect=404)


def test_bad_format_and_out_of_scope(d, issued, session):
    did = issued["decision"]["id"]
    err = d.download("chutich", f"/api/v1/decisions/{did}/document?format=xls", expect=422).get_json()["error"]
    assert "format" in err["details"]
    other = f.authority(session, "X-KHAC", "commune", d.org["district"], name="UBND xã Khác")
    f.user(session, "chair", other, username="chutich_khac")
    d.download("chutich_khac", f"/api/v1/decisions/{did}/document?format=pdf", expect=404)
    d.download("chutich_khac", f"/api/v1/decisions/{did}/certificates?format=pdf", expect=404)
    d.download("nominator", f"/api/v1/decisions/{did}/document?format=pdf", expect=404)
    d.download("chutich", "/api/v1/decisions/9999/document?format=pdf", expect=404)


def test_an_admin_replaces_the_wording(d, app, issued):
    folder = app.instance_path + "/document_templates"
    import os

    os.makedirs(folder, exist_ok=True)
    with open(f"{folder}/decision.toml", "w", encoding="utf-8") as fh:
        fh.write('title = "QUYẾT ĐỊNH KHEN THƯỞNG"\nrecipients = ["Như Điều 3;", "Phòng Nội vụ huyện;", "Lưu: VT."]\n')
    text = flat(docx_text(d.download("chutich", f"/api/v1/decisions/{issued['decision']['id']}/document"
                                                "?format=docx").data))
    assert "QUYẾT ĐỊNH KHEN THƯỞNG" in text and "Phòng Nội vụ huyện;" in text
    assert "Điều 1." in text  # keys the override leaves out keep the shipped wording
    with open(f"{folder}/common.toml", "w", encoding="utf-8") as fh:
        fh.write('recipients_label = "Nơi gửi:"\n')  # the wording every document shares
    text = flat(pdf_text(d.download("chutich", f"/api/v1/decisions/{issued['decision']['id']}/document"
                                               "?format=pdf").data))
    assert "Nơi gửi:" in text and "Nơi nhận:" not in text and "QUYẾT ĐỊNH KHEN THƯỞNG" in text
    with open(f"{folder}/decision.toml", "w", encoding="utf-8") as fh:
        fh.write("title = [not toml")
    text = flat(docx_text(d.download("chutich", f"/api/v1/decisions/{issued['decision']['id']}/document"
                                                "?format=docx").data))
    assert "QUYẾT ĐỊNH" in text  # a broken override falls back to the shipped file


def test_one_decision_for_several_award_types_groups_its_list(d):
    """A decision without award_type_code covers several types; its list is grouped by type."""
    gk = d.accepted("Hoàng Văn Sáu", "GK_XA")
    ldtt = d.accepted("Lường Thị Bảy", "LDTT")
    d.recommend([gk, ldtt])
    decision = d.post("thuky", "/api/v1/decisions", {"authority_code": "X-DB", "proposal_ids": [gk, ldtt]},
                      expect=201)
    assert decision["award_type_code"] is None and sorted(decision["proposal_ids"]) == sorted([gk, ldtt])
    issued = d.issue(decision["id"], date="2025-12-28")
    assert [i["state"] for i in issued["items"]] == ["awarded", "awarded"]
    # 0.3 (Giấy khen, individual) and 0.3 (LĐTT) × 2,340,000 = 702,000, each rounded up to 710,000
    assert issued["cash_total"] == 710_000 + 710_000
    text = flat(docx_text(d.download("chutich", f"/api/v1/decisions/{decision['id']}/document?format=docx").data))
    assert "Giấy khen" in text and "Lao động tiên tiến" in text
    assert "Hoàng Văn Sáu" in text and "Lường Thị Bảy" in text
    # naming a type still requires every proposal to be of it
    other = d.accepted("Đàm Văn Tám", "GK_XA")
    other_ldtt = d.accepted("La Thị Chín", "LDTT")
    d.recommend([other, other_ldtt])
    refused = d.call("thuky", "POST", "/api/v1/decisions", {"authority_code": "X-DB", "award_type_code": "GK_XA",
                                                           "proposal_ids": [other, other_ldtt]})
    assert refused.status_code == 422 and "proposal_ids" in refused.get_json()["error"]["details"]
