"""JSON shapes of decisions and submissions."""

from __future__ import annotations


def decision_json(d) -> dict:
    return {
        "id": d.id, "authority_code": d.authority.code, "award_type_code": d.award_type_code, "status": d.status,
        "number": d.number, "date": d.signed_on.isoformat() if d.signed_on else None,
        "signer": d.signer.full_name if d.signer else None, "cash_total": int(d.cash_total or 0),
        "proposal_ids": [i.proposal_id for i in d.items],
        "items": [{"proposal_id": i.proposal_id, "nominee": i.proposal.nominee.name,
                   "nominee_kind": i.proposal.nominee.kind, "cash_amount": int(i.cash_amount or 0),
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
