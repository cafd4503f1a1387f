"""Proposals travelling up the tree: in-system commune → district → province (3-tier), commune →
province (2-tier), and the paper way — outcomes recorded from the higher level's answer, with a
return and a second forward."""

from __future__ import annotations

from sqlalchemy import select

from tests import factories as f
from workflow.org.models import Authority, AwardRecord
from workflow.proposals.models import ProposalTransition


def _authority(session, code: str) -> Authority:
    session.expire_all()
    return session.scalar(select(Authority).where(Authority.code == code))


def _trail(session, pid: int) -> list[tuple[str, str, str]]:
    rows = session.scalars(select(ProposalTransition).where(ProposalTransition.proposal_id == pid)
                           .order_by(ProposalTransition.id)).all()
    return [(r.authority.code, r.event, r.to_state) for r in rows]


def test_three_tier_chain_in_system(d, session):
    # the 3-tier rules (vn-2024) for the whole province: GK_HUYEN is the district's, BK_TINH the province's
    _authority(session, "T-TN").rule_set_code = "vn-2024"
    session.commit()
    district = d.add_staff("H-DH", "huyen")
    province = d.add_staff("T-TN", "tinh")
    bk = d.accepted("Hoàng Văn Bằng", "BK_TINH")
    cs = d.accepted("Nông Thị Huyện", "GK_HUYEN")  # the district chairman's Giấy khen
    d.recommend([bk, cs])

    up = d.send(d.submission([bk, cs])["id"])
    assert up["to_authority_code"] == "H-DH"
    for pid in (bk, cs):
        p = d.proposal(pid)
        assert (p.state, p.current_authority.code) == ("submitted", "H-DH")

    # the district reviews both; decides its Giấy khen, forwards the Bằng khen to the province
    for pid in (bk, cs):
        d.event(district["secretary"], pid, "accept")
    d.recommend([bk, cs], code="H-DH")
    decided = d.issue(d.decision([cs], "GK_HUYEN", code="H-DH")["id"], code="H-DH")
    assert decided["number"] == "01/QĐ-UBND" and d.proposal(cs).state == "awarded"
    onward = d.send(d.submission([bk], code="H-DH")["id"], code="H-DH")
    assert onward["to_authority_code"] == "T-TN" and onward["number"] == "01/TTr-UBND"
    assert (d.proposal(bk).state, d.proposal(bk).current_authority.code) == ("submitted", "T-TN")

    # the province decides
    d.event(province["secretary"], bk, "accept")
    d.recommend([bk], code="T-TN")
    final = d.issue(d.decision([bk], "BK_TINH", code="T-TN")["id"], code="T-TN")
    assert d.proposal(bk).state == "awarded"

    # the chain stays visible on the proposal: every level's steps, in order
    trail = _trail(session, bk)
    assert [a for a, event, _ in trail if event == "forward"] == ["X-DB", "H-DH"]
    assert [a for a, event, _ in trail if event == "accept"] == ["X-DB", "H-DH", "T-TN"]
    assert trail[-1] == ("T-TN", "decide", "awarded")
    award = session.scalar(select(AwardRecord).where(AwardRecord.proposal_id == bk))
    assert award.decision_number == final["number"] and award.source == "decision"

    # each level tracks its own submission; both are answered now
    ours = d.get("thuky", f"/api/v1/submissions/{up['id']}")
    assert {i["proposal_id"]: i["state"] for i in ours["items"]} == {bk: "awarded", cs: "awarded"}
    assert ours["tracking"]["pending"] == 0 and not ours["tracking"]["overdue"]
    inbox = d.get(province["secretary"], "/api/v1/submissions?direction=incoming")
    assert [s["id"] for s in inbox["items"]] == [onward["id"]]
    assert d.get(district["secretary"], "/api/v1/submissions?direction=outgoing")["items"][0]["id"] == onward["id"]


def test_two_tier_chain_in_system(d, session):
    # since 2025-07 the commune sits right under the province (rules vn-2025 onwards: 2 levels)
    commune = _authority(session, "X-DB")
    commune.parent_id = _authority(session, "T-TN").id
    session.commit()
    province = d.add_staff("T-TN", "tinh")
    hamlet = d.post("nominator", "/api/v1/nominees", {"kind": "collective", "name": "Xóm Nà To",
                                                      "authority_code": "X-DB", "unit_code": "DB-NATO"})["id"]
    cs = d.propose(hamlet, "TTLDTT")["id"]
    d.event("nominator", cs, "submit")
    d.event("secretary", cs, "accept")
    bk = d.accepted("Lường Thị Tỉnh", "BK_TINH")
    d.recommend([cs, bk])
    # Tập thể lao động tiên tiến is the commune's own decision under 2-tier rules (the district's
    # under 3-tier); the Bằng khen goes straight to the province
    d.submission([cs], expect=422)
    d.issue(d.decision([cs], "TTLDTT")["id"])
    sent = d.send(d.submission([bk])["id"])
    assert sent["to_authority_code"] == "T-TN"
    assert (d.proposal(bk).state, d.proposal(bk).current_authority.code) == ("submitted", "T-TN")
    d.event(province["secretary"], bk, "accept")
    d.recommend([bk], code="T-TN")
    d.issue(d.decision([bk], "BK_TINH", code="T-TN")["id"], code="T-TN")
    assert d.proposal(bk).state == "awarded" and d.proposal(cs).state == "awarded"
    assert [a for a, e, _ in _trail(session, bk) if e == "forward"] == ["X-DB"]


