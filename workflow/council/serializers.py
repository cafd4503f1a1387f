"""JSON shapes of meetings (never a member's choice)."""

from __future__ import annotations


def meeting_json(m, progress: dict | None = None) -> dict:
    data = {
        "id": m.id, "authority_code": m.authority.code, "scheduled_at": m.scheduled_at.isoformat(),
        "place": m.place, "status": m.status,
        "presiding": m.presiding.username if m.presiding else None,
        "agenda": [{"proposal_id": i.proposal_id, "nominee": i.proposal.nominee.name,
                    "award_type_code": i.proposal.award_type_code, "state": i.proposal.state,
                    "recused": [r.user.username for r in i.recusals],
                    "presiding": i.presiding.username if i.presiding else None} for i in m.items],
        "attendance": [{"username": a.user.username, "full_name": a.user.full_name, "present": a.present,
                        "written_vote": a.written_vote, "counter": a.counter} for a in m.attendance],
    }
    if progress is not None:
        data["progress"] = progress
    return data
