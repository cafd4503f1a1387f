"""The annual report over proposals moved by the real services (API): a 3-tier chain in the
system — the district decides its Giấy khen and forwards a Bằng khen the province decides, then
revokes —, and the paper way, where the commune records the higher level's answer."""

from __future__ import annotations

from sqlalchemy import select

from tests import factories as f
from workflow.org.models import Authority

KEYS = ("individual", "collective", "household")


def report(d, who: str, code: str) -> dict:
    r = d.get(who, f"/api/v1/reports/annual?authority={code}&year=2025")
    return {"proposed_to": [(g["level"], {i["award_type"]: {k: i[k] for k in KEYS if i[k]} for i in g["items"]})
                            for g in r["proposed_to"]],
            "awarded_here": {i["award_type"]: {k: i[k] for k in KEYS if i[k]} for i in r["awarded_here"]}}


def test_each_level_counts_what_it_proposed_and_what_it_decided(d, session):
    session.scalar(select(Authority).where(Authority.code == "T-TN")).rule_set_code = "vn-2024"  # 3-tier
    session.commit()
    district, province = d.add_staff("H-DH", "huyen"), d.add_staff("T-TN", "tinh")
    bk, gk = d.accepted("Hoàng Văn Bằng", "BK_TINH"), d.accepted("Nông Thị Huyện", "GK_HUYEN")
    d.recommend([bk, gk])
    d.send(d.submission([bk, gk])["id"])
    for pid in (bk, gk):
        d.event(district["secretary"], pid, "accept")
    d.recommend([bk, gk], code="H-DH")
    d.issue(d.decision([gk], "GK_HUYEN", code="H-DH")["id"], code="H-DH")
    d.send(d.submission([bk], code="H-DH")["id"], code="H-DH")
    one = {"individual": 1}
    # on its way: the commune proposed both, the district decided one and sent the other on
    assert report(d, "thuky", "X-DB") == {"proposed_to": [("province", {"BK_TINH": one}),
                                                          ("district", {"GK_HUYEN": one})], "awarded_here": {}}
    assert report(d, district["secretary"], "H-DH") == {"proposed_to": [("province", {"BK_TINH": one})],
                                                        "awarded_here": {"GK_HUYEN": one}}
    assert report(d, province["secretary"], "T-TN") == {"proposed_to": [], "awarded_here": {}}
    d.event(province["secretary"], bk, "accept")
    d.recommend([bk], code="T-TN")
    d.issue(d.decision([bk], "BK_TINH", code="T-TN")["id"], code="T-TN")
    assert report(d, province["secretary"], "T-TN") == {"proposed_to": [], "awarded_here": {"BK_TINH": one}}
    assert report(d, "thuky", "X-DB")["proposed_to"][0] == ("province", {"BK_TINH": one})
    # the province revokes its Bằng khen: it counts nowhere any more
    d.event(province["chair"], bk, "revoke", reason="Kê khai không trung thực")
    assert report(d, province["secretary"], "T-TN")["awarded_here"] == {}
    assert report(d, "thuky", "X-DB")["proposed_to"] == [("district", {"GK_HUYEN": one})]
    assert report(d, district["secretary"], "H-DH") == {"proposed_to": [], "awarded_here": {"GK_HUYEN": one}}


def test_a_paper_answer_is_the_higher_levels_award(d, session):
    outside = f.authority(session, "H-NGOAI", "district", d.org["province"], name="UBND huyện Ngoài Hệ Thống")
    session.merge(d.org["commune"]).parent_id = outside.id
    session.commit()
    f.user(session, "secretary", d.org["province"], username="tinh_thuky")
    bk, back = d.accepted("Ma Thị Giấy", "BK_TINH"), d.accepted("Ma Văn Trả Lại", "BK_TINH")
    d.recommend([bk, back])
    sent = d.send(d.submission([bk, back])["id"], date="2025-12-29")
    path = f"/api/v1/submissions/{sent['id']}/outcome"
    d.post("thuky", path, {"proposal_id": bk, "outcome": "approved", "decision_number": "215/QĐ-UBND",
                           "decision_date": "2026-01-20"})
    d.post("thuky", path, {"proposal_id": back, "outcome": "returned", "reason": "Bổ sung hồ sơ."})
    # the approved one is the province's award (decided in 2026, counted in the round's 2025); the
    # returned one sits at the commune again and counts once it is sent again
    assert report(d, "thuky", "X-DB") == {"proposed_to": [("province", {"BK_TINH": {"individual": 1}})],
                                          "awarded_here": {}}
    assert report(d, "tinh_thuky", "T-TN") == {"proposed_to": [], "awarded_here": {"BK_TINH": {"individual": 1}}}
    d.send(d.submission([back])["id"], date="2026-01-10")
    assert report(d, "thuky", "X-DB")["proposed_to"] == [("province", {"BK_TINH": {"individual": 2}})]
