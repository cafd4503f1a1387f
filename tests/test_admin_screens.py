"""The administration screens (issue 11 item 8): each one lists, creates and edits through the
services the API calls, so a bad input shows the API's message on the form and changes nothing, a
good one leaves its audit entry, and an authority's admin reaches only its subtree (404 beyond it,
as for anyone who is not an admin)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.security_world import browser_for, csrf_of
from workflow.audit.models import AuditEntry
from workflow.calendar.models import CalendarDay
from workflow.cash.models import BaseSalary
from workflow.catalog.models import AwardType, RuleSet
from workflow.org.models import Authority, CouncilMember, Unit, User


@pytest.fixture
def org(app, session):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    world = f.commune_setup(session)
    world["commune_b"] = f.authority(session, "X-KH", "commune", world["district"], name="UBND xã Kim Hỷ")
    world["hamlet_b"] = f.unit(session, world["commune_b"], "KH-BAN", name="Xóm Bản")
    world["admin_b"] = f.user(session, "admin", world["commune_b"], username="quantri_kh")
    world["secretary_b"] = f.user(session, "secretary", world["commune_b"], username="thuky_kh")
    return world


@pytest.fixture
def admin(app, org):
    """The deployment admin's browser and its CSRF token."""
    return browser_for(app, "root_admin")


@pytest.fixture
def admin_b(app, org):
    """The admin of commune X-KH only."""
    return browser_for(app, "quantri_kh")


def audit_actions(session, action: str) -> list[dict]:
    session.expire_all()
    return [e.data for e in session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                            .order_by(AuditEntry.id))]


def count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def html(response) -> str:
    return response.get_data(as_text=True)


def post(who, path: str, data: dict):
    browser, token = who
    return browser.post(path, data={**data, "csrf_token": token})


# --- the menu and the index ------------------------------------------------------------------------

SCREENS = ["/quan-tri/", "/quan-tri/co-quan", "/quan-tri/co-quan/moi", "/quan-tri/co-quan/X-DB/sua",
           "/quan-tri/co-quan/X-DB/don-vi", "/quan-tri/co-quan/X-DB/don-vi/moi",
           "/quan-tri/co-quan/X-DB/don-vi/DB-NATO/sua", "/quan-tri/co-quan/X-DB/hoi-dong", "/quan-tri/tai-khoan",
           "/quan-tri/tai-khoan/moi", "/quan-tri/danh-muc/", "/quan-tri/danh-muc/vn-2025",
           "/quan-tri/danh-muc/vn-2025/LDTT/sua", "/quan-tri/danh-muc/vn-2025/moi", "/quan-tri/lich/",
           "/quan-tri/nhac-viec", "/quan-tri/luong-co-so/"]


def test_the_menu_leads_admins_to_the_index_of_every_screen(app, admin, org):
    browser, _token = admin
    home = html(browser.get("/"))
    assert 'href="/quan-tri/"' in home and "Quản trị" in home
    index = html(browser.get("/quan-tri/"))
    for endpoint in ("org.authorities", "org.users", "catalog.rule_sets", "calendar.days", "reminders.policies",
                     "cash.base_salary"):
        assert f'data-testid="admin-{endpoint}"' in index
    for path in SCREENS:
        assert browser.get(path).status_code == 200, path


def test_no_one_but_an_admin_reaches_a_screen(app, org):
    secretary, _token = browser_for(app, "thuky")
    assert 'href="/quan-tri/"' not in html(secretary.get("/"))
    for path in SCREENS:
        assert secretary.get(path).status_code == 404, path


# --- authorities -------------------------------------------------------------------------------------

def test_the_tree_is_indented_and_an_authority_is_created_and_edited(admin, session):
    page = html(admin[0].get("/quan-tri/co-quan"))
    depths = dict(re.findall(r'data-code="([^"]+)" data-depth="(\d)"', page))
    assert depths == {"T-TN": "0", "H-DH": "1", "X-DB": "2", "X-KH": "2"}
    assert page.index("T-TN") < page.index("H-DH") < page.index("X-DB")

    created = post(admin, "/quan-tri/co-quan/moi", {"code": "X-PT", "name": "UBND xã Phú Tiến", "kind": "commune",
                                                     "parent_code": "H-DH", "rule_set": "vn-2017"})
    assert created.status_code == 302
    new = session.scalar(select(Authority).where(Authority.code == "X-PT"))
    assert new.parent.code == "H-DH" and new.rule_set_code == "vn-2017"
    assert audit_actions(session, "authority.create")[-1]["code"] == "X-PT"

    edited = post(admin, "/quan-tri/co-quan/X-PT/sua", {"name": "UBND xã Phú Tiến mới", "parent_code": "T-TN",
                                                         "rule_set": ""})
    assert edited.status_code == 302
    session.expire_all()
    new = session.scalar(select(Authority).where(Authority.code == "X-PT"))
    assert (new.name, new.parent.code, new.rule_set_code) == ("UBND xã Phú Tiến mới", "T-TN", None)
    assert audit_actions(session, "authority.update")[-1] == {"name": "UBND xã Phú Tiến mới", "parent": "T-TN",
                                                               "rule_set": None}


