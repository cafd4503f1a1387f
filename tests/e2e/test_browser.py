"""The web shell in a real browser (Debian Chromium through Playwright), on the Định Biên demo:
each role signs in and finds its section, a wrong password is refused, the language switches,
the layout holds on a phone, the skip link works, errors are friendly pages."""

from __future__ import annotations

import re

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workflow.demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect

# the first demo account of each role, in DEMO_ACCOUNTS order
ACCOUNT_OF_ROLE: dict[str, tuple[str, str]] = {}
for _username, _password, _role, _description in DEMO_ACCOUNTS:
    ACCOUNT_OF_ROLE.setdefault(_role, (_username, _password))

VI = {"username": "Tên đăng nhập", "password": "Mật khẩu", "submit": "Đăng nhập"}
EN = {"username": "Username", "password": "Password", "submit": "Sign in"}
LOGIN_URL = re.compile(r"/dang-nhap(\?.*)?$")
HOME_URL = re.compile(r"/$")


def sign_in(page, username: str, password: str, labels: dict = VI) -> None:
    """Fill the form through its visible labels (which also proves the fields are labelled)."""
    page.goto("/dang-nhap")
    page.get_by_label(labels["username"], exact=True).fill(username)
    page.get_by_label(labels["password"], exact=True).fill(password)
    page.get_by_role("button", name=labels["submit"], exact=True).click()


def scope_of(app, username: str) -> list[tuple[str, str | None, str | None]]:
    """(role, authority name, unit name) of each role the demo gave this account."""
    from workflow.extensions import db
    from workflow.org.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        assert user is not None, f"demo account {username} is missing"
        scope = [(r.role, r.authority.name if r.authority else None, r.unit.name if r.unit else None)
                 for r in user.roles]
        db.session.remove()
    return scope


def translated(app, text, locale: str = "vi") -> str:
    from flask_babel import force_locale

    with app.test_request_context("/"), force_locale(locale):
        return str(text)


def assert_no_sideways_scroll(page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is wider than the screen: {width}"


def test_the_demo_has_every_role():
    assert set(ACCOUNT_OF_ROLE) == {"admin", "secretary", "chair", "council_member", "nominator",
                                    "higher_reviewer"}


@pytest.mark.parametrize("role", list(ACCOUNT_OF_ROLE))
def test_each_role_signs_in_sees_its_section_and_signs_out(page, app, role):
    from workflow.views import ROLE_LABELS

    username, password = ACCOUNT_OF_ROLE[role]
    scope = scope_of(app, username)
    whole = translated(app, _l("Whole deployment"))  # what an admin without an authority sees

    sign_in(page, username, password)
    expect(page).to_have_url(HOME_URL)
    expect(page.locator("html")).to_have_attribute("lang", "vi")

    section = page.locator(f'[data-role="{role}"]')
    expect(section).to_be_visible()
    expect(section.get_by_role("heading")).to_have_text(translated(app, ROLE_LABELS[role]))
    shown = page.locator("[data-role]").evaluate_all("nodes => nodes.map(n => n.dataset.role)")
    assert sorted(shown) == sorted({r for r, _a, _u in scope})

    for held_role, authority, unit in scope:
        if held_role != role:
            continue
        expect(page.get_by_test_id("authority")).to_contain_text(authority or whole)
        expect(section).to_contain_text(authority or whole)
        if unit:
            expect(page.get_by_test_id("unit")).to_contain_text(unit)
            expect(section).to_contain_text(unit)

    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_test_id("flash-info")).to_contain_text("Bạn đã đăng xuất.")
    page.goto("/")
    expect(page).to_have_url(LOGIN_URL)  # signed out: the home page asks to sign in again


def test_wrong_password_shows_the_error_and_stays_on_the_login_page(page):
    username, _password = ACCOUNT_OF_ROLE["secretary"]
    sign_in(page, username, "mat-khau-sai")

    expect(page.get_by_role("alert")).to_contain_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_label(VI["username"], exact=True)).to_have_value(username)
    expect(page.get_by_label(VI["password"], exact=True)).to_have_value("")
    expect(page.get_by_label(VI["password"], exact=True)).to_be_focused()  # ready for a second try
    expect(page.locator("[data-role]")).to_have_count(0)


def test_switch_to_english_and_back(page, app):
    page.goto("/dang-nhap")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", name="Quản lý thi đua, khen thưởng")).to_be_visible()

    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Emulation and commendation management")).to_be_visible()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Username", exact=True)).to_be_visible()

    # signed in, the switch works on the home page as well
    username, password = ACCOUNT_OF_ROLE["chair"]
    sign_in(page, username, password, EN)
    expect(page).to_have_url(HOME_URL)
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(HOME_URL)
    expect(page.locator('[data-role="chair"]').get_by_role("heading")).to_have_text("Chairman")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("link", name="Tiếng Việt").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def test_the_chosen_language_survives_signing_in(page):
    page.goto("/dang-nhap?lang=en")
    username, password = ACCOUNT_OF_ROLE["secretary"]
    sign_in(page, username, password, EN)
    expect(page).to_have_url(HOME_URL)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator('[data-role="secretary"]').get_by_role("heading")).to_have_text(
        "Emulation and commendation officer (council secretary)")


def test_phone_layout_signs_in_and_out_through_the_menu(phone_page):
    page = phone_page
    page.goto("/dang-nhap")
    assert_no_sideways_scroll(page)

    username, password = ACCOUNT_OF_ROLE["nominator"]
    sign_in(page, username, password)
    expect(page.locator('[data-role="nominator"]')).to_be_visible()
    assert_no_sideways_scroll(page)

    sign_out = page.get_by_role("button", name="Đăng xuất")
    expect(sign_out).to_be_hidden()  # folded into the menu on a small screen
    page.get_by_role("button", name="Trình đơn").click()
    sign_out.click()
    expect(page).to_have_url(LOGIN_URL)


def test_skip_link_jumps_to_the_content(page):
    username, password = ACCOUNT_OF_ROLE["admin"]
    sign_in(page, username, password)
    expect(page).to_have_url(HOME_URL)

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Chuyển đến nội dung chính")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_unknown_page_is_a_friendly_error(page):
    response = page.goto("/khong-co-trang-nay")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Không tìm thấy")).to_be_visible()
    expect(page.get_by_role("link", name="Về trang chủ")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Traceback")
