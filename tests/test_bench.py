"""The HTTP benchmark's dataset and harness (``tdkt bench http``), on a tiny province: its shape, that
the bench users sign in, and that every bench endpoint answers 200 once. No timing is asserted."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from workflow.benchmark import http, province
from workflow.council.models import AgendaItem, BallotReceipt, Meeting
from workflow.decisions.models import DecisionItem, SubmissionItem
from workflow.extensions import db
from workflow.org.models import AwardRecord, CouncilMember
from workflow.proposals.models import Proposal, ProposalTransition, Round

pytestmark = pytest.mark.commits  # the bench builds its data and serves it from other connections: real commits


def _build(app, proposals=300):
    with app.app_context():
        dataset = province.build(db.session, proposals, secret_key=app.config["SECRET_KEY"])
        db.session.remove()
    return dataset


def test_the_dataset_has_the_shape_of_three_years(app, session):
    dataset = _build(app)
    assert dataset.communes == 1 and dataset.proposals == 300
    rows = session.execute(select(Proposal.id, Proposal.state, Proposal.version, Proposal.award_type_code,
                                  Proposal.rule_set_code, Round.year).join(Round)).all()
    assert len(rows) == 300
    assert dict(Counter(r.state for r in rows)) == dataset.states
    this_year = Counter(r.state for r in rows if r.year == dataset.year)
    past = Counter(r.state for r in rows if r.year < dataset.year)
    assert set(this_year) == {s for s, _w in province.THIS_YEAR}
    assert set(past) == {s for s, _w in province.PAST} and past["awarded"] > sum(past.values()) / 2
    assert {r.year for r in rows} == {dataset.year - 2, dataset.year - 1, dataset.year}

    # every proposal's history leads to its state, and its version counts the events
    history = {}
    for proposal_id, to_state in session.execute(select(ProposalTransition.proposal_id, ProposalTransition.to_state)
                                                 .order_by(ProposalTransition.id)):
        history.setdefault(proposal_id, []).append(to_state)
    for r in rows:
        steps = history.get(r.id, [])
        assert r.version == 1 + len(steps)
        assert (steps[-1] if steps else "draft") == r.state
        assert (r.rule_set_code is None) == (r.state == "draft")

    # the rows the states imply
    awarded = {r.id for r in rows if r.state == "awarded"}
    assert set(session.scalars(select(AwardRecord.proposal_id))) == awarded
    decided = set(session.scalars(select(DecisionItem.proposal_id)))
    assert decided == {r.id for r in rows if r.state == "awarded" and r.award_type_code != "BK_TINH"}
    forwarded = {r.id for r in rows if r.state == "forwarded"}
    assert forwarded and forwarded <= set(session.scalars(select(SubmissionItem.proposal_id)))
    on_agenda = set(session.scalars(select(AgendaItem.proposal_id)))
    assert {r.id for r in rows if r.state == "in_council"} <= on_agenda

    # the voting meeting: nine seats, the bench member has not voted, others have
    meeting = session.get(Meeting, dataset.meeting_id)
    assert meeting.status == "voting" and meeting.ballot_salt and meeting.items
    assert session.scalar(select(func.count(CouncilMember.id))
                          .where(CouncilMember.authority_id == meeting.authority_id)) == 9
    voters = set(session.scalars(select(BallotReceipt.user_id).join(AgendaItem)
                                 .where(AgendaItem.meeting_id == meeting.id)))
    assert len(voters) == province.VOTED
    assert dataset.transition_pool and set(dataset.detail_ids) == {r.id for r in rows}


def test_the_bench_users_sign_in_and_every_endpoint_answers(app, database_url, tmp_path):
    dataset = _build(app)
    client = app.test_client()
    for username in dataset.users.values():
        response = client.post("/api/v1/auth/token", json={"username": username, "password": dataset.password})
        assert response.status_code == 200, username
    # the harness's own in-process pass: sign-in form and tokens, one request per endpoint
    settings = {"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "instance"),
                "SECRET_KEY": app.config["SECRET_KEY"], "BROKER_URL": "memory://", "CELERY_ALWAYS_EAGER": True,
                "RATELIMIT_STORAGE_URL": "memory://"}
    spare = next(pid for pid, username in dataset.transition_pool if username == dataset.users["secretary"])
    counted = http.count_queries(settings, dataset, spare)
    assert set(counted) == set(http.ENDPOINTS)
    assert {name: c["status"] for name, c in counted.items()} == {name: 200 for name in http.ENDPOINTS}
    assert all(c["queries"] > 0 for name, c in counted.items() if name != "unauth_floor")
    assert {"per_page_20", "per_page_200"} <= set(counted["list"])
    with app.app_context():
        assert db.session.get(Proposal, spare).state == "under_review"


def test_the_table_names_every_endpoint():
    figures = {"rps": 10.0, "p50_ms": 5.0, "p95_ms": 9.0, "ratio_to_floor": 1.0, "sql_queries": 3,
               "requests": 40, "failures": 0}
    text = http.table([{"database": "sqlite", "proposals": 300, "communes": 1, "build_seconds": 0.1,
                        "rss_mb": {"web": 1.0, "worker": 2.0},
                        "endpoints": {name: dict(figures) for name in http.ENDPOINTS}}])
    assert all(name in text for name in http.ENDPOINTS)


def test_the_accepts_take_the_communes_in_turn():
    pool = [[1, "a"], [2, "a"], [3, "a"], [4, "b"], [5, "c"], [6, "c"]]
    order = http._interleaved(pool)
    assert [pid for pid, _u in order] == [1, 4, 5, 2, 6, 3]
    assert sorted(map(tuple, order)) == sorted(map(tuple, pool))  # each accept once, none lost
