"""Issued documents never print the rule files' working notes: "(cần xác minh)", "(verify)" and the
like stay out of decisions, submissions, minutes and certificates (DOCX and PDF), even when every
award name and legal basis of the loaded rule sets carries one."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.decisions.test_documents import docx_text, flat, pdf_text
from workflow.catalog.models import AwardType, RuleSet
from workflow.council.models import Meeting
from workflow.documents.layout import without_working_notes

MARK = re.compile(r"verify|xác minh|kiểm chứng", re.IGNORECASE)
NOTES = (" (cần xác minh)", " (verify)", " *(verify)*", " (từ 01/10/2026, cần xác minh)", " (old rule; verify)")


@pytest.mark.parametrize("note", NOTES)
def test_a_note_is_cut_with_its_space(note):
    assert without_working_notes(f"Nghị định số 152/2025/NĐ-CP{note};") == "Nghị định số 152/2025/NĐ-CP;"


def test_other_parentheses_stay():
    text = "Giấy khen của Chủ tịch UBND xã (đột xuất) theo Điều 9 (khoản 3)"
    assert without_working_notes(text) == text


def _mark_every_rule_set(session) -> None:
    for n, award in enumerate(session.scalars(select(AwardType))):
        award.name_vi = award.name_vi + NOTES[n % len(NOTES)]
    for rule_set in session.scalars(select(RuleSet)):
        content = dict(rule_set.content)
        content["legal_basis"] = [f"{b} (cần xác minh)" for b in content.get("legal_basis", [])] + [
            "Thông tư số 15/2025/TT-BNV của Bộ Nội vụ (verify)"]
        rule_set.content = content
    session.commit()


def test_no_issued_document_prints_a_working_note(d, session):
    _mark_every_rule_set(session)
    gk = [d.accepted(name, "GK_XA") for name in ("Ma Văn Ghi Chú", "Hoàng Thị Xác")]
    ldtt = d.accepted("Nông Thị Minh", "LDTT")
    bk = d.accepted("Lường Văn Trình", "BK_TINH")
    d.recommend(gk + [ldtt, bk])
    assert MARK.search(d.proposal(gk[0]).award_rule["name_vi"])  # the snapshot carries the note
    decision = d.issue(d.decision(gk)["id"], date="2025-12-28")
    submission = d.submission([bk])
    documents = [f"/api/v1/decisions/{decision['id']}/document", f"/api/v1/decisions/{decision['id']}/certificates",
                 f"/api/v1/submissions/{submission['id']}/document"]
    meeting = session.scalar(select(Meeting).where(Meeting.status == "closed"))
    documents.append(f"/api/v1/meetings/{meeting.id}/minutes")
    sent = d.send(submission["id"])
    documents.append(f"/api/v1/submissions/{sent['id']}/document")
    for path in documents:
        for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
            text = flat(read(d.download("thuky", f"{path}?format={fmt}").data))
            assert not MARK.search(text), (path, fmt, MARK.search(text), text[:400])
            assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text or "Giấy khen" in text or "GIẤY" in text
    # the legal bases are still printed, only without their notes
    text = flat(docx_text(d.download("thuky", f"{documents[0]}?format=docx").data))
    assert "Căn cứ Thông tư số 15/2025/TT-BNV của Bộ Nội vụ" in text
