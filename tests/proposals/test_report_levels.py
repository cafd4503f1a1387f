"""The annual report groups proposals by the level that DECIDES the award type, as the reference
commune report's section 4.1 does: a Bằng khen tỉnh forwarded to the district is "đề nghị cấp
tỉnh"; a CSTĐCS of a 3-tier year (decided by the district) is "đề nghị cấp huyện"; a proposal the
district rejects does not count."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.proposals.helpers import World
from tests.proposals.test_eligibility import awardees, internal_event, state_of


@pytest.fixture
def w(client, session):
    return World(client, session)


def forwarded(app, w, nominee_id: int, award: str) -> int:
    pid = w.propose(nominee_id, award)["id"]
    w.event("nominator", pid, "submit")
    w.event("secretary", pid, "accept")
    internal_event(app, w, pid, "schedule", "secretary", meeting_id=1)
    internal_event(app, w, pid, "pass", "chair", meeting_id=1)
    internal_event(app, w, pid, "forward", "chair", submission_id=1)
    return pid


def levels(report: dict) -> dict:
    return {g["level"]: {i["award_type"]: i["individual"] for i in g["items"]} for g in report["proposed_to"]}


def test_a_three_tier_year_counts_each_proposal_under_the_level_that_decides_it(w, app):
    w.call("admin", "PATCH", "/api/v1/authorities/X-DB", {"rule_set": "vn-2024"}, expect=200)  # 3-tier
    f.user(w.session, "secretary", w.org["district"], username="thuky_huyen")
    people = awardees(w, "LDTT", 20)  # enough for a CSTĐCS under a cap, where the period has one
    bk = [forwarded(app, w, n, "BK_TINH") for n in people[:2]]
    cstd = forwarded(app, w, people[2], "CSTDCS")
    # both Bằng khen sit at the district (submitted there), on their way to the province
    assert [state_of(w, p) for p in bk + [cstd]] == ["submitted"] * 3
    assert w.get("secretary", f"/api/v1/proposals/{bk[0]}")["authority_code"] == "H-DH"
    # the district turns one Bằng khen down: it no longer counts
    w.event("thuky_huyen", bk[1], "reject", reason="Không đủ thành tích")
    assert state_of(w, bk[1]) == "rejected"
    report = w.get("secretary", "/api/v1/reports/annual?authority=X-DB&year=2025")
    assert levels(report) == {"province": {"BK_TINH": 1}, "district": {"CSTDCS": 1}}
