"""The secret ballot by keyboard alone (issue 13, accessibility): a member signs in, reaches the
ballot, chooses on each item, reviews and casts it with Tab, the arrow keys, Space and Enter — no
mouse — and every focused control shows where the focus is."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_council_browser import prepare
from workflow.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect

PRESENT = ("chutich", "pct", "thuky", "mttq", "doantn", "hoind", "phunu", "ccb")


def _voting_meeting(app, ids) -> int:
    """Through the services (the set-up): a meeting of today on the two LĐTT proposals, attendance
    taken, the vote open."""
    from sqlalchemy import select

    from workflow import vntime
    from workflow.council import services as council
    from workflow.extensions import db
    from workflow.org.models import User

    with app.app_context():
        session = db.session
        user = lambda name: session.scalar(select(User).where(User.username == name))  # noqa: E731
        thuky, chair = user("thuky"), user("chutich")
        meeting = council.create_meeting(session, thuky, authority_code="DB", scheduled_at=vntime.now(),
                                         place="Hội trường UBND xã Định Biên")
        council.set_agenda(session, thuky, meeting.id, [ids["Ma Văn Toàn"], ids["Hoàng Thị Hoa"]])
        council.record_attendance(session, thuky, meeting.id, present=list(PRESENT))
        council.open_vote(session, chair, meeting.id)
        meeting_id = meeting.id
        session.commit()  # the set-up's unit of work ends, as a request's would
        session.remove()
    return meeting_id


def _tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching ``selector`` has the focus (it must be reachable)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            # a toggle button's radio is hidden: its label shows the focus (Bootstrap's .btn-check)
            outline = page.evaluate("""() => { let e = document.activeElement;
                if (e.classList.contains('btn-check')) e = e.nextElementSibling;
                const s = getComputedStyle(e); return [s.outlineStyle, s.boxShadow] }""")
            assert outline[0] not in ("none", "") or outline[1] != "none", f"{selector}: the focus is invisible"
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def test_a_member_votes_with_the_keyboard_alone(page, app):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    ids = prepare(app)
    meeting = _voting_meeting(app, ids)
    toan, hoa = ids["Ma Văn Toàn"], ids["Hoàng Thị Hoa"]

    page.goto("/dang-nhap")
    page.keyboard.type("doantn")  # the username field has the focus on arrival
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/$"))

    page.goto("/hoi-dong/")
    _tab_to(page, f"a[href='/hoi-dong/{meeting}/phieu-bau']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/hoi-dong/{meeting}/phieu-bau$"))

    # the first item: Tab reaches its "agree", Space chooses it
    _tab_to(page, f"#yes-{toan}")
    page.keyboard.press("Space")
    expect(page.locator(f"#yes-{toan}")).to_be_checked()
    # the second item: its radio group, then the arrow key moves to "disagree"
    _tab_to(page, f"#yes-{hoa}")
    page.keyboard.press("ArrowRight")
    expect(page.locator(f"#no-{hoa}")).to_be_checked()
    expect(page.locator(f"#yes-{toan}")).to_be_checked()  # the other item keeps its choice

    _tab_to(page, "[data-testid='review-ballot']")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("confirm-ballot")).to_be_visible()
    _tab_to(page, "[data-testid='cast-ballot']")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("ballot-locked")).to_be_visible()
