"""JSON shapes of organisation objects (shared by the API and exports)."""

from __future__ import annotations

from workflow.org.models import Authority, AwardRecord, Nominee, Unit, User


def authority_json(a: Authority) -> dict:
    return {"id": a.id, "code": a.code, "name": a.name, "kind": a.kind,
            "parent_code": a.parent.code if a.parent else None, "rule_set": a.rule_set_code}


def unit_json(u: Unit) -> dict:
    return {"id": u.id, "code": u.code, "name": u.name, "kind": u.kind, "authority_code": u.authority.code}


def user_json(u: User) -> dict:
    return {"id": u.id, "username": u.username, "full_name": u.full_name, "email": u.email, "active": u.active,
            "must_change_password": u.must_change_password,
            "roles": [{"role": r.role, "authority_code": r.authority.code if r.authority else None,
                       "unit_code": r.unit.code if r.unit else None} for r in u.roles]}


def award_record_json(r: AwardRecord) -> dict:
    return {"id": r.id, "award_type_code": r.award_type_code, "year": r.year,
            "decision_number": r.decision_number,
            "decision_date": r.decision_date.isoformat() if r.decision_date else None,
            "source": r.source, "revoked": r.revoked_at is not None}


def nominee_json(n: Nominee, with_awards: bool = True) -> dict:
    data = {"id": n.id, "kind": n.kind, "name": n.name, "authority_code": n.authority.code,
            "unit_code": n.unit.code if n.unit else None, "position": n.position,
            "birth_year": n.birth_year, "gender": n.gender, "head_name": n.head_name,
            "username": n.user.username if n.user else None}
    if with_awards:
        data["awards"] = [award_record_json(r) for r in n.awards]
    return data
