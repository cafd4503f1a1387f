"""Opening the vote: the quorum below, at and above the line; every recusal case, with the
vice-chair presiding over the items the chair is recused from."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from tests import factories as f
from tests.council.helpers import MEMBERS, SEATS, audit_count, ballot_counts


def vi(app, message: str) -> str:
    """``message`` as the API answers it to a Vietnamese-speaking user (whatever the catalogue holds)."""
    with app.test_request_context("/"), force_locale("vi"):
        return _(message)


def reseat(c, changes: dict[str, str]) -> list[str]:
    """Give the seats of ``changes``' keys to its values; the new list of members."""
    members = [{"username": changes.get(u, u), "position": p} for u, p in SEATS]
    c.call("admin", "PUT", "/api/v1/authorities/X-DB/council", {"members": members}, expect=200)
    return [m["username"] for m in members]


def recusals(meeting: dict, pid: int) -> list[str]:
    return next(i["recused"] for i in meeting["agenda"] if i["proposal_id"] == pid)


# --- quorum: at least 2/3 of the 9 members present (6) -----------------------------------------

@pytest.mark.parametrize("present, opens", [(5, False), (6, True), (7, True)], ids=["below", "at", "above"])
def test_quorum_two_thirds_of_nine(c, session, present, opens):
    pid = c.under_review(1)[0]
    mid = c.meeting([pid], present=MEMBERS[:present])
    if opens:
        meeting = c.open(mid)
        assert meeting["status"] == "voting"
        assert meeting["progress"] == {"meeting_id": mid, "status": "voting", "voted": 0, "members": 9,
                                       "present": present, "voted_present": 0}
        return
    before = (audit_count(session), ballot_counts(session, mid))
    err = c.open(mid, expect=409)["error"]
    assert err["code"] == "no_quorum"
    assert err["details"] == {"present": 5, "members": 9, "needed": 6}
    assert re.findall(r"\d+", err["message"]) == ["5", "9", "6"]  # the numbers, in the message
    # nothing changed: still scheduled, no tally, no receipt, no audit entry, the proposal waits
    assert c.show(mid)["status"] == "scheduled"
    assert (audit_count(session), ballot_counts(session, mid)) == before == (before[0], {pid: (None, None, 0)})
    assert c.state(pid) == "in_council"
    # one more member arrives: the quorum is met
    c.attendance(mid, MEMBERS[:6])
    assert c.open(mid)["status"] == "voting"


def test_quorum_counts_the_members_present_not_the_written_voters(c):
    pid = c.cstd_tinh()
    absent = MEMBERS[5:]  # 4 absent, all voting in writing: still only 5 present
    mid = c.meeting([pid], present=MEMBERS[:5], written={pid: {"yes": 4, "no": 0}}, voters=absent)
    assert c.open(mid, expect=409)["error"]["details"] == {"present": 5, "members": 9, "needed": 6}


def test_only_the_chair_opens_and_only_once(c):
    pid = c.under_review(1)[0]
    mid = c.meeting([pid])
    assert c.open(mid, who="secretary", expect=403)["error"]["code"] == "forbidden"
    assert c.open(mid, who="uyvien", expect=403)["error"]["code"] == "forbidden"
    c.open(mid)
    assert c.open(mid, expect=409)["error"]["code"] == "meeting_state"


def test_opening_needs_an_agenda_and_attendance(c):
    mid = c.meeting()
    assert c.open(mid, expect=409)["error"]["code"] == "empty_agenda"
    pid = c.under_review(1)[0]
    c.post("secretary", f"/api/v1/meetings/{mid}/agenda", {"proposal_ids": [pid]})
    assert c.open(mid, expect=409)["error"]["code"] == "no_attendance"


# --- recusal --------------------------------------------------------------------------------------

def test_member_who_is_the_individual_nominee(c, app, session):
    own = c.accepted(c.nominee(name="Triệu Văn Ủy", username="uyvien"), "LDTT", who="secretary")
    other = c.under_review(1)[0]
    mid = c.meeting([own, other], open_=True)
    meeting = c.show(mid)
    assert recusals(meeting, own) == ["uyvien"] and recusals(meeting, other) == []
    before = ballot_counts(session, mid)
    err = c.vote("uyvien", mid, {own: "yes"}, expect=403)["error"]
    assert err["details"] == {"proposal_id": own}
    # a ballot that mixes an allowed item with the recused one stores nothing at all
    c.vote("uyvien", mid, {other: "yes", own: "yes"}, expect=403)
    assert ballot_counts(session, mid) == before
    c.vote("uyvien", mid, {other: "yes"})
    c.votes(mid, {u: {own: "yes", other: "yes"} for u in MEMBERS if u != "uyvien"})
    c.close(mid)
    row = c.item(c.results(mid), own)
    assert row["recused"] == [{"member": "Uyvien", "username": "uyvien", "reason": vi(app, "is the nominee")}]
    # LĐTT is voted over all members: the recused member stays in the denominator (SPEC §3)
    assert (row["yes"], row["denominator"], row["recused_count"]) == (8, 9, 1)
    assert c.item(c.results(mid), other)["recused"] == []