@pytest.mark.parametrize("data, field, words", [
    ({"code": "X PT!", "name": "UBND xã Phú Tiến", "kind": "commune", "parent_code": "H-DH"}, "code",
     "không dấu"),
    ({"code": "X-DB", "name": "UBND xã Trùng", "kind": "commune", "parent_code": "H-DH"}, "code", "X-DB"),
    ({"code": "H-NEW", "name": "UBND huyện Mới", "kind": "district", "parent_code": "X-DB"}, "parent_code", ""),
    ({"code": "X-PT", "name": "", "kind": "commune", "parent_code": "H-DH"}, "name", ""),
])
def test_a_bad_authority_shows_the_message_and_adds_nothing(admin, session, data, field, words):
    before = count(session, Authority)
    response = post(admin, "/quan-tri/co-quan/moi", data)
    page = html(response)
    assert response.status_code == 422
    assert f'data-testid="error-{field}"' in page and words in page
    assert 'data-testid="form-error"' in page
    assert count(session, Authority) == before and audit_actions(session, "authority.create")[-1]["code"] == "X-KH"


def test_an_edit_that_would_make_a_cycle_or_empty_the_name_changes_nothing(admin, session):
    cycle = post(admin, "/quan-tri/co-quan/H-DH/sua", {"name": "UBND huyện Định Hóa", "parent_code": "X-DB",
                                                       "rule_set": ""})
    assert cycle.status_code == 422 and 'data-testid="error-parent_code"' in html(cycle)
    empty = post(admin, "/quan-tri/co-quan/X-DB/sua", {"name": " ", "parent_code": "H-DH", "rule_set": ""})
    assert empty.status_code == 422 and 'data-testid="error-name"' in html(empty)
    session.expire_all()
    district = session.scalar(select(Authority).where(Authority.code == "H-DH"))
    assert district.parent.code == "T-TN"
    assert session.scalar(select(Authority.name).where(Authority.code == "X-DB")) == "UBND xã Định Biên"
    assert audit_actions(session, "authority.update") == []


def test_an_authority_admin_sees_and_changes_only_its_subtree(admin_b, session):
    browser, _token = admin_b
    page = html(browser.get("/quan-tri/co-quan"))
    assert re.findall(r'data-code="([^"]+)" data-depth', page) == ["X-KH"]
    for path in ("/quan-tri/co-quan/X-DB/sua", "/quan-tri/co-quan/X-DB/don-vi", "/quan-tri/co-quan/X-DB/hoi-dong",
                 "/quan-tri/co-quan/X-DB/don-vi/DB-NATO/sua", "/quan-tri/co-quan/H-DH/sua"):
        assert browser.get(path).status_code == 404, path
    assert post(admin_b, "/quan-tri/co-quan/X-DB/sua", {"name": "Chiếm", "parent_code": "H-DH"}).status_code == 404
    # its own commune: renamed, but it cannot move it under an authority it does not administer
    moved = post(admin_b, "/quan-tri/co-quan/X-KH/sua", {"name": "UBND xã Kim Hỷ", "parent_code": "T-TN",
                                                          "rule_set": ""})
    assert moved.status_code == 422 and 'data-testid="error-parent_code"' in html(moved)
    # and it adds nothing above its subtree
    above = post(admin_b, "/quan-tri/co-quan/moi", {"code": "X-NEW", "name": "UBND xã Mới", "kind": "commune",
                                                     "parent_code": "H-DH"})
    assert above.status_code == 422
    assert count(session, Authority, Authority.code == "X-NEW") == 0
    assert session.scalar(select(Authority.parent_id).where(Authority.code == "X-KH")) == \
        session.scalar(select(Authority.id).where(Authority.code == "H-DH"))


# --- units ------------------------------------------------------------------------------------------

