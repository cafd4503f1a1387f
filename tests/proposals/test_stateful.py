"""Random event sequences on a few proposals (Hypothesis stateful testing).

Each example builds its own commune (province → commune, the province outside the system, so
forwarded proposals wait for a recorded outcome), a 2025 round and four proposals: LĐTT and
CSTĐCS for the same person (the CSTĐCS prerequisite is met by the LĐTT proposal of the same round),
a Giấy khen for a household (no council vote under the rule set in force) and a provincial Bằng khen
(forwarded). Rules fire any event as the usual actor or as a random role, with plausible — sometimes
flawed — data; internal events go through ``services.transition`` with the ids the meeting,
decision and submission services pass. After every step the invariants must hold.

SQLite only (speed): the PostgreSQL run of the other proposal tests covers the backend.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import event as statistic
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tests import factories as f
from tests.conftest import _wipe
from tests.proposals import rows
from tests.proposals.test_event_table import SPEC_MOVES
from workflow import vntime
from workflow.audit.services import verify
from workflow.catalog.services import load_rule_sets
from workflow.errors import DomainError
from workflow.extensions import db
from workflow.org.models import AwardRecord, User
from workflow.proposals import attachments, services, states
from workflow.proposals.models import STATES, Proposal, ProposalTransition

ROLES = ("nominator", "secretary", "chair", "council_member", "admin")
USUAL_ACTOR = {
    "submit": "nominator", "resubmit": "nominator", "withdraw": "nominator", "return_for_changes": "secretary",
    "accept": "secretary", "reject": "chair", "publish": "secretary", "close_notice": "secretary",
    "schedule": "secretary", "pass": "chair", "fail": "chair", "skip_council": "secretary", "decide": "chair",
    "forward": "chair", "record_outcome": "secretary", "revoke": "chair",
}
ITEMS = [
    {"doc_type": "bao_cao_thanh_tich", "message": "Thiếu báo cáo thành tích"},
    {"field": "achievements", "message": "Ghi rõ thành tích năm 2025"},
    {"doc_type": "bien_ban_binh_xet", "message": ""},  # flawed: an item needs a message
]
REASONS = st.sampled_from(["", "   ", "Không đủ tiêu chuẩn"])
EVENT_DATA = {
    "return_for_changes": st.fixed_dictionaries({"items": st.lists(st.sampled_from(ITEMS), max_size=3,
                                                                   unique_by=lambda i: str(i))}),
    "reject": st.fixed_dictionaries({"reason": REASONS}),
    "revoke": st.fixed_dictionaries({"reason": REASONS}),
    "publish": st.fixed_dictionaries({"days": st.integers(-1, 12)}),
    "record_outcome": st.fixed_dictionaries({
        "outcome": st.sampled_from(["approved", "returned", "rejected", "maybe"]),
        "decision_number": st.sampled_from(["", "7/QĐ-UBND"]),
        "reason": REASONS}),
}


# the four proposals of each example and the usual path each takes
# the hamlet meeting and its posted list, recorded before a household's GĐVH is submitted
HAMLET_MEETING = {"meeting": {"held_on": "2025-11-12", "invited": 40, "present": 30, "agreed": 28},
                  "notice": {"from": "2025-11-13", "to": "2025-11-22"}}
PROPOSALS = (
    ("LDTT", ("submit", "accept", "schedule", "pass", "decide")),
    ("CSTDCS", ("submit", "accept", "schedule", "pass")),  # its decision needs the LĐTT awarded first
    ("GDVH", ("submit", "accept", "skip_council", "decide")),  # no council vote: the hamlet meeting decides
    ("BK_TINH", ("submit", "accept", "schedule", "pass", "forward")),  # the province decides (outside)
)

GOOD_DATA = {
    "return_for_changes": st.lists(st.sampled_from(ITEMS[:2]), min_size=1, max_size=2, unique_by=str).map(
        lambda items: {"items": items}),
    "revoke": st.just({"reason": "Khai man thành tích"}),
    "publish": st.integers(1, 10).map(lambda days: {"days": days}),
    "record_outcome": st.sampled_from([
        {"outcome": "approved", "decision_number": "7/QĐ-UBND", "decision_date": "2025-12-20"},
        {"outcome": "returned", "reason": "Bổ sung hồ sơ"},
        {"outcome": "rejected", "reason": "Không đủ tiêu chuẩn"}]),
}


def _real_internal(event: str, n: int) -> dict:
    """What the meeting / decision / submission services pass."""
    return {
        "schedule": {"meeting_id": n}, "pass": {"meeting_id": n}, "fail": {"meeting_id": n},
        "decide": {"decision_id": n, "decision_number": f"{n}/QĐ-UBND", "decision_date": "2025-12-20"},
        "forward": {"submission_id": n},
    }.get(event, {})


class ProposalMachine(RuleBasedStateMachine):
    app = None  # set by the test

    @initialize(stages=st.tuples(*(st.integers(0, len(path)) for _award, path in PROPOSALS)))
    def build(self, stages):
        engine = db.engine
        _wipe(engine)
        self.s = Session(engine)
        load_rule_sets(self.s)
        self.s.commit()
        province = f.authority(self.s, "T-TN", "province", name="UBND tỉnh Thái Nguyên")
        commune = f.authority(self.s, "X-DB", "commune", province, name="UBND xã Định Biên")
        hamlet = f.unit(self.s, commune, "DB-NATO", name="Xóm Nà To")
        self.users = {
            "admin": f.user(self.s, "admin", username="root_admin").id,
            "secretary": f.user(self.s, "secretary", commune, username="thuky").id,
            "chair": f.user(self.s, "chair", commune, username="chutich").id,
            "nominator": f.user(self.s, "nominator", commune, hamlet, username="truongxom").id,
            "council_member": f.user(self.s, "council_member", commune, username="uyvien").id,
        }
        secretary = self.s.get(User, self.users["secretary"])
        round_ = services.create_round(self.s, secretary, authority_code="X-DB", year=2025, kind="annual",
                                       title="Tổng kết năm 2025", nomination_deadline=date(2025, 12, 15))
        # seven LĐTT awardees of 2025 keep CSTĐCS (15 % of LĐTT) within its cap
        for i in range(7):
            other = rows.nominee(self.s, commune, hamlet, name=f"Hoàng Văn Lao {i}")
            self.s.add(AwardRecord(nominee_id=other.id, award_type_code="LDTT", year=2025,
                                   decision_number=f"{i}/QĐ-UBND", source="manual"))
        self.s.commit()
        nominator = self.s.get(User, self.users["nominator"])
        person = f.nominee(self.s, commune, hamlet, name="Ma Văn Thử")
        other_person = f.nominee(self.s, commune, hamlet, name="Lường Thị Hai")
        house = f.nominee(self.s, commune, hamlet, kind="household", name="Hộ ông Đàm Văn Ba")
        self.pids = []
        nominees = {"LDTT": person, "CSTDCS": person, "GDVH": house, "BK_TINH": other_person}
        for award, _path in PROPOSALS:
            nominee = nominees[award]
            p = services.create_proposal(self.s, nominator, round_id=round_.id, nominee_id=nominee.id,
                                         award_type_code=award, unit_code="DB-NATO",
                                         achievements="Hoàn thành xuất sắc nhiệm vụ.",
                                         evidence=HAMLET_MEETING if award == "GDVH" else None)
            self.pids.append(p.id)
        self.s.commit()  # as the requests around the services would
        self.states = {pid: "draft" for pid in self.pids}
        self.history = {pid: 0 for pid in self.pids}
        self.version = {pid: 1 for pid in self.pids}
        self.step = 0
        # start each proposal somewhere along its usual path (15 steps then reach the deep states);
        # the CSTĐCS proposal is accepted only while its LĐTT prerequisite is pending or met
        if stages[1] >= 2:
            stages = (max(stages[0], 1),) + tuple(stages[1:])
        for (_award, path), pid, stage in zip(PROPOSALS, self.pids, stages, strict=True):
            for event in path[:stage]:
                self.step += 1
                self._fire(pid, event, USUAL_ACTOR[event], {}, _real_internal(event, self.step), must=True)

    def teardown(self):
        if hasattr(self, "s"):
            self.s.close()

    def _actor(self, role: str) -> User:
        return self.s.get(User, self.users[role])

    def _snapshot(self, pid: int):
        self.s.expire_all()
        p = self.s.get(Proposal, pid)
        count = self.s.scalar(select(func.count(ProposalTransition.id)).where(ProposalTransition.proposal_id == pid))
        return p.state, p.version, count

    # --- rules ------------------------------------------------------------------------------------

    def _fire(self, pid, event, role, payload, internal, must=False):
        """Fire one event and check what it did (or that a refusal changed nothing)."""
        state0, version0, history0 = self._snapshot(pid)
        try:
            services.transition(self.s, pid, event, self._actor(role), data=dict(payload), internal=internal)
            self.s.commit()  # the machine plays the request: its unit of work commits
            ok = True
        except DomainError as exc:
            assert exc.status in (403, 404, 409, 422), exc
            assert not must, (event, exc.code, exc.details)
            self.s.rollback()
            ok = False
        state1, version1, history1 = self._snapshot(pid)
        self.states[pid] = state1
        if not ok:
            assert (state1, version1, history1) == (state0, version0, history0)
            return
        statistic(f"reached {state1}")  # shown by --hypothesis-show-statistics
        self.history[pid] += 1
        self.version[pid] += 1
        assert state0 in SPEC_MOVES[event][0] and state1 in SPEC_MOVES[event][1], (state0, event, state1)
        assert version1 == version0 + 1 and history1 == history0 + 1
        last = self.s.scalars(select(ProposalTransition).where(ProposalTransition.proposal_id == pid)
                              .order_by(ProposalTransition.id.desc())).first()
        assert (last.event, last.from_state, last.to_state) == (event, state0, state1)

    @rule(i=st.integers(0, 3), data=st.data())
    def advance(self, i, data):
        """An event the SPEC allows from the current state (not withdraw / reject), by its usual
        actor, with sound data: this is what gets proposals deep into the life cycle."""
        pid = self.pids[i]
        state = self.states[pid]
        forward_moves = sorted(e for e, (sources, _d) in SPEC_MOVES.items()
                               if state in sources and e not in ("withdraw", "reject"))
        if not forward_moves:
            return
        event = data.draw(st.sampled_from(forward_moves), label="event")
        payload = data.draw(GOOD_DATA.get(event, st.just({})), label="data")
        self.step += 1
        self._fire(pid, event, USUAL_ACTOR[event], payload, _real_internal(event, self.step))

    @rule(i=st.integers(0, 3), data=st.data())
    def fire_anything(self, i, data):
        """Any event, as the usual actor or any role, with plausible or flawed data."""
        pid = self.pids[i]
        event = data.draw(st.sampled_from(states.EVENTS), label="event")
        role = data.draw(st.sampled_from([USUAL_ACTOR[event]] * 3 + list(ROLES)), label="role")
        payload = data.draw(EVENT_DATA.get(event, st.just({})), label="data")
        self.step += 1
        internal = data.draw(st.sampled_from([_real_internal(event, self.step), {}]), label="internal")
        self._fire(pid, event, role, payload, internal)

    @precondition(lambda self: "returned" in self.states.values())
    @rule(data=st.data())
    def address_the_return(self, data):
        """The secretary ticks the paper copies asked for; the nominator edits the named fields."""
        pid = data.draw(st.sampled_from([p for p, state in self.states.items() if state == "returned"]))
        p = self.s.get(Proposal, pid)
        for item in p.missing_items or []:
            if item.get("doc_type"):
                attachments.mark_paper_received(self.s, self._actor("secretary"), pid, item["doc_type"])
                self.s.commit()  # as the request would
        if any(item.get("field") == "achievements" for item in p.missing_items or []):
            self.s.expire_all()
            p = self.s.get(Proposal, pid)
            services.edit_proposal(self.s, self._actor("nominator"), pid, version=p.version,
                                   achievements=f"Thành tích bổ sung {self.step}")
            self.s.commit()  # as the request would
            self.version[pid] += 1

    @precondition(lambda self: "public_notice" in self.states.values())
    @rule()
    def notice_periods_end(self):
        """Time passes: the notices' last day is yesterday (a date column, not the state)."""
        self.s.execute(update(Proposal).where(Proposal.id.in_(self.pids), Proposal.state == "public_notice")
                       .values(notice_until=vntime.today() - timedelta(days=1)))
        self.s.commit()

    # --- invariants -------------------------------------------------------------------------------

    @invariant()
    def states_are_known(self):
        if not hasattr(self, "pids"):
            return
        found = self.s.scalars(select(Proposal.state).where(Proposal.id.in_(self.pids))).all()
        assert len(found) == len(self.pids) and set(found) <= set(STATES)

    @invariant()
    def one_history_row_per_successful_event(self):
        if not hasattr(self, "pids"):
            return
        for pid in self.pids:
            state, version, count = self._snapshot(pid)
            assert count == self.history[pid]
            assert version == self.version[pid]
            chain = self.s.scalars(select(ProposalTransition).where(ProposalTransition.proposal_id == pid)
                                   .order_by(ProposalTransition.id)).all()
            walked = "draft"
            for row in chain:
                assert row.from_state == walked, (pid, [(r.from_state, r.to_state) for r in chain])
                walked = row.to_state
            assert walked == state

    @invariant()
    def audit_chain_verifies(self):
        if not hasattr(self, "pids"):
            return
        checked, broken = verify(self.s)
        assert broken is None and checked > 0, broken

    @invariant()
    def awarded_only_by_a_decision_or_an_outcome(self):
        if not hasattr(self, "pids"):
            return
        for pid in self.pids:
            p = self.s.get(Proposal, pid)
            if p.state not in ("awarded", "revoked"):
                continue
            into = self.s.scalars(select(ProposalTransition).where(
                ProposalTransition.proposal_id == pid, ProposalTransition.to_state == "awarded")).all()
            assert into, f"proposal {pid} is {p.state} with no transition into awarded"
            for row in into:
                by_decision = row.event == "decide"
                by_outcome = (row.event == "record_outcome" and row.data.get("outcome") == "approved"
                              and str(row.data.get("decision_number") or "").strip())
                assert by_decision or by_outcome, (row.event, row.data)
            records = self.s.scalars(select(AwardRecord).where(AwardRecord.proposal_id == pid)).all()
            assert records and all(r.decision_number not in ("", "None") for r in records)
            live = [r for r in records if r.revoked_at is None]
            assert len(live) == (1 if p.state == "awarded" else 0)


@pytest.mark.commits  # each example wipes the tables and works on sessions of its own
def test_random_event_sequences(app, backend):
    if backend != "sqlite":
        pytest.skip("the stateful run is SQLite only (speed); the PostgreSQL run covers the backend elsewhere")
    ProposalMachine.app = app
    from hypothesis.stateful import run_state_machine_as_test

    with app.app_context():
        run_state_machine_as_test(ProposalMachine, settings=settings(
            max_examples=25, stateful_step_count=15, deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                   HealthCheck.data_too_large]))
