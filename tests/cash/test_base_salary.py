"""The base salary series: the shipped file as the decrees say, loading, the admin's edit through
the API (audited), and a series with a gap, an overlap or a non-integer amount refused whole."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests import factories as f
from workflow.audit.models import AuditEntry
from workflow.cash import services

# the decrees' amounts and first days in force (SPEC §3): NĐ 38/2019, 24/2023, 73/2024, 161/2026
DECREES = [(date(2019, 7, 1), 1_490_000, "38/2019"), (date(2023, 7, 1), 1_800_000, "24/2023"),
           (date(2024, 7, 1), 2_340_000, "73/2024"), (date(2026, 7, 1), 2_530_000, "161/2026")]

GOOD = [{"from": "2019-07-01", "to": "2023-06-30", "amount_vnd": 1_490_000, "source": "NĐ 38/2019/NĐ-CP, Điều 3"},
        {"from": "2023-07-01", "amount_vnd": 1_800_000, "source": "NĐ 24/2023/NĐ-CP, Điều 3"}]


def test_the_shipped_series_is_the_decrees(session):
    rows = services.series(session)
    assert [(r.effective_from, r.amount_vnd) for r in rows] == [(d, a) for d, a, _n in DECREES]
    for row, (_d, _a, number) in zip(rows, DECREES, strict=True):
        assert number in row.source and "Điều 3" in row.source  # every amount carries its source
    assert rows[-1].effective_to is None and rows[-1].verify is True  # the 2026 decree: not read in its text
    for before, after in zip(rows, rows[1:], strict=False):
        assert (after.effective_from - before.effective_to).days == 1  # end to end


@pytest.mark.parametrize(("day", "amount"), [
    (date(2019, 7, 1), 1_490_000), (date(2023, 6, 30), 1_490_000), (date(2023, 7, 1), 1_800_000),
    (date(2024, 6, 30), 1_800_000), (date(2024, 7, 1), 2_340_000), (date(2026, 6, 30), 2_340_000),
    (date(2026, 7, 1), 2_530_000), (date(2030, 1, 1), 2_530_000)])
def test_the_amount_in_force_on_a_day(session, day, amount):
    assert services.base_salary_on(session, day).amount_vnd == amount


def test_no_amount_before_the_series_starts(session):
    assert services.base_salary_on(session, date(2019, 6, 30)) is None


def test_loading_again_changes_nothing(session):
    assert services.load_base_salary(session) is False
    assert len(services.series(session)) == len(DECREES)


@pytest.mark.parametrize(("coefficient", "base", "expected"), [
    (0.3, 1_490_000, 450_000),  # 447,000 rounded up
    (0.45, 2_340_000, 1_060_000),  # 1,053,000 rounded up
    (1.5, 1_800_000, 2_700_000),  # already a multiple of 10,000
    (2.25, 2_530_000, 5_700_000),  # 5,692,500 rounded up
    (0.1, 1_490_000, 150_000),  # 149,000 rounded up
    (0, 2_340_000, 0),
])
def test_amounts_round_up_to_ten_thousand(coefficient, base, expected):
    rule = {"cash_coefficient": {"individual": coefficient}}
    assert services.full_amount(rule, "individual", base) == expected
    assert services.full_amount(rule, "household", base) == 0  # no coefficient for that kind: no cash


# --- the admin's edit ---------------------------------------------------------------------------------

def admin_headers(client, session):
    f.user(session, "admin", username="quantri")
    return f.token(client, "quantri")


def test_the_admin_replaces_the_series_and_the_audit_says_so(client, session):
    headers = admin_headers(client, session)
    shown = client.get("/api/v1/base-salary", headers=headers).get_json()
    assert [s["amount_vnd"] for s in shown["steps"]] == [a for _d, a, _n in DECREES] and shown["edited"] is False
    response = client.put("/api/v1/base-salary", json={"steps": GOOD}, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert [s["amount_vnd"] for s in response.get_json()["steps"]] == [1_490_000, 1_800_000]
    session.expire_all()
    assert services.base_salary_on(session, date(2026, 7, 1)).amount_vnd == 1_800_000
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "base_salary.replace"))
    assert entry is not None and entry.data["after"][1]["amount_vnd"] == 1_800_000
    assert entry.data["before"][-1]["amount_vnd"] == 2_530_000
    # the admin's series survives loading the shipped file again
    assert services.load_base_salary(session) is False
    assert len(services.series(session)) == 2


def test_only_the_deployment_admin_edits(client, session):
    commune = f.authority(session, "X-A", "commune")
    f.user(session, "admin", commune, username="quantri_xa")
    f.user(session, "secretary", commune, username="thuky_xa")
    for username in ("quantri_xa", "thuky_xa"):
        response = client.put("/api/v1/base-salary", json={"steps": GOOD}, headers=f.token(client, username))
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    session.expire_all()
    assert len(services.series(session)) == len(DECREES)


def _with(index: int, **changes) -> list[dict]:
    steps = [dict(s) for s in GOOD]
    steps[index].update(changes)
    return steps


@pytest.mark.parametrize(("steps", "key", "says"), [
    (_with(1, **{"from": "2023-07-02"}), "step 2.from", "để trống"),  # 2023-07-01 belongs to no step
    (_with(1, **{"from": "2023-06-30"}), "step 2.from", "chồng lấn"),  # one day in both
    (_with(0, to=None), "step 2.from", "chồng lấn"),  # two open-ended steps
    (_with(1, amount_vnd=1_800_000.5), "step 2.amount_vnd", None),
    (_with(1, amount_vnd="1800000"), "step 2.amount_vnd", None),
    (_with(1, amount_vnd=True), "step 2.amount_vnd", None),
    (_with(1, amount_vnd=0), "step 2.amount_vnd", None),
    (_with(1, amount_vnd=-5), "step 2.amount_vnd", None),
    (_with(0, **{"from": "01/07/2019"}), "step 1.from", None),
    (_with(0, to="2019-06-30"), "step 1.to", None),  # ends before it starts
    (_with(1, source=""), "step 2.source", None),
    (_with(1, verify="yes"), "step 2.verify", None),
    (_with(1, note="x"), "step 2.note", None),
    ([{"from": "2023-07-01", "amount_vnd": 1}], "step 1.source", None),
    ([], "steps", None),
    ("2019-07-01", "steps", None),
])
def test_a_bad_series_is_refused_whole(client, session, steps, key, says):
    headers = admin_headers(client, session)
    response = client.put("/api/v1/base-salary", json={"steps": steps},
                          headers={**headers, "Accept-Language": "en"})
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and list(error["details"]) == [key]
    if says:
        assert says in error["message"]
    session.expire_all()
    assert [r.amount_vnd for r in services.series(session)] == [a for _d, a, _n in DECREES]
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "base_salary.replace")) is None


@pytest.mark.parametrize("body", [None, [], {"steps": GOOD, "more": 1}, {"series": GOOD}])
def test_a_body_without_steps_is_refused(client, session, body):
    headers = admin_headers(client, session)
    response = client.put("/api/v1/base-salary", json=body, headers=headers)
    assert response.status_code == 422 and "steps" in response.get_json()["error"]["details"]


def test_a_bad_file_names_the_step_and_writes_nothing(session, tmp_path):
    path = tmp_path / "base-salary.toml"
    path.write_text('[[step]]\nfrom = 2019-07-01\nto = 2023-06-30\namount_vnd = 1490000\nsource = "NĐ 38/2019"\n'
                    '[[step]]\nfrom = 2023-08-01\namount_vnd = 1800000\nsource = "NĐ 24/2023"\n', encoding="utf-8")
    with pytest.raises(services.SeriesError) as caught:
        services.load_base_salary(session, path)
    assert "base-salary.toml" in caught.value.message and "2023-08-01" in caught.value.message
    assert list(caught.value.details) == ["step 2.from"]
    assert len(services.series(session)) == len(DECREES)
