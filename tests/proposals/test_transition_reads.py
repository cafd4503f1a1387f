"""A transition reads what it needs once (issue 12): the proposal with its many-to-one neighbours in
one SELECT, no refresh of the row its compare-and-set wrote — and its answer is what a fresh read
of the proposal says, for events that change the holder, the rule snapshot, the notice columns."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import event

from tests.proposals.helpers import World
from workflow.extensions import db


@pytest.fixture
def w(client, session):
    return World(client, session)


def _selects(app, call) -> Counter:
    """FROM tables of each SELECT the call runs (the first table named)."""
    seen: Counter = Counter()
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, params, context, executemany):
        match = re.match(r"\s*SELECT\s.*?\sFROM\s+(\w+)", statement, re.S)
        if match:
            seen[match.group(1)] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen


def _same_as_fresh(w, who, answer):
    fresh = w.get(who, f"/api/v1/proposals/{answer['id']}")
    answer = {k: v for k, v in answer.items() if k != "warnings"}
    assert answer == fresh


def test_accept_reads_each_neighbour_once(app, w):
    p = w.propose(w.person())
    w.event("nominator", p["id"], "submit")
    w.session.expunge_all()  # as in a new request: nothing loaded yet
    answers = []
    seen = _selects(app, lambda: answers.append(w.event("secretary", p["id"], "accept")))
    assert answers[0]["state"] == "under_review"
    for table in ("round", "nominee", "unit", "attachment", "paper_receipt", "proposal_transition"):
        assert seen[table] <= 1, (table, seen)
    assert seen["proposal"] <= 2, seen  # the row with its neighbours, the reader's scope check
    _same_as_fresh(w, "secretary", answers[0])


def test_answers_equal_a_fresh_read_along_the_path(w):
    p = w.propose(w.person())
    _same_as_fresh(w, "nominator", w.event("nominator", p["id"], "submit"))  # the rule snapshot is taken
    _same_as_fresh(w, "secretary", w.event("secretary", p["id"], "accept"))
    _same_as_fresh(w, "secretary", w.event("secretary", p["id"], "publish", days=7))  # notice columns
    returned = w.propose(w.person("Lò Thị Hai"))
    w.event("nominator", returned["id"], "submit")
    _same_as_fresh(w, "secretary", w.event("secretary", returned["id"], "return_for_changes",
                              items=[{"field": "achievements", "message": "Bổ sung"}]))
