"""The Định Biên demo: shape of the data, idempotence, sign-in with the printed accounts, the CLI."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import create_engine, func, select

from workflow.audit.models import AuditEntry
from workflow.audit.services import verify
from workflow.auth.passwords import password_problem
from workflow.db import Base
from workflow.demo import DEMO_ACCOUNTS, load_demo, vietnam_today
from workflow.demo import data as demo_data
from workflow.org.models import (
    ROLES,
    Authority,
    AwardRecord,
    CouncilMember,
    Nominee,
    RoleAssignment,
    Unit,
    User,
)

HAMLETS = ["Đồng Đau", "Đồng Rằm", "Gốc Thông", "Khau Diều", "Khau Lầu", "Làng Quặng", "Làng Vẹ", "Nà To",
           "Nong Nia"]


def _snapshot(session) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order (a second load must not change one value)."""
    session.expire_all()
    snapshot = {}
    for table in Base.metadata.sorted_tables:
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        snapshot[table.name] = [tuple(row) for row in rows]
    return snapshot


@pytest.fixture
def demo(session):
    # the shape of the demo; its 2023, played through the workflow, is tests/test_demo_year.py's
    return load_demo(session, year_2023=False)


def test_second_load_changes_nothing(session, monkeypatch):
    # with the 2023 year: tests/test_demo_year.py (a second load neither replays nor changes it)
    first = load_demo(session, year_2023=False)
    before = _snapshot(session)
    assert first.created > 0 and before["nominee"] and before["audit_entry"]

    hashed = []
    from workflow.org import services as org_services

    real_hash = org_services.hash_password
    monkeypatch.setattr(org_services, "hash_password", lambda p: hashed.append(p) or real_hash(p))
    second = load_demo(session, year_2023=False)
    after = _snapshot(session)

    assert hashed == []  # no account re-created, no password re-hashed
    assert {name: len(rows) for name, rows in after.items()} == {name: len(rows) for name, rows in before.items()}
    assert after == before
    assert second.created == 0
    assert (second.authorities_created, second.units_created, second.accounts_created, second.staff_created,
            second.households_created, second.collectives_created, second.awards_created,
            second.links_created, second.council_created) == (0, 0, 0, 0, 0, 0, 0, 0, False)
    assert (second.staff, second.households, second.accounts, second.awards) == (
        first.staff, first.households, first.accounts, first.awards)
    assert "không tạo thêm gì" in second.summary()
    assert "không tạo thêm gì" not in first.summary()


def test_one_demo_audit_entry_and_the_chain_verifies(session, demo):
    load_demo(session, year_2023=False)
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "demo.load")).all()
    assert len(entries) == 1
    assert entries[0].chain == "DB"
    assert entries[0].data["households"][0] == demo.households_created
    checked, broken = verify(session)
    assert broken is None and checked > 1


def test_load_completes_a_partial_demo(session, demo):
    """Something deleted since the first load comes back; nothing else is duplicated."""
    nato = session.scalar(select(Unit).where(Unit.code == "DB-XOM-NATO"))
    household = session.scalars(select(Nominee).where(Nominee.kind == "household", Nominee.unit_id == nato.id,
                                                      Nominee.user_id.is_(None))
                                .order_by(Nominee.id)).first()
    awards = len(household.awards)
    session.delete(household)
    session.commit()
    total = session.scalar(select(func.count(Nominee.id)))

    again = load_demo(session, year_2023=False)
    assert again.households_created == 1 and again.staff_created == 0 and again.accounts_created == 0
    assert again.awards_created == awards
    assert session.scalar(select(func.count(Nominee.id))) == total + 1
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "demo.load")) == 2


