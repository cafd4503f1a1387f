"""Closing the vote: thresholds exactly at their boundaries, denominators (total or present
members, recused members out where the rule says so), written votes of absent members, ratio caps
with a tie the chair settles."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.council.helpers import MEMBERS, SEATS, audit_count, ballot_counts, split
from workflow.proposals.models import Proposal


def edit_ballot_rule(session, pid: int, **changes) -> None:
    """Change the ballot rule in the proposal's rule snapshot (what a rule-set file would say)."""
    proposal = session.get(Proposal, pid)
    rule = dict(proposal.award_rule)
    rule["ballot"] = {**rule["ballot"], **changes}
    proposal.award_rule = rule
    session.commit()


# --- thresholds at the boundary --------------------------------------------------------------------

def test_more_than_half_of_nine_needs_five(c):
    four, five = c.under_review(2)
    mid = c.meeting([four, five], open_=True)
    for_four, for_five = split(MEMBERS, 4), split(MEMBERS, 5)
    c.votes(mid, {u: {four: for_four[u], five: for_five[u]} for u in MEMBERS})
    closed = c.close(mid)
    assert closed["status"] == "closed"
    r4, r5 = c.item(closed["results"], four), c.item(closed["results"], five)
    assert (r4["yes"], r4["no"], r4["denominator"], r4["share"], r4["passed"]) == (4, 5, 9, 44.44, False)
    assert (r5["yes"], r5["no"], r5["denominator"], r5["share"], r5["passed"]) == (5, 4, 9, 55.56, True)
    assert (r5["threshold"], r5["strict"], r5["ballots_issued"], r5["valid"]) == ("1/2", True, 9, 9)
    assert (c.state(four), c.state(five)) == ("not_recommended", "recommended")
    history = c.get("secretary", f"/api/v1/proposals/{five}/history")[-1]
    assert (history["event"], history["actor"]) == ("pass", "chutich")


def test_ninety_percent_of_nine_needs_all_nine(c):
    eight, nine = c.cstd_tinh("Nông Thị Tám"), c.cstd_tinh("Nông Thị Chín")
    mid = c.meeting([eight, nine], open_=True)
    for_eight = split(MEMBERS, 8)
    c.votes(mid, {u: {eight: for_eight[u], nine: "yes"} for u in MEMBERS})
    results = c.close(mid)["results"]
    r8, r9 = c.item(results, eight), c.item(results, nine)
    assert (r8["yes"], r8["denominator"], r8["share"], r8["passed"]) == (8, 9, 88.89, False)
    assert (r9["yes"], r9["denominator"], r9["share"], r9["passed"]) == (9, 9, 100.0, True)
    assert (r9["threshold"], r9["strict"]) == ("9/10", False)
    assert (c.state(eight), c.state(nine)) == ("not_recommended", "recommended")


# --- written votes of absent members ----------------------------------------------------------------

@pytest.mark.parametrize("written_yes, passed", [(2, True), (1, False)])
def test_written_votes_of_absentees_count_and_mark_them_as_voted(c, written_yes, passed):
    tinh, ldtt = c.cstd_tinh(), c.under_review(1)[0]
    present, absent = MEMBERS[:7], MEMBERS[7:]
    mid = c.meeting([tinh, ldtt], present=present,
                    written={tinh: {"yes": written_yes, "no": 2 - written_yes}}, voters=absent)
    opened = c.open(mid)
    assert opened["progress"]["voted"] == 2  # the sealed envelopes count as having voted
    # an absent member cannot also vote online
    assert c.vote("tv8", mid, {ldtt: "yes"}, expect=403)["error"]["code"] == "forbidden"
    c.votes(mid, {u: {tinh: "yes", ldtt: "yes"} for u in present})
    # the meeting screen's counter counts the members present: 7 of 7; the two envelopes besides
    assert c.show(mid, "chutich")["progress"] == {"meeting_id": mid, "status": "voting", "voted": 9, "members": 9,
                                                  "present": 7, "voted_present": 7}
    results = c.close(mid)["results"]
    row = c.item(results, tinh)
    assert (row["yes"], row["no"], row["denominator"], row["ballots_issued"], row["passed"]) == (
        7 + written_yes, 2 - written_yes, 9, 9, passed)
    # the LĐTT item takes no written votes: 7 yes of 9 members
    assert (c.item(results, ldtt)["yes"], c.item(results, ldtt)["ballots_issued"]) == (7, 7)


