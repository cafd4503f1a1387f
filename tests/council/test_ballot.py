"""Casting ballots: every refused ballot changes nothing; two ballots racing for one member store
exactly one; results stay hidden until the vote closes, the chair seeing only a count."""

from __future__ import annotations

import threading

import pytest

from tests import factories as f
from tests.council.helpers import MEMBERS, audit_count, ballot_counts, sealed_choices, sealed_rows


@pytest.fixture
def voting(c):
    """A meeting voting on two LĐTT proposals, all nine present; a third proposal not on it."""
    first, second, elsewhere = c.under_review(3)
    mid = c.meeting([first, second], open_=True)
    return c, mid, first, second, elsewhere


def stored(c, mid):
    return ballot_counts(c.session, mid), sealed_rows(c.session, mid), audit_count(c.session), c.show(mid)["status"]


def test_a_ballot_is_stored_as_a_receipt_and_a_sealed_ballot_counted_at_close(voting, app):
    c, mid, first, second, _ = voting
    answer = c.vote("uyvien", mid, {first: "yes", second: "no"})
    assert answer == {"accepted": 2, "progress": {"meeting_id": mid, "status": "voting", "voted": 1, "members": 9,
                                                  "present": 9, "voted_present": 1}}
    # while the vote is open no count moves (a counter moved by a ballot is tied to its receipt):
    # a receipt per item, and a sealed ballot that only the application's key opens
    assert ballot_counts(c.session, mid) == {first: (0, 0, 1), second: (0, 0, 1)}
    assert sealed_choices(app, c.session, mid) == {first: ["yes"], second: ["no"]}
    c.close(mid)
    # the close counted them into the tally and removed the sealed rows
    assert ballot_counts(c.session, mid) == {first: (1, 0, 1), second: (0, 1, 1)}
    assert sealed_choices(app, c.session, mid) == {first: [], second: []}
    assert [(r["yes"], r["no"]) for r in c.results(mid)["items"]] == [(1, 0), (0, 1)]


def test_a_ballot_outside_the_voting_window_changes_nothing(c, session):
    pid = c.under_review(1)[0]
    mid = c.meeting([pid])  # scheduled, not open yet
    before = stored(c, mid)
    assert c.vote("uyvien", mid, {pid: "yes"}, expect=409)["error"]["code"] == "meeting_state"
    assert stored(c, mid) == before
    c.open(mid)
    c.votes(mid, {u: {pid: "yes"} for u in MEMBERS if u != "uyvien"})
    c.close(mid)
    before = stored(c, mid)
    err = c.vote("uyvien", mid, {pid: "no"}, expect=409)["error"]
    assert (err["code"], err["details"]) == ("meeting_state", {"status": "closed"})
    assert stored(c, mid) == before
    assert c.results(mid)["items"][0]["yes"] == 8


def test_refused_ballots_change_nothing(voting, session):
    c, mid, first, second, elsewhere = voting
    commune = c.org["commune"]
    # a council member of the commune who holds no seat on its council
    f.user(session, "council_member", commune, username="cuuuyvien")
    c.vote("tv9", mid, {first: "yes"})
    before = stored(c, mid)

    def refused(who, choices, status, code):
        err = c.vote(who, mid, choices, expect=status)["error"]
        assert err["code"] == code, err
        assert stored(c, mid) == before
        return err

    refused("cuuuyvien", {first: "yes"}, 403, "forbidden")              # not a member
    refused("truongxom", {first: "yes"}, 404, "not_found")               # outside the council: unknown
    refused("uyvien", {elsewhere: "yes"}, 404, "not_found")             # not on this agenda
    refused("uyvien", {first: "yes", 999999: "no"}, 404, "not_found")   # one bad item spoils the ballot
    refused("tv9", {first: "no"}, 409, "already_voted")                 # a second time
    refused("tv9", {second: "yes", first: "no"}, 409, "already_voted")  # …even mixed with a new item
    refused("uyvien", {}, 422, "validation_error")                      # empty
    err = c.call("uyvien", "POST", f"/api/v1/meetings/{mid}/ballots",
                 {"votes": [{"proposal_id": first, "choice": "maybe"}]}, expect=422).get_json()["error"]
    assert "votes.0.choice" in err["details"]
    err = c.call("uyvien", "POST", f"/api/v1/meetings/{mid}/ballots",
                 {"votes": [{"proposal_id": first, "choice": "yes"}, {"proposal_id": first, "choice": "no"}]},
                 expect=422).get_json()["error"]
    assert "votes.1" in err["details"]
    assert stored(c, mid) == before
    # tv9 can still vote on the item it has not voted on
    c.vote("tv9", mid, {second: "no"})


def test_an_absent_member_cannot_vote(c, session):
    pid = c.under_review(1)[0]
    mid = c.meeting([pid], present=MEMBERS[:8], open_=True)
    before = stored(c, mid)
    assert c.vote("tv9", mid, {pid: "yes"}, expect=403)["error"]["code"] == "forbidden"
    assert stored(c, mid) == before


