"""Under the Content-Security-Policy (no inline scripts or styles), the main screens of each role
load without a single CSP violation in Chromium's console (issue 15, item 15)."""

from __future__ import annotations

import pytest

from tests.e2e.test_browser import ACCOUNT_OF_ROLE, sign_in
from workflow.demo.data import COMMUNE

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect


def _watch_csp(page) -> list[str]:
    """Chromium reports every blocked script, style, image or frame as a console error."""
    violations: list[str] = []
    page.on("console", lambda message: violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)
    return violations


@pytest.mark.parametrize("role", ["nominator", "secretary", "chair", "council_member", "admin"])
def test_main_screens_have_no_csp_violations(page, role):
    violations = _watch_csp(page)
    page.goto("/dang-nhap")
    username, password = ACCOUNT_OF_ROLE[role]
    sign_in(page, username, password)
    expect(page.get_by_test_id("sign-out")).to_be_visible()
    links = page.locator(".navbar-nav a.nav-link").evaluate_all("nodes => nodes.map(n => n.getAttribute('href'))")
    extra = ["/ho-so/moi"] if role == "nominator" else []  # the page with proposals.js
    for href in [*links, *extra, f"/cong-khai/{COMMUNE}", "/no-such-page"]:
        page.goto(href)
        page.wait_for_load_state("load")
    # the scripts really ran: Bootstrap's dismissible alert closes on click
    page.goto("/")
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_test_id("flash-info")).to_be_visible()
    page.wait_for_load_state("load")  # the alert shows before Bootstrap's script at the end has run
    page.get_by_test_id("flash-info").get_by_role("button").click()
    expect(page.get_by_test_id("flash-info")).to_have_count(0)
    assert violations == []
