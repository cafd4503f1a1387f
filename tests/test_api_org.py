"""The organisation endpoints of SPEC §10, the error format, and scoping."""

import pytest
from sqlalchemy import func, select

from tests import factories as f
from workflow.audit.models import AuditEntry
from workflow.org.models import Authority, Nominee, RoleAssignment, Unit, User


@pytest.fixture
def org(session):
    return f.commune_setup(session)


@pytest.fixture
def admin(client, org):
    return f.token(client, "root_admin")


def counts(session):
    session.expire_all()
    return {m.__name__: session.scalar(select(func.count()).select_from(m))
            for m in (Authority, Unit, User, RoleAssignment, Nominee, AuditEntry)}


def assert_error(response, status, field=None):
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert "Traceback" not in response.get_data(as_text=True)
    if field:
        assert field in body["error"]["details"], body
    return body["error"]


def test_build_a_2_tier_organisation(client, admin, session):
    r = client.post("/api/v1/authorities", headers=admin,
                    json={"code": "T2", "name": "UBND tỉnh Mẫu", "kind": "province"})
    assert r.status_code == 201 and r.get_json()["kind"] == "province"
    r = client.post("/api/v1/authorities", headers=admin,
                    json={"code": "X2", "name": "UBND xã Mẫu", "kind": "commune", "parent_code": "T2"})
    assert r.get_json()["parent_code"] == "T2"
    r = client.post("/api/v1/units", headers=admin,
                    json={"code": "X2-VP", "name": "Văn phòng", "kind": "office", "authority_code": "X2"})
    assert r.status_code == 201
    r = client.post("/api/v1/users", headers=admin, json={
        "username": "x2_nom", "password": "Mat-khau-dai", "full_name": "Nông Thị A",
        "roles": [{"role": "nominator", "authority_code": "X2", "unit_code": "X2-VP"}]})
    assert r.status_code == 201
    assert r.get_json()["roles"] == [{"role": "nominator", "authority_code": "X2", "unit_code": "X2-VP"}]
    r = client.put("/api/v1/authorities/X2/council", headers=admin, json={"members": [
        {"username": "x2_nom", "position": "member"}]})
    assert r.status_code == 200 and r.get_json()["members"][0]["position"] == "member"


def test_award_types_for_the_caller(client, org):
    nominator = f.token(client, "truongxom")
    types = client.get("/api/v1/award-types", headers=nominator).get_json()
    codes = {t["code"] for t in types}
    assert {"LDTT", "GK_XA", "BK_TINH", "CSTDCS", "GDVH"} <= codes
    ldtt = next(t for t in types if t["code"] == "LDTT")
    assert ldtt["nominee_kinds"] == ["individual"] and ldtt["deciding_level"] == "commune"
    assert ldtt["council_vote"] is True and "name" in ldtt


def test_award_types_follow_the_legal_period(client, org):
    sec = f.token(client, "thuky")
    old = {t["code"]: t for t in client.get("/api/v1/award-types?date=2024-06-01", headers=sec).get_json()}
    new = {t["code"]: t for t in client.get("/api/v1/award-types?date=2025-08-01", headers=sec).get_json()}
    assert old["CSTDCS"]["deciding_level"] == "district" and old["CSTDCS"]["rule_set"] == "vn-2024"
    assert new["CSTDCS"]["deciding_level"] == "commune" and "GK_HUYEN" not in new


@pytest.mark.parametrize("body,field", [
    ({"code": "X-DB", "name": "dup", "kind": "commune", "parent_code": "H-DH"}, "code"),
    ({"code": "DB-NATO", "name": "dup of a unit code", "kind": "commune", "parent_code": "H-DH"}, "code"),
    ({"code": "N1", "name": "x", "kind": "commune", "parent_code": "NOPE"}, "parent_code"),
    ({"code": "N1", "name": "x", "kind": "hamlet"}, "kind"),
    ({"code": "N1", "name": "x", "kind": "province", "parent_code": "X-DB"}, "parent_code"),
    ({"code": "N1", "name": "x", "kind": "commune", "parent_code": "DB-NATO"}, "parent_code"),
    ({"code": "N1", "name": "x", "kind": "commune", "rule_set": "vn-1999"}, "rule_set"),
    ({"code": "", "name": "x", "kind": "commune"}, "code"),
    ({"code": "N1", "kind": "commune"}, "name"),
])
def test_bad_authority_changes_nothing(client, admin, session, body, field):
    before = counts(session)
    assert_error(client.post("/api/v1/authorities", headers=admin, json=body), 422, field)
    assert counts(session) == before


