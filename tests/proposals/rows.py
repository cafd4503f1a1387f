"""Direct row builders for proposal tests that need a proposal *in* a given state (bypassing the
machine) or a history with chosen timestamps. Only the fixture side uses these; the assertions of
the tests never read their expectations from the code under test."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from workflow import vntime
from workflow.catalog.services import rule_set_for
from workflow.org.models import Nominee
from workflow.proposals.eligibility import snapshot
from workflow.proposals.models import Proposal, ProposalTransition

# states whose CHECK constraint needs the governing rule set (the snapshot taken at `accept`)
REVIEW_STATES = {"under_review", "public_notice", "in_council", "recommended", "not_recommended", "forwarded",
                 "awarded", "revoked"}

_seq = itertools.count(1)


def rule_for(session, authority, award: str, on: date | None = None) -> tuple[str, dict]:
    """(rule-set code, award-type snapshot) as `accept` would store it for ``authority``."""
    rule_set = rule_set_for(session, authority, on or vntime.today())
    award_type = next(t for t in rule_set.award_types if t.code == award)
    return rule_set.code, snapshot(award_type, rule_set)


def nominee(session, authority, unit, kind: str = "individual", name: str | None = None) -> Nominee:
    row = Nominee(kind=kind, name=name or f"Nông Văn Bảng {next(_seq)}", authority_id=authority.id,
                  unit_id=unit.id, head_name=name if kind == "household" else None)
    session.add(row)
    session.flush()
    return row


def proposal_in_state(session, *, round_, unit, state: str, award: str = "LDTT", nominee_row=None,
                      authority=None, rule: tuple[str, dict] | None = None, **columns) -> Proposal:
    """Insert a proposal sitting in ``state`` with the columns that state needs (CHECK constraints):
    returned → missing_items; rejected / revoked → reason; public_notice → notice dates; review
    states → rule_set_code / award_rule. ``columns`` override anything."""
    authority = authority or round_.authority
    nominee_row = nominee_row or nominee(session, authority, unit)
    values: dict = {"achievements": "Hoàn thành xuất sắc nhiệm vụ năm.", "version": 1}
    if state == "returned":
        # one item, already addressed (the field was edited), so `resubmit` can pass its guards
        values.update(missing_items=[{"field": "achievements", "message": "Ghi rõ thành tích"}],
                      fields_changed=["achievements"])
    if state in ("rejected", "revoked"):
        values["reason"] = "Không đủ tiêu chuẩn"
    if state == "public_notice":
        values.update(notice_from=vntime.today() - timedelta(days=10), notice_until=vntime.today() - timedelta(days=1),
                      notice_done=False)
    if state in REVIEW_STATES:
        code, award_rule = rule or rule_for(session, authority, award)
        values.update(rule_set_code=code, award_rule=award_rule)
    values.update(columns)
    proposal = Proposal(round_id=round_.id, nominee_id=nominee_row.id, award_type_code=award, unit_id=unit.id,
                        origin_authority_id=authority.id, current_authority_id=authority.id, state=state,
                        **values)
    session.add(proposal)
    session.flush()
    return proposal


def history_row(session, proposal, event: str, from_state: str, to_state: str, at: datetime,
                actor_name: str = "thuky", data: dict | None = None) -> ProposalTransition:
    row = ProposalTransition(proposal_id=proposal.id, event=event, from_state=from_state, to_state=to_state,
                             actor_name=actor_name, authority_id=proposal.current_authority_id, created_at=at,
                             data=data or {})
    session.add(row)
    session.flush()
    return row