def test_the_authority_tree(session, demo):
    by_code = {a.code: a for a in session.scalars(select(Authority))}
    assert (by_code["TN"].kind, by_code["TN"].name, by_code["TN"].parent) == (
        "province", "UBND tỉnh Thái Nguyên", None)
    assert (by_code["DH"].kind, by_code["DH"].name, by_code["DH"].parent.code) == (
        "district", "UBND huyện Định Hóa", "TN")
    # since the 2025 merger the commune sits right under the province; the district is dissolved
    assert (by_code["DB"].kind, by_code["DB"].name, by_code["DB"].parent.code) == (
        "commune", "UBND xã Định Biên", "TN")
    assert by_code["DH"].dissolved_on == date(2025, 7, 1) and not by_code["DH"].active_on(date(2025, 7, 1))
    assert by_code["DH"].active_on(date(2025, 6, 30)) and by_code["TN"].active_on(date(2026, 12, 2))
    assert demo.authorities == 3


def test_the_two_trees_of_the_demo_and_their_periods(session, demo):
    """The 2023 year ran on the 3-tier tree and vn-2017; the year played (2026) on the 2-tier tree of
    the period in force, with no district."""
    from workflow.catalog.services import rule_set_for

    commune = session.scalar(select(Authority).where(Authority.code == "DB"))
    dec_2023, dec_2026 = date(2023, 12, 15), date(2026, 12, 2)
    assert [a.code for a in commune.ancestors_on(dec_2023)] == ["DH", "TN"]
    old = rule_set_for(session, commune, dec_2023)
    assert old.code == "vn-2017" and old.content["levels"][:3] == ["commune", "district", "province"]
    assert [a.code for a in commune.ancestors_on(dec_2026)] == ["TN"]
    now = rule_set_for(session, commune, dec_2026)
    assert "district" not in now.content["levels"] and now.code in ("vn-2025", "vn-2026")
    # one round, open, for the current year (Vietnam date)
    from workflow.proposals.models import Round

    rounds = {r.year: r for r in session.scalars(select(Round).where(Round.authority_id == commune.id))}
    today = vietnam_today()
    assert set(rounds) == {today.year}
    assert rounds[today.year].kind == "annual" and rounds[today.year].nomination_deadline >= today


def test_every_nominator_can_nominate_at_once_and_a_submission_goes_to_the_province(app, session, demo):
    from workflow.decisions import services as decisions
    from workflow.errors import Conflict
    from workflow.proposals import services as proposals
    from workflow.proposals.models import Round

    commune = session.scalar(select(Authority).where(Authority.code == "DB"))
    open_round = session.scalar(select(Round).where(Round.authority_id == commune.id,
                                                    Round.year == vietnam_today().year))
    nominators = session.scalars(select(User).join(User.roles).where(RoleAssignment.role == "nominator")).all()
    assert len(nominators) == 10
    for user in nominators:
        unit = next(r.unit for r in user.roles if r.role == "nominator")
        nominee = session.scalars(select(Nominee).where(Nominee.unit_id == unit.id)).first()
        award = "GDVH" if nominee.kind == "household" else "GK_XA" if nominee.kind == "collective" else "LDTT"
        created = proposals.create_proposal(session, user, round_id=open_round.id, nominee_id=nominee.id,
                                            award_type_code=award, unit_code=unit.code,
                                            achievements="Hoàn thành tốt nhiệm vụ năm.")
        assert created.state == "draft"
    # a submission goes to the province; the dissolved district is refused with a clear error
    assert commune.parent.code == "TN"
    district = session.scalar(select(Authority).where(Authority.code == "DH"))
    commune.parent_id = district.id  # a deployment whose tree was not updated after the merger
    session.commit()
    secretary = session.scalar(select(User).where(User.username == "thuky"))
    with pytest.raises(Conflict) as refused:
        decisions.create_submission(session, secretary, from_authority_code="DB", proposal_ids=[1])
    assert refused.value.code == "authority_dissolved" and "UBND huyện Định Hóa" in refused.value.message
    assert "01/07/2025" in refused.value.message


