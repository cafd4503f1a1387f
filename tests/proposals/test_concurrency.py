"""Concurrent clicks (SPEC §4): two people fire conflicting events on one proposal at the same
moment. Exactly one wins; the other gets a 409 carrying the current state; exactly one history row
is added and the version grows by one. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.helpers import run_threads
from tests.proposals.helpers import World
from workflow.audit.services import verify
from workflow.errors import Conflict, DomainError
from workflow.extensions import db
from workflow.org.models import User
from workflow.proposals import services
from workflow.proposals.models import Proposal, ProposalTransition

pytestmark = pytest.mark.commits  # races between requests in threads: real commits

ROUNDS = 4  # repetitions of each race


@pytest.fixture
def w(client, session):
    return World(client, session)


def _race(app, pid: int, moves: list[tuple[int, str, dict]]):
    """Fire each (user id, event, data) in its own thread, app context and session, released together
    by a barrier. Returns one ("ok", state) or ("error", exception) per move, in order."""
    barrier = threading.Barrier(len(moves))
    results: list = [None] * len(moves)

    def worker(index: int, user_id: int, event: str, data: dict) -> None:
        try:
            with app.app_context():
                session = db.session
                actor = session.get(User, user_id)
                _ = actor.roles  # load before the race
                barrier.wait(timeout=10)
                try:
                    proposal = services.transition(session, pid, event, actor, data=dict(data))
                    session.commit()  # the thread plays the request: its unit of work commits
                    results[index] = ("ok", proposal.state)
                except DomainError as exc:
                    session.rollback()
                    results[index] = ("error", exc)
                finally:
                    db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported by the test, never lost in the thread
            results[index] = ("crash", exc)

    run_threads(worker, [(i, *move) for i, move in enumerate(moves)])
    return results


def _row(session: Session, pid: int):
    session.expire_all()
    p = session.get(Proposal, pid)
    count = session.scalar(select(func.count(ProposalTransition.id)).where(ProposalTransition.proposal_id == pid))
    return p.state, p.version, count


def _check_one_winner(session, pid, before, results, winners_state):
    crashes = [r for r in results if r[0] == "crash"]
    assert not crashes, crashes
    wins = [r for r in results if r[0] == "ok"]
    losses = [r[1] for r in results if r[0] == "error"]
    assert len(wins) == 1 and len(losses) == len(results) - 1, results
    state, version, history = _row(session, pid)
    assert state == wins[0][1] and state in winners_state
    assert version == before[1] + 1 and history == before[2] + 1
    for loss in losses:
        assert isinstance(loss, Conflict) and loss.status == 409, loss
        # either the compare-and-set lost (conflict) or the winner had already moved it (invalid_transition)
        assert loss.code in ("conflict", "invalid_transition"), loss.code
        assert loss.details["state"] == state, (loss.details, state)


def test_accept_against_withdraw(w, app, session):
    secretary, nominator = w.org["users"]["secretary"].id, w.org["users"]["nominator"].id
    seen = set()
    for i in range(ROUNDS):
        p = w.propose(w.person(f"Ma Văn Đua {i}"))
        w.event("nominator", p["id"], "submit")
        before = _row(session, p["id"])
        results = _race(app, p["id"], [(secretary, "accept", {}), (nominator, "withdraw", {})])
        _check_one_winner(session, p["id"], before, results, {"under_review", "withdrawn"})
        seen.add(_row(session, p["id"])[0])
    checked, broken = verify(session)
    assert broken is None, broken


def test_two_accepts(w, app, session):
    secretary = w.org["users"]["secretary"].id
    for i in range(ROUNDS):
        p = w.propose(w.person(f"Hoàng Văn Kép {i}"))
        w.event("nominator", p["id"], "submit")
        before = _row(session, p["id"])
        results = _race(app, p["id"], [(secretary, "accept", {}), (secretary, "accept", {})])
        _check_one_winner(session, p["id"], before, results, {"under_review"})
        history = w.get("secretary", f"/api/v1/proposals/{p['id']}/history")
        assert [h["event"] for h in history] == ["submit", "accept"]
    assert verify(session)[1] is None


def test_return_against_reject_by_two_people(w, app, session):
    """Secretary returns while the chair rejects: different destinations, one survives."""
    secretary, chair = w.org["users"]["secretary"].id, w.org["users"]["chair"].id
    items = {"items": [{"doc_type": "bao_cao_thanh_tich", "message": "Thiếu báo cáo"}]}
    for i in range(ROUNDS):
        p = w.propose(w.person(f"Nông Thị Tranh {i}"))
        w.event("nominator", p["id"], "submit")
        before = _row(session, p["id"])
        results = _race(app, p["id"], [(secretary, "return_for_changes", items),
                                       (chair, "reject", {"reason": "Không đủ tiêu chuẩn"})])
        _check_one_winner(session, p["id"], before, results, {"returned", "rejected"})
        state = _row(session, p["id"])[0]
        p_now = w.get("secretary", f"/api/v1/proposals/{p['id']}")
        # the loser's columns were not written either
        assert (p_now["missing_items"] is not None) == (state == "returned")
        assert (p_now["reason"] is not None) == (state == "rejected")
    assert verify(session)[1] is None


def test_api_clicks_at_once(w, app, session, monkeypatch):
    """The same race through HTTP: one 200, one 409 whose body names the current state."""
    from workflow.proposals import machine

    real_fire = machine.fire
    tokens = {who: w.auth(who) for who in ("secretary", "nominator")}
    for i in range(ROUNDS):
        p = w.propose(w.person(f"Lường Văn Nhấp {i}"))
        w.event("nominator", p["id"], "submit")
        before = _row(session, p["id"])
        barrier = threading.Barrier(2)
        answers: dict = {}
        # both requests have read the proposal (the same state and version) before either writes:
        # without this a fast first request could finish before the second starts, and the second
        # would then rightly succeed from the new state — a sequence, not the race under test
        both_read, seen = threading.Barrier(2), threading.local()

        def fire_together(event, context, both_read=both_read, seen=seen):
            if not getattr(seen, "waited", False):
                seen.waited = True
                both_read.wait(timeout=10)
            return real_fire(event, context)

        def click(who: str, event: str, pid=p["id"], answers=answers, barrier=barrier) -> None:
            client = app.test_client()
            barrier.wait(timeout=10)
            r = client.post(f"/api/v1/proposals/{pid}/events", json={"event": event}, headers=tokens[who])
            answers[who] = (r.status_code, r.get_json())

        threads = [threading.Thread(target=click, args=("secretary", "accept")),
                   threading.Thread(target=click, args=("nominator", "withdraw"))]
        monkeypatch.setattr(machine, "fire", fire_together)
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        monkeypatch.setattr(machine, "fire", real_fire)
        statuses = sorted(status for status, _body in answers.values())
        assert statuses == [200, 409], answers
        state, version, history = _row(session, p["id"])
        loser = next(body for status, body in answers.values() if status == 409)
        winner = next(body for status, body in answers.values() if status == 200)
        assert winner["state"] == state and loser["error"]["details"]["state"] == state
        assert version == before[1] + 1 and history == before[2] + 1