def test_written_votes_refused_where_the_rule_does_not_take_them(c, session):
    tinh, ldtt = c.cstd_tinh(), c.under_review(1)[0]
    mid = c.meeting([tinh, ldtt], present=None)
    before = audit_count(session)
    err = c.attendance(mid, MEMBERS[:7], written={ldtt: {"yes": 2, "no": 0}}, voters=MEMBERS[7:], expect=422)
    assert f"written_votes.{ldtt}" in err["error"]["details"]
    err = c.attendance(mid, MEMBERS[:7], written={tinh: {"yes": 3, "no": 0}}, voters=MEMBERS[7:], expect=422)
    assert f"written_votes.{tinh}" in err["error"]["details"]
    err = c.attendance(mid, MEMBERS[:7], written={tinh: {"yes": 1, "no": 0}}, voters=["chutich"], expect=422)
    assert "written_voters" in err["error"]["details"]
    assert audit_count(session) == before and c.show(mid)["attendance"] == []


def test_retaking_attendance_drops_earlier_written_counts(c):
    tinh = c.cstd_tinh()
    mid = c.meeting([tinh], present=MEMBERS[:7], written={tinh: {"yes": 2, "no": 0}}, voters=MEMBERS[7:])
    # the two absent members turn up after all: no envelopes any more
    c.attendance(mid, MEMBERS)
    assert c.open(mid)["progress"]["voted"] == 0
    c.votes(mid, {u: {tinh: "yes"} for u in MEMBERS[:8]})
    row = c.item(c.close(mid)["results"], tinh)
    assert (row["yes"], row["no"], row["ballots_issued"], row["passed"]) == (8, 0, 9, False)


def test_a_recused_absentee_s_envelope_does_not_count(c, session):
    tinh = c.cstd_tinh(username="tv9")  # tv9, away, is the nominee: recused on the item
    mid = c.meeting([tinh], present=MEMBERS[:7], written={tinh: {"yes": 2, "no": 0}}, voters=MEMBERS[7:])
    before = (audit_count(session), ballot_counts(session, mid))
    err = c.open(mid, expect=409)["error"]
    assert (err["code"], err["details"]) == ("written_votes", {"proposal_id": tinh})
    assert c.show(mid)["status"] == "scheduled" and (audit_count(session), ballot_counts(session, mid)) == before
    c.attendance(mid, MEMBERS[:7], written={tinh: {"yes": 1, "no": 0}}, voters=MEMBERS[7:])
    assert c.open(mid)["progress"]["voted"] == 1  # tv8's envelope; tv9 did not vote on the item
    c.votes(mid, {u: {tinh: "yes"} for u in MEMBERS[:7]})
    row = c.item(c.close(mid)["results"], tinh)
    # over all members: tv9, recused, stays in the denominator — 8 of 9 is short of 90%
    assert (row["yes"], row["denominator"], row["ballots_issued"], row["passed"]) == (8, 9, 8, False)
    assert (row["in_person"], row["in_writing"], row["recused_count"]) == (7, 1, 1)


# --- denominators -----------------------------------------------------------------------------------

@pytest.mark.parametrize("basis, out, denominator, passed", [
    ("total_members", True, 9, False), ("total_members", False, 9, False),
    ("present_members", True, 8, True), ("present_members", False, 9, False)],
    ids=["all-recused-out-flag", "all-recused-in-flag", "present-recused-out", "present-recused-in"])
def test_recused_members_leave_only_a_present_members_denominator(c, session, basis, out, denominator, passed):
    """Over all members a recused member stays in the denominator whatever the flag says (SPEC §3);
    over the members present the rule decides."""
    pid = c.cstd_tinh(username="uyvien")  # the nominee sits on the council
    edit_ballot_rule(session, pid, denominator=basis, recused_out_of_denominator=out)
    mid = c.meeting([pid], open_=True)
    c.votes(mid, {u: {pid: "yes"} for u in MEMBERS if u != "uyvien"})
    row = c.item(c.close(mid)["results"], pid)
    assert (row["yes"], row["denominator"], row["passed"]) == (8, denominator, passed)


