"""The eligibility engine (SPEC §3) through the API: each rule, its boundary, the Vietnamese reason,
what blocks `accept`, and the transition rule (a proposal keeps the rule set it was accepted under).

The commune of helpers.World is governed by the rule set in force today (no override); the round
is 2025. Award history is entered through the API where one record matters, and directly as rows
where a test needs many awardees (the ratio caps)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from tests.proposals import rows
from tests.proposals.helpers import World
from workflow.org.models import Authority, AwardRecord, Nominee, Unit, User
from workflow.proposals import services
from workflow.proposals.models import Proposal, Round
from workflow.proposals.states import GuardFailed

YEAR = 2025


@pytest.fixture
def w(client, session):
    return World(client, session)


@pytest.fixture
def old_law(w):
    """The commune judged by vn-2017: the ratio caps (CSTĐCS ≤ 15% of LĐTT) and GĐVH tiêu biểu
    belong to NĐ 91/2017 and NĐ 122/2018, not to the later periods."""
    w.call("admin", "PATCH", "/api/v1/authorities/X-DB", {"rule_set": "vn-2017"}, expect=200)
    return w


def checks(w, pid, rule=None, mode=None, who="secretary"):
    path = f"/api/v1/proposals/{pid}/eligibility" + (f"?mode={mode}" if mode else "")
    report = w.get(who, path)
    return report if rule is None else [c for c in report["checks"] if c["rule"] == rule]


def one(w, pid, rule, mode=None):
    found = checks(w, pid, rule, mode)
    assert len(found) == 1, found
    return found[0]


def awardees(w, award: str, n: int, kind: str = "individual", year: int = YEAR) -> list[int]:
    """``n`` nominees of the commune holding ``award`` in ``year`` (rows, for the caps' bases)."""
    s = w.session
    commune = s.scalar(select(Authority).where(Authority.code == "X-DB"))
    hamlet = s.scalar(select(Unit).where(Unit.code == "DB-NATO"))
    ids = []
    for i in range(n):
        nominee = rows.nominee(s, commune, hamlet, kind=kind, name=f"Triệu Văn Lao {award} {i}")
        s.add(AwardRecord(nominee_id=nominee.id, award_type_code=award, year=year,
                          decision_number=f"{i}/QĐ-{award}", source="manual"))
        ids.append(nominee.id)
    s.commit()
    return ids


def internal_event(app, w, pid, event, who, **internal):
    """An event only a service fires (meeting close, decision, submission)."""
    w.session.expire_all()
    with app.app_context():
        actor = w.session.get(User, w.org["users"][who].id)
        services.transition(w.session, pid, event, actor, internal=internal)
        w.session.commit()  # as the meeting's or the decision's request would
        w.session.expire_all()


def to_awarded(app, w, pid, number="9/QĐ-UBND"):
    """From submitted through the council to a decision (the decision service's path)."""
    w.event("secretary", pid, "accept")
    internal_event(app, w, pid, "schedule", "secretary", meeting_id=1)
    internal_event(app, w, pid, "pass", "chair", meeting_id=1)
    internal_event(app, w, pid, "decide", "chair", decision_id=1, decision_number=number,
                   decision_date="2025-12-20")
    assert w.get("secretary", f"/api/v1/proposals/{pid}")["state"] == "awarded"


def state_of(w, pid):
    return w.get("secretary", f"/api/v1/proposals/{pid}")["state"]


# --- nominee kind ---------------------------------------------------------------------------------

def test_nominee_kind_pass_and_fail_blocks_accept(w):
    p = w.propose(w.person())
    assert one(w, p["id"], "nominee_kind")["status"] == "pass"
    # a household on an individual's title cannot be created; put one in the table to see the rule fail
    s = w.session
    round_ = s.get(Round, w.round["id"])
    house = s.get(Nominee, w.household())
    bad = rows.proposal_in_state(s, round_=round_, unit=s.get(Unit, w.org["hamlet"].id), state="submitted",
                                 award="LDTT", nominee_row=house)
    s.commit()
    check = one(w, bad.id, "nominee_kind")
    assert check["status"] == "fail" and "không áp dụng cho đối tượng" in check["message"]
    err = w.event("secretary", bad.id, "accept", expect=422)["error"]
    assert err["code"] == "guard_failed" and "nominee_kind" in err["details"]
    assert state_of(w, bad.id) == "submitted"


# --- prerequisites of the same year ---------------------------------------------------------------

LDTT_SAME_YEAR_VI = "Phải đạt danh hiệu “Lao động tiên tiến” cùng năm"


def test_prerequisite_met_by_history(w):
    person = w.person()
    w.past_award(person, "LDTT", YEAR)
    p = w.propose(person, "CSTDCS")
    check = one(w, p["id"], "prerequisite")
    assert check["status"] == "pass" and check["details"]["years"] == [YEAR]
    assert LDTT_SAME_YEAR_VI in check["message"]
    assert one(w, p["id"], "prerequisite", mode="decide")["status"] == "pass"


def test_prerequisite_of_another_year_does_not_count(w):
    person = w.person()
    w.past_award(person, "LDTT", YEAR - 1)
    p = w.propose(person, "CSTDCS")
    check = one(w, p["id"], "prerequisite")
    assert check["status"] == "fail" and check["details"]["missing_years"] == [YEAR]


def test_prerequisite_fails_with_nothing_and_says_why_in_vietnamese(w):
    p = w.propose(w.person(), "CSTDCS")
    check = one(w, p["id"], "prerequisite")
    assert check["status"] == "fail"
    assert LDTT_SAME_YEAR_VI in check["message"] and "Còn thiếu năm: 2025" in check["message"]
    report = checks(w, p["id"])
    assert report["ok"] is False
    w.event("nominator", p["id"], "submit")
    err = w.event("secretary", p["id"], "accept", expect=422)["error"]
    assert "prerequisite" in err["details"] and LDTT_SAME_YEAR_VI in err["message"]
    assert state_of(w, p["id"]) == "submitted"


def test_prerequisite_pending_at_accept_failing_at_decide(w, app):
    awardees(w, "LDTT", 6)  # with the pending LĐTT proposal: 7 in the cap's base, 15 % of 7 ≥ 1
    person = w.person()
    ldtt = w.propose(person, "LDTT")
    cstd = w.propose(person, "CSTDCS")
    # a draft LĐTT proposal is not (yet) a proposal that may be awarded
    assert one(w, cstd["id"], "prerequisite")["status"] == "fail"
    w.event("nominator", ldtt["id"], "submit")
    pending = one(w, cstd["id"], "prerequisite")
    assert pending["status"] == "pending" and pending["details"]["pending_years"] == [YEAR]
    assert "Đang chờ" in pending["message"]
    at_decide = one(w, cstd["id"], "prerequisite", mode="decide")
    assert at_decide["status"] == "fail" and "phải được khen thưởng trước" in at_decide["message"]
    # accept passes on a pending prerequisite; decide does not, until the LĐTT is awarded
    w.event("nominator", cstd["id"], "submit")
    w.event("secretary", cstd["id"], "accept")
    internal_event(app, w, cstd["id"], "schedule", "secretary", meeting_id=1)
    internal_event(app, w, cstd["id"], "pass", "chair", meeting_id=1)
    with pytest.raises(GuardFailed) as refused:
        internal_event(app, w, cstd["id"], "decide", "chair", decision_id=1, decision_number="1/QĐ")
    assert "prerequisite" in refused.value.details
    w.session.rollback()
    assert state_of(w, cstd["id"]) == "recommended"
    to_awarded(app, w, ldtt["id"])
    assert one(w, cstd["id"], "prerequisite", mode="decide")["status"] == "pass"
    internal_event(app, w, cstd["id"], "decide", "chair", decision_id=2, decision_number="2/QĐ")
    assert state_of(w, cstd["id"]) == "awarded"


def test_withdrawn_same_round_proposal_is_not_pending(w):
    person = w.person()
    ldtt = w.propose(person, "LDTT")
    cstd = w.propose(person, "CSTDCS")
    w.event("nominator", ldtt["id"], "submit")
    assert one(w, cstd["id"], "prerequisite")["status"] == "pending"
    w.event("nominator", ldtt["id"], "withdraw")
    assert one(w, cstd["id"], "prerequisite")["status"] == "fail"


# --- consecutive years, across rule sets; revoked awards ------------------------------------------

@pytest.mark.parametrize(("years", "status", "missing"), [
    ((2023, 2024, 2025), "pass", []),  # 2023 under vn-2017, 2024 under vn-2024, 2025 under vn-2024/2025
    ((2022, 2023, 2024, 2025), "pass", []),
    ((2023, 2025), "fail", [2024]),  # a gap
    ((2022, 2023, 2024), "fail", [2025]),  # the chain must reach this year
    ((2025,), "fail", [2023, 2024]),
])
def test_consecutive_years_across_rule_sets(w, years, status, missing):
    person = w.person()
    for year in years:
        w.past_award(person, "CSTDCS", year)
    p = w.propose(person, "CSTD_TINH")
    check = one(w, p["id"], "prerequisite")
    assert check["status"] == status, check
    assert check["details"]["years"] == [2023, 2024, 2025]
    assert check["details"]["missing_years"] == missing
    if missing:
        assert "Còn thiếu năm: " + ", ".join(map(str, missing)) in check["message"]


def test_consecutive_chain_completed_by_a_pending_proposal_of_the_round(w):
    person = w.person()
    for year in (2023, 2024):
        w.past_award(person, "CSTDCS", year)
    cstd = w.propose(person, "CSTDCS")
    tinh = w.propose(person, "CSTD_TINH")
    w.event("nominator", cstd["id"], "submit")
    check = one(w, tinh["id"], "prerequisite")
    assert check["status"] == "pending" and check["details"]["pending_years"] == [YEAR]


def test_a_revoked_award_does_not_count(w, app):
    person = w.person()
    ldtt = w.propose(person, "LDTT")
    w.event("nominator", ldtt["id"], "submit")
    to_awarded(app, w, ldtt["id"])
    cstd = w.propose(person, "CSTDCS")
    assert one(w, cstd["id"], "prerequisite")["status"] == "pass"
    w.event("chair", ldtt["id"], "revoke", reason="Khai man thành tích")
    assert one(w, cstd["id"], "prerequisite")["status"] == "fail"
    record = w.session.scalar(select(AwardRecord).where(AwardRecord.proposal_id == ldtt["id"]))
    assert record.revoked_at is not None


def test_a_revoked_year_breaks_a_consecutive_chain(w, app):
    person = w.person()
    for year in (2023, 2024, 2025):
        w.past_award(person, "CSTDCS", year)
    w.session.execute(update(AwardRecord).where(AwardRecord.nominee_id == person, AwardRecord.year == 2024)
                      .values(revoked_at=datetime(2025, 3, 1, tzinfo=UTC)))
    w.session.commit()
    check = one(w, w.propose(person, "CSTD_TINH")["id"], "prerequisite")
    assert check["status"] == "fail" and check["details"]["missing_years"] == [2024]


# --- the ratio cap: CSTĐCS ≤ 15 % of the year's LĐTT awardees -------------------------------------

@pytest.mark.parametrize(("base", "count"), [(20, 3), (20, 4), (19, 3), (40, 6), (40, 7), (7, 1), (6, 1)])
def test_cap_boundary(old_law, w, base, count):
    ldtt = awardees(w, "LDTT", base)
    pids = []
    for nominee_id in ldtt[:count]:
        pids.append(w.propose(nominee_id, "CSTDCS")["id"])
        w.event("nominator", pids[-1], "submit")
    check = one(w, pids[-1], "cap")
    within = 100 * count <= 15 * base  # written out: count ≤ 15 % of base
    # at accept (the check shown before it) an excess is a warning with the count, never a refusal
    assert (check["status"], check["hard"]) == (("pass", True) if within else ("warning", False)), check
    assert check["details"]["base"] == base and check["details"]["count"] == count
    assert ("Trong giới hạn" if within else "Vượt giới hạn") in check["message"]


@pytest.mark.parametrize("order", [(0, 1, 2, 3), (3, 2, 1, 0)], ids=["first-to-last", "last-to-first"])
def test_cap_at_accept_warns_in_any_order_and_never_refuses(old_law, w, order):
    """20 LĐTT awardees: at most 3 CSTĐCS (vn-2017). Four are submitted; all four are accepted, whatever the
    order — the fourth accepted carries a warning with the current count (4 of at most 3)."""
    ldtt = awardees(w, "LDTT", 20)
    pids = []
    for nominee_id in ldtt[:4]:
        pid = w.propose(nominee_id, "CSTDCS")["id"]
        w.event("nominator", pid, "submit")
        pids.append(pid)
    for index in order:
        assert w.event("secretary", pids[index], "accept")["state"] == "under_review"
        check = one(w, pids[index], "cap")
        assert check["details"]["count"] == 4  # every submitted one counts, accepted or not
        assert check["status"] == "warning" and "Vượt giới hạn" in check["message"]
    assert [state_of(w, p) for p in pids] == ["under_review"] * 4


def test_cap_refuses_forward_over_the_cap(old_law, w, app):
    """Four CSTĐCS recommended against 20 LĐTT awardees (vn-2017: the district decides them): the
    first three are sent up, the fourth is refused (3 sent + this one over 15% of 20) and stays
    recommended."""
    ldtt = awardees(w, "LDTT", 20)
    pids = []
    for nominee_id in ldtt[:4]:
        pid = w.propose(nominee_id, "CSTDCS")["id"]
        w.event("nominator", pid, "submit")
        w.event("secretary", pid, "accept")
        internal_event(app, w, pid, "schedule", "secretary", meeting_id=1)
        internal_event(app, w, pid, "pass", "chair", meeting_id=1)
        pids.append(pid)
    for pid in pids[:3]:
        internal_event(app, w, pid, "forward", "chair", submission_id=1)
    with pytest.raises(GuardFailed) as refused:
        internal_event(app, w, pids[3], "forward", "chair", submission_id=1)
    w.session.rollback()
    assert "cap" in refused.value.details and "4" in refused.value.details["cap"]
    assert [state_of(w, p) for p in pids] == ["submitted"] * 3 + ["recommended"]  # at the district


def test_cap_counts_only_the_authoritys_awardees_of_that_year(old_law, w):
    awardees(w, "LDTT", 20, year=YEAR - 1)  # last year's do not count
    person = w.person()
    w.past_award(person, "LDTT", YEAR)
    p = w.propose(person, "CSTDCS")
    check = one(w, p["id"], "cap")
    assert check["status"] == "warning" and check["details"]["base"] == 1


# --- GĐVH tiêu biểu: meeting evidence thresholds and the 10-day notice ------------------------------

def evidence(invited, present, agreed, notice_days, start=date(2025, 11, 1)):
    return {"meeting": {"held_on": "2025-11-12", "invited": invited, "present": present, "agreed": agreed},
            "notice": {"from": start.isoformat(), "to": (start + timedelta(days=notice_days - 1)).isoformat()}}


@pytest.mark.parametrize(("invited", "present", "agreed", "notice", "status", "says"), [
    (100, 60, 36, 10, "pass", None),  # exactly 60 % present, exactly 60 % of them agreeing, 10 days
    (5, 3, 2, 10, "pass", None),
    (100, 59, 36, 10, "fail", "59/100 hộ được mời có mặt"),  # 59 % present
    (100, 60, 35, 10, "fail", "35/60 hộ dự họp đồng ý"),  # 58.3 % agreeing
    (100, 60, 36, 9, "fail", "niêm yết công khai là 9 ngày; cần 10 ngày"),
    (0, 0, 0, 10, "fail", None),
])
def test_gdvh_tieu_bieu_evidence_thresholds(old_law, w, invited, present, agreed, notice, status, says):
    house = w.household()
    p = w.propose(house, "GDVH_TIEU_BIEU", evidence=evidence(invited, present, agreed, notice))
    check = one(w, p["id"], "evidence")
    assert check["status"] == status, check
    if says:
        assert says in check["message"], check["message"]


def test_gdvh_evidence_edited_on_the_draft(old_law, w):
    house = w.household()
    p = w.propose(house, "GDVH_TIEU_BIEU", evidence=evidence(100, 60, 36, 9))
    assert one(w, p["id"], "evidence")["status"] == "fail"
    w.call("nominator", "PATCH", f"/api/v1/proposals/{p['id']}",
           {"version": p["version"], "evidence": evidence(100, 60, 36, 10)}, expect=200)
    assert one(w, p["id"], "evidence")["status"] == "pass"


def test_failing_evidence_blocks_accept_good_evidence_passes(old_law, w):
    """Two households with three years of GĐVH, fourteen GĐVH households this year (15 % ≥ 2):
    only the meeting evidence differs."""
    good, bad = w.household("Hộ ông Ma Văn Tốt"), w.household("Hộ ông Ma Văn Thiếu")
    for house in (good, bad):
        for year in (2023, 2024, 2025):
            w.past_award(house, "GDVH", year)
    awardees(w, "GDVH", 12, kind="household")
    ok = w.propose(good, "GDVH_TIEU_BIEU", evidence=evidence(40, 24, 15, 10))
    ko = w.propose(bad, "GDVH_TIEU_BIEU", evidence=evidence(40, 23, 15, 10))
    for p in (ok, ko):
        w.event("nominator", p["id"], "submit")
    err = w.event("secretary", ko["id"], "accept", expect=422)["error"]
    assert set(err["details"]) == {"evidence"} and "23/40" in err["details"]["evidence"]
    assert state_of(w, ko["id"]) == "submitted"
    assert w.event("secretary", ok["id"], "accept")["state"] == "under_review"


def test_gdvh_submit_needs_the_recorded_meeting(old_law, w):
    p = w.propose(w.household(), "GDVH_TIEU_BIEU")
    err = w.event("nominator", p["id"], "submit", expect=422)["error"]
    assert "evidence" in err["details"]
    assert one(w, p["id"], "evidence")["status"] == "fail"


# --- required documents: warnings until an upload or a paper receipt ------------------------------

def test_required_documents_warn_until_uploaded_or_received(w, client):
    p = w.propose(w.person())
    docs = {c["details"]["doc_type"]: c for c in checks(w, p["id"], "document")}
    assert set(docs) == {"bao_cao_thanh_tich", "bien_ban_binh_xet", "danh_gia_xep_loai"}
    assert all(c["status"] == "warning" and c["hard"] is False for c in docs.values())
    assert all("còn thiếu" in c["message"] for c in docs.values())
    assert checks(w, p["id"])["ok"] is True  # warnings are not failures
    r = client.post(f"/api/v1/proposals/{p['id']}/attachments", headers=w.auth("nominator"),
                    data={"doc_type": "bao_cao_thanh_tich", "file": (io.BytesIO(b"%PDF-1.4 bao cao"), "bc.pdf")})
    assert r.status_code == 201, r.get_json()
    w.event("nominator", p["id"], "submit")
    # only the secretary ticks the paper copy
    r = w.call("nominator", "POST", f"/api/v1/proposals/{p['id']}/paper-receipts", {"doc_type": "bien_ban_binh_xet"})
    assert r.status_code == 403
    received = w.post("secretary", f"/api/v1/proposals/{p['id']}/paper-receipts", {"doc_type": "bien_ban_binh_xet"})
    assert received["paper_received"] == ["bien_ban_binh_xet"]
    docs = {c["details"]["doc_type"]: c for c in checks(w, p["id"], "document")}
    assert docs["bao_cao_thanh_tich"]["status"] == "pass" and "đã tải lên" in docs["bao_cao_thanh_tich"]["message"]
    assert docs["bien_ban_binh_xet"]["status"] == "pass" and "đã nhận bản giấy" in docs["bien_ban_binh_xet"]["message"]
    assert docs["danh_gia_xep_loai"]["status"] == "warning"
    # a warning never blocks: the secretary decides to accept or return
    assert w.event("secretary", p["id"], "accept")["state"] == "under_review"


def test_submit_and_accept_carry_the_missing_document_warnings(w):
    p = w.propose(w.person())
    submitted = w.event("nominator", p["id"], "submit")
    accepted = w.event("secretary", p["id"], "accept")
    history = w.get("secretary", f"/api/v1/proposals/{p['id']}/history")
    for answer, row in ((submitted, history[0]), (accepted, history[1])):
        told = repr(answer.get("warnings")) + repr(row["data"])
        for doc in ("bao_cao_thanh_tich", "bien_ban_binh_xet", "danh_gia_xep_loai"):
            assert doc in told


# --- the transition rule: the rule set at the first `submit` governs ----------------------------------------

def test_accepted_proposal_keeps_its_rule_set_after_the_authority_is_pinned(w, app):
    in_force = w.get("secretary", f"/api/v1/proposals/{w.propose(w.person('Đàm Văn Mốc'))['id']}/eligibility")[
        "rule_set"]
    assert in_force not in (None, "vn-2017")
    ldtt = awardees(w, "LDTT", 20)
    early = w.propose(ldtt[0], "CSTDCS")
    # the rules in force the day the dossier is received (its first submit) judge it
    assert w.event("nominator", early["id"], "submit")["rule_set"] == in_force
    accepted = w.event("secretary", early["id"], "accept")
    assert accepted["rule_set"] == in_force
    assert checks(w, early["id"], "cap") == []  # no cap on CSTĐCS after 2023

    pinned = w.call("admin", "PATCH", "/api/v1/authorities/X-DB", {"rule_set": "vn-2017"}, expect=200).get_json()
    assert pinned["rule_set"] == "vn-2017"

    # the received proposal keeps its rule set and its deciding level
    assert w.get("secretary", f"/api/v1/proposals/{early['id']}")["rule_set"] == in_force
    assert checks(w, early["id"])["rule_set"] == in_force and checks(w, early["id"], "cap") == []
    # a proposal received now is judged by vn-2017: its 15% cap applies
    late = w.propose(ldtt[1], "CSTDCS")
    assert checks(w, late["id"])["rule_set"] == "vn-2017"
    assert [c["status"] for c in checks(w, late["id"], "cap")] == ["pass"]
    w.event("nominator", late["id"], "submit")
    assert w.event("secretary", late["id"], "accept")["rule_set"] == "vn-2017"

    # CSTĐCS is the commune's under the later periods but the district's under vn-2017
    for pid in (early["id"], late["id"]):
        internal_event(app, w, pid, "schedule", "secretary", meeting_id=1)
        internal_event(app, w, pid, "pass", "chair", meeting_id=1)
    internal_event(app, w, early["id"], "decide", "chair", decision_id=1, decision_number="3/QĐ-UBND")
    assert state_of(w, early["id"]) == "awarded"
    with pytest.raises(GuardFailed) as refused:
        internal_event(app, w, late["id"], "decide", "chair", decision_id=1, decision_number="3/QĐ-UBND")
    w.session.rollback()
    assert "award_type_code" in refused.value.details
    assert state_of(w, late["id"]) == "recommended"
    assert w.session.get(Proposal, late["id"]).award_rule["deciding_level"] == "district"


def test_cap_still_holds_after_forwarding_to_the_district(w, app):
    from tests import factories as f

    w.call("admin", "PATCH", "/api/v1/authorities/X-DB", {"rule_set": "vn-2017"}, expect=200)  # 3-tier, capped
    f.user(w.session, "secretary", w.org["district"], username="thuky_huyen")
    ldtt = awardees(w, "LDTT", 20)
    p = w.propose(ldtt[0], "CSTDCS")
    w.event("nominator", p["id"], "submit")
    w.event("secretary", p["id"], "accept")
    internal_event(app, w, p["id"], "schedule", "secretary", meeting_id=1)
    internal_event(app, w, p["id"], "pass", "chair", meeting_id=1)
    internal_event(app, w, p["id"], "forward", "chair", submission_id=1)
    at_district = w.get("secretary", f"/api/v1/proposals/{p['id']}")
    assert (at_district["state"], at_district["authority_code"]) == ("submitted", "H-DH")
    # the same twenty LĐTT awardees stand behind it: 1 of at most 3
    cap = [c for c in w.get("thuky_huyen", f"/api/v1/proposals/{p['id']}/eligibility")["checks"]
           if c["rule"] == "cap"]
    assert cap[0]["status"] == "pass", cap
    assert w.event("thuky_huyen", p["id"], "accept")["state"] == "under_review"
