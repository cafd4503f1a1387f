"""The administration screens in Chromium (issue 11 item 8), as the Định Biên demo's deployment
admin: every screen from the "Quản trị" menu, each checked with axe-core (no serious or critical
violation) at 1280 and 390 px — no sideways scroll on a phone — and photographed into
``$TDKT_E2E_SCREENSHOTS/admin`` (CI keeps the folder as an artifact); then a unit created and a bad
one refused through the forms."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.e2e.test_browser import sign_in
from tests.e2e.test_year_by_screen import Tour
from workflow.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect


class AdminTour(Tour):
    def __init__(self, page):
        super().__init__(page)
        folder = os.environ.get("TDKT_E2E_SCREENSHOTS")
        self.folder = Path(folder) / "admin" if folder else None
        if self.folder:
            self.folder.mkdir(parents=True, exist_ok=True)


def _secretary_id(app) -> int:
    from workflow.extensions import db
    from workflow.org.models import User

    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == "thuky"))


def test_every_admin_screen_is_accessible_and_a_unit_is_created(app, page):
    tour = AdminTour(page)
    sign_in(page, "admin", DEMO_PASSWORD)
    expect(page.get_by_test_id("sign-out")).to_be_visible()
    page.get_by_role("link", name="Quản trị", exact=True).click()
    expect(page.get_by_role("heading", name="Quản trị", exact=True)).to_be_visible()
    tour.look("index")
    screens = [
        ("authorities", "/quan-tri/co-quan", "Cấp chính quyền và đơn vị"),
        ("authority-edit", "/quan-tri/co-quan/DB/sua", "Sửa UBND xã Định Biên"),
        ("authority-new", "/quan-tri/co-quan/moi?parent=TN", "Thêm cấp chính quyền"),
        ("units", "/quan-tri/co-quan/DB/don-vi", "Đơn vị của UBND xã Định Biên"),
        ("unit-edit", "/quan-tri/co-quan/DB/don-vi/DB-XOM-NATO/sua", "Sửa Xóm Nà To"),
        ("council", "/quan-tri/co-quan/DB/hoi-dong", "Hội đồng TĐKT của UBND xã Định Biên"),
        ("accounts", "/quan-tri/tai-khoan", "Tài khoản"),
        ("account-new", "/quan-tri/tai-khoan/moi", "Tài khoản mới"),
        ("roles", f"/quan-tri/tai-khoan/{_secretary_id(app)}/vai-tro", None),
        ("catalogue", "/quan-tri/danh-muc/", "Danh mục khen thưởng"),
        ("award-types", "/quan-tri/danh-muc/vn-2025", "Hình thức khen thưởng của vn-2025"),
        ("award-type-edit", "/quan-tri/danh-muc/vn-2025/LDTT/sua", "Sửa LDTT của vn-2025"),
        ("calendar", "/quan-tri/lich/", None),
        ("reminder-policies", "/quan-tri/nhac-viec", "Chính sách nhắc việc"),
        ("base-salary", "/quan-tri/luong-co-so/", "Lương cơ sở"),
    ]
    for name, path, heading in screens:
        page.goto(path)
        if heading:
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        tour.look(name)
    # the dissolved district shows as such in the tree
    page.goto("/quan-tri/co-quan")
    expect(page.locator('[data-code="DH"]').get_by_test_id("dissolved")).to_be_visible()

    # a unit created through its form, then one refused with the form's message
    page.goto("/quan-tri/co-quan/DB/don-vi")
    page.get_by_test_id("new-unit").click()
    page.get_by_label("Mã", exact=True).fill("DB-TRUONG-MN")
    page.get_by_label("Tên", exact=True).fill("Trường Mầm non Định Biên")
    page.get_by_label("Loại", exact=True).select_option("school")
    page.get_by_test_id("save-unit").click()
    expect(page.get_by_test_id("flash-success")).to_contain_text("Trường Mầm non Định Biên")
    expect(page.locator('[data-testid="unit"][data-code="DB-TRUONG-MN"]')).to_be_visible()
    page.get_by_test_id("new-unit").click()
    page.get_by_label("Mã", exact=True).fill("DB-TRUONG-MN")
    page.get_by_label("Tên", exact=True).fill("Trường trùng mã")
    page.get_by_test_id("save-unit").click()
    expect(page.get_by_test_id("form-error")).to_be_visible()
    expect(page.get_by_test_id("error-code")).to_contain_text("DB-TRUONG-MN")
    tour.look("unit-refused")
    assert not tour.problems, "\n".join(tour.problems)