def test_a_recused_member_cannot_vote(c, session):
    pid = c.accepted(c.nominee(name="Bàn Văn Bảy", username="tv7"), "LDTT", who="secretary")
    mid = c.meeting([pid], open_=True)
    before = stored(c, mid)
    assert c.vote("tv7", mid, {pid: "yes"}, expect=403)["error"]["code"] == "forbidden"
    assert stored(c, mid) == before


def test_closing_twice_and_by_others_is_refused(voting, session):
    c, mid, first, second, _ = voting
    c.votes(mid, {u: {first: "yes", second: "no"} for u in MEMBERS})
    for who in ("secretary", "uyvien", "pct"):
        assert c.close(mid, who=who, expect=403)["error"]["code"] == "forbidden"
    c.close(mid)
    before = (stored(c, mid), c.results(mid), c.state(first), c.state(second))
    assert c.close(mid, expect=409)["error"]["code"] == "meeting_state"
    assert (stored(c, mid), c.results(mid), c.state(first), c.state(second)) == before
    assert (c.state(first), c.state(second)) == ("recommended", "not_recommended")


def _keys(data) -> set:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in _keys(v)}
    if isinstance(data, list):
        return {k for v in data for k in _keys(v)}
    return set()


def test_results_are_hidden_until_close_even_from_the_chair(voting, session):
    c, mid, first, second, _ = voting
    c.vote("uyvien", mid, {first: "yes", second: "yes"})
    c.vote("chutich", mid, {first: "no", second: "yes"})
    for who in ("chutich", "secretary", "uyvien", "pct"):
        err = c.results(mid, who=who, expect=409)["error"]
        assert (err["code"], err["details"]) == ("not_closed", {"status": "voting"})
    # the chair sees how many members have voted — a count, nothing else
    meeting = c.show(mid, "chutich")
    assert meeting["progress"] == {"meeting_id": mid, "status": "voting", "voted": 2, "members": 9,
                                   "present": 9, "voted_present": 2}
    assert not _keys(meeting) & {"yes", "no", "results", "tally", "choice", "share", "passed"}
    # outside the authority's council: the meeting does not exist
    assert c.call("truongxom", "GET", f"/api/v1/meetings/{mid}/results").status_code == 404
    c.votes(mid, {u: {first: "yes", second: "yes"} for u in MEMBERS if u not in ("uyvien", "chutich")})
    c.close(mid)
    for who in ("chutich", "secretary", "uyvien"):
        results = c.results(mid, who=who)
        assert [(r["proposal_id"], r["yes"], r["no"], r["denominator"], r["passed"]) for r in results["items"]] == [
            (first, 8, 1, 9, True), (second, 9, 0, 9, True)]


# --- concurrency ---------------------------------------------------------------------------------

def _race(app, headers, path, bodies):
    """Send ``bodies`` at once, one thread and one client each; the status codes."""
    barrier = threading.Barrier(len(bodies))
    statuses = [None] * len(bodies)

    def send(i):
        client = app.test_client()
        barrier.wait()
        statuses[i] = client.post(path, json=bodies[i], headers=headers[i]).status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return statuses


@pytest.mark.commits  # ballots in threads
def test_two_concurrent_ballots_by_one_member_store_exactly_one(voting, app, backend):
    c, mid, first, second, _ = voting
    path = f"/api/v1/meetings/{mid}/ballots"
    headers = c.auth("uyvien")
    for pid, choices in ((first, ("yes", "no")), (second, ("no", "no"))):
        statuses = _race(app, [headers, headers], path,
                         [{"votes": [{"proposal_id": pid, "choice": ch}]} for ch in choices])
        assert sorted(statuses) == [201, 409], (backend, statuses)
        receipts = ballot_counts(c.session, mid)[pid][2]
        assert (len(sealed_choices(app, c.session, mid)[pid]), receipts) == (1, 1)
    assert c.show(mid, "chutich")["progress"]["voted"] == 1
    c.close(mid)
    assert [r["yes"] + r["no"] for r in c.results(mid)["items"]] == [1, 1]


@pytest.mark.commits  # ballots in threads
def test_concurrent_ballots_of_different_members_are_all_stored(voting, app):
    c, mid, first, second, _ = voting
    # opposite item orders: the service writes in one order, so PostgreSQL cannot deadlock
    bodies = [{"votes": [{"proposal_id": a, "choice": "yes"}, {"proposal_id": b, "choice": "no"}]}
              for a, b in [(first, second), (second, first)] * 4 + [(first, second)]]
    headers = [c.auth(u) for u in MEMBERS]
    statuses = _race(app, headers, f"/api/v1/meetings/{mid}/ballots", bodies)
    assert statuses == [201] * 9
    counts = ballot_counts(c.session, mid)
    assert counts[first][2] == counts[second][2] == 9
    # five ballots say yes to the first item and no to the second, four the other way round
    assert sealed_choices(app, c.session, mid) == {first: ["no"] * 4 + ["yes"] * 5, second: ["no"] * 5 + ["yes"] * 4}
    assert c.show(mid, "chutich")["progress"]["voted"] == 9
    c.close(mid)
    assert [(r["yes"], r["no"]) for r in c.results(mid)["items"]] == [(5, 4), (4, 5)]