def test_ninety_percent_of_ten_with_one_recused_fails_at_eight_of_nine_present(c, session):
    """A council of ten, one away, one of the nine present recused (the nominee): the eight others
    all say yes. 8 of 10 members is 80%, short of 90% — the recused and the absent member stay in
    the denominator; an 80% rule passes the same votes."""
    members = [{"username": u, "position": p} for u, p in SEATS] + [{"username": "tv10", "position": "member"}]
    c.users["tv10"] = f.user(session, "council_member", c.org["commune"], username="tv10", full_name="Thành viên 10")
    c.call("admin", "PUT", "/api/v1/authorities/X-DB/council", {"members": members}, expect=200)
    ninety, eighty = c.cstd_tinh(username="uyvien"), c.accepted(c.person("Đề nghị tám mươi"), "LDTT")
    edit_ballot_rule(session, ninety, threshold="9/10", strict=False, denominator="total_members")
    edit_ballot_rule(session, eighty, threshold="4/5", strict=False, denominator="total_members")
    present = [u for u, _p in SEATS]  # tv10 is away
    mid = c.meeting([ninety, eighty], present=present, open_=True)
    c.votes(mid, {u: ({ninety: "yes", eighty: "yes"} if u != "uyvien" else {eighty: "no"}) for u in present})
    results = c.close(mid)["results"]
    r90, r80 = c.item(results, ninety), c.item(results, eighty)
    assert (r90["yes"], r90["denominator"], r90["share"], r90["passed"]) == (8, 10, 80.0, False)
    assert (r90["in_person"], r90["recused_count"], r90["ballots_issued"]) == (8, 1, 8)
    assert (r80["yes"], r80["no"], r80["denominator"], r80["passed"]) == (8, 1, 10, True)
    assert (c.state(ninety), c.state(eighty)) == ("not_recommended", "recommended")


def test_present_members_denominator(c, session):
    pid = c.under_review(1)[0]
    edit_ballot_rule(session, pid, denominator="present_members")
    mid = c.meeting([pid], present=MEMBERS[:6], open_=True)
    c.votes(mid, {u: {pid: c} for u, c in split(MEMBERS[:6], 4).items()})
    row = c.item(c.close(mid)["results"], pid)
    # 4 of the 6 present: passes, although 4 of 9 members would not
    assert (row["yes"], row["denominator"], row["share"], row["passed"]) == (4, 6, 66.67, True)


def test_present_members_denominator_counts_the_written_voters(c, session):
    tinh = c.cstd_tinh()
    edit_ballot_rule(session, tinh, denominator="present_members")
    mid = c.meeting([tinh], present=MEMBERS[:7], written={tinh: {"yes": 1, "no": 1}}, voters=MEMBERS[7:],
                    open_=True)
    c.votes(mid, {u: {tinh: "yes"} for u in MEMBERS[:7]})
    row = c.item(c.close(mid)["results"], tinh)
    # 8 yes of the 9 who voted (7 in the room, 2 in writing): never more than 100%
    assert (row["yes"], row["no"], row["denominator"], row["share"], row["passed"]) == (8, 1, 9, 88.89, False)


# --- ratio cap with a tie ------------------------------------------------------------------------------

def test_cap_tie_is_refused_until_the_chair_settles_it(c, session):
    """CSTĐCS at most 15% of the year's LĐTT. 18 LĐTT in the history and 2 LĐTT proposals on the
    agenda make 20 (3 places: the three CSTĐCS proposals are accepted and scheduled). The council
    rejects both LĐTT proposals, so 18 remain: 2 places. One CSTĐCS has 8 yes, the other two 6
    each — a tie for the last place."""
    history = c.cap_history(200)  # NĐ 91/2017's cap, 18 LĐTT awardees
    ldtt = [c.accepted(c.person(f"Đề nghị LĐTT {i}"), "LDTT") for i in range(2)]
    top, tied_a, tied_b = (c.accepted(n, "CSTDCS") for n in history[:3])
    mid = c.meeting(ldtt + [top, tied_a, tied_b], open_=True)
    six = split(MEMBERS, 6)
    c.votes(mid, {u: {ldtt[0]: "no", ldtt[1]: "no", top: "yes" if i < 8 else "no", tied_a: six[u],
                      tied_b: six[u]} for i, u in enumerate(MEMBERS)})
    before = (audit_count(session), ballot_counts(session, mid),
              {p: c.state(p) for p in ldtt + [top, tied_a, tied_b]})

    err = c.close(mid, expect=409)["error"]
    assert err["code"] == "cap_tie"
    assert err["details"]["ties"] == [{"award_type_code": "CSTDCS", "places": 1, "tied": [tied_a, tied_b],
                                       "yes": 6}]
    # nothing changed: still voting, no results, every proposal still in the council
    assert c.show(mid)["status"] == "voting"
    assert c.results(mid, expect=409)["error"]["code"] == "not_closed"
    assert (audit_count(session), ballot_counts(session, mid),
            {p: c.state(p) for p in ldtt + [top, tied_a, tied_b]}) == before
    # a choice that does not settle it (both, or neither tied) is refused the same way
    assert c.close(mid, tie_break=[tied_a, tied_b], expect=409)["error"]["code"] == "cap_tie"
    assert c.close(mid, tie_break=[top], expect=409)["error"]["code"] == "cap_tie"

    results = c.close(mid, tie_break=[tied_b])["results"]
    assert results["tie_break"] == [tied_b]  # the chair's choice is recorded with the results…
    from workflow.audit.models import AuditEntry
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "meeting.close")).one()
    assert entry.data["tie_break"] == [tied_b]  # …and in the audit trail
    rows = {p: c.item(results, p) for p in (top, tied_a, tied_b)}
    assert (rows[top]["passed"], rows[top]["capped"]) == (True, False)
    assert (rows[tied_b]["passed"], rows[tied_b]["capped"]) == (True, False)
    assert (rows[tied_a]["passed"], rows[tied_a]["capped"], rows[tied_a]["yes"]) == (False, True, 6)
    assert {p: c.state(p) for p in ldtt + [top, tied_a, tied_b]} == {
        ldtt[0]: "not_recommended", ldtt[1]: "not_recommended", top: "recommended",
        tied_a: "not_recommended", tied_b: "recommended"}
    # closing twice: 409, nothing changes
    entries = audit_count(session)
    assert c.close(mid, tie_break=[tied_a], expect=409)["error"]["code"] == "meeting_state"
    assert audit_count(session) == entries and c.state(tied_a) == "not_recommended"


