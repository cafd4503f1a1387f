"""Plain factory functions. Each writes through the real services where one exists, and commits as
the request around that service would (the services only flush)."""

from __future__ import annotations

import itertools

from workflow.org import services
from workflow.org.services import system_actor

PASSWORD = "Mat-khau-2024!"
_seq = itertools.count(1)


def _committed(session, obj):
    session.commit()
    return obj


def authority(session, code=None, kind="commune", parent=None, name=None, rule_set=None):
    code = code or f"A{next(_seq)}"
    return _committed(session, services.create_authority(session, system_actor(), code=code, name=name or f"UBND {code}",
                                     kind=kind, parent_code=parent.code if parent else None,
                                     rule_set=rule_set))


def unit(session, auth, code=None, kind="hamlet", name=None):
    code = code or f"U{next(_seq)}"
    return _committed(session, services.create_unit(session, system_actor(), code=code, name=name or f"Xóm {code}", kind=kind,
                                authority_code=auth.code))


def user(session, role, auth=None, unit_=None, username=None, password=PASSWORD, full_name=None):
    username = username or f"{role}{next(_seq)}"
    spec = {"role": role, "authority_code": auth.code if auth else None,
            "unit_code": unit_.code if unit_ else None}
    return _committed(session, services.create_user(session, system_actor(), username=username, password=password,
                                full_name=full_name or username.title(), roles=[spec]))


def nominee(session, auth, unit_=None, kind="individual", name="Ma Văn Thử"):
    return _committed(session, services.create_nominee(session, system_actor(), kind=kind, name=name, authority_code=auth.code,
                                   unit_code=unit_.code if unit_ else None))


def token(client, username, password=PASSWORD) -> dict:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def commune_setup(session):
    """Province → district → commune with one hamlet, and a user per role at the commune."""
    province = authority(session, "T-TN", "province", name="UBND tỉnh Thái Nguyên")
    district = authority(session, "H-DH", "district", province, name="UBND huyện Định Hóa")
    commune = authority(session, "X-DB", "commune", district, name="UBND xã Định Biên")
    hamlet = unit(session, commune, "DB-NATO", name="Xóm Nà To")
    users = {
        "admin": user(session, "admin", username="root_admin"),
        "secretary": user(session, "secretary", commune, username="thuky"),
        "chair": user(session, "chair", commune, username="chutich"),
        "nominator": user(session, "nominator", commune, hamlet, username="truongxom"),
        "council_member": user(session, "council_member", commune, username="uyvien"),
        "higher_reviewer": user(session, "higher_reviewer", district, username="huyen"),
    }
    return {"province": province, "district": district, "commune": commune, "hamlet": hamlet, "users": users}


def audit_actions(session, object_type: str, object_id) -> list[str]:
    """The audit trail's actions on one object, oldest first (read fresh from the database)."""
    from sqlalchemy import select

    from workflow.audit.models import AuditEntry

    session.expire_all()
    return list(session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == object_type,
                                                                 AuditEntry.object_id == str(object_id))
                                .order_by(AuditEntry.id)))