def test_cycle_in_the_tree_refused(client, admin, session):
    before = counts(session)
    err = assert_error(client.patch("/api/v1/authorities/H-DH", headers=admin,
                                    json={"parent_code": "H-DH"}), 422, "parent_code")
    assert "cycle" in err["message"].lower() or "vòng" in err["message"].lower()
    assert counts(session) == before


def test_move_communes_to_the_province(client, admin, session):
    """2025-07: the district level closes and communes hang from the province."""
    r = client.patch("/api/v1/authorities/X-DB", headers=admin, json={"parent_code": "T-TN"})
    assert r.status_code == 200 and r.get_json()["parent_code"] == "T-TN"


@pytest.mark.parametrize("body,field", [
    ({"code": "DB-X", "name": "x", "kind": "hamlet", "authority_code": "DB-NATO"}, "authority_code"),
    ({"code": "DB-NATO", "name": "x", "kind": "hamlet", "authority_code": "X-DB"}, "code"),
    ({"code": "DB-X", "name": "x", "kind": "hamlet", "authority_code": "NOPE"}, "authority_code"),
    ({"code": "DB-X", "name": "x", "kind": "party", "authority_code": "X-DB"}, "kind"),
])
def test_bad_unit_changes_nothing(client, admin, session, body, field):
    before = counts(session)
    assert_error(client.post("/api/v1/units", headers=admin, json=body), 422, field)
    assert counts(session) == before


def test_unit_under_a_unit_names_the_problem(client, admin):
    err = assert_error(client.post("/api/v1/units", headers=admin, json={
        "code": "DB-X", "name": "x", "kind": "hamlet", "authority_code": "DB-NATO"}), 422, "authority_code")
    assert "DB-NATO" in err["details"]["authority_code"]


@pytest.mark.parametrize("patch,field", [
    ({"username": "thuky"}, "username"),
    ({"password": "short"}, "password"),
    ({"password": "Password123"}, "password"),  # long enough, but among the most common
    ({"roles": []}, "roles"),
    ({"roles": [{"role": "pope", "authority_code": "X-DB"}]}, "roles.0.role"),
    ({"roles": [{"role": "secretary"}]}, "roles.0.authority_code"),
    ({"roles": [{"role": "secretary", "authority_code": "NOPE"}]}, "roles.0.authority_code"),
    ({"roles": [{"role": "nominator", "authority_code": "X-DB"}]}, "roles.0.unit_code"),
    # a unit of another authority
    ({"roles": [{"role": "nominator", "authority_code": "H-DH", "unit_code": "DB-NATO"}]}, "roles.0.unit_code"),
])
def test_bad_user_changes_nothing(client, admin, session, patch, field):
    body = {"username": "new_user", "password": "Mat-khau-dai", "full_name": "Người mới",
            "roles": [{"role": "secretary", "authority_code": "X-DB"}], **patch}
    before = counts(session)
    assert_error(client.post("/api/v1/users", headers=admin, json=body), 422, field)
    assert counts(session) == before


def test_non_admin_cannot_create_users(client, org, session):
    sec = f.token(client, "thuky")
    before = counts(session)
    r = client.post("/api/v1/users", headers=sec, json={
        "username": "sneaky", "password": "Mat-khau-dai", "full_name": "x",
        "roles": [{"role": "secretary", "authority_code": "X-DB"}]})
    assert r.status_code in (403, 422)
    assert counts(session) == before


def test_authority_admin_limited_to_its_subtree(client, org, session):
    f.user(session, "admin", org["district"], username="admin_huyen")
    district_admin = f.token(client, "admin_huyen")
    ok = client.post("/api/v1/units", headers=district_admin, json={
        "code": "DB-NEW", "name": "Xóm mới", "kind": "hamlet", "authority_code": "X-DB"})
    assert ok.status_code == 201
    other_province = f.authority(session, "T-X", "province")
    r = client.post("/api/v1/units", headers=district_admin, json={
        "code": "TX-NEW", "name": "x", "kind": "office", "authority_code": other_province.code})
    assert_error(r, 422, "authority_code")


def test_council_rules(client, admin, session):
    two_chairs = {"members": [{"username": "chutich", "position": "chair"},
                              {"username": "uyvien", "position": "chair"}]}
    assert_error(client.put("/api/v1/authorities/X-DB/council", headers=admin, json=two_chairs), 422, "members")
    unknown = {"members": [{"username": "ghost", "position": "member"}]}
    assert_error(client.put("/api/v1/authorities/X-DB/council", headers=admin, json=unknown), 422,
                 "members.0.username")
    ok = {"members": [{"username": "chutich", "position": "chair"}, {"username": "uyvien", "position": "member"},
                      {"username": "thuky", "position": "secretary"}]}
    assert client.put("/api/v1/authorities/X-DB/council", headers=admin, json=ok).status_code == 200
    again = {"members": [{"username": "chutich", "position": "chair"}]}
    body = client.put("/api/v1/authorities/X-DB/council", headers=admin, json=again).get_json()
    assert [m["username"] for m in body["members"]] == ["chutich"]  # replaced, not appended


