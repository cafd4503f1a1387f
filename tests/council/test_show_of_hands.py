"""Show-of-hands items (biểu quyết giơ tay, SPEC §3 ballot rule, §5 "Show-of-hands items record
only the counts"): the secretary records the counts through POST /api/v1/meetings/{id}/show-of-hands,
members get no ballot for them, the close tallies the counts against the rule's threshold and
denominator and moves each proposal; the quorum is checked at the opening as for a secret vote.

No shipped rule set uses show of hands today, so each case gives its proposals the snapshot a rule
set with ``ballot.method = "show_of_hands"`` would have written at ``accept``.
"""

from __future__ import annotations

import re

import pytest

from tests.council.helpers import MEMBERS, audit_count, ballot_counts
from tests.council.test_views import CONFIRM, post, text, web  # noqa: F401  (web: fixture)
from workflow.proposals.models import Proposal

HANDS = {"method": "show_of_hands", "threshold": "1/2", "strict": True, "denominator": "total_members",
         "written_votes_of_absentees": False, "recused_out_of_denominator": True, "source": "Quy chế Hội đồng"}


def by_hands(session, pid: int, **ballot) -> None:
    proposal = session.get(Proposal, pid)
    proposal.award_rule = {**proposal.award_rule, "ballot": {**HANDS, **ballot}}
    session.commit()


def hands(c, mid: int, pid: int, yes: int, no: int, who="secretary", expect=200):
    return c.call(who, "POST", f"/api/v1/meetings/{mid}/show-of-hands",
                  {"proposal_id": pid, "yes": yes, "no": no}, expect=expect).get_json()


def stored_hands(session, pid: int) -> tuple:
    from workflow.council.models import AgendaItem

    session.expire_all()
    item = session.query(AgendaItem).filter_by(proposal_id=pid).one()
    return item.hands_yes, item.hands_no


def test_counts_against_the_threshold_and_the_denominator_then_the_proposals_move(c, session):
    over_all, over_present, short = c.under_review(3)
    for pid in (over_all, short):
        by_hands(session, pid)
    by_hands(session, over_present, denominator="present_members")
    mid = c.meeting([over_all, over_present, short], present=MEMBERS[:7], open_=True)  # 7 of 9
    assert hands(c, mid, over_all, 5, 2) == {"proposal_id": over_all, "recorded": True}
    hands(c, mid, over_present, 4, 3)  # 4/7 > 1/2, though 4/9 is not
    hands(c, mid, short, 5, 1)
    hands(c, mid, short, 4, 3)  # recorded again (a recount in the room): the last counts stand
    assert stored_hands(session, short) == (4, 3)
    # counts only: no receipt, no sealed ballot, the tally rows stay at zero
    assert ballot_counts(session, mid) == {over_all: (0, 0, 0), over_present: (0, 0, 0), short: (0, 0, 0)}
    # results stay hidden until the close
    assert c.call("secretary", "GET", f"/api/v1/meetings/{mid}/results", expect=409).get_json()[
        "error"]["code"] == "not_closed"
    c.close(mid)
    results = c.results(mid)
    rows = {r["proposal_id"]: r for r in results["items"]}
    assert {pid: (r["method"], r["yes"], r["no"], r["denominator"], r["passed"], r["in_writing"], r["basis"])
            for pid, r in rows.items()} == {
        over_all: ("show_of_hands", 5, 2, 9, True, 0, "total_members"),
        over_present: ("show_of_hands", 4, 3, 7, True, 0, "present_members"),
        short: ("show_of_hands", 4, 3, 9, False, 0, "total_members"),
    }
    assert rows[over_all]["share"] == 55.56 and rows[short]["share"] == 44.44
    assert results["present"] == 7 and results["members"] == 9
    assert [c.state(p) for p in (over_all, over_present, short)] == ["recommended", "recommended", "not_recommended"]


