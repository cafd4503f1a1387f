"""Every role's menu screens, and the first links on them, in Chromium at 1280 and 390 px: axe-core
finds no serious or critical WCAG 2.1 A/AA violation, the page never scrolls sideways, and at 1280
px the menu (the admin's is the longest) stays inside the bar."""

from __future__ import annotations

import pytest

from tests.e2e import axe
from tests.e2e.test_browser import ACCOUNT_OF_ROLE, sign_in

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect

ROLES = ["nominator", "secretary", "chair", "council_member", "higher_reviewer", "admin"]
FILES = (".pdf", ".docx", ".zip", ".xlsx")


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("role", ROLES)
def test_each_roles_screens_pass_axe_and_fit(page, role, width):
    page.emulate_media(reduced_motion="reduce")
    page.set_viewport_size({"width": width, "height": 900})
    problems: list[str] = []

    def check(href: str) -> None:
        page.wait_for_load_state("load")
        found = axe.violations(page)
        if found:
            problems.append(axe.describe(href, found))
        scroll = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if scroll[0] > scroll[1]:
            problems.append(f"{href}: wider than the screen {scroll}")

    page.goto("/dang-nhap")
    check("/dang-nhap")
    username, password = ACCOUNT_OF_ROLE[role]
    sign_in(page, username, password)
    expect(page.locator("[data-testid='sign-out']")).to_have_count(1)
    if width == 1280:
        bar = page.evaluate("() => { const n = document.querySelector('#nav-main');"
                            " return [n.scrollWidth, n.clientWidth] }")
        assert bar[0] <= bar[1], f"the menu runs past the bar: {bar}"
    menu = page.locator("#nav-main a.nav-link").evaluate_all("nodes => nodes.map(n => n.getAttribute('href'))")
    seen: set[str] = set()
    for href in ["/", *menu]:
        page.goto(href)
        check(href)
        seen.add(href)
        # the first few links of each screen: the pages one click deeper (a proposal, a meeting, …)
        # (a link marked ``download`` — an export, a template, a document — is a file, not a screen)
        deeper = page.locator("main a[href^='/']:not([download])").evaluate_all(
            "nodes => nodes.map(n => n.getAttribute('href'))")
        for link in [d for d in deeper if d not in seen and not d.endswith(FILES)][:3]:
            seen.add(link)
            page.goto(link)
            check(link)
    assert len(menu) >= 2  # home and the role's own section at least
    assert not problems, "\n".join(problems)
