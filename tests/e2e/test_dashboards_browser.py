"""Each role's dashboard in Chromium (issue 11 item 6), on the Định Biên demo with a few proposals
in the states each role acts on: the hamlet head, the secretary, the chair, a council member, the
province's reviewer and the administrator sign in through the form, open the dashboard from the
menu, and see what waits for them (the overdue first), the counts by state and the charts, each
with its table. Every screen is checked with axe-core (no serious or critical violation) at 1280
and 390 px (no sideways scroll) and photographed into ``$TDKT_E2E_SCREENSHOTS/dashboards``, which
CI keeps as an artifact."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.e2e import axe
from tests.e2e.test_browser import sign_in
from workflow import vntime
from workflow.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect

WIDE, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
HAMLET = "DB-XOM-NATO"
# (username, role, what its dashboard must show)
ROLES = [
    ("xom_nato", "nominator", "Bổ sung hồ sơ bị trả lại"),
    ("thuky", "secretary", "Tiếp nhận, kiểm tra hồ sơ"),
    ("chutich", "chair", "Quyết định khen thưởng hoặc ký tờ trình"),
    ("mttq", "council_member", "Dự phiên họp Hội đồng"),
    ("tinh_tdkt", "higher_reviewer", "Xem xét hồ sơ cấp dưới trình"),
    ("admin", "admin", None),
]


def _seed(app) -> dict:
    """A few proposals of the demo's open round: one waiting past its limit, one fresh, one returned,
    one draft, one recommended, one awarded; one sent up to the province; a council meeting."""
    from sqlalchemy import select

    from tests.proposals.rows import history_row, proposal_in_state, rule_for
    from workflow.calendar.services import WorkCalendar
    from workflow.council.models import Meeting
    from workflow.extensions import db
    from workflow.org.models import Authority, Unit
    from workflow.proposals.models import Round

    with app.app_context():
        session = db.session
        commune = session.scalar(select(Authority).where(Authority.code == "DB"))
        province = session.scalar(select(Authority).where(Authority.code == "TN"))
        hamlet = session.scalar(select(Unit).where(Unit.code == HAMLET))
        round_ = session.scalar(select(Round).where(Round.authority_id == commune.id))
        calendar, today = WorkCalendar.load(session), vntime.today()

        def ago(days: int):
            day, left = today, days
            while left > 0:
                day -= timedelta(days=1)
                left -= calendar.is_working_day(day)
            return vntime.local_midnight(day) + timedelta(hours=9)

        code, rule = rule_for(session, commune, "LDTT")
        late = proposal_in_state(session, round_=round_, unit=hamlet, state="under_review", rule=(code, rule))
        history_row(session, late, "submit", "draft", "submitted", ago(40))
        fresh = proposal_in_state(session, round_=round_, unit=hamlet, state="submitted")
        history_row(session, fresh, "submit", "draft", "submitted", ago(1))
        returned = proposal_in_state(session, round_=round_, unit=hamlet, state="returned")
        history_row(session, returned, "submit", "draft", "submitted", ago(6))
        history_row(session, returned, "return_for_changes", "submitted", "returned", ago(3))
        proposal_in_state(session, round_=round_, unit=hamlet, state="draft")
        recommended = proposal_in_state(session, round_=round_, unit=hamlet, state="recommended", rule=(code, rule))
        history_row(session, recommended, "submit", "draft", "submitted", ago(8))
        proposal_in_state(session, round_=round_, unit=hamlet, state="awarded", rule=(code, rule))
        up = proposal_in_state(session, round_=round_, unit=hamlet, state="submitted", award="BK_TINH")
        up.current_authority_id = province.id  # forwarded in-system: it waits at the province
        history_row(session, up, "forward", "recommended", "submitted", ago(2), data={"to_authority": "TN"})
        session.add(Meeting(authority_id=commune.id, scheduled_at=vntime.local_midnight(today + timedelta(days=2))
                            + timedelta(hours=8), place="Hội trường UBND xã Định Biên", status="scheduled"))
        session.commit()
        ids = {"late": late.id, "fresh": fresh.id}
        db.session.remove()
    return ids


def test_each_roles_dashboard(page, app, live_server):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    page.emulate_media(reduced_motion="reduce")
    ids = _seed(app)
    folder = Path(os.environ["TDKT_E2E_SCREENSHOTS"]) / "dashboards" if os.environ.get("TDKT_E2E_SCREENSHOTS") else None
    if folder:
        folder.mkdir(parents=True, exist_ok=True)
    problems = []
    for username, role, expected in ROLES:
        page.set_viewport_size(WIDE)
        sign_in(page, username, DEMO_PASSWORD)
        expect(page.get_by_test_id("sign-out")).to_be_visible()
        page.get_by_test_id("open-dashboard").click()  # linked from the home screen
        expect(page).to_have_url(re.compile(r"/bang-dieu-khien/"))
        expect(page.get_by_role("heading", name="Bảng điều khiển", exact=True)).to_be_visible()
        waiting = page.get_by_test_id("waiting")
        if expected:
            expect(waiting.get_by_text(expected).first).to_be_visible()
        if role == "secretary":  # the one past its limit comes first, marked in words
            first = waiting.get_by_test_id("waiting-item").first
            expect(first).to_have_attribute("data-overdue", "true")
            expect(first.get_by_role("link")).to_have_attribute("href", f"/ho-so/{ids['late']}")
            expect(first.get_by_text("Quá hạn")).to_be_visible()
            page.get_by_test_id("chart-award").get_by_text("Xem dạng bảng").click()
            expect(page.get_by_test_id("chart-award-table")).to_be_visible()
        if role in ("higher_reviewer", "admin"):
            expect(page.get_by_test_id("province-view")).to_be_visible()
            expect(page.get_by_test_id("commune-DB")).to_be_visible()
        expect(page.get_by_test_id("state-counts")).to_be_visible()
        found = axe.violations(page)
        if found:
            problems.append(axe.describe(f"{role} ({page.url})", found))
        if folder:
            page.screenshot(path=str(folder / f"{role}-1280.png"), full_page=True)
        page.set_viewport_size(PHONE)
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{role}: the dashboard is wider than a phone: {width}"
        found = axe.violations(page)
        if found:
            problems.append(axe.describe(f"{role} at 390 px ({page.url})", found))
        if folder:
            page.screenshot(path=str(folder / f"{role}-390.png"), full_page=True)
        page.set_viewport_size(WIDE)
        page.get_by_test_id("sign-out").click()
        expect(page).to_have_url(re.compile(r"/dang-nhap"))
    assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(problems)
