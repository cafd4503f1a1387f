"""Legal bases are editable per authority before signing: the secretary edits the "Căn cứ…" lines
of a draft decision or submission (API and screen), they are stored on the draft, the signed
document prints them; once signed they cannot change."""

from __future__ import annotations

from tests.decisions.test_documents import docx_text, flat, pdf_text
from tests.decisions.test_screens import csrf_of, sign_in

OWN = ["Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025",
       "Quyết định số 86/2025/QĐ-UBND ngày 20 tháng 11 năm 2025 của UBND tỉnh về công tác thi đua, khen thưởng"]


def test_the_secretary_sets_the_bases_of_a_draft_decision(d, session):
    pid = d.accepted("Ma Văn Căn Cứ")
    d.recommend([pid])
    did = d.decision([pid])["id"]
    path = f"/api/v1/decisions/{did}/legal-bases"
    default = d.get("thuky", path)
    assert default["custom"] is False and default["lines"]
    assert not any("xác minh" in line or "verify" in line for line in default["lines"])
    # the chair and other roles do not edit them; nothing changes
    assert d.call("chutich", "PUT", path, {"lines": OWN}, expect=403)
    assert d.call("thuky", "PUT", path, {"lines": ["x" * 1001]}, expect=422)
    assert d.call("thuky", "PUT", path, {"lines": ["x"] * 31}, expect=422)
    assert d.get("thuky", path)["custom"] is False
    saved = d.call("thuky", "PUT", path, {"lines": [OWN[0] + ";", "  ", OWN[1]]}, expect=200).get_json()
    assert saved == {"lines": OWN, "custom": True}

    issued = d.issue(did, date="2025-12-28")
    for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
        text = flat(read(d.download("thuky", f"/api/v1/decisions/{did}/document?format={fmt}").data))
        assert f"Căn cứ {OWN[0]};" in text and "Căn cứ Quyết định số 86/2025/QĐ-UBND" in text, fmt
        assert "Căn cứ Luật Thi đua, khen thưởng" not in text, fmt  # the rule set's lines were replaced
    assert issued["status"] == "issued"
    refused = d.call("thuky", "PUT", path, {"lines": ["Khác"]}, expect=409).get_json()
    assert refused["error"]["code"] == "already_signed" and d.get("thuky", path)["lines"] == OWN


def test_the_secretary_edits_a_draft_submission_by_screen(d, app):
    pid = d.accepted("Hoàng Văn Trình Căn Cứ", "BK_TINH")
    d.recommend([pid])
    sid = d.submission([pid])["id"]
    browser = app.test_client()
    sign_in(browser, "thuky")
    assert f'/to-trinh/{sid}/can-cu' in browser.get(f"/to-trinh/{sid}").get_data(as_text=True)
    page = browser.get(f"/to-trinh/{sid}/can-cu").get_data(as_text=True)
    assert "Luật Thi đua, khen thưởng" in page
    response = browser.post(f"/to-trinh/{sid}/can-cu", data={"csrf_token": csrf_of(page),
                                                             "lines": "\n".join(OWN)})
    assert response.status_code == 302
    assert d.get("thuky", f"/api/v1/submissions/{sid}/legal-bases") == {"lines": OWN, "custom": True}
    # a line too long is refused with a message, the text kept, nothing stored
    page = browser.get(f"/to-trinh/{sid}/can-cu").get_data(as_text=True)
    bad = browser.post(f"/to-trinh/{sid}/can-cu", data={"csrf_token": csrf_of(page), "lines": "y" * 1200})
    assert bad.status_code == 422 and "y" * 1200 in bad.get_data(as_text=True)
    assert d.get("thuky", f"/api/v1/submissions/{sid}/legal-bases")["lines"] == OWN
    # restoring gives the rule set's lines back
    page = browser.get(f"/to-trinh/{sid}/can-cu").get_data(as_text=True)
    browser.post(f"/to-trinh/{sid}/can-cu", data={"csrf_token": csrf_of(page), "restore": "1"})
    assert d.get("thuky", f"/api/v1/submissions/{sid}/legal-bases")["custom"] is False
    # the chair and the nominator cannot open the editor
    chair = app.test_client()
    sign_in(chair, "chutich")
    assert chair.get(f"/to-trinh/{sid}/can-cu").status_code == 404
    sent = d.send(sid)
    text = flat(docx_text(d.download("thuky", f"/api/v1/submissions/{sent['id']}/document?format=docx").data))
    assert "Căn cứ Luật Thi đua, khen thưởng" in text
