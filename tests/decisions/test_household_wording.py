"""Household titles read right: a GĐVH (no council vote, the hamlet's meeting reviews it) never says
"Hội đồng đề nghị" — not on its screens, not in the API's label, not in its decision — and its
decision cites Decree 86/2023 and the hamlet meeting, with no cash column."""

from __future__ import annotations

import io

import docx

from tests.decisions.test_documents import docx_text, flat, pdf_text
from tests.decisions.test_screens import sign_in

EVIDENCE = {"meeting": {"held_on": "2025-11-12", "invited": 40, "present": 32, "agreed": 30},
            "notice": {"from": "2025-11-13", "to": "2025-11-22"}}


def _gdvh(d, name: str) -> int:
    pid = d.propose(d.household(name), "GDVH", evidence=EVIDENCE)["id"]
    d.event("nominator", pid, "submit")
    d.event("secretary", pid, "accept")
    d.event("secretary", pid, "skip_council")
    return pid


def test_a_household_title_never_says_the_council_recommended_it(d, session, app):
    households = [_gdvh(d, "Hộ ông Ma Văn Tùng"), _gdvh(d, "Hộ bà Hoàng Thị Lan")]
    ldtt = d.accepted("Nông Văn Hội Đồng", "LDTT")
    d.recommend([ldtt])
    shown = d.get("thuky", f"/api/v1/proposals/{households[0]}")
    assert shown["state"] == "recommended" and "Hội đồng" not in shown["state_label"]
    assert "Hội đồng đề nghị" in d.get("thuky", f"/api/v1/proposals/{ldtt}")["state_label"]  # a voted award does
    browser = app.test_client()
    sign_in(browser, "thuky")
    page = browser.get(f"/ho-so/{households[0]}").get_data(as_text=True)
    assert page.count("Hội đồng đề nghị") == 0 and "Đủ điều kiện, chờ quyết định" in page

    decision = d.issue(d.decision(households, "GDVH")["id"], date="2025-11-30")
    assert int(decision["cash_total"]) == 0
    for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
        text = flat(read(d.download("thuky", f"/api/v1/decisions/{decision['id']}/document?format={fmt}").data))
        assert "Hội đồng" not in text, fmt
        assert "Căn cứ Nghị định số 86/2023/NĐ-CP" in text, fmt
        assert "Căn cứ biên bản họp bình xét và kết quả niêm yết công khai danh sách của Xóm Nà To ngày 12/11/2025" \
            in text, fmt
        assert "Khen thưởng không kèm theo tiền thưởng." in text and "Tiền thưởng" not in text, fmt
    document = docx.Document(io.BytesIO(d.download("thuky", f"/api/v1/decisions/{decision['id']}/document"
                                                            "?format=docx").data))
    listing = document.tables[-1]
    assert len(listing.columns) == 3 and listing.rows[0].cells[-1].text == "Chức vụ, đơn vị"
