"""Who may run, attend and see a council meeting."""

from __future__ import annotations


def _roles_at(user, authority_id: int) -> set[str]:
    return {r.role for r in user.roles if r.authority_id == authority_id}


def is_secretary(user, authority_id: int) -> bool:
    return "secretary" in _roles_at(user, authority_id)


def is_chair(user, authority_id: int) -> bool:
    return "chair" in _roles_at(user, authority_id)


def can_view(user, meeting) -> bool:
    """The authority's secretary, chair, council members and admins; others get 404."""
    if user.is_deployment_admin:
        return True
    return bool(_roles_at(user, meeting.authority_id) & {"secretary", "chair", "council_member", "admin"})