def test_units_of_the_commune(session, demo):
    units = session.scalars(select(Unit).join(Authority).where(Authority.code == "DB")).all()
    hamlets = sorted(u.name for u in units if u.kind == "hamlet")
    assert hamlets == sorted(f"Xóm {h}" for h in HAMLETS)
    assert session.scalar(select(Unit).where(Unit.code == "DB-XOM-NATO")).name == "Xóm Nà To"
    kinds = Counter(u.kind for u in units)
    assert kinds == {"hamlet": 9, "office": 3, "clinic": 1, "school": 3, "mass_organisation": 5}
    names = {u.code: u.name for u in units}
    assert names["DB-THCS"] == "Trường THCS Định Biên"
    organisations = [u.name for u in units if u.kind == "mass_organisation"]
    for label in ("MTTQ", "Hội Nông dân", "Hội Liên hiệp Phụ nữ", "Đoàn Thanh niên", "Hội Cựu chiến binh"):
        assert sum(label in name for name in organisations) == 1, label
    offices = {u.name for u in units if u.kind == "office"}
    assert offices == {"Văn phòng HĐND-UBND xã Định Biên", "Công an xã Định Biên",
                       "Ban Chỉ huy Quân sự xã Định Biên"}
    assert demo.units == len(units) == 21


def test_staff_households_and_collectives(session, demo):
    nominees = session.scalars(select(Nominee)).all()
    kinds = Counter(n.kind for n in nominees)
    assert kinds["individual"] >= 35 and kinds["household"] >= 550
    assert (demo.staff, demo.households) == (kinds["individual"], kinds["household"])

    staff = [n for n in nominees if n.kind == "individual"]
    assert all(n.unit.kind != "hamlet" and n.position and n.gender in ("male", "female") for n in staff)
    assert all(1940 < n.birth_year < 2005 for n in staff)
    assert all(n.name.split()[0] in demo_data.SURNAMES for n in staff)
    assert {n.unit.kind for n in staff} == {"office", "clinic", "school", "mass_organisation"}
    assert len({n.name for n in staff}) == len(staff)
    assert {"Giáo viên", "Y sĩ", "Công chức Văn phòng - Thống kê"} <= {n.position for n in staff}

    households = [n for n in nominees if n.kind == "household"]
    per_hamlet = Counter(n.unit.name for n in households)
    assert set(per_hamlet) == {f"Xóm {h}" for h in HAMLETS}
    assert min(per_hamlet.values()) >= 40
    for n in households:
        assert n.unit.kind == "hamlet" and n.head_name
        assert n.name in (f"Hộ ông {n.head_name}", f"Hộ bà {n.head_name}")
    assert len({(n.unit_id, n.name) for n in households}) == len(households)

    units = session.scalars(select(Unit)).all()
    collectives = [n for n in nominees if n.kind == "collective"]
    assert sorted((n.unit_id, n.name) for n in collectives) == sorted((u.id, u.name) for u in units)
    assert all(n.authority.code == "DB" for n in nominees)


def test_the_council(session, demo):
    commune = session.scalar(select(Authority).where(Authority.code == "DB"))
    seats = session.scalars(select(CouncilMember).where(CouncilMember.authority_id == commune.id)).all()
    positions = {s.user.username: s.position for s in seats}
    assert len(seats) == 9 == demo.council_seats
    assert Counter(positions.values()) == {"chair": 1, "vice_chair": 1, "secretary": 1, "member": 6}
    assert (positions["chutich"], positions["pct"], positions["thuky"]) == ("chair", "vice_chair", "secretary")
    for seat in seats:
        expected_role = {"chair": "chair", "secretary": "secretary"}.get(seat.position, "council_member")
        assert seat.user.has_role(expected_role, commune.id), seat.user.username
        # every member is commune staff, linked so that council recusal can find them
        linked = session.scalars(select(Nominee).where(Nominee.user_id == seat.user_id)).all()
        assert [n.kind for n in linked] == ["individual"], seat.user.username
        assert linked[0].name == seat.user.full_name
    member_positions = {n.position for s in seats for n in session.scalars(
        select(Nominee).where(Nominee.user_id == s.user_id))}
    assert {"Phó Chủ tịch UBND xã", "Chủ tịch Ủy ban MTTQ xã", "Bí thư Đoàn xã", "Chủ tịch Hội Nông dân xã",
            "Chủ tịch Hội Liên hiệp Phụ nữ xã", "Chủ tịch Hội Cựu chiến binh xã",
            "Công chức Văn hóa - Xã hội"} <= member_positions


