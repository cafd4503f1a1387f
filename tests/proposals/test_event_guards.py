"""Each data guard the event table reaches, flipped both ways by the data of the case.

tests/proposals/test_event_table.py fires every (state, event, role) with one plausible set of data
and says, for the cases a role and state let through, whether the proposal moves or which guard
refuses. Here each guard gets a sibling: the same state, event and role with the one column, rule
field or event datum changed that makes the guard's condition the other way round — so a guard that
always passed, or always refused, fails a case. The expectations come from SPEC §3 and §4 (what the
rule and the data mean), never from reading the result back.

A refusal is 422 ``guard_failed`` naming the rule in its details (exactly, where the detail is not a
translated sentence; by key otherwise) and leaves the proposal as it was, with no history row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories as f
from tests.proposals import rows
from tests.proposals.test_event_table import EVENT_DATA, EVENT_INTERNAL, table  # noqa: F401  (fixture)
from workflow import vntime
from workflow.errors import DomainError
from workflow.extensions import db
from workflow.org.models import Authority, AwardRecord, User
from workflow.proposals import services, states
from workflow.proposals.models import Objection, Proposal, ProposalTransition, Round

_DEFAULT = object()


@dataclass
class Case:
    name: str
    state: str
    event: str
    role: str
    want: tuple  # ("moved", state) or ("refused", exact details dict | set of detail keys)
    data: object = _DEFAULT  # default: the table's plausible data for the event
    internal: object = _DEFAULT
    rule: dict = field(default_factory=dict)  # fields of the award rule snapshot changed for this case
    columns: dict = field(default_factory=dict)  # proposal columns changed for this case
    nominee_kind: str = "individual"
    setup: object = None  # callable(session, proposal, ids) run before the event
    where: str = "commune"  # "lone": a commune whose district nobody works at in the system


def _objection(resolved: bool):
    def add(session, proposal, _ids):
        session.add(Objection(proposal_id=proposal.id, name="Hoàng Thị Nga", contact="0912 345 678",
                              text="Thành tích chưa đúng thực tế",
                              resolution="Đã xác minh, thành tích đúng" if resolved else None))
    return add


def _award_held(code: str):
    def add(session, proposal, _ids):
        session.add(AwardRecord(nominee_id=proposal.nominee_id, award_type_code=code, year=proposal.round.year,
                                decision_number="3/QĐ-UBND", decision_date=date(2025, 3, 1), source="manual"))
    return add


def _answer_from_commune(ids):
    return {"answer_from_authority_id": ids["commune"]}


TODAY = vntime.today()
PREREQ = [{"award": ["GK_XA"], "years": 1, "ending": "same_year"}]

CASES = [
    # submit / resubmit: required_fields, items_addressed
    Case("submit-empty-achievements", "draft", "submit", "nominator", ("refused", {"achievements"}),
         columns={"achievements": "  "}),
    Case("resubmit-field-not-edited", "returned", "resubmit", "nominator",
         ("refused", {"achievements": "Ghi rõ thành tích"}), columns={"fields_changed": []}),
    Case("resubmit-document-not-uploaded", "returned", "resubmit", "secretary",
         ("refused", {"bien_ban_binh_xet": "Thiếu biên bản họp"}),
         columns={"missing_items": [{"doc_type": "bien_ban_binh_xet", "message": "Thiếu biên bản họp"}]}),
    # return_for_changes: has_missing_items
    Case("return-without-items", "submitted", "return_for_changes", "secretary", ("refused", {"items"}), data={}),
    Case("return-under-review-without-items", "under_review", "return_for_changes", "secretary",
         ("refused", {"items"}), data={"items": []}),
    # accept: hard_rules_pass (LDTT is for individuals, SPEC §3)
    Case("accept-household-for-individual-title", "submitted", "accept", "secretary",
         ("refused", {"nominee_kind"}), nominee_kind="household"),
    # reject / revoke: has_reason
    Case("reject-without-reason", "submitted", "reject", "chair", ("refused", {"reason"}), data={}),
    Case("reject-blank-reason", "recommended", "reject", "secretary", ("refused", {"reason"}),
         data={"reason": "   "}),
    Case("revoke-without-reason", "awarded", "revoke", "chair", ("refused", {"reason"}), data={}),
    # publish: notice_period (the rule's days are the floor)
    Case("publish-shorter-than-rule", "under_review", "publish", "secretary", ("refused", {"days"}),
         rule={"notice_days": 10}, data={"days": 7}),
    Case("publish-rule-days-by-default", "under_review", "publish", "secretary", ("moved", "public_notice"),
         rule={"notice_days": 10}, data={}),
    # close_notice: notice_over, objections_resolved
    Case("close-notice-still-running", "public_notice", "close_notice", "secretary",
         ("refused", {"notice_until": (TODAY + timedelta(days=3)).isoformat()}),
         columns={"notice_until": TODAY + timedelta(days=3)}),
    Case("close-notice-open-objection", "public_notice", "close_notice", "secretary", ("refused", {"objections"}),
         setup=_objection(resolved=False)),
    Case("close-notice-objection-resolved", "public_notice", "close_notice", "secretary",
         ("moved", "under_review"), setup=_objection(resolved=True)),
    # schedule: needs_council, notice_done, hard_rules_pass, via_meeting
    Case("schedule-award-without-council", "under_review", "schedule", "secretary",
         ("refused", {"award_type_code": "no council vote"}), rule={"council_vote": False}),
    Case("schedule-before-the-notice", "under_review", "schedule", "secretary", ("refused", {"notice"}),
         rule={"notice_days": 10}, columns={"notice_done": False}),
    Case("schedule-after-the-notice", "under_review", "schedule", "secretary", ("moved", "in_council"),
         rule={"notice_days": 10}, columns={"notice_done": True}),
    Case("schedule-household-for-individual-title", "under_review", "schedule", "secretary",
         ("refused", {"nominee_kind"}), nominee_kind="household"),
    Case("schedule-not-through-a-meeting", "under_review", "schedule", "secretary",
         ("refused", {"event": "meeting only"}), internal={}),
    # skip_council: no_council (and notice_done)
    Case("skip-council-award-without-council", "under_review", "skip_council", "secretary",
         ("moved", "recommended"), rule={"council_vote": False}),
    Case("skip-council-before-the-notice", "under_review", "skip_council", "secretary", ("refused", {"notice"}),
         rule={"council_vote": False, "notice_days": 10}, columns={"notice_done": False}),
    # pass / fail: via_meeting
    Case("pass-not-through-a-meeting", "in_council", "pass", "chair", ("refused", {"event": "meeting only"}),
         internal={}),
    Case("fail-not-through-a-meeting", "in_council", "fail", "chair", ("refused", {"event": "meeting only"}),
         internal={}),
    # decide: via_decision, within_power, prerequisites_met
    Case("decide-not-by-a-decision", "recommended", "decide", "chair", ("refused", {"event": "decision only"}),
         internal={}),
    Case("decide-above-the-commune", "recommended", "decide", "chair",
         ("refused", {"award_type_code": "above this authority"}), rule={"deciding_level": "province"}),
    Case("decide-prerequisite-missing", "recommended", "decide", "chair", ("refused", {"prerequisite"}),
         rule={"prerequisites": PREREQ}),
    Case("decide-prerequisite-held", "recommended", "decide", "chair", ("moved", "awarded"),
         rule={"prerequisites": PREREQ}, setup=_award_held("GK_XA")),
    # forward: via_submission, above_power, parent_in_system (routing)
    Case("forward-not-by-a-submission", "recommended", "forward", "chair",
         ("refused", {"event": "submission only"}), internal={}, rule={"deciding_level": "district"}),
    Case("forward-to-a-district-in-the-system", "recommended", "forward", "chair", ("moved", "submitted"),
         rule={"deciding_level": "district"}),
    Case("forward-to-a-district-on-paper", "recommended", "forward", "chair", ("moved", "forwarded"),
         rule={"deciding_level": "district"}, where="lone"),
    Case("forward-prerequisite-missing", "recommended", "forward", "chair", ("refused", {"prerequisite"}),
         rule={"deciding_level": "district", "prerequisites": PREREQ}),
    # record_outcome on paper (forwarded): the outcome guards
    Case("outcome-missing", "forwarded", "record_outcome", "secretary", ("refused", {"outcome"}), data={}),
    Case("outcome-approved-without-number", "forwarded", "record_outcome", "secretary",
         ("refused", {"decision_number"}), data={"outcome": "approved"}),
    Case("outcome-returned", "forwarded", "record_outcome", "secretary", ("moved", "recommended"),
         data={"outcome": "returned", "reason": "Bổ sung biên bản họp"}),
    Case("outcome-returned-without-reason", "forwarded", "record_outcome", "secretary", ("refused", {"reason"}),
         data={"outcome": "returned"}),
    Case("outcome-rejected", "forwarded", "record_outcome", "secretary", ("moved", "rejected"),
         data={"outcome": "rejected", "reason": "Không đủ tiêu chuẩn"}),
    Case("outcome-rejected-without-reason", "forwarded", "record_outcome", "secretary", ("refused", {"reason"}),
         data={"outcome": "rejected"}),
    # record_outcome in-system: answers_submission (then the outcome and, approved, within_power)
    Case("answer-approved", "submitted", "record_outcome", "secretary", ("moved", "awarded"),
         internal=_answer_from_commune),
    Case("answer-returned", "under_review", "record_outcome", "secretary", ("moved", "recommended"),
         internal=_answer_from_commune, data={"outcome": "returned", "reason": "Bổ sung hồ sơ"}),
    Case("answer-approved-above-power", "recommended", "record_outcome", "secretary",
         ("refused", {"award_type_code": "above this authority"}), internal=_answer_from_commune,
         rule={"deciding_level": "province"}),
]


@pytest.fixture(scope="module")
def world(table):  # noqa: F811  (the fixture imported above)
    """The table's commune, plus a commune whose district works on paper (no user there)."""
    app, ids = table
    with app.app_context(), Session(db.engine) as s:
        province = s.scalar(select(Authority).where(Authority.code == "T-TN"))
        district = f.authority(s, "H-VANG", "district", province, name="UBND huyện Vắng")
        lone = f.authority(s, "X-VANG", "commune", district, name="UBND xã Vắng")
        f.unit(s, lone, "VANG-1", name="Xóm Một")
        chair = f.user(s, "chair", lone, username="chutich_vang")
        round_ = Round(authority_id=lone.id, year=2025, kind="annual", title="Năm 2025",
                       nomination_deadline=date(2025, 12, 15))
        s.add(round_)
        s.commit()
        commune = s.get(Round, ids["round"]).authority_id
        extra = {"commune": commune, "lone_round": round_.id, "lone_chair": chair.id}
    return app, {**ids, **extra}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_guard_both_ways(world, case):
    app, ids = world
    assert case.event in states.EVENTS
    with app.app_context(), Session(db.engine) as s:
        round_ = s.get(Round, ids["lone_round"] if case.where == "lone" else ids["round"])
        unit = round_.authority.units[0]
        code, snap = ids["rule"]
        nominee = rows.nominee(s, round_.authority, unit, kind=case.nominee_kind)
        rule = {**snap, **case.rule}
        columns = dict(case.columns)
        if case.state == "submitted":  # the first submit took the rule snapshot (SPEC §3)
            columns.update(rule_set_code=code, award_rule=rule)
        proposal = rows.proposal_in_state(s, round_=round_, unit=unit, state=case.state, nominee_row=nominee,
                                          rule=(code, rule), **columns)
        if case.setup:
            case.setup(s, proposal, ids)
        s.commit()
        pid = proposal.id
        actor = s.get(User, ids["lone_chair"] if case.where == "lone" else ids["users"][case.role])
        data = dict(EVENT_DATA.get(case.event, {})) if case.data is _DEFAULT else dict(case.data)
        internal = case.internal
        internal = (dict(EVENT_INTERNAL.get(case.event, {})) if internal is _DEFAULT
                    else internal(ids) if callable(internal) else dict(internal))
        kind, what = case.want
        try:
            moved = services.transition(s, pid, case.event, actor, data=data, internal=internal)
            outcome = ("moved", moved.state)
            s.commit()  # as the request's unit of work commits a success …
        except DomainError as exc:
            outcome = (exc.code, exc.details)
            s.rollback()  # … and rolls back a refusal
        s.expire_all()
        after = s.get(Proposal, pid)
        history = s.scalar(select(func.count(ProposalTransition.id)).where(ProposalTransition.proposal_id == pid))
        if kind == "moved":
            assert outcome == ("moved", what)
            assert (after.state, after.version, history) == (what, 2, 1)
            if case.name == "forward-to-a-district-in-the-system":
                assert after.current_authority.code == "H-DH"  # re-entered `submitted` at the district
            if case.name == "forward-to-a-district-on-paper":
                assert after.current_authority.code == "X-VANG"  # waits at the sender
            if case.name == "publish-rule-days-by-default":
                assert (after.notice_from, after.notice_until) == (TODAY, TODAY + timedelta(days=9))
            return
        assert outcome[0] == "guard_failed", outcome
        details = outcome[1]
        if isinstance(what, dict):
            assert details == what
        else:
            assert set(details) == what, details
        assert (after.state, after.version, history) == (case.state, 1, 0)