def test_units_are_listed_created_and_edited(admin, session):
    assert "Xóm Nà To" in html(admin[0].get("/quan-tri/co-quan/X-DB/don-vi"))
    created = post(admin, "/quan-tri/co-quan/X-DB/don-vi/moi", {"code": "DB-DONGDAU", "name": "Xóm Đồng Đau",
                                                                "kind": "hamlet"})
    assert created.status_code == 302
    unit = session.scalar(select(Unit).where(Unit.code == "DB-DONGDAU"))
    assert unit.authority.code == "X-DB" and audit_actions(session, "unit.create")[-1]["code"] == "DB-DONGDAU"
    edited = post(admin, "/quan-tri/co-quan/X-DB/don-vi/DB-DONGDAU/sua", {"name": "Trường Mầm non Định Biên",
                                                                          "kind": "school"})
    assert edited.status_code == 302
    session.expire_all()
    unit = session.scalar(select(Unit).where(Unit.code == "DB-DONGDAU"))
    assert (unit.name, unit.kind) == ("Trường Mầm non Định Biên", "school")
    assert audit_actions(session, "unit.update")[-1] == {"code": "DB-DONGDAU", "name": "Trường Mầm non Định Biên",
                                                         "kind": "school"}
    assert "Trường Mầm non Định Biên" in html(admin[0].get("/quan-tri/co-quan/X-DB/don-vi"))


def test_a_bad_unit_shows_the_message_and_changes_nothing(admin, session):
    before = count(session, Unit)
    taken = post(admin, "/quan-tri/co-quan/X-DB/don-vi/moi", {"code": "KH-BAN", "name": "Xóm Trùng", "kind": "hamlet"})
    assert taken.status_code == 422 and "KH-BAN" in html(taken) and 'data-testid="error-code"' in html(taken)
    wrong_kind = post(admin, "/quan-tri/co-quan/X-DB/don-vi/moi", {"code": "DB-X", "name": "Xóm X", "kind": "farm"})
    assert wrong_kind.status_code == 422 and 'data-testid="error-kind"' in html(wrong_kind)
    emptied = post(admin, "/quan-tri/co-quan/X-DB/don-vi/DB-NATO/sua", {"name": "", "kind": "hamlet"})
    assert emptied.status_code == 422 and 'data-testid="error-name"' in html(emptied)
    assert count(session, Unit) == before
    assert session.scalar(select(Unit.name).where(Unit.code == "DB-NATO")) == "Xóm Nà To"
    assert audit_actions(session, "unit.update") == []


def test_an_authority_admin_adds_units_to_its_commune_only(admin_b, session):
    ok = post(admin_b, "/quan-tri/co-quan/X-KH/don-vi/moi", {"code": "KH-MOI", "name": "Xóm Mới", "kind": "hamlet"})
    assert ok.status_code == 302
    assert post(admin_b, "/quan-tri/co-quan/X-DB/don-vi/moi",
                {"code": "DB-CHIEM", "name": "Xóm Chiếm", "kind": "hamlet"}).status_code == 404
    assert count(session, Unit, Unit.code == "DB-CHIEM") == 0


# --- accounts and roles -------------------------------------------------------------------------------

def _new_user(**changes) -> dict:
    data = {"username": "canbo_moi", "full_name": "Đàm Thị Mới", "email": "moi@example.vn", "locale": "vi",
            "password": "Mat-khau-moi-2026", "password_again": "Mat-khau-moi-2026",
            "roles-0-role": "secretary", "roles-0-authority_code": "X-DB", "roles-0-unit_code": "",
            "roles-1-role": "", "roles-1-authority_code": "", "roles-1-unit_code": ""}
    return {**data, **changes}


def test_an_account_is_created_with_its_roles_and_signs_in(app, admin, session):
    page = html(admin[0].get("/quan-tri/tai-khoan"))
    assert 'data-testid="new-user"' in page and 'data-testid="disable"' in page and "Đặt lại mật khẩu" in page
    created = post(admin, "/quan-tri/tai-khoan/moi", _new_user(**{
        "roles-1-role": "nominator", "roles-1-authority_code": "X-DB", "roles-1-unit_code": "DB-NATO"}))
    assert created.status_code == 302
    user = session.scalar(select(User).where(User.username == "canbo_moi"))
    assert sorted((r.role, r.authority.code, r.unit.code if r.unit else None) for r in user.roles) == [
        ("nominator", "X-DB", "DB-NATO"), ("secretary", "X-DB", None)]
    assert audit_actions(session, "user.create")[-1]["username"] == "canbo_moi"
    # the new account signs in with the password given
    browser = app.test_client()
    token = csrf_of(html(browser.get("/dang-nhap")))
    assert browser.post("/dang-nhap", data={"username": "canbo_moi", "password": "Mat-khau-moi-2026",
                                            "csrf_token": token}).status_code == 302