def test_cap_without_a_tie_ranks_by_yes_votes(c, session):
    """The same 20 → 18 LĐTT, but 8, 7 and 6 yes: the last one is capped, no question asked."""
    history = c.cap_history(300)  # NĐ 91/2017's cap, 18 LĐTT awardees
    ldtt = [c.accepted(c.person(f"Đề nghị LĐTT {i}"), "LDTT") for i in range(2)]
    first, second, third = (c.accepted(n, "CSTDCS") for n in history[:3])
    mid = c.meeting(ldtt + [first, second, third], open_=True)
    c.votes(mid, {u: {ldtt[0]: "no", ldtt[1]: "no", first: "yes" if i < 8 else "no",
                      second: "yes" if i < 7 else "no", third: "yes" if i < 6 else "no"}
                  for i, u in enumerate(MEMBERS)})
    results = c.close(mid)["results"]
    assert [(c.item(results, p)["passed"], c.item(results, p)["capped"]) for p in (first, second, third)] == [
        (True, False), (True, False), (False, True)]
    assert session.scalar(select(Proposal.state).where(Proposal.id == third)) == "not_recommended"


def test_cap_base_counts_the_ldtt_passing_in_the_same_close_not_those_still_under_review(c, session):
    """18 LĐTT awardees, 2 LĐTT proposals passing in this close: a base of 20, 3 CSTĐCS places.
    Seven more LĐTT proposals under review elsewhere do not count (27 would give 4 places). The
    fourth CSTĐCS by yes votes is capped; the chair's recorded choice is not asked for (no tie)."""
    history = c.cap_history(400)  # NĐ 91/2017's cap, 18 LĐTT awardees
    c.under_review(7, prefix="Chưa xét")
    ldtt = [c.accepted(c.person(f"Đề nghị LĐTT {i}"), "LDTT") for i in range(2)]
    cstd = [c.accepted(n, "CSTDCS") for n in history[:4]]  # all four accepted: a cap only warns at accept
    mid = c.meeting(ldtt + cstd, open_=True)
    c.votes(mid, {u: {ldtt[0]: "yes", ldtt[1]: "yes", **{p: "yes" if i < 9 - k else "no" for k, p in enumerate(cstd)}}
                  for i, u in enumerate(MEMBERS)})
    results = c.close(mid)["results"]
    assert [c.item(results, p)["yes"] for p in cstd] == [9, 8, 7, 6]
    assert [(c.item(results, p)["passed"], c.item(results, p)["capped"]) for p in cstd] == [
        (True, False), (True, False), (True, False), (False, True)]
    assert [c.state(p) for p in ldtt + cstd] == ["recommended"] * 5 + ["not_recommended"]


def test_tie_break_without_a_cap_is_refused(c):
    pid = c.under_review(1)[0]
    mid = c.meeting([pid], open_=True)
    c.votes(mid, {u: {pid: "yes"} for u in MEMBERS})
    err = c.close(mid, tie_break=[pid], expect=422)["error"]
    assert "tie_break" in err["details"]
    assert c.show(mid)["status"] == "voting"