def test_nominees_and_past_awards(client, org):
    nom = f.token(client, "truongxom")
    sec = f.token(client, "thuky")
    r = client.post("/api/v1/nominees", headers=nom, json={
        "kind": "household", "name": "Hộ ông Ma Văn Tùng", "authority_code": "X-DB", "unit_code": "DB-NATO",
        "head_name": "Ma Văn Tùng"})
    assert r.status_code == 201
    nominee_id = r.get_json()["id"]
    r = client.post(f"/api/v1/nominees/{nominee_id}/awards", headers=sec,
                    json={"award_type_code": "GDVH", "year": 2023, "decision_number": "45/QĐ-UBND"})
    assert r.status_code == 201
    detail = client.get(f"/api/v1/nominees/{nominee_id}", headers=nom).get_json()
    assert detail["awards"][0]["award_type_code"] == "GDVH" and detail["awards"][0]["year"] == 2023
    # the same award twice is refused; an award the kind cannot receive is refused
    again = client.post(f"/api/v1/nominees/{nominee_id}/awards", headers=sec,
                        json={"award_type_code": "GDVH", "year": 2023, "decision_number": "45/QĐ-UBND"})
    assert_error(again, 422, "decision_number")
    wrong = client.post(f"/api/v1/nominees/{nominee_id}/awards", headers=sec,
                        json={"award_type_code": "LDTT", "year": 2023, "decision_number": "1/QĐ-UBND"})
    assert_error(wrong, 422, "award_type_code")
    # nominators cannot enter history
    assert client.post(f"/api/v1/nominees/{nominee_id}/awards", headers=nom, json={
        "award_type_code": "GDVH", "year": 2022, "decision_number": "2/QĐ"}).status_code == 403


def test_nominator_scoped_to_own_unit(client, org, session):
    other_hamlet = f.unit(session, org["commune"], "DB-LV", name="Xóm Làng Vẹ")
    theirs = f.nominee(session, org["commune"], other_hamlet, kind="household", name="Hộ bà La Thị Hoa")
    nom = f.token(client, "truongxom")
    assert_error(client.get(f"/api/v1/nominees/{theirs.id}", headers=nom), 404)
    r = client.post("/api/v1/nominees", headers=nom, json={
        "kind": "household", "name": "Hộ ông X", "authority_code": "X-DB", "unit_code": "DB-LV"})
    assert_error(r, 422, "unit_code")
    # the secretary of the commune sees both hamlets
    sec = f.token(client, "thuky")
    assert client.get(f"/api/v1/nominees/{theirs.id}", headers=sec).status_code == 200


def test_other_authority_gets_404(client, org, session):
    other = f.authority(session, "X-KHAC", "commune", org["district"])
    f.user(session, "secretary", other, username="thuky_khac")
    mine = f.nominee(session, org["commune"], org["hamlet"])
    outsider = f.token(client, "thuky_khac")
    assert_error(client.get(f"/api/v1/nominees/{mine.id}", headers=outsider), 404)
    visible = {a["code"] for a in client.get("/api/v1/authorities", headers=outsider).get_json()}
    assert "X-KHAC" in visible and "X-DB" not in visible
    # the district's reviewer looks down the tree
    reviewer = f.token(client, "huyen")
    assert client.get(f"/api/v1/nominees/{mine.id}", headers=reviewer).status_code == 200


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '{"code": 5}'])
def test_malformed_json(client, admin, body):
    r = client.post("/api/v1/authorities", headers={**admin, "Content-Type": "application/json"}, data=body)
    assert_error(r, 422)


def test_unknown_api_path_and_method(client, admin):
    assert_error(client.get("/api/v1/nothing-here", headers=admin), 404)
    assert_error(client.delete("/api/v1/authorities", headers=admin), 405)


def test_admin_changes_are_audited(client, admin, session):
    before = counts(session)["AuditEntry"]
    client.post("/api/v1/units", headers=admin, json={
        "code": "DB-AUD", "name": "Xóm", "kind": "hamlet", "authority_code": "X-DB"})
    session.expire_all()
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert counts(session)["AuditEntry"] == before + 1
    assert entry.action == "unit.create" and entry.chain == "X-DB" and entry.actor_name == "root_admin"