@pytest.mark.parametrize("changes, field", [
    ({"roles-0-role": "nominator", "roles-0-unit_code": ""}, "roles.0.unit_code"),
    ({"roles-0-unit_code": "KH-BAN"}, "roles.0.unit_code"),
    ({"username": "thuky"}, "username"),
    ({"username": "có dấu"}, "username"),
    ({"password": "ngan", "password_again": "ngan"}, "password"),
    ({"password_again": "Khac-hoan-toan-2026"}, "password_again"),
    ({"roles-0-role": "", "roles-0-authority_code": ""}, "roles"),
])
def test_a_bad_account_shows_the_message_and_creates_nothing(admin, session, changes, field):
    before = count(session, User)
    response = post(admin, "/quan-tri/tai-khoan/moi", _new_user(**changes))
    page = html(response)
    assert response.status_code == 422 and 'data-testid="form-error"' in page
    assert f'data-testid="error-{field}"' in page or (field == "roles" and "Cần ít nhất 1" in page)
    assert count(session, User) == before
    assert all(a["username"] != "canbo_moi" for a in audit_actions(session, "user.create"))


def test_roles_are_changed_and_taking_one_away_asks_first(admin, org, session):
    uid = org["users"]["secretary"].id
    path = f"/quan-tri/tai-khoan/{uid}/vai-tro"
    page = html(admin[0].get(path))
    assert 'name="roles-0-role"' in page
    both = {"roles-0-role": "secretary", "roles-0-authority_code": "X-DB", "roles-0-unit_code": "",
            "roles-1-role": "council_member", "roles-1-authority_code": "X-DB", "roles-1-unit_code": ""}
    assert post(admin, path, both).status_code == 302
    session.expire_all()
    assert sorted(r.role for r in session.get(User, uid).roles) == ["council_member", "secretary"]
    assert audit_actions(session, "user.roles")[-1]["after"] == [
        {"role": "secretary", "authority": "X-DB", "unit": None},
        {"role": "council_member", "authority": "X-DB", "unit": None}]
    # taking the secretary role away: a confirmation first, nothing changed yet
    only = {"roles-0-role": "", "roles-0-authority_code": "", "roles-0-unit_code": "",
            "roles-1-role": "council_member", "roles-1-authority_code": "X-DB", "roles-1-unit_code": ""}
    asked = post(admin, path, only)
    assert asked.status_code == 200 and 'data-testid="confirm-step"' in html(asked)
    session.expire_all()
    assert len(session.get(User, uid).roles) == 2
    assert post(admin, path, {**only, "confirm": "1"}).status_code == 302
    session.expire_all()
    assert [r.role for r in session.get(User, uid).roles] == ["council_member"]
    assert len(audit_actions(session, "user.roles")) == 2


def test_a_bad_role_change_shows_the_message_and_changes_nothing(admin, org, session):
    uid = org["users"]["secretary"].id
    bad = post(admin, f"/quan-tri/tai-khoan/{uid}/vai-tro", {
        "roles-0-role": "secretary", "roles-0-authority_code": "X-DB", "roles-0-unit_code": "",
        "roles-1-role": "nominator", "roles-1-authority_code": "X-DB", "roles-1-unit_code": "KH-BAN"})
    assert bad.status_code == 422 and 'data-testid="error-roles.1.unit_code"' in html(bad)
    session.expire_all()
    assert [r.role for r in session.get(User, uid).roles] == ["secretary"]
    assert audit_actions(session, "user.roles") == []


def test_an_authority_admin_gives_roles_in_its_subtree_only(admin_b, org, session):
    browser, _token = admin_b
    page = html(browser.get("/quan-tri/tai-khoan"))
    assert 'data-username="thuky_kh"' in page and 'data-username="thuky"' not in page
    assert browser.get(f"/quan-tri/tai-khoan/{org['users']['secretary'].id}/vai-tro").status_code == 404
    # a role at another commune is refused on its row, and no account is created
    refused = post(admin_b, "/quan-tri/tai-khoan/moi", _new_user())
    assert refused.status_code == 422 and 'data-testid="error-roles.0.authority_code"' in html(refused)
    # a deployment-wide admin is beyond it
    top = post(admin_b, "/quan-tri/tai-khoan/moi", _new_user(**{"roles-0-role": "admin",
                                                                  "roles-0-authority_code": ""}))
    assert top.status_code == 422
    assert count(session, User, User.username == "canbo_moi") == 0
    ok = post(admin_b, "/quan-tri/tai-khoan/moi", _new_user(**{"roles-0-authority_code": "X-KH"}))
    assert ok.status_code == 302
    uid = org["secretary_b"].id
    assert post(admin_b, f"/quan-tri/tai-khoan/{uid}/vai-tro", {
        "roles-0-role": "secretary", "roles-0-authority_code": "X-KH",
        "roles-1-role": "chair", "roles-1-authority_code": "X-KH"}).status_code == 302
    session.expire_all()
    assert sorted(r.role for r in session.get(User, uid).roles) == ["chair", "secretary"]


