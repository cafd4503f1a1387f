"""Who drafts, signs and sees decisions and submissions."""

from __future__ import annotations

from workflow.org.policies import is_chair, is_secretary, roles_at  # noqa: F401 (re-exported)


def can_view_authority(user, authority_id: int) -> bool:
    if user.is_deployment_admin:
        return True
    return bool(roles_at(user, authority_id) & {"secretary", "chair", "council_member", "higher_reviewer", "admin"})