def test_award_history(session, demo):
    rows = session.execute(select(AwardRecord, Nominee.kind).join(Nominee)).all()
    assert rows and all(r.source == "manual" for r, _k in rows)
    by_type = Counter((r.award_type_code, r.year, kind) for r, kind in rows)
    # 2023's "25 cán bộ, công chức" are decided by the 2023 play (tests/test_demo_year.py); the
    # history holds the two LĐTT of 2023 decided elsewhere (the district's education office)
    assert by_type[("LDTT", 2023, "individual")] == 2
    assert {r.decision_number for r, _k in rows if (r.award_type_code, r.year) == ("LDTT", 2023)} == {
        "215/QĐ-PGDĐT"}
    assert all(r.decision_number.endswith("/QĐ-UBND") for r, _k in rows if r.year < 2023)
    assert by_type[("LDTT", 2022, "individual")] >= 5
    assert ("125/QĐ-UBND" in {r.decision_number for r, _k in rows if r.award_type_code == "LDTT"})

    cstdcs: dict[int, set[int]] = {}
    ldtt: dict[int, set[int]] = {}
    for r, _kind in rows:
        if r.award_type_code == "CSTDCS":
            cstdcs.setdefault(r.nominee_id, set()).add(r.year)
        if r.award_type_code == "LDTT":
            ldtt.setdefault(r.nominee_id, set()).add(r.year)
    assert len(cstdcs) == 2
    for nominee_id, years in cstdcs.items():
        assert years == {2021, 2022}  # 2023's: the play's
        assert years <= ldtt[nominee_id]  # CSTĐCS needs LĐTT the same year

    households = session.scalar(select(func.count(Nominee.id)).where(Nominee.kind == "household"))
    gdvh = [r for r, kind in rows if r.award_type_code == "GDVH"]
    assert all(kind == "household" for r, kind in rows if r.award_type_code == "GDVH")
    three_years = Counter(r.nominee_id for r in gdvh)
    # 2021 and 2022 by hand; 2023's GĐVH are the play's
    share = sum(1 for n in three_years.values() if n == 2) / households
    assert 0.3 < share < 0.8
    assert 0.5 < len(three_years) / households < 1
    assert {r.year for r in gdvh} == {2021, 2022}
    assert demo.awards == len(rows)


def test_the_data_is_the_same_every_time():
    first, second = demo_data.build_dataset(), demo_data.build_dataset()
    assert first == second
    assert first.staff == demo_data.DATASET.staff
    assert [h.head_name for h in first.households[:5]] == [h.head_name for h in demo_data.DATASET.households[:5]]


def test_demo_accounts_cover_every_role():
    usernames = [u for u, *_rest in DEMO_ACCOUNTS]
    assert len(usernames) == len(set(usernames))
    assert {role for _u, _p, role, _d in DEMO_ACCOUNTS} == set(ROLES)
    assert all(password_problem(p) is None and d for _u, p, _r, d in DEMO_ACCOUNTS)  # the rule refuses none
    required = {"admin", "thuky", "chutich", "pct", "thcs", "huyen_tdkt", "huyen_thuky", "tinh_tdkt"}
    assert required | {f"xom_{s.lower()}" for s, _n, _c in demo_data.HAMLETS} <= set(usernames)