def test_at_least_the_threshold_when_the_rule_is_not_strict(c, session):
    exactly_half, below = c.under_review(2)
    by_hands(session, exactly_half, denominator="present_members", strict=False)
    by_hands(session, below, denominator="present_members", strict=True)
    mid = c.meeting([exactly_half, below], present=MEMBERS[:8], open_=True)
    hands(c, mid, exactly_half, 4, 4)
    hands(c, mid, below, 4, 4)
    c.close(mid)
    assert (c.state(exactly_half), c.state(below)) == ("recommended", "not_recommended")


def test_a_secret_item_beside_a_show_of_hands_item(c, session):
    secret, raised = c.under_review(2)
    by_hands(session, raised)
    mid = c.meeting([secret, raised], present=MEMBERS, open_=True)
    # a member's ballot covers the secret item only; one naming the show-of-hands item is refused
    response = c.vote("uyvien", mid, {secret: "yes", raised: "yes"}, expect=422)
    assert "votes.1" in response["error"]["details"]
    assert ballot_counts(session, mid) == {secret: (0, 0, 0), raised: (0, 0, 0)}
    c.votes(mid, {u: {secret: "yes" if i < 5 else "no"} for i, u in enumerate(MEMBERS)})
    # the secret item takes no show of hands
    response = hands(c, mid, secret, 9, 0, expect=422)
    assert "proposal_id" in response["error"]["details"]
    hands(c, mid, raised, 3, 6)
    c.close(mid)
    rows = {r["proposal_id"]: r for r in c.results(mid)["items"]}
    assert (rows[secret]["method"], rows[secret]["yes"], rows[secret]["passed"]) == ("secret", 5, True)
    assert (rows[raised]["method"], rows[raised]["yes"], rows[raised]["passed"]) == ("show_of_hands", 3, False)


def test_refusals_record_nothing(c, session):
    pid, other = c.under_review(2)
    by_hands(session, pid)
    mid = c.meeting([pid], present=MEMBERS[:7])
    # before the vote opens
    assert hands(c, mid, pid, 5, 2, expect=409)["error"]["code"]
    c.open(mid)
    before = audit_count(session)
    response = hands(c, mid, pid, 5, 3, expect=422)  # 8 hands, 7 members present
    assert response["error"]["details"] == {"yes": 5, "no": 3}
    assert hands(c, mid, other, 1, 0, expect=404)["error"]["code"] == "not_found"  # not on the agenda
    for who in ("chutich", "uyvien"):  # the secretary records the hands, no one else
        assert hands(c, mid, pid, 5, 2, who=who, expect=403)["error"]["code"] == "forbidden"
    assert hands(c, mid, pid, -1, 2, expect=422)["error"]["code"]
    assert stored_hands(session, pid) == (None, None) and audit_count(session) == before
    hands(c, mid, pid, 5, 2)
    assert audit_count(session) == before + 1
    c.close(mid)
    assert hands(c, mid, pid, 7, 0, expect=409)["error"]["code"]  # closed: the record stands
    assert stored_hands(session, pid) == (5, 2) and c.state(pid) == "recommended"


@pytest.mark.parametrize(("present", "opens"), [(6, True), (5, False)])
def test_the_quorum_is_checked_at_the_opening(c, session, present, opens):
    pid = c.under_review(1)[0]
    by_hands(session, pid)
    mid = c.meeting([pid], present=MEMBERS[:present])  # LDTT: 2/3 of 9 = 6 members
    if opens:
        c.open(mid)
        hands(c, mid, pid, present, 0)
        c.close(mid)
        assert c.state(pid) == "recommended"
        return
    error = c.open(mid, expect=409)["error"]
    assert error["code"] == "no_quorum" and error["details"] == {"present": 5, "members": 9, "needed": 6}
    assert hands(c, mid, pid, 5, 0, expect=409)["error"]["code"]
    assert c.show(mid)["status"] == "scheduled" and c.state(pid) == "in_council"