def test_members_who_head_or_belong_to_the_nominated_unit(c, app, session):
    clinic = f.unit(session, c.org["commune"], "DB-TYT", kind="clinic", name="Trạm Y tế xã Định Biên")
    # the clinic's head is its nominator; a doctor there is a staff nominee linked to her account
    c.user_with_roles("tramtruong", [{"role": "nominator", "authority_code": "X-DB", "unit_code": clinic.code},
                                     {"role": "council_member", "authority_code": "X-DB"}])
    c.user_with_roles("ysi", [{"role": "council_member", "authority_code": "X-DB"}])
    c.nominee(name="Lường Thị Y", unit="DB-TYT", username="ysi")
    members = reseat(c, {"tv9": "tramtruong", "tv8": "ysi"})
    collective = c.nominee(kind="collective", name="Trạm Y tế xã Định Biên", unit="DB-TYT")
    pid = c.accepted(collective, "TTLDTT", who="secretary", unit="DB-TYT")
    # a collective of another unit: nobody is recused
    hamlet = c.accepted(c.nominee(kind="collective", name="Xóm Nà To"), "TTLDTT", who="secretary")
    mid = c.meeting([pid, hamlet], present=members, open_=True)
    assert sorted(recusals(c.show(mid), pid)) == ["tramtruong", "ysi"]
    assert recusals(c.show(mid), hamlet) == []
    for who in ("tramtruong", "ysi"):
        assert c.vote(who, mid, {pid: "yes"}, expect=403)["error"]["code"] == "forbidden"
    voters = [u for u in members if u not in ("tramtruong", "ysi")]
    c.votes(mid, {u: {pid: "yes" if i < 4 else "no", hamlet: "yes"} for i, u in enumerate(voters)})
    c.close(mid)
    row = c.item(c.results(mid), pid)
    reasons = {r["username"]: r["reason"] for r in row["recused"]}
    assert reasons == {"tramtruong": vi(app, "heads the nominated unit"),
                       "ysi": vi(app, "belongs to the nominated unit")}
    # 4 yes of the 7 members who may vote would be more than half; over all nine members, the two
    # recused ones included, it is not (SPEC §3)
    assert (row["yes"], row["no"], row["denominator"], row["passed"]) == (4, 3, 9, False)


def test_member_who_heads_the_nominated_household(c, app):
    house = c.nominee(kind="household", name="Hộ ông Đàm Văn Sáu", username="tv6")
    pid = c.accepted(house, "BK_TINH", who="secretary")
    mid = c.meeting([pid], open_=True)
    assert recusals(c.show(mid), pid) == ["tv6"]
    assert c.vote("tv6", mid, {pid: "no"}, expect=403)["error"]["code"] == "forbidden"
    c.votes(mid, {u: {pid: "yes"} for u in MEMBERS if u != "tv6"})
    c.close(mid)
    row = c.item(c.results(mid), pid)
    assert row["recused"][0]["reason"] == vi(app, "heads the nominated household")
    assert (row["denominator"], row["recused_count"]) == (9, 1)  # over all members: tv6 stays in it


def test_a_recused_chair_hands_the_item_to_a_vice_chair(c, app):
    own = c.accepted(c.nominee(name="Ma Văn Chủ", username="chutich"), "LDTT", who="secretary")
    other = c.under_review(1)[0]
    mid = c.meeting([own, other], open_=True)
    meeting = c.show(mid)
    assert meeting["presiding"] == "chutich"  # the chair presides over the meeting
    assert recusals(meeting, own) == ["chutich"]
    assert c.vote("chutich", mid, {own: "yes"}, expect=403)["error"]["code"] == "forbidden"
    c.vote("chutich", mid, {other: "yes"})
    c.votes(mid, {u: {own: "yes", other: "yes"} for u in MEMBERS if u != "chutich"})
    # the recused chair still closes the meeting; the vice-chair presided over the item
    c.close(mid)
    results = c.results(mid)
    assert c.item(results, own)["presiding"] == "Thành viên pct"
    assert c.item(results, own)["presiding_username"] == "pct"
    assert c.item(results, other)["presiding_username"] == "chutich"
    assert c.item(results, own)["recused"][0]["reason"] == vi(app, "is the nominee")
    assert c.state(own) == "recommended"


def test_nobody_is_recused_without_a_link(c):
    pids = c.under_review(2)
    mid = c.meeting(pids, open_=True)
    assert all(i["recused"] == [] for i in c.show(mid)["agenda"])
