"""Text typed by users is shown as text, never run as markup (issue 13): a script-and-markup payload
in every free-text field a proposal's year carries (round title, nominee name, position and
household head, achievements, comments, reasons, the meeting's place, the public's objection) is
read back in Chromium on every screen that shows it — with the CSP switched off for this test, so
it is the escaping alone that is on trial: no dialog opens, no injected element exists, the
payload's characters are on the page as typed. The decision's DOCX and PDF carry it as text too."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.test_browser import sign_in
from workflow import vntime
from workflow.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

PAYLOAD = "<script>alert('x1')</script><img src=x onerror=alert('x2')>\"'><svg onload=alert('x3')>&amp;"
INJECTED = "script:not([src]):not([nonce]), img[src='x'], svg[onload], [onerror]"


def _seed(app) -> dict:
    """Through the services (the set-up, not the subject): the payload in every field."""
    from workflow.council import services as council
    from workflow.decisions import services as decisions
    from workflow.extensions import db
    from workflow.org.models import User
    from workflow.org.services import create_nominee
    from workflow.proposals import notice, services

    with app.app_context():
        session = db.session
        user = lambda name: session.scalar(select(User).where(User.username == name))  # noqa: E731
        thuky, xom, chair = user("thuky"), user("xom_nato"), user("chutich")
        today = vntime.today()
        round_ = services.create_round(session, thuky, authority_code="DB", year=today.year, kind="campaign",
                                       title=f"Đợt {PAYLOAD}", nomination_deadline=today + timedelta(days=30))
        person = create_nominee(session, xom, kind="individual", name=f"Ma Văn {PAYLOAD}", authority_code="DB",
                                unit_code="DB-XOM-NATO", position=f"Thôn viên {PAYLOAD}")
        household = create_nominee(session, xom, kind="household", name=f"Hộ {PAYLOAD}", authority_code="DB",
                                   unit_code="DB-XOM-NATO", head_name=f"Chủ hộ {PAYLOAD}")
        ids = {"round": round_.id, "person": person.id, "household": household.id}
        # a Giấy khen taken to a draft decision, its history carrying the payload in a comment
        p = services.create_proposal(session, xom, round_id=round_.id, nominee_id=person.id, award_type_code="GK_XA",
                                     unit_code="DB-XOM-NATO", achievements=f"Thành tích {PAYLOAD}")
        services.transition(session, p.id, "submit", xom, comment=f"Gửi {PAYLOAD}")
        services.transition(session, p.id, "accept", thuky)
        services.transition(session, p.id, "schedule", thuky, internal={"meeting_id": 1})
        services.transition(session, p.id, "pass", chair, internal={"meeting_id": 1})
        ids["decided"] = p.id
        ids["decision"] = decisions.create_decision(session, thuky, authority_code="DB", award_type_code="GK_XA",
                                                    proposal_ids=[p.id]).id
        # one rejected with the payload as its reason, one on public notice with an objection
        q = services.create_proposal(session, xom, round_id=round_.id, nominee_id=household.id,
                                     award_type_code="GK_XA", unit_code="DB-XOM-NATO", achievements=PAYLOAD)
        services.transition(session, q.id, "submit", xom)
        services.transition(session, q.id, "reject", thuky, data={"reason": f"Lý do {PAYLOAD}"})
        ids["rejected"] = q.id
        r = services.create_proposal(session, xom, round_id=round_.id, nominee_id=household.id,
                                     award_type_code="BK_TINH", unit_code="DB-XOM-NATO", achievements=PAYLOAD)
        services.transition(session, r.id, "submit", xom)
        services.transition(session, r.id, "accept", thuky)
        services.transition(session, r.id, "publish", thuky, data={"days": 7})
        notice.file_objection(session, "DB", r.id, name=f"Dân {PAYLOAD}", contact="0912 345 678",
                              text=f"Phản ánh {PAYLOAD}")
        ids["notice"] = r.id
        meeting = council.create_meeting(session, thuky, authority_code="DB",
                                         scheduled_at=vntime.now() + timedelta(days=2), place=f"Hội trường {PAYLOAD}")
        ids["meeting"] = meeting.id
        session.commit()
        session.remove()
    return ids


@pytest.fixture
def open_page(browser, live_server, request):
    """A desktop page with the CSP bypassed: only the templates' escaping stands between the
    payload and the browser."""
    from tests.e2e.conftest import _finish

    context = browser.new_context(base_url=live_server, locale="vi-VN", bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    _finish(request, context, page)


def test_the_payload_is_text_on_every_screen_and_document(open_page, app):
    ids = _seed(app)
    page = open_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    def shows_as_text(path: str, expected: str | None = PAYLOAD) -> None:
        page.goto(path)
        page.wait_for_load_state("load")
        assert page.locator(INJECTED).count() == 0, f"{path}: an element of the payload was created"
        if expected is not None:
            assert expected in page.locator("body").inner_text(), f"{path}: the payload is not shown as typed"

    shows_as_text("/cong-khai/DB")  # the public page, before anyone signs in
    sign_in(page, "thuky", DEMO_PASSWORD)
    for path in ("/dot-xet/", "/doi-tuong/", f"/doi-tuong/{ids['person']}", f"/doi-tuong/{ids['household']}",
                 "/ho-so/", "/ho-so/tiep-nhan", f"/ho-so/{ids['decided']}", f"/ho-so/{ids['rejected']}",
                 f"/ho-so/{ids['notice']}", "/hoi-dong/", f"/hoi-dong/{ids['meeting']}",
                 f"/hoi-dong/{ids['meeting']}/chuong-trinh"):
        shows_as_text(path)
    shows_as_text("/quyet-dinh", expected=None)  # lists counts, not names: only safe
    page.get_by_test_id("sign-out").click()
    sign_in(page, "xom_nato", DEMO_PASSWORD)
    for path in ("/ho-so/don-vi", f"/ho-so/{ids['decided']}", "/ho-so/moi"):
        shows_as_text(path)
    assert dialogs == []

    # the decision's documents carry the nominee's name as text
    page.get_by_test_id("sign-out").click()
    sign_in(page, "chutich", DEMO_PASSWORD)
    for fmt in ("docx", "pdf"):
        response = page.request.get(f"/quyet-dinh/{ids['decision']}/van-ban.{fmt}")
        assert response.status == 200
        body = response.body()
        if fmt == "docx":
            from docx import Document

            text = "\n".join(p.text for p in Document(io.BytesIO(body)).paragraphs)
            for table in Document(io.BytesIO(body)).tables:
                text += "\n".join(cell.text for row in table.rows for cell in row.cells)
            xml = zipfile.ZipFile(io.BytesIO(body)).read("word/document.xml").decode()
            assert "<script>" not in xml and "<img" not in xml  # escaped inside the XML
        else:
            from pypdf import PdfReader

            text = "\n".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(body)).pages)
        assert "Ma Văn" in text and re.search(r"<script>\s*alert", text), f"{fmt}: the name is not printed as typed"
