"""Cash of issued decisions: coefficient × the base salary in force on the DECISION date, rounded
up to 10,000 VND; only the highest amount for several titles of one person in one year; the same
figures in the JSON and in the DOCX list.

Expected amounts are computed here from the law (the decrees' base salaries, NĐ 152/2025's
coefficients and rounding), never read back from the code.
"""

from __future__ import annotations

import io
import re
from datetime import date
from fractions import Fraction

import docx
import pytest
from sqlalchemy import select

from tests.decisions.test_documents import docx_text, flat
from workflow.decisions.models import DecisionItem

# the base salary (lương cơ sở) by decree: NĐ 38/2019, 24/2023, 73/2024, 161/2026
LAW_BASE = [(date(2019, 7, 1), 1_490_000), (date(2023, 7, 1), 1_800_000), (date(2024, 7, 1), 2_340_000),
            (date(2026, 7, 1), 2_530_000)]
LDTT, CSTDCS = Fraction(3, 10), Fraction(1)  # coefficients of "Lao động tiên tiến", "CSTĐ cơ sở"


def base_on(day: date) -> int:
    return [amount for start, amount in LAW_BASE if start <= day][-1]


def law_amount(coefficient: Fraction, day: date) -> int:
    """coefficient × base, rounded UP to the next 10,000 đồng, in exact integer arithmetic."""
    exact = coefficient * base_on(day)
    return -(-exact.numerator // (exact.denominator * 10_000)) * 10_000


def dots(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def test_the_law_rounds_up_as_the_brief_says():
    # the test's own arithmetic, on the examples of the law's rounding
    assert law_amount(Fraction(3, 10), date(2020, 1, 1)) == 450_000  # 447,000 → 450,000
    assert law_amount(Fraction(45, 100), date(2025, 1, 1)) == 1_060_000  # 1,053,000 → 1,060,000
    assert law_amount(Fraction(1), date(2023, 7, 1)) == 1_800_000  # a round amount stays


def accepted_for(d, nominee_id: int, award: str, **extra) -> int:
    """A proposal of ``award`` for an existing nominee, submitted and accepted."""
    pid = d.propose(nominee_id, award, **extra)["id"]
    d.event("nominator", pid, "submit")
    d.event("secretary", pid, "accept")
    return pid


def round_of(d, year: int) -> int:
    return d.post("secretary", "/api/v1/rounds", {
        "authority_code": "X-DB", "year": year, "kind": "annual", "title": f"Tổng kết năm {year}",
        "nomination_deadline": f"{year}-12-15"})["id"]


def ldtt_decision(d, name: str, round_id: int | None = None) -> dict:
    pid = d.accepted(name, "LDTT", **({"round_id": round_id} if round_id else {}))
    d.recommend([pid])
    return d.decision([pid], "LDTT")


@pytest.mark.parametrize("signed_on", [
    "2023-06-30", "2023-07-01",  # Decree 24/2023: 1,490,000 → 1,800,000
    "2024-06-30", "2024-07-01",  # Decree 73/2024: 1,800,000 → 2,340,000
    "2026-06-30", "2026-07-01",  # Decree 161/2026: 2,340,000 → 2,530,000
])
def test_cash_follows_the_base_salary_of_the_decision_date(d, signed_on):
    day = date.fromisoformat(signed_on)
    decision = ldtt_decision(d, "Ma Văn Thưởng", round_of(d, day.year - 1))
    issued = d.issue(decision["id"], date=signed_on)
    expected = law_amount(LDTT, day)
    assert issued["date"] == signed_on
    assert issued["base_salary_vnd"] == base_on(day)
    assert [i["cash_amount"] for i in issued["items"]] == [expected]
    assert issued["cash_total"] == expected
    assert isinstance(issued["cash_total"], int) and isinstance(issued["items"][0]["cash_amount"], int)
    # the stored decision says the same, read through the API again
    again = d.get("chutich", f"/api/v1/decisions/{decision['id']}")
    assert again["cash_total"] == expected and again["items"][0]["cash_amount"] == expected


def test_the_six_boundary_amounts_differ_as_the_decrees_say():
    """Guards the parametrised test above: each pair really straddles a change of amount."""
    pairs = [("2023-06-30", "2023-07-01", 450_000, 540_000), ("2024-06-30", "2024-07-01", 540_000, 710_000),
             ("2026-06-30", "2026-07-01", 710_000, 760_000)]
    for before, after, low, high in pairs:
        assert law_amount(LDTT, date.fromisoformat(before)) == low
        assert law_amount(LDTT, date.fromisoformat(after)) == high


def test_an_issued_decision_keeps_its_amounts_when_the_series_changes(d):
    decision = ldtt_decision(d, "Hoàng Văn Giữ")
    issued = d.issue(decision["id"], date="2025-03-10")
    assert issued["cash_total"] == law_amount(LDTT, date(2025, 3, 10)) == 710_000
    series = d.get("admin", "/api/v1/base-salary")["steps"]
    series[2]["amount_vnd"] = 3_000_000  # an admin's (wrong) edit of the 2024 step
    d.call("admin", "PUT", "/api/v1/base-salary", {"steps": series}, expect=200)
    again = d.get("chutich", f"/api/v1/decisions/{decision['id']}")
    assert again["cash_total"] == 710_000 and again["items"][0]["cash_amount"] == 710_000
    # a decision issued after the edit is priced with the new step
    later = ldtt_decision(d, "Hoàng Văn Sau")
    assert d.issue(later["id"], date="2025-03-11")["cash_total"] == 900_000  # 0.3 × 3,000,000


def test_a_decision_date_without_a_base_salary_is_refused_and_changes_nothing(d):
    decision = ldtt_decision(d, "Lường Văn Sớm")
    refused = d.call("chutich", "POST", f"/api/v1/decisions/{decision['id']}/issue", {"date": "2019-06-30"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"] == {"date": "2019-06-30"}
    again = d.get("chutich", f"/api/v1/decisions/{decision['id']}")
    assert again["status"] == "draft" and again["number"] is None
    assert d.get("secretary", f"/api/v1/proposals/{decision['proposal_ids'][0]}")["state"] == "recommended"


# --- only the highest amount for several titles of one year ------------------------------------------

def test_ldtt_then_cstdcs_the_second_decision_pays_the_difference(d):
    person = d.person("Nông Văn Hai")
    ldtt = accepted_for(d, person, "LDTT")
    # colleagues with LĐTT the same year: where a rule file still caps CSTĐCS at 15 % of the
    # LĐTT awardees (vn-2017), one CSTĐCS among seven LĐTT stays within it
    for n in range(6):
        d.accepted(f"Nông Văn Bạn {n}", "LDTT")
    cstd = accepted_for(d, person, "CSTDCS")
    d.recommend([ldtt, cstd])
    first = d.issue(d.decision([ldtt], "LDTT")["id"], date="2026-01-10")
    second = d.issue(d.decision([cstd], "CSTDCS")["id"], date="2026-01-20")
    ldtt_cash, cstd_cash = law_amount(LDTT, date(2026, 1, 10)), law_amount(CSTDCS, date(2026, 1, 20))
    assert (ldtt_cash, cstd_cash) == (710_000, 2_340_000)
    assert first["cash_total"] == ldtt_cash and first["items"][0]["cash_note"] is None
    item = second["items"][0]
    assert item["cash_amount"] == second["cash_total"] == cstd_cash - ldtt_cash == 1_630_000
    assert item["cash_full"] == cstd_cash and item["cash_paid_before"] == ldtt_cash
    assert first["number"] in item["cash_note"]
    # what the person got in all: the highest of the two amounts, not their sum
    assert first["cash_total"] + second["cash_total"] == max(ldtt_cash, cstd_cash)
    # the DOCX list says so, with Vietnamese thousands separators
    text = flat(docx_text(d.download("chutich", f"/api/v1/decisions/{second['id']}/document?format=docx").data))
    assert f"{dots(1_630_000)} (đã nhận {dots(710_000)} theo QĐ số {first['number']}" in text
    assert f"mức {dots(2_340_000)}" in text


def _title(d, rule_set: str, code: str, coefficient: float) -> None:
    """A title of the commune without a vote, paying ``coefficient`` × base to an individual."""
    d.call("admin", "PUT", f"/api/v1/rule-sets/{rule_set}/award-types/{code}", {
        "name_vi": f"Danh hiệu thử {code}", "name_en": f"Test title {code}", "kind": "title",
        "nominee_kinds": ["individual"], "deciding_level": "commune", "council_vote": False,
        "cash_coefficient": {"individual": coefficient}}, expect=200)


@pytest.fixture
def titles(d):
    """Two titles without prerequisites between them (so either may be decided first): a high one
    (1.0 × base) and a low one (0.3 × base), in the rule set now in force at the commune."""
    rule_set = d.get("secretary", "/api/v1/award-types?authority=X-DB")[0]["rule_set"]
    _title(d, rule_set, "THU_CAO", 1.0)
    _title(d, rule_set, "THU_THAP", 0.3)
    return rule_set


def test_the_higher_title_first_the_lower_one_later_pays_nothing(d, titles):
    person = d.person("Đàm Văn Cao")
    high, low = (accepted_for(d, person, code) for code in ("THU_CAO", "THU_THAP"))
    d.recommend([high, low])
    first = d.issue(d.decision([high], "THU_CAO")["id"], date="2025-02-03")
    second = d.issue(d.decision([low], "THU_THAP")["id"], date="2025-02-04")
    assert first["cash_total"] == law_amount(Fraction(1), date(2025, 2, 3)) == 2_340_000
    item = second["items"][0]
    assert item["cash_amount"] == second["cash_total"] == 0
    assert item["cash_full"] == law_amount(LDTT, date(2025, 2, 4)) == 710_000
    assert item["cash_paid_before"] == 2_340_000 and first["number"] in item["cash_note"]
    text = flat(docx_text(d.download("chutich", f"/api/v1/decisions/{second['id']}/document?format=docx").data))
    assert f"0 (đã nhận {dots(2_340_000)} theo QĐ số {first['number']}" in text


def test_another_year_or_another_person_is_paid_in_full(d, titles):
    person, other = d.person("La Văn Một"), d.person("La Văn Khác")
    this_year = [accepted_for(d, person, "THU_CAO"), accepted_for(d, other, "THU_THAP")]
    next_year = accepted_for(d, person, "THU_THAP", round_id=round_of(d, 2026))
    d.recommend([*this_year, next_year])
    d.issue(d.decision([this_year[0]], "THU_CAO")["id"], date="2026-02-01")
    low = d.issue(d.decision([this_year[1]], "THU_THAP")["id"], date="2026-02-02")
    later = d.issue(d.decision([next_year], "THU_THAP")["id"], date="2027-01-15")
    assert low["cash_total"] == law_amount(LDTT, date(2026, 2, 2)) == 710_000  # another person
    assert later["cash_total"] == law_amount(LDTT, date(2027, 1, 15)) == 760_000  # another year
    assert later["items"][0]["cash_note"] is None


def test_two_titles_of_one_person_in_one_decision_pay_the_highest_once(d, titles):
    person = d.person("Triệu Văn Đôi")
    low, high = (accepted_for(d, person, code) for code in ("THU_THAP", "THU_CAO"))
    d.recommend([low, high])
    decision = d.post("thuky", "/api/v1/decisions", {"authority_code": "X-DB", "proposal_ids": [low, high]},
                      expect=201)
    issued = d.issue(decision["id"], date="2026-03-02")
    assert issued["cash_total"] == law_amount(Fraction(1), date(2026, 3, 2)) == 2_340_000
    assert sorted(i["cash_amount"] for i in issued["items"]) == [710_000, 2_340_000 - 710_000]


def test_a_commendation_is_paid_beside_a_title(d):
    """The highest-amount rule is between titles: a Giấy khen (commendation) is paid in full."""
    person = d.person("Mạc Văn Khen")
    ldtt, gk = accepted_for(d, person, "LDTT"), accepted_for(d, person, "GK_XA")
    d.recommend([ldtt, gk])
    first = d.issue(d.decision([ldtt], "LDTT")["id"], date="2026-01-05")
    second = d.issue(d.decision([gk], "GK_XA")["id"], date="2026-01-06")
    assert first["cash_total"] == 710_000
    item = second["items"][0]
    assert item["cash_note"] is None and item["cash_amount"] == item["cash_full"] > 0


def test_the_docx_list_prints_the_json_amounts(d):
    pids = [d.accepted(name, "LDTT") for name in ("Bàn Văn Một", "Bàn Thị Hai")]
    d.recommend(pids)
    issued = d.issue(d.decision(pids, "LDTT")["id"], date="2024-07-01")
    assert [i["cash_amount"] for i in issued["items"]] == [law_amount(LDTT, date(2024, 7, 1))] * 2
    document = docx.Document(io.BytesIO(d.download(
        "chutich", f"/api/v1/decisions/{issued['id']}/document?format=docx").data))
    rows = {row.cells[1].text: row.cells[-1].text for table in document.tables for row in table.rows}
    assert rows["Bàn Văn Một"] == rows["Bàn Thị Hai"] == "710.000"
    assert dots(issued["cash_total"]) == "1.420.000"
    assert any(text == "1.420.000" for text in rows.values())  # the total row
    body = flat(docx_text(d.download("chutich", f"/api/v1/decisions/{issued['id']}/document?format=docx").data))
    assert "tổng số tiền thưởng: 1.420.000 đồng" in body


def test_an_award_without_cash_shows_none(d, session):
    """Gia đình văn hóa carries no cash: 0 in the JSON, no cash article, a dash in the list."""
    household = d.household("Hộ ông Nông Văn Văn")
    meeting = {"meeting": {"held_on": "2025-11-12", "invited": 40, "present": 30, "agreed": 30},
               "notice": {"from": "2025-11-01", "to": "2025-11-10"}}
    pid = accepted_for(d, household, "GDVH", evidence=meeting)
    d.recommend([pid])
    issued = d.issue(d.decision([pid], "GDVH")["id"], date="2025-11-30")
    assert issued["cash_total"] == 0 and issued["items"][0]["cash_amount"] == 0
    assert issued["items"][0]["cash_note"] is None
    document = docx.Document(io.BytesIO(d.download(
        "chutich", f"/api/v1/decisions/{issued['id']}/document?format=docx").data))
    rows = {row.cells[1].text: row.cells[-1].text for table in document.tables for row in table.rows}
    # no cash column at all where the award has no cash (issue 14 item 10): the row ends with the hamlet
    assert rows["Hộ ông Nông Văn Văn"] == "Xóm Nà To"
    assert not any(re.fullmatch(r"[\d.]+", text or "") and "." in text for text in rows.values())
    assert "Khen thưởng không kèm theo tiền thưởng." in flat(docx_text(d.download(
        "chutich", f"/api/v1/decisions/{issued['id']}/document?format=docx").data))
    stored = session.scalar(select(DecisionItem).where(DecisionItem.proposal_id == pid))
    assert int(stored.cash_amount) == 0 and int(stored.cash_full) == 0