def test_the_screens_show_no_ballot_for_it_and_the_counts_after(c, web, session):  # noqa: F811
    secret, raised = c.under_review(2)
    by_hands(session, raised)
    mid = c.meeting([secret, raised], present=MEMBERS, open_=True)
    member = web("tv5")
    page = text(member.get(f"/hoi-dong/{mid}/phieu-bau"))
    assert re.findall(r'name="choice-(\d+)" id="yes-', page) == [str(secret)]
    assert re.search(rf'data-proposal="{raised}" data-status="show_of_hands"', page)
    hands(c, mid, raised, 6, 3)
    c.votes(mid, {u: {secret: "no"} for u in MEMBERS})
    chutich = web("chutich")
    results = text(post(chutich, f"/hoi-dong/{mid}", f"/hoi-dong/{mid}/ket-thuc-bo-phieu", CONFIRM,
                        follow_redirects=True))
    assert 'data-testid="results"' in results
    assert re.findall(r'data-testid="yes">(\d+)<', results) == ["0", "6"]
    assert re.findall(r'data-testid="no">(\d+)<', results) == ["9", "3"]
    assert (c.state(secret), c.state(raised)) == ("not_recommended", "recommended")


def test_the_vote_does_not_close_while_a_show_of_hands_is_unrecorded(c, session):
    """Counts missing would be tallied as nobody in favour: the close is refused, naming the items,
    and nothing moves until the secretary records them."""
    recorded, missing = c.under_review(2)
    for pid in (recorded, missing):
        by_hands(session, pid)
    mid = c.meeting([recorded, missing], present=MEMBERS, open_=True)
    hands(c, mid, recorded, 7, 2)
    before = audit_count(session)
    error = c.call("chutich", "POST", f"/api/v1/meetings/{mid}/close", {}, expect=409).get_json()["error"]
    assert error["code"] == "hands_missing" and error["details"] == {"proposal_ids": [missing]}
    assert c.show(mid)["status"] == "voting" and audit_count(session) == before
    assert (c.state(recorded), c.state(missing)) == ("in_council", "in_council")
    hands(c, mid, missing, 0, 9)  # nobody in favour, now counted as such
    c.close(mid)
    assert (c.state(recorded), c.state(missing)) == ("recommended", "not_recommended")


def test_the_secretary_records_the_show_of_hands_on_a_screen(c, web, session):  # noqa: F811
    secret, raised = c.under_review(2)
    by_hands(session, raised)
    mid = c.meeting([secret, raised], present=MEMBERS[:8], open_=True)
    thuky = web("thuky")
    detail = text(thuky.get(f"/hoi-dong/{mid}"))
    assert "1 nội dung biểu quyết bằng giơ tay chưa ghi kết quả" in detail
    assert f'href="/hoi-dong/{mid}/gio-tay"' in detail
    page = text(thuky.get(f"/hoi-dong/{mid}/gio-tay"))
    # only the show-of-hands item takes counts, bounded by the members present
    assert re.findall(r'name="hands_yes-(\d+)"', page) == [str(raised)]
    assert 'max="8"' in page and "chưa ghi" in page
    # more hands than members present: refused with the service's message, nothing stored
    refused = text(post(thuky, f"/hoi-dong/{mid}/gio-tay", data={f"hands_yes-{raised}": "6",
                                                                 f"hands_no-{raised}": "3"}, follow_redirects=True))
    assert "Số người giơ tay nhiều hơn số thành viên có mặt." in refused
    assert stored_hands(session, raised) == (None, None)
    bad = text(post(thuky, f"/hoi-dong/{mid}/gio-tay", data={f"hands_yes-{raised}": "năm"}, follow_redirects=True))
    assert "Số phiếu phải là số nguyên." in bad
    assert stored_hands(session, raised) == (None, None)
    done = text(post(thuky, f"/hoi-dong/{mid}/gio-tay", data={f"hands_yes-{raised}": "6", f"hands_no-{raised}": "2"},
                     follow_redirects=True))
    assert "Đã ghi kết quả biểu quyết giơ tay của 1 nội dung." in done
    assert "Đã ghi kết quả biểu quyết giơ tay của mọi nội dung." in done
    assert stored_hands(session, raised) == (6, 2)
    # a member who is not the secretary never reaches the screen
    assert web("uyvien").get(f"/hoi-dong/{mid}/gio-tay").status_code == 403
