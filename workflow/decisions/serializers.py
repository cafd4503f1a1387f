"""JSON shapes of decisions and submissions."""

from __future__ import annotations

from workflow.cash.services import cash_note


def decision_json(d) -> dict:
    return {
        "id": d.id, "authority_code": d.authority.code, "award_type_code": d.award_type_code, "status": d.status,
        "number": d.number, "date": d.signed_on.isoformat() if d.signed_on else None,
        "signer": d.signer.full_name if d.signer else None, "cash_total": int(d.cash_total or 0),
        "base_salary_vnd": d.base_salary_vnd,
        "proposal_ids": [i.proposal_id for i in d.items],
        "items": [{"proposal_id": i.proposal_id, "nominee": i.proposal.nominee.name,
                   "nominee_kind": i.proposal.nominee.kind, "cash_amount": int(i.cash_amount or 0),
                   # the award's own amount, and why less is paid (another title of the same year)
                   "cash_full": int(i.cash_full if i.cash_full is not None else i.cash_amount or 0),
                   "cash_paid_before": int(i.cash_paid_before or 0), "cash_note": cash_note(i),
                   "state": i.proposal.state} for i in d.items],
    }


def submission_json(s) -> dict:
    return {
        "id": s.id, "from_authority_code": s.from_authority.code, "to_authority_code": s.to_authority.code,
        "status": s.status, "number": s.number, "date": s.sent_on.isoformat() if s.sent_on else None,
        "proposal_ids": [i.proposal_id for i in s.items],
        "items": [{"proposal_id": i.proposal_id, "nominee": i.proposal.nominee.name,
                   "award_type_code": i.proposal.award_type_code, "state": i.proposal.state,
                   "outcome": i.outcome, "decision_number": i.decision_number,
                   "decision_date": i.decision_date.isoformat() if i.decision_date else None,
                   "reason": i.reason} for i in s.items],
    }
