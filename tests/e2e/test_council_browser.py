"""The council in a real browser (Debian Chromium through Playwright) on the Định Biên demo: the
secretary builds a meeting and takes attendance, the chair opens the vote and sees only a count,
a member votes on a phone (choose, confirm, locked), the chair closes and reads the results.

``TDKT_E2E_SCREENSHOTS=<dir>`` also keeps screenshots of each step of the phone ballot."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workflow.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect

COUNCIL = ("chutich", "pct", "thuky", "mttq", "doantn", "hoind", "phunu", "ccb", "vhxh")


def translated(app, text, **values) -> str:
    from flask_babel import force_locale

    with app.test_request_context("/"), force_locale("vi"):
        return str(text) % values if values else str(text)


def sign_in(page, app, username: str) -> None:
    page.goto("/dang-nhap")
    page.get_by_label(translated(app, _l("Username")), exact=True).fill(username)
    page.get_by_label(translated(app, _l("Password")), exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=translated(app, _l("Sign in")), exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))


def sign_out(page, app) -> None:
    page.get_by_test_id("sign-out").click()


def shot(page, name: str) -> None:
    folder = os.environ.get("TDKT_E2E_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"council-{name}.png"), full_page=True)


def no_sideways_scroll(page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is wider than the screen: {width}"


def _user(session, username):
    from workflow.org.models import User

    return session.scalar(select(User).where(User.username == username))


def prepare(app) -> dict:
    """Through the services: a 2025 round at Định Biên; two LĐTT proposals by Nà To's hamlet head,
    submitted and accepted by the secretary; a third for the Fatherland Front's chair, a council
    member (mttq), who is therefore recused from it."""
    from workflow.extensions import db
    from workflow.org.models import Nominee
    from workflow.org.services import create_nominee
    from workflow.proposals import services

    with app.app_context():
        session = db.session
        thuky, xom = _user(session, "thuky"), _user(session, "xom_nato")
        round_ = services.create_round(session, thuky, authority_code="DB", year=2025, kind="annual",
                                       title="Bình xét thi đua năm 2025", nomination_deadline=date(2025, 12, 15))
        ids = {}
        for name in ("Ma Văn Toàn", "Hoàng Thị Hoa"):
            nominee = create_nominee(session, xom, kind="individual", name=name, authority_code="DB",
                                     unit_code="DB-XOM-NATO", position="Thôn viên")
            proposal = services.create_proposal(session, xom, round_id=round_.id, nominee_id=nominee.id,
                                                award_type_code="LDTT", unit_code="DB-XOM-NATO",
                                                achievements="Hoàn thành tốt nhiệm vụ năm 2025.")
            services.transition(session, proposal.id, "submit", xom)
            services.transition(session, proposal.id, "accept", thuky)
            ids[name] = proposal.id
        mttq = _user(session, "mttq")
        staff = session.scalar(select(Nominee).where(Nominee.user_id == mttq.id, Nominee.kind == "individual"))
        proposal = services.create_proposal(session, thuky, round_id=round_.id, nominee_id=staff.id,
                                            award_type_code="LDTT", unit_code="DB-MTTQ",
                                            achievements="Hoàn thành xuất sắc nhiệm vụ năm 2025.")
        services.transition(session, proposal.id, "submit", thuky)
        services.transition(session, proposal.id, "accept", thuky)
        ids["mttq"] = proposal.id
        ids["mttq_name"] = staff.name
        session.commit()  # the set-up's unit of work ends, as a request's would
        session.remove()
    return ids


def vote_by_services(app, meeting_id: int, plan: dict[str, dict[int, str]]) -> None:
    from workflow.council import ballots
    from workflow.extensions import db

    with app.app_context():
        for username, choices in plan.items():
            ballots.cast_ballot(db.session, _user(db.session, username), meeting_id,
                                [{"proposal_id": pid, "choice": c} for pid, c in choices.items()])
        db.session.commit()  # the set-up's unit of work ends, as a request's would
        db.session.remove()


def test_a_council_meeting_from_agenda_to_results(page, phone_page, app):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    ids = prepare(app)
    toan, hoa, own = ids["Ma Văn Toàn"], ids["Hoàng Thị Hoa"], ids["mttq"]
    t = lambda text, **values: translated(app, text, **values)  # noqa: E731

    # --- the secretary: meeting, agenda, attendance (desktop) ------------------------------------
    sign_in(page, app, "thuky")
    page.get_by_role("link", name=t(_l("Council meetings"))).click()
    page.get_by_test_id("new-meeting").click()
    page.get_by_label(t(_l("Date and time"))).fill("2025-12-20T08:00")
    page.get_by_label(t(_l("Place"))).fill("Hội trường UBND xã Định Biên")
    page.get_by_role("button", name=t(_l("Schedule the meeting"))).click()
    expect(page).to_have_url(re.compile(r"/hoi-dong/\d+/chuong-trinh$"))
    meeting_id = int(re.search(r"/hoi-dong/(\d+)/", page.url).group(1))
    for pid in (toan, hoa, own):
        page.locator(f"#proposal-{pid}").check()
    page.get_by_test_id("add-to-agenda").click()
    expect(page).to_have_url(re.compile(rf"/hoi-dong/{meeting_id}/diem-danh$"))
    for username in COUNCIL[:-1]:  # vhxh is away
        page.locator(f'input[name="present"][value="{username}"]').check()
    shot(page, "0-attendance")
    page.get_by_test_id("save-attendance").click()
    expect(page).to_have_url(re.compile(rf"/hoi-dong/{meeting_id}$"))
    expect(page.get_by_test_id("flash-success")).to_contain_text("8")
    expect(page.get_by_test_id("agenda").locator("li")).to_have_count(3)
    sign_out(page, app)

    # --- the chair opens the vote and sees a count --------------------------------------------------
    sign_in(page, app, "chutich")
    page.goto(f"/hoi-dong/{meeting_id}")
    expect(page.get_by_test_id("quorum")).to_contain_text("8")
    page.get_by_test_id("open-vote").click()
    expect(page.get_by_test_id("confirm-step")).to_be_visible()  # an irreversible act asks first
    page.get_by_test_id("confirm-yes").click()
    expect(page.get_by_test_id("vote-progress")).to_contain_text(
        t(_l("%(voted)d of %(present)d members present have voted"), voted=0, present=8))

    # --- a member votes on a phone: choose, review, confirm, locked ---------------------------------
    phone = phone_page
    sign_in(phone, app, "mttq")
    phone.goto("/hoi-dong/")
    shot(phone, "0-meetings")
    no_sideways_scroll(phone)
    phone.get_by_role("link", name=t(_l("Go to my ballot"))).click()
    expect(phone).to_have_url(re.compile(rf"/hoi-dong/{meeting_id}/phieu-bau$"))
    expect(phone.locator(f'[data-proposal="{own}"]')).to_have_attribute("data-status", "recused")
    expect(phone.locator(f'[data-proposal="{own}"] input[type="radio"]')).to_have_count(0)
    shot(phone, "1-ballot")
    no_sideways_scroll(phone)
    phone.locator(f'label[for="yes-{toan}"]').click()
    phone.get_by_test_id("review-ballot").click()  # one item without a choice: asked again
    expect(phone.locator(f'[data-proposal="{hoa}"].is-invalid')).to_be_visible()
    expect(phone.locator(f"#yes-{toan}")).to_be_checked()
    shot(phone, "2-missing")
    phone.locator(f'label[for="no-{hoa}"]').click()
    phone.get_by_test_id("review-ballot").click()
    expect(phone.get_by_test_id("confirm-ballot")).to_be_visible()
    review = phone.locator(".tdkt-ballot-review")
    expect(review.locator(f'[data-proposal="{toan}"]')).to_contain_text(t(_l("Agree")))
    expect(review.locator(f'[data-proposal="{hoa}"]')).to_contain_text(t(_l("Disagree")))
    shot(phone, "3-confirm")
    no_sideways_scroll(phone)
    phone.get_by_test_id("cast-ballot").click()
    expect(phone.get_by_test_id("ballot-locked")).to_be_visible()
    expect(phone.locator('input[type="radio"]')).to_have_count(0)
    shot(phone, "4-locked")
    no_sideways_scroll(phone)
    phone.reload()  # still locked on a fresh load
    expect(phone.get_by_test_id("ballot-locked")).to_be_visible()

    # --- the chair sees only the count; the others vote; the chair closes ---------------------------
    page.reload()
    shot(page, "6-chair-voting")
    progress = page.get_by_test_id("vote-progress")
    expect(progress).to_contain_text(t(_l("%(voted)d of %(present)d members present have voted"), voted=1, present=8))
    expect(page.get_by_test_id("yes")).to_have_count(0)
    page.goto(f"/hoi-dong/{meeting_id}/ket-qua")  # too early: back to the meeting with the reason
    expect(page).to_have_url(re.compile(rf"/hoi-dong/{meeting_id}$"))
    expect(page.get_by_test_id("flash-danger")).to_contain_text(
        t(_l("Results are available only after the vote closes.")))
    others = [u for u in COUNCIL[:-1] if u != "mttq"]
    vote_by_services(app, meeting_id, {u: {toan: "yes", hoa: "yes" if i < 3 else "no", own: "yes"}
                                       for i, u in enumerate(others)})
    page.reload()
    expect(page.get_by_test_id("vote-progress")).to_contain_text(
        t(_l("%(voted)d of %(present)d members present have voted"), voted=8, present=8))
    page.get_by_test_id("close-vote").click()
    page.get_by_test_id("confirm-yes").click()
    expect(page).to_have_url(re.compile(rf"/hoi-dong/{meeting_id}/ket-qua$"))
    shot(page, "7-chair-results")
    results = page.get_by_test_id("results")
    row = lambda pid: results.locator(f'[data-proposal="{pid}"]')  # noqa: E731
    expect(row(toan).get_by_test_id("yes")).to_have_text("8")
    expect(row(toan).get_by_test_id("denominator")).to_have_text("9")
    expect(row(toan).get_by_test_id("passed")).to_be_visible()
    expect(row(hoa).get_by_test_id("yes")).to_have_text("3")
    expect(row(hoa).get_by_test_id("failed")).to_be_visible()
    # mttq recused: still counted among all members (SPEC §3), not a "yes"
    expect(row(own).get_by_test_id("denominator")).to_have_text("9")
    expect(row(own)).to_contain_text(t(_l("Recused: %(member)s (%(reason)s)"), member=_full_name(app, "mttq"),
                                       reason=t(_l("is the nominee"))))
    expect(page.get_by_test_id("minutes-pdf")).to_have_attribute(
        "href", f"/hoi-dong/{meeting_id}/bien-ban.pdf")

    # the member reads the meeting page and the results on the phone
    phone.goto(f"/hoi-dong/{meeting_id}")
    shot(phone, "6-meeting")
    no_sideways_scroll(phone)
    phone.goto(f"/hoi-dong/{meeting_id}/ket-qua")
    expect(phone.get_by_test_id("results").locator("li")).to_have_count(3)
    shot(phone, "5-results")
    no_sideways_scroll(phone)


def _full_name(app, username: str) -> str:
    from workflow.extensions import db

    with app.app_context():
        name = _user(db.session, username).full_name
        db.session.commit()  # the set-up's unit of work ends, as a request's would
        db.session.remove()
    return name