def test_every_demo_account_signs_in_with_its_role(app, session, client, demo):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    expected = {a.username: a for a in demo_data.DATASET.accounts}
    for username, password, role, _description in DEMO_ACCOUNTS:
        response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 200, (username, response.get_json())
        body = response.get_json()
        assert body["token"] and body["user"]["username"] == username
        assert role in body["user"]["roles"], (username, body["user"]["roles"])
        scope = {(r["role"], r["authority_code"], r["unit_code"]) for r in body["user"]["role_scopes"]}
        spec = expected[username]
        assert (role, spec.authority_code, spec.unit_code) in scope
    wrong = client.post("/api/v1/auth/token", json={"username": "thuky", "password": "not-the-demo-one"})
    assert wrong.status_code == 401
    admin = session.scalar(select(User).where(User.username == "admin"))
    assert admin.is_deployment_admin
    nato = session.scalar(select(User).where(User.username == "xom_nato"))
    assert [(r.role, r.unit.code) for r in nato.roles] == [("nominator", "DB-XOM-NATO")]


def test_summary_lists_accounts_passwords_and_url(demo):
    text = demo.summary()
    assert "http://127.0.0.1:5000/" in text
    for username, password, role, _description in DEMO_ACCOUNTS:
        line = next(line for line in text.splitlines() if line.strip().startswith(username + " "))
        assert password in line and f"({role})" in line
    assert f"Hộ gia đình: {demo.households}" in text


def test_cli_db_upgrade_then_demo_load_twice(tmp_path):
    from tests.helpers import upgraded_cli
    from workflow.cli import main

    runner, env, url = upgraded_cli(tmp_path, "cli.sqlite")

    first = runner.invoke(main, ["demo", "load"], env=env)
    assert first.exit_code == 0, first.output
    assert "http://127.0.0.1:5000/" in first.output
    assert "thuky" in first.output and "demo-2024" in first.output
    assert "không tạo thêm gì" not in first.output

    second = runner.invoke(main, ["demo", "load"], env=env)
    assert second.exit_code == 0, second.output
    assert "không tạo thêm gì" in second.output

    verified = runner.invoke(main, ["audit", "verify"], env=env)
    assert verified.exit_code == 0 and verified.output.startswith("OK"), verified.output

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            households = conn.scalar(select(func.count(Nominee.id)).where(Nominee.kind == "household"))
            users = conn.scalar(select(func.count(User.id)))
            demo_entries = conn.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "demo.load"))
    finally:
        engine.dispose()
    assert households >= 550 and users == len(DEMO_ACCOUNTS) and demo_entries == 1


def test_an_earlier_demos_hand_entered_2023_makes_way_for_the_play(session, demo):
    """A database loaded before the demo played 2023 had that year's LĐTT, CSTĐCS and GĐVH as
    hand-entered history; before playing the year they go (they would count twice), nothing else."""
    from workflow.demo.year2023 import _retire_old_history

    commune = session.scalar(select(Authority).where(Authority.code == "DB"))
    staff = session.scalars(select(Nominee).where(Nominee.kind == "individual").order_by(Nominee.id)).first()
    session.add_all([AwardRecord(nominee_id=staff.id, award_type_code="LDTT", year=2023, source="manual",
                                 decision_number="138/QĐ-UBND", decision_date=date(2023, 12, 22)),
                     AwardRecord(nominee_id=staff.id, award_type_code="THON_VH", year=2023, source="manual",
                                 decision_number="138/QĐ-UBND", decision_date=date(2023, 12, 22))])
    session.commit()
    before = session.scalar(select(func.count(AwardRecord.id)))
    assert _retire_old_history(session, commune) == 1
    session.commit()
    assert session.scalar(select(func.count(AwardRecord.id))) == before - 1
    left = {(r.award_type_code, r.decision_number) for r in session.scalars(
        select(AwardRecord).where(AwardRecord.nominee_id == staff.id, AwardRecord.year == 2023))}
    assert ("LDTT", "138/QĐ-UBND") not in left and ("THON_VH", "138/QĐ-UBND") in left
