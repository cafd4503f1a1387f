"""The annual report's counts over a crafted year with every exclusion (SPEC §8): the exact JSON of
the commune, its district, its province and a neighbour; the readers; the contract's shape."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.reports.crafted import YEAR, build

KEYS = ("individual", "collective", "household")


@pytest.fixture
def year(session):
    return build(session)


def get(client, who: str, code: str, year: int = YEAR, path: str = "/api/v1/reports/annual"):
    return client.get(f"{path}?authority={code}&year={year}", headers=f.token(client, who))


def counts(items: list[dict]) -> dict:
    return {i["award_type"]: {k: i[k] for k in KEYS if i[k]} for i in items}


def shape(report: dict) -> dict:
    return {"proposed_to": [(g["level"], counts(g["items"])) for g in report["proposed_to"]],
            "awarded_here": counts(report["awarded_here"])}


def test_the_commune_counts_what_went_through_the_workflow(client, year):
    report = get(client, "thuky", "X-DB").get_json()
    assert report["authority"] == "X-DB" and report["year"] == YEAR
    assert shape(report) == {
        # highest level first; a Bằng khen tỉnh sent through the district counts under the province,
        # the paper-awarded one too (proposed by the commune, decided by the province); the rejected
        # one does not
        "proposed_to": [("province", {"BK_TINH": {"individual": 2, "collective": 1}}),
                        # waiting at the district, and decided by it; not the one sent back for
                        # changes, nor the withdrawn, the rejected, the other commune's
                        ("district", {"CSTDCS": {"individual": 2}, "GK_HUYEN": {"individual": 1}})],
        # not the revoked, council-failed, withdrawn, rejected or undecided ones, not 2022 or 2024,
        # not the neighbour's, not the hand-entered past awards, not the province's paper award
        "awarded_here": {"LDTT": {"individual": 3},
                         "GK_XA": {"collective": 2, "individual": 3, "household": 1},
                         "GDVH_TIEU_BIEU": {"household": 4}},
    }
    # the reference report's order (the catalogue's): LĐTT, Giấy khen, Gia đình văn hóa tiêu biểu
    assert [i["award_type"] for i in report["awarded_here"]] == ["LDTT", "GK_XA", "GDVH_TIEU_BIEU"]
    gk = report["awarded_here"][1]
    assert gk["total"] == 6 and gk["name"] == "Giấy khen của Chủ tịch Ủy ban nhân dân xã"
    # every item carries the contract's four keys, zeros included
    for item in report["awarded_here"] + [i for g in report["proposed_to"] for i in g["items"]]:
        assert {"award_type", *KEYS} <= set(item) and all(isinstance(item[k], int) for k in KEYS)


def test_an_award_counts_under_the_authority_that_decided_it(client, year):
    district = get(client, "huyen_thuky", "H-DH").get_json()
    assert shape(district) == {"proposed_to": [("province", {"BK_TINH": {"individual": 1}})],
                               "awarded_here": {"CSTDCS": {"individual": 1}, "GK_HUYEN": {"individual": 1}}}
    # the province decided the Bằng khen whose answer the commune recorded from paper
    province = get(client, "tinh_thuky", "T-TN").get_json()
    assert shape(province) == {"proposed_to": [], "awarded_here": {"BK_TINH": {"individual": 1}}}
    neighbour = get(client, "khac_thuky", "X-KHAC").get_json()
    assert shape(neighbour) == {"proposed_to": [("district", {"CSTDCS": {"individual": 1}})],
                                "awarded_here": {"LDTT": {"individual": 1}, "GK_XA": {"collective": 1}}}


def test_the_year_is_the_rounds_year(client, year):
    assert shape(get(client, "thuky", "X-DB", YEAR - 1).get_json()) == {
        "proposed_to": [], "awarded_here": {"LDTT": {"individual": 1}}}
    assert shape(get(client, "thuky", "X-DB", 2030).get_json()) == {"proposed_to": [], "awarded_here": {}}


@pytest.mark.parametrize("path", ["/api/v1/reports/annual", "/api/v1/reports/annual.docx",
                                  "/api/v1/reports/annual.xlsx"])
def test_out_of_scope_is_404_like_an_unknown_authority(client, year, path):
    assert get(client, "chutich", "X-DB", path=path).status_code == 200
    assert get(client, "tinh_admin", "X-DB", path=path).status_code == 200  # an admin of the scope
    for who, code in (("truongxom", "X-DB"), ("uyvien", "X-DB"), ("khac_thuky", "X-DB"),
                      ("huyen_thuky", "X-DB"), ("thuky", "H-DH"), ("thuky", "NOWHERE")):
        response = get(client, who, code, path=path)
        assert response.status_code == 404, (who, code)
        assert response.get_json()["error"]["code"] == "not_found"


def test_bad_query_is_a_clear_422(client, year):
    headers = f.token(client, "thuky")
    for query in ("?authority=X-DB", "?year=2023", "?authority=X-DB&year=abc", "?authority=X-DB&year=99999"):
        response = client.get("/api/v1/reports/annual.xlsx" + query, headers=headers)
        assert response.status_code in (400, 422), query
        assert response.get_json()["error"]["code"]
