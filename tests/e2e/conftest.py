"""Browser fixtures: the app with the Định Biên demo behind a live server, and Debian's Chromium
driven by Playwright (sync API). Never `playwright install`: the system Chromium is used.

``TDKT_E2E_SCREENSHOTS=<dir>`` saves the last screen of every test there; a failing test always
leaves one in /tmp.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import need, serve_in_thread

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run",
]
TIMEOUT_MS = 10_000
FAILURE_SHOTS = Path("/tmp")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the test item, so a fixture can tell that the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    need(CHROMIUM is not None, "Chromium is not installed (apt-get install chromium): browser tests skipped")
    need(importlib.util.find_spec("playwright") is not None,
         "the playwright Python package is missing (pip install -e '.[dev]'): browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app, backend):
    """The test app with the demo loaded, served on 127.0.0.1 (a free port) in a thread."""
    if backend != "sqlite":
        pytest.skip("browser tests run on SQLite only (the database layer is covered on PostgreSQL)")
    from workflow.demo import load_demo
    from workflow.extensions import db

    with app.app_context():
        # the demo's shape and its open round; its 2023 played through the workflow (~700
        # proposals, a minute or more) is tests/test_demo_year.py's, not every browser test's
        load_demo(db.session, year_2023=False)
        db.session.remove()
    with serve_in_thread(app) as url:
        yield url


def _new_page(browser, base_url: str, **context_options):
    context = browser.new_context(base_url=base_url, locale="vi-VN", **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context, context.new_page()


def _shot_name(item) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", item.nodeid.split("::", 1)[-1]).strip("-") + ".png"


def _finish(request, context, page) -> None:
    """Screenshot (on failure, or every test with TDKT_E2E_SCREENSHOTS), then close the context."""
    failed = any(getattr(request.node, f"report_{when}", None) is not None
                 and getattr(request.node, f"report_{when}").failed for when in ("setup", "call"))
    try:
        if failed:
            path = FAILURE_SHOTS / f"tdkt-e2e-{_shot_name(request.node)}"
            page.screenshot(path=str(path), full_page=True)
            print(f"screenshot of the failure: {path}")
        elif os.environ.get("TDKT_E2E_SCREENSHOTS"):
            folder = Path(os.environ["TDKT_E2E_SCREENSHOTS"])
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / _shot_name(request.node)), full_page=True)
    finally:
        context.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser context (no cookies) on the live server, desktop size."""
    context, page = _new_page(browser, live_server)
    yield page
    _finish(request, context, page)


@pytest.fixture
def phone_page(browser, live_server, request):
    """A small touch screen (iPhone SE size)."""
    context, page = _new_page(browser, live_server, viewport={"width": 375, "height": 667},
                              is_mobile=True, has_touch=True)
    yield page
    _finish(request, context, page)
