"""vn-2017's GĐVH and xóm văn hóa are reported as the movement's rates (the reference's §2.1.2:
"gia đình văn hóa đạt 92,66%, xóm văn hóa đạt 100%"), not among the results of §4: their rule says
``in_annual_report = false`` and the annual report leaves them out; every other award counts, and
so does a rule snapshot taken before the key existed."""

from __future__ import annotations

from tests.reports.crafted import build
from tests.reports.test_counting import get, shape


def test_the_movement_titles_are_not_in_the_commendation_results(client, session):
    y = build(session)
    before = shape(get(client, "thuky", "X-DB").get_json())["awarded_here"]
    for _ in range(3):
        y.decided_here("GDVH", kind="household")
    assert y.rules["GDVH"]["in_annual_report"] is False and y.rules["LDTT"]["in_annual_report"] is True
    old = y.decided_here("GDVH", kind="household")
    old.award_rule = {k: v for k, v in old.award_rule.items() if k != "in_annual_report"}
    y.decided_here("LDTT")
    session.commit()
    after = shape(get(client, "thuky", "X-DB").get_json())["awarded_here"]
    assert after.pop("GDVH") == {"household": 1}  # only the snapshot without the key
    assert after.pop("LDTT") == {"individual": before.pop("LDTT")["individual"] + 1}
    assert after == before