# --- the council -------------------------------------------------------------------------------------

def _seats(*pairs) -> dict:
    data = {}
    for n, (username, position) in enumerate(pairs):
        data[f"members-{n}-username"], data[f"members-{n}-position"] = username, position
    return data


def test_the_council_is_set_and_taking_a_member_off_asks_first(admin, org, session):
    path = "/quan-tri/co-quan/X-DB/hoi-dong"
    assert 'name="members-0-username"' in html(admin[0].get(path))
    three = _seats(("chutich", "chair"), ("thuky", "secretary"), ("uyvien", "member"), ("", "member"))
    assert post(admin, path, three).status_code == 302
    commune = org["commune"].id
    seated = lambda: sorted((m.user.username, m.position) for m in session.scalars(  # noqa: E731
        select(CouncilMember).where(CouncilMember.authority_id == commune)))
    session.expire_all()
    assert seated() == [("chutich", "chair"), ("thuky", "secretary"), ("uyvien", "member")]
    assert audit_actions(session, "council.set")[-1]["members"][0] == {"username": "chutich", "position": "chair"}
    page = html(admin[0].get(path))
    assert 'value="chutich" selected' in page

    two = _seats(("chutich", "chair"), ("thuky", "secretary"))
    asked = post(admin, path, two)
    assert 'data-testid="confirm-step"' in html(asked) and "Uyvien" in html(asked)
    session.expire_all()
    assert len(seated()) == 3
    assert post(admin, path, {**two, "confirm": "1"}).status_code == 302
    session.expire_all()
    assert seated() == [("chutich", "chair"), ("thuky", "secretary")]


@pytest.mark.parametrize("pairs, key", [
    ((("chutich", "chair"), ("thuky", "chair")), "members"),
    ((("chutich", "chair"), ("thuky_kh", "member")), "members.1.username"),
    ((("chutich", "president"),), "members.0.position"),
    ((), "members"),
])
def test_a_bad_council_shows_the_message_and_changes_nothing(admin, session, pairs, key):
    response = post(admin, "/quan-tri/co-quan/X-DB/hoi-dong", _seats(*pairs))
    page = html(response)
    assert response.status_code == 422 and 'data-testid="form-error"' in page
    if "." in key:
        assert f'data-testid="error-{key}"' in page
    assert count(session, CouncilMember) == 0 and audit_actions(session, "council.set") == []


# --- the award catalogue ----------------------------------------------------------------------------

def _award_form(award_type: AwardType, **changes) -> dict:
    import json

    data = {"name_vi": award_type.name_vi, "name_en": award_type.name_en, "kind": award_type.kind,
            "deciding_level": award_type.deciding_level, "council_vote": "1" if award_type.council_vote else "",
            "rules": json.dumps(award_type.config, ensure_ascii=False)}
    form = {**data, **changes}
    return {k: v for k, v in form.items() if v != ""} | {"nominee_kinds": list(award_type.nominee_kinds)}


def _award_type(session, rule_set: str, code: str) -> AwardType:
    session.expire_all()
    return session.scalar(select(AwardType).join(RuleSet).where(RuleSet.code == rule_set, AwardType.code == code))


def test_the_catalogue_shows_every_rule_and_the_deployment_admin_edits_a_type(admin, session):
    page = html(admin[0].get("/quan-tri/danh-muc/"))
    assert 'data-code="vn-2017"' in page and 'data-code="vn-2025+bac-ninh"' in page
    types = html(admin[0].get("/quan-tri/danh-muc/vn-2025"))
    assert 'data-code="LDTT"' in types and 'data-code="GDVH"' in types and "cash_coefficient" in types
    ldtt = _award_type(session, "vn-2025", "LDTT")
    saved = post(admin, "/quan-tri/danh-muc/vn-2025/LDTT/sua", _award_form(ldtt, name_vi="Lao động tiên tiến (sửa)"))
    assert saved.status_code == 302
    ldtt = _award_type(session, "vn-2025", "LDTT")
    assert ldtt.name_vi == "Lao động tiên tiến (sửa)" and ldtt.edited
    assert audit_actions(session, "award_type.save")[-1]["name_vi"] == "Lao động tiên tiến (sửa)"
    # a new type
    created = post(admin, "/quan-tri/danh-muc/vn-2025/moi", {
        "code": "GK_DOT_XUAT", "name_vi": "Giấy khen đột xuất", "name_en": "One-off certificate", "kind": "commendation",
        "deciding_level": "commune", "nominee_kinds": ["individual", "collective"], "rules": '{"notice_days": 0}'})
    assert created.status_code == 302
    assert _award_type(session, "vn-2025", "GK_DOT_XUAT").nominee_kinds == ["individual", "collective"]


