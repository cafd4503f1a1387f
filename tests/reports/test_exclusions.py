"""Each counting rule of the annual report (SPEC §8) on its own, through GET /api/v1/reports/annual.

test_counting.py checks the whole crafted year's reports at once, where a proposal wrongly counted
and another wrongly left out can cancel. Here each case adds ONE proposal (or award record) to the
crafted year and asks the four reports (the commune, its neighbour, the district, the province)
again: an exclusion changes none of them; a counted one adds exactly one, in exactly one place.
"""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.reports.crafted import YEAR, build
from workflow.org.models import AwardRecord, Nominee

READERS = {"X-DB": "thuky", "X-KHAC": "khac_thuky", "H-DH": "huyen_thuky", "T-TN": "tinh_thuky"}
KEYS = ("individual", "collective", "household")


def reports(client, tokens, year=YEAR) -> dict:
    out = {}
    for code, who in READERS.items():
        r = client.get(f"/api/v1/reports/annual?authority={code}&year={year}", headers=tokens[who])
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        assert (body["authority"], body["year"]) == (code, year)
        flat = {}
        for group in body["proposed_to"]:
            for item in group["items"]:
                for k in KEYS:
                    if item[k]:
                        flat[("proposed_to", group["level"], item["award_type"], k)] = item[k]
        for item in body["awarded_here"]:
            assert item["total"] == sum(item[k] for k in KEYS)
            for k in KEYS:
                if item[k]:
                    flat[("awarded_here", None, item["award_type"], k)] = item[k]
        out[code] = flat
    return out


def diff(before: dict, after: dict) -> dict:
    changes = {}
    for code in READERS:
        for key in set(before[code]) | set(after[code]):
            delta = after[code].get(key, 0) - before[code].get(key, 0)
            if delta:
                changes[(code, *key)] = delta
    return changes


def _manual_award(y, year=YEAR):
    nominee = Nominee(kind="individual", name="Lý Văn Cũ", authority_id=y.commune.id, unit_id=y.hamlet.id)
    y.session.add(nominee)
    y.session.flush()
    y.session.add(AwardRecord(nominee_id=nominee.id, award_type_code="LDTT", year=year, decision_number="9/QĐ-UB",
                              source="manual"))


def _not_in_report(y):
    """An award type whose rule says it is not in the annual report (in_annual_report = false)."""
    p = y.decided_here("LDTT")
    p.award_rule = {**p.award_rule, "in_annual_report": False}


CASES = {
    # --- exclusions: nothing changes anywhere --------------------------------------------------
    "withdrawn": (lambda y: y.make("LDTT", y.reviewed(y.commune) + [("withdraw", "withdrawn", y.commune)]), {}),
    "rejected": (lambda y: y.make("GK_XA", y.reviewed(y.commune) + [("reject", "rejected", y.commune)]), {}),
    "not recommended": (lambda y: y.make("LDTT", y.reviewed(y.commune) + [
        ("schedule", "in_council", y.commune), ("fail", "not_recommended", y.commune)]), {}),
    "revoked": (lambda y: y.make("LDTT", y.recommended(y.commune) + [
        ("decide", "awarded", y.commune), ("revoke", "revoked", y.commune)]), {}),
    "recommended, not decided": (lambda y: y.make("LDTT", y.recommended(y.commune)), {}),
    "hand-entered past award": (_manual_award, {}),
    "previous year": (lambda y: y.decided_here("LDTT", year=YEAR - 1), {}),
    "next year": (lambda y: y.decided_here("LDTT", year=YEAR + 1), {}),
    "not in the annual report": (_not_in_report, {}),
    "rejected by the district": (lambda y: y.make("CSTDCS", y.recommended(y.commune) + [
        ("forward", "submitted", y.commune), ("reject", "rejected", y.district)], current=y.district), {}),
    "withdrawn at the district": (lambda y: y.make("CSTDCS", y.recommended(y.commune) + [
        ("forward", "submitted", y.commune), ("withdraw", "withdrawn", y.district)], current=y.district), {}),
    "sent back down for changes": (lambda y: y.make("CSTDCS", y.recommended(y.commune) + [
        ("forward", "submitted", y.commune), ("record_outcome", "recommended", y.district)]), {}),
    "rejected on paper": (lambda y: y.make("BK_TINH", y.recommended(y.commune) + [
        ("forward", "forwarded", y.commune), ("record_outcome", "rejected", y.commune)]), {}),
    # --- counted: exactly one place moves by one --------------------------------------------------
    "decided by the commune": (lambda y: y.decided_here("LDTT"),
                               {("X-DB", "awarded_here", None, "LDTT", "individual"): 1}),
    "decided by the neighbour (its scope, not ours)": (
        lambda y: y.decided_here("GK_XA", at=y.other, kind="household"),
        {("X-KHAC", "awarded_here", None, "GK_XA", "household"): 1}),
    "waiting at the district": (lambda y: y.forwarded_in_system("CSTDCS", kind="collective"),
                                {("X-DB", "proposed_to", "district", "CSTDCS", "collective"): 1}),
    "decided by the district": (lambda y: y.make("GK_HUYEN", y.recommended(y.commune) + [
        ("forward", "submitted", y.commune), ("record_outcome", "awarded", y.district)], current=y.district),
        {("X-DB", "proposed_to", "district", "GK_HUYEN", "individual"): 1,
         ("H-DH", "awarded_here", None, "GK_HUYEN", "individual"): 1}),
    "awarded on paper by the province": (lambda y: y.make("BK_TINH", y.recommended(y.commune) + [
        ("forward", "forwarded", y.commune), ("record_outcome", "awarded", y.commune)]),
        {("X-DB", "proposed_to", "province", "BK_TINH", "individual"): 1,
         ("T-TN", "awarded_here", None, "BK_TINH", "individual"): 1}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_one_proposal_moves_exactly_what_its_rule_says(app, client, session, name):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    y = build(session)
    tokens = {who: f.token(client, who) for who in READERS.values()}
    before = reports(client, tokens)
    make, want = CASES[name]
    make(y)
    y.session.commit()
    assert diff(before, reports(client, tokens)) == want


def test_the_other_years_report_gets_the_other_years_award(app, client, session):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    y = build(session)
    tokens = {who: f.token(client, who) for who in READERS.values()}
    before = reports(client, tokens, YEAR + 1)
    y.decided_here("GK_XA", year=YEAR + 1, kind="collective")
    _manual_award(y, YEAR + 1)  # the hand-entered record still counts nowhere
    y.session.commit()
    assert diff(before, reports(client, tokens, YEAR + 1)) == {
        ("X-DB", "awarded_here", None, "GK_XA", "collective"): 1}
