"""Issue 15, item 11 (PostgreSQL cannot store a NUL, so the stored names carry other control
characters): a control character in a name stored before names were checked (or imported
from another system) must not fail the DOCX or the PDF: python-docx refuses XML-illegal characters,
so the renderers drop them, and the rest of the name is printed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.decisions.test_documents import docx_text, flat, pdf_text
from workflow.council.models import Meeting
from workflow.org.models import Nominee
from workflow.proposals.models import Proposal


def _spoil(session, pid: int, name: str) -> None:
    session.expire_all()
    nominee = session.get(Nominee, session.get(Proposal, pid).nominee_id)
    nominee.name = name
    session.commit()


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_decision_renders_with_a_control_character_in_a_nominee_name(d, session, fmt):
    pids = [d.accepted("Ma Văn Một", "GK_XA"), d.accepted("Ma Văn Hai", "GK_XA")]
    d.recommend(pids)
    decision = d.issue(d.decision(pids)["id"], date="2025-12-28")
    _spoil(session, pids[0], "Ma Văn\x01 Ng\x0bọc\x1b")
    response = d.download("chutich", f"/api/v1/decisions/{decision['id']}/document?format={fmt}")
    text = flat((docx_text if fmt == "docx" else pdf_text)(response.data))
    assert "Ma Văn Ngọc" in text and "Ma Văn Hai" in text
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    certificates = d.download("chutich", f"/api/v1/decisions/{decision['id']}/certificates?format={fmt}")
    assert "Ma Văn Ngọc" in flat((docx_text if fmt == "docx" else pdf_text)(certificates.data))


def test_minutes_render_with_a_control_character_in_a_nominee_name(d, session):
    pid = d.accepted("Bàn Văn Phiếu", "LDTT")
    _spoil(session, pid, "Bàn Văn\x0c Phiếu\x08")  # before the close, which keeps the names it counted
    d.recommend([pid])
    closed = session.scalar(select(Meeting.id).where(Meeting.status == "closed"))
    text = flat(docx_text(d.download("thuky", f"/api/v1/meetings/{closed}/minutes?format=docx").data))
    assert "Bàn Văn Phiếu" in text
