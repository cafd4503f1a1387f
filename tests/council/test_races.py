"""Meeting operations racing each other (issue 15, items 1 and 2): closing against a ballot, and
adding to the agenda against opening the vote. Each pair is released together by a barrier, in
threads with their own client (and so their own session); the slow step of the first operation is
stretched so the second one lands inside it. Whatever the order, the stored result must be one the
operations could have produced one after the other: a ballot answered 201 is counted, an agenda
item of an open vote has its tally, presiding member and recusal check. Runs on SQLite (a file)
and PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from tests.council.helpers import MEMBERS, ballot_counts
from tests.helpers import run_threads
from workflow.council import ballots, services
from workflow.council.models import AgendaItem, BallotTally
from workflow.proposals import services as proposals

pytestmark = pytest.mark.commits  # races between requests in threads: real commits


def _stretch(monkeypatch, target: str, seconds: float = 0.6) -> None:
    """Make ``module.function`` return ``seconds`` later: the window a racing request falls in."""
    modules = {"services": services, "ballots": ballots, "proposals": proposals}
    module, name = modules[target.split(".")[0]], target.split(".")[1]
    original = getattr(module, name)

    def slow(*args, **kwargs):
        result = original(*args, **kwargs)
        time.sleep(seconds)
        return result

    monkeypatch.setattr(module, name, slow)


def _race(app, requests):
    """Send ``(headers, path, body, delay)`` requests at once (one thread and client each) →
    ``(status, json)`` per request."""
    barrier = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)

    def send(i, headers, path, body, delay):
        client = app.test_client()
        barrier.wait(timeout=10)
        time.sleep(delay)
        response = client.post(path, json=body, headers=headers)
        answers[i] = (response.status_code, response.get_json())

    run_threads(send, [(i, *r) for i, r in enumerate(requests)], "a request")
    return answers


# who goes first, and the step stretched in it: the close counting (the audit's case — the ballot
# lands after the count), or the ballot being checked (the close comes while it is being stored)
CLOSE_FIRST, BALLOT_FIRST = ("services.tally_meeting", 0, 0.05), ("ballots._ballot_items", 0.05, 0)


@pytest.mark.parametrize("order", [CLOSE_FIRST, BALLOT_FIRST], ids=["close_first", "ballot_first"])
def test_a_ballot_racing_the_close_is_counted_or_refused(c, app, backend, monkeypatch, order):
    stretched, close_delay, ballot_delay = order
    pid = c.under_review(1)[0]
    mid = c.meeting([pid], open_=True)
    c.votes(mid, {u: {pid: "yes"} for u in MEMBERS if u != "tv9"})
    headers = {who: c.auth(who) for who in ("chutich", "tv9")}
    _stretch(monkeypatch, stretched)
    close, ballot = _race(app, [
        (headers["chutich"], f"/api/v1/meetings/{mid}/close", {}, close_delay),
        (headers["tv9"], f"/api/v1/meetings/{mid}/ballots", {"votes": [{"proposal_id": pid, "choice": "no"}]},
         ballot_delay),
    ])
    assert close[0] == 200, close
    assert ballot[0] in (201, 409), ballot
    result = c.item(c.results(mid), pid)
    receipts = ballot_counts(c.session, mid)[pid][2]
    # every receipt is a counted ballot, and the answer said which
    assert result["yes"] + result["no"] == receipts, (backend, ballot, result, receipts)
    if ballot[0] == 201:
        assert (result["yes"], result["no"], receipts) == (8, 1, 9)
    else:
        assert ballot[1]["error"]["code"] == "meeting_state"
        assert ballot[1]["error"]["details"] == {"status": "closed"}
        assert (result["yes"], result["no"], receipts) == (8, 0, 8)
    # a ballot after the close is refused and changes nothing
    assert c.vote("tv9", mid, {pid: "no"}, expect=409)["error"]["code"] in ("meeting_state", "already_voted")
    assert ballot_counts(c.session, mid)[pid][2] == receipts


# the opening reads the agenda and takes its time (the audit's case), or the agenda change does
OPEN_FIRST, AGENDA_FIRST = ("services.quorum_needed", 0, 0.05), ("proposals.transition", 0.05, 0)


@pytest.mark.parametrize("order", [OPEN_FIRST, AGENDA_FIRST], ids=["open_first", "agenda_first"])
def test_an_agenda_item_racing_the_opening_is_on_the_vote_or_refused(c, app, backend, monkeypatch, order):
    stretched, open_delay, agenda_delay = order
    first, late = c.under_review(2)
    mid = c.meeting([first])  # scheduled, attendance taken: ready to open
    headers = {who: c.auth(who) for who in ("chutich", "secretary")}
    _stretch(monkeypatch, stretched)
    opened, added = _race(app, [
        (headers["chutich"], f"/api/v1/meetings/{mid}/open", {}, open_delay),
        (headers["secretary"], f"/api/v1/meetings/{mid}/agenda", {"proposal_ids": [late]}, agenda_delay),
    ])
    assert opened[0] == 200, opened
    assert added[0] in (200, 409), added
    meeting = c.show(mid, "chutich")
    on_agenda = [i["proposal_id"] for i in meeting["agenda"]]
    if added[0] == 200:
        assert on_agenda == [first, late]
    else:
        assert added[1]["error"]["code"] == "meeting_state"
        assert on_agenda == [first]
        assert c.state(late) == "under_review"  # the refused agenda change fired nothing
    # every item of the open vote was opened: its tally row, its presiding member
    c.session.expire_all()
    items = c.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == mid)).all()
    assert {i.proposal_id for i in items} == set(on_agenda)
    for item in items:
        assert c.session.get(BallotTally, item.id) is not None, (backend, item.proposal_id)
        assert item.presiding_user_id is not None, (backend, item.proposal_id)
    assert all(i["presiding"] == "chutich" for i in meeting["agenda"])
    # every ballot answered 201 is counted on every item it named
    c.votes(mid, {u: {pid: "yes" for pid in on_agenda} for u in MEMBERS})
    c.close(mid)
    for pid in on_agenda:
        row = c.item(c.results(mid), pid)
        assert (row["yes"], row["no"], ballot_counts(c.session, mid)[pid][2]) == (9, 0, 9), (backend, row)
        assert c.state(pid) == "recommended"


def test_an_attendance_change_racing_the_opening_never_opens_without_quorum(c, app, backend, monkeypatch):
    pid = c.under_review(1)[0]
    mid = c.meeting([pid])  # all nine present: quorum (6 of 9) met
    headers = {who: c.auth(who) for who in ("chutich", "secretary")}
    _stretch(monkeypatch, "services.quorum_needed")  # the opening counts those present, then takes its time
    opened, taken = _race(app, [
        (headers["chutich"], f"/api/v1/meetings/{mid}/open", {}, 0),
        (headers["secretary"], f"/api/v1/meetings/{mid}/attendance", {"present": list(MEMBERS[:5])}, 0.05),
    ])
    meeting = c.show(mid, "chutich")
    present = sum(1 for a in meeting["attendance"] if a["present"])
    # one after the other: opened with the nine (the new attendance refused), or five present and no vote
    if opened[0] == 200:
        assert (taken[0], taken[1]["error"]["code"]) == (409, "meeting_state"), taken
        assert (meeting["status"], present) == ("voting", 9)
    else:
        assert (opened[0], opened[1]["error"]["code"], taken[0]) == (409, "no_quorum", 200), (opened, taken)
        assert (meeting["status"], present) == ("scheduled", 5)