@pytest.mark.parametrize("changes, field", [
    ({"rules": "{not json"}, "rules"),
    ({"rules": '{"notice_days": -1}'}, "rules"),
    ({"kind": "medal"}, "kind"),
    ({"deciding_level": "central2"}, "deciding_level"),
    ({"nominee_kinds": []}, "nominee_kinds"),
])
def test_a_bad_award_type_shows_the_message_and_changes_nothing(admin, session, changes, field):
    ldtt = _award_type(session, "vn-2025", "LDTT")
    before = (ldtt.name_vi, dict(ldtt.config), ldtt.kind, list(ldtt.nominee_kinds))
    form = _award_form(ldtt, name_vi="Không được lưu")
    form.update(changes)
    response = post(admin, "/quan-tri/danh-muc/vn-2025/LDTT/sua", form)
    assert response.status_code == 422
    page = html(response)
    assert 'data-testid="form-error"' in page
    assert f'data-testid="error-{field}"' in page or f'f-{field}-error' in page
    ldtt = _award_type(session, "vn-2025", "LDTT")
    assert (ldtt.name_vi, dict(ldtt.config), ldtt.kind, list(ldtt.nominee_kinds)) == before and not ldtt.edited
    assert audit_actions(session, "award_type.save") == []


def test_an_authority_admin_reads_the_catalogue_but_does_not_edit_it(admin_b, session):
    browser, _token = admin_b
    page = html(browser.get("/quan-tri/danh-muc/vn-2025"))
    assert 'data-code="LDTT"' in page and "/quan-tri/danh-muc/vn-2025/LDTT/sua" not in page
    assert browser.get("/quan-tri/danh-muc/vn-2025/LDTT/sua").status_code == 404
    ldtt = _award_type(session, "vn-2025", "LDTT")
    assert post(admin_b, "/quan-tri/danh-muc/vn-2025/LDTT/sua", _award_form(ldtt, name_vi="Chiếm")).status_code == 404
    assert _award_type(session, "vn-2025", "LDTT").name_vi == ldtt.name_vi


# --- the working-day calendar ----------------------------------------------------------------------

def test_days_are_set_and_cleared_after_a_confirmation(admin, session):
    page = html(admin[0].get("/quan-tri/lich/?year=2026"))
    assert "Quốc khánh" in page and 'data-testid="no-days"' in page
    assert post(admin, "/quan-tri/lich/?year=2026", {"day": "2026-09-01", "kind": "day_off",
                                                    "note": "Nghỉ bù Quốc khánh"}).status_code == 302
    assert post(admin, "/quan-tri/lich/?year=2026", {"day": "2026-08-29", "kind": "working_day",
                                                    "note": "Làm bù"}).status_code == 302
    session.expire_all()
    assert {d.day.isoformat(): d.kind for d in session.scalars(select(CalendarDay))} == {
        "2026-09-01": "day_off", "2026-08-29": "working_day"}
    assert audit_actions(session, "calendar.set")[-1] == {"kind": "working_day", "note": "Làm bù"}
    page = html(admin[0].get("/quan-tri/lich/?year=2026"))
    assert 'data-day="2026-09-01"' in page and "Nghỉ bù Quốc khánh" in page
    asked = post(admin, "/quan-tri/lich/xoa", {"day": "2026-09-01"})
    assert 'data-testid="confirm-step"' in html(asked) and count(session, CalendarDay) == 2
    assert post(admin, "/quan-tri/lich/xoa", {"day": "2026-09-01", "confirm": "1"}).status_code == 302
    assert count(session, CalendarDay) == 1


@pytest.mark.parametrize("data, field", [
    ({"day": "31/02/2026", "kind": "day_off"}, "day"),
    ({"day": "1890-01-01", "kind": "day_off"}, "day"),
    ({"day": "2026-09-01", "kind": "holiday"}, "kind"),
    ({"day": "2026-09-01", "kind": "day_off", "note": "x" * 201}, "note"),
])
def test_a_bad_day_shows_the_message_and_changes_nothing(admin, session, data, field):
    response = post(admin, "/quan-tri/lich/", data)
    assert response.status_code == 422 and f'data-testid="error-{field}"' in html(response)
    assert count(session, CalendarDay) == 0 and audit_actions(session, "calendar.set") == []