def _external_parent(d, session) -> None:
    """A district that does not use this system: no secretary, no reviewer there."""
    outside = f.authority(session, "H-NGOAI", "district", d.org["province"], name="UBND huyện Ngoài Hệ Thống")
    commune = _authority(session, "X-DB")
    commune.parent_id = outside.id
    session.commit()


def test_external_outcome_with_a_return_and_a_second_forward(d, session):
    _external_parent(d, session)
    bk, other = d.accepted("Ma Thị Giấy", "BK_TINH"), d.accepted("Ma Văn Từ Chối", "BK_TINH")
    d.recommend([bk, other])
    first = d.send(d.submission([bk, other])["id"], date="2025-12-29")
    assert d.proposal(bk).state == "forwarded" and d.proposal(bk).current_authority.code == "X-DB"
    path = f"/api/v1/submissions/{first['id']}/outcome"

    # the district sends the dossier back: it returns to the commune, recommended again
    returned = d.post("thuky", path, {"proposal_id": bk, "outcome": "returned",
                                      "reason": "Bổ sung báo cáo thành tích có xác nhận."})
    item = next(i for i in returned["items"] if i["proposal_id"] == bk)
    assert item["outcome"] == "returned" and item["state"] == "recommended"
    # a rejection for the other, with its reason
    rejected = d.post("thuky", path, {"proposal_id": other, "outcome": "rejected", "reason": "Chưa đủ tiêu chuẩn."})
    assert next(i for i in rejected["items"] if i["proposal_id"] == other)["state"] == "rejected"
    assert d.proposal(other).reason == "Chưa đủ tiêu chuẩn."
    assert d.get("thuky", f"/api/v1/submissions/{first['id']}")["tracking"]["pending"] == 0

    # fixed, forwarded again in a new submission; the answer of the old one cannot be rewritten
    second = d.send(d.submission([bk])["id"], date="2026-01-10")
    assert second["number"] == "01/TTr-UBND"  # 2026's first
    assert d.proposal(bk).state == "forwarded"
    again = d.post("thuky", path, {"proposal_id": bk, "outcome": "approved", "decision_number": "99/QĐ-UBND"},
                   expect=409)
    assert again["error"]["code"] == "already_recorded"
    approved = d.post("thuky", f"/api/v1/submissions/{second['id']}/outcome",
                      {"proposal_id": bk, "outcome": "approved", "decision_number": "215/QĐ-UBND",
                       "decision_date": "2026-02-03"})
    assert approved["items"][0]["state"] == "awarded"
    award = session.scalar(select(AwardRecord).where(AwardRecord.proposal_id == bk))
    assert (award.decision_number, award.decision_date.isoformat(), award.source) == (
        "215/QĐ-UBND", "2026-02-03", "outcome")
    # recording it twice is refused and changes nothing
    twice = d.post("thuky", f"/api/v1/submissions/{second['id']}/outcome",
                   {"proposal_id": bk, "outcome": "rejected", "reason": "Nhầm."}, expect=409)
    assert twice["error"]["code"] == "already_recorded"
    assert d.proposal(bk).state == "awarded"
    listing = d.get("thuky", "/api/v1/submissions")
    assert [s["number"] for s in listing["items"]] == ["01/TTr-UBND", "01/TTr-UBND"]
    assert [s["tracking"]["pending"] for s in listing["items"]] == [0, 0]


def test_overdue_answers_are_marked(d, session):
    _external_parent(d, session)
    old, new = d.accepted("Bàn Văn Chờ", "BK_TINH"), d.accepted("Bàn Thị Mới", "BK_TINH")
    d.recommend([old, new])
    late = d.send(d.submission([old])["id"], date="2026-01-05")
    fresh = d.send(d.submission([new])["id"])
    listing = {s["id"]: s["tracking"] for s in d.get("thuky", "/api/v1/submissions")["items"]}
    assert listing[late["id"]]["overdue"] and listing[late["id"]]["limit"] == 30
    assert listing[late["id"]]["working_days"] > 30 and listing[late["id"]]["pending"] == 1
    assert not listing[fresh["id"]]["overdue"] and listing[fresh["id"]]["working_days"] == 0
    overdue = d.get("thuky", "/api/v1/submissions?overdue=1")["items"]
    assert [s["id"] for s in overdue] == [late["id"]]
    # once answered, it is no longer overdue (the days stop at the answer)
    d.post("thuky", f"/api/v1/submissions/{late['id']}/outcome",
           {"proposal_id": old, "outcome": "approved", "decision_number": "7/QĐ-UBND"})
    assert d.get("thuky", "/api/v1/submissions?overdue=1")["items"] == []


def test_the_proposal_page_can_show_its_submission(d, session):
    from workflow.calendar.services import WorkCalendar
    from workflow.decisions.tracking import for_proposal

    _external_parent(d, session)
    pid = d.accepted("Triệu Văn Trang", "BK_TINH")
    d.recommend([pid])
    assert for_proposal(session, d.proposal(pid), WorkCalendar()) is None
    sent = d.send(d.submission([pid])["id"], date="2026-01-05")
    submission, track = for_proposal(session, d.proposal(pid), WorkCalendar())
    assert submission.id == sent["id"] and track.pending == 1 and track.overdue
