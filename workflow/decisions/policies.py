"""Who drafts, signs and sees decisions and submissions."""

from __future__ import annotations


def _roles_at(user, authority_id: int) -> set[str]:
    return {r.role for r in user.roles if r.authority_id == authority_id}


def is_secretary(user, authority_id: int) -> bool:
    return "secretary" in _roles_at(user, authority_id)


def is_chair(user, authority_id: int) -> bool:
    return "chair" in _roles_at(user, authority_id)


def can_view_authority(user, authority_id: int) -> bool:
    if user.is_deployment_admin:
        return True
    return bool(_roles_at(user, authority_id) & {"secretary", "chair", "council_member", "higher_reviewer", "admin"})