def test_an_authority_admin_reads_the_calendar_only(admin_b, session):
    browser, _token = admin_b
    assert browser.get("/quan-tri/lich/").status_code == 200
    assert 'data-testid="day-form"' not in html(browser.get("/quan-tri/lich/"))
    assert post(admin_b, "/quan-tri/lich/", {"day": "2026-09-01", "kind": "day_off"}).status_code == 404
    assert count(session, CalendarDay) == 0


# --- reminder policies ------------------------------------------------------------------------------

def _policy(client, headers) -> dict:
    doc = client.get("/api/v1/reminder-policies", headers=headers).get_json()
    return {p["kind"]: p for p in doc["policies"]} | {"delivery": doc["delivery"]}


def test_a_policy_and_the_delivery_are_changed_as_the_api_changes_them(app, admin, session):
    api = app.test_client()
    headers = f.token(api, "root_admin")
    page = html(admin[0].get("/quan-tri/nhac-viec"))
    assert 'data-kind="nomination_deadline"' in page and 'data-kind="processing_limit"' in page
    saved = post(admin, "/quan-tri/nhac-viec/nomination_deadline", {
        "enabled": "1", "unit": "working_days", "before": "5, 2", "after": "", "recipients": ["nominator"],
        "action": "1"})
    assert saved.status_code == 302
    policy = _policy(api, headers)["nomination_deadline"]
    assert (policy["before"], policy["unit"], policy["edited"]) == ([5, 2], "working_days", True)
    assert audit_actions(session, "reminder_policy.update")[-1] == {"keys": ["nomination_deadline"]}
    delivery = post(admin, "/quan-tri/nhac-viec/gui", {"batch_size": "50", "sending_timeout_seconds": "600",
                                                        "max_attempts": "8", "retry_base_seconds": "60",
                                                        "retry_max_seconds": "3600", "digest_hour": "6"})
    assert delivery.status_code == 302
    assert _policy(api, headers)["delivery"]["digest_hour"] == 6


@pytest.mark.parametrize("data, field", [
    ({"unit": "days", "before": "7, ba", "recipients": ["nominator"]}, "before"),
    ({"unit": "days", "before": "7", "recipients": []}, "recipients"),
    ({"unit": "hours", "before": "7", "recipients": ["nominator"]}, ""),
    ({"unit": "days", "before": "", "after": "", "recipients": ["nominator"]}, ""),
])
def test_a_bad_policy_shows_the_message_and_changes_nothing(app, admin, session, data, field):
    api = app.test_client()
    headers = f.token(api, "root_admin")
    before = _policy(api, headers)["nomination_deadline"]
    response = post(admin, "/quan-tri/nhac-viec/nomination_deadline", {"enabled": "1", **data})
    page = html(response)
    assert response.status_code == 422 and 'data-testid="form-error"' in page
    if field:
        assert f'data-testid="error-{field}"' in page
    assert _policy(api, headers)["nomination_deadline"] == before
    assert audit_actions(session, "reminder_policy.update") == []
    bad_delivery = post(admin, "/quan-tri/nhac-viec/gui", {"batch_size": "0", "digest_hour": "25"})
    assert bad_delivery.status_code == 422 and 'data-testid="error-batch_size"' in html(bad_delivery)


def test_an_authority_admin_reads_the_policies_only(admin_b, session):
    browser, _token = admin_b
    page = html(browser.get("/quan-tri/nhac-viec"))
    assert 'data-kind="nomination_deadline"' in page and 'data-testid="policy-form"' not in page
    assert post(admin_b, "/quan-tri/nhac-viec/nomination_deadline",
                {"enabled": "1", "unit": "days", "before": "1", "recipients": ["nominator"]}).status_code == 404
    assert audit_actions(session, "reminder_policy.update") == []


# --- the base salary --------------------------------------------------------------------------------

def _series_form(session, extra: list[tuple] = (), close_last: str | None = None) -> dict:
    session.expire_all()
    data = {}
    rows = [(r.effective_from.isoformat(), r.effective_to.isoformat() if r.effective_to else "",
             str(r.amount_vnd), r.source, r.verify) for r in session.scalars(select(BaseSalary)
                                                                             .order_by(BaseSalary.effective_from))]
    if close_last:
        rows[-1] = (*rows[-1][:1], close_last, *rows[-1][2:])
    for n, (start, end, amount, source, verify) in enumerate([*rows, *extra]):
        data.update({f"steps-{n}-from": start, f"steps-{n}-to": end, f"steps-{n}-amount_vnd": amount,
                     f"steps-{n}-source": source})
        if verify:
            data[f"steps-{n}-verify"] = "1"
    return data


def test_a_new_step_is_added_after_a_confirmation(admin, session):
    page = html(admin[0].get("/quan-tri/luong-co-so/"))
    assert "2.340.000" in page and "Nghị định 73/2024/NĐ-CP" in page
    form = _series_form(session, [("2027-07-01", "", "2.700.000", "Nghị định giả định, Điều 3", False)],
                        close_last="2027-06-30")
    asked = post(admin, "/quan-tri/luong-co-so/", form)
    assert 'data-testid="confirm-step"' in html(asked)
    assert count(session, BaseSalary) == 4
    assert post(admin, "/quan-tri/luong-co-so/", {**form, "confirm": "1"}).status_code == 302
    session.expire_all()
    newest = session.scalars(select(BaseSalary).order_by(BaseSalary.effective_from.desc())).first()
    assert (newest.amount_vnd, newest.effective_to, newest.edited) == (2_700_000, None, True)
    assert audit_actions(session, "base_salary.replace")[-1]["after"][-1]["amount_vnd"] == 2_700_000


@pytest.mark.parametrize("extra, close_last, words", [
    ([("2027-08-01", "", "2700000", "NĐ giả định", False)], "2027-06-30", "step 5.from"),  # a gap
    ([("2027-07-01", "", "2700000", "NĐ giả định", False)], None, "step 5.from"),  # an overlap
    ([("2027-07-01", "", "hai triệu", "NĐ giả định", False)], "2027-06-30", "step 5.amount_vnd"),
    ([("2027-07-01", "", "2700000", "", False)], "2027-06-30", "step 5.source"),
])
def test_a_bad_series_shows_the_message_and_changes_nothing(admin, session, extra, close_last, words):
    before = [(r.effective_from, r.effective_to, r.amount_vnd) for r in session.scalars(select(BaseSalary))]
    response = post(admin, "/quan-tri/luong-co-so/", {**_series_form(session, extra, close_last), "confirm": "1"})
    page = html(response)
    assert response.status_code == 422 and 'data-testid="form-error"' in page
    assert f'data-testid="error-steps.4.{words.split(".")[1]}"' in page
    session.expire_all()
    assert [(r.effective_from, r.effective_to, r.amount_vnd) for r in session.scalars(select(BaseSalary))] == before
    assert audit_actions(session, "base_salary.replace") == []


def test_an_authority_admin_reads_the_base_salary_only(admin_b, session):
    browser, _token = admin_b
    page = html(browser.get("/quan-tri/luong-co-so/"))
    assert "2.340.000" in page and 'data-testid="salary-form"' not in page
    assert post(admin_b, "/quan-tri/luong-co-so/", {**_series_form(session), "confirm": "1"}).status_code == 404
    assert audit_actions(session, "base_salary.replace") == []


# --- the API routes the screens added ---------------------------------------------------------------

def test_the_api_edits_a_unit_and_replaces_roles_with_the_same_checks(app, client, org, session):
    admin = f.token(client, "quantri_kh")
    assert client.patch("/api/v1/units/KH-BAN", json={"name": "Xóm Bản Mới"}, headers=admin).status_code == 200
    assert client.patch("/api/v1/units/DB-NATO", json={"name": "Chiếm"}, headers=admin).status_code == 404
    assert client.patch("/api/v1/units/KH-BAN", json={"kind": "farm"}, headers=admin).status_code == 422
    uid = org["secretary_b"].id
    r = client.put(f"/api/v1/users/{uid}/roles", json={"roles": [{"role": "chair", "authority_code": "X-KH"}]},
                   headers=admin)
    assert r.status_code == 200 and r.get_json()["roles"] == [{"role": "chair", "authority_code": "X-KH",
                                                               "unit_code": None}]
    r = client.put(f"/api/v1/users/{uid}/roles", json={"roles": [{"role": "chair", "authority_code": "X-DB"}]},
                   headers=admin)
    assert r.status_code == 422 and "roles.0.authority_code" in r.get_json()["error"]["details"]
    own = session.scalar(select(User.id).where(User.username == "quantri_kh"))
    assert client.put(f"/api/v1/users/{own}/roles", json={"roles": [{"role": "admin"}]},
                      headers=admin).status_code == 409
    thuky = org["users"]["secretary"].id
    assert client.put(f"/api/v1/users/{thuky}/roles", json={"roles": [{"role": "chair", "authority_code": "X-KH"}]},
                      headers=admin).status_code == 404
