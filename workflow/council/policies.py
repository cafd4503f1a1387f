"""Who may run, attend and see a council meeting."""

from __future__ import annotations

from workflow.org.policies import is_chair, is_secretary, roles_at  # noqa: F401 (re-exported)
from workflow.org.vocab import Role


def can_view(user, meeting) -> bool:
    """The authority's secretary, chair, council members and admins; others get 404."""
    if user.is_deployment_admin:
        return True
    return bool(roles_at(user, meeting.authority_id) & {Role.SECRETARY, Role.CHAIR, Role.COUNCIL_MEMBER, Role.ADMIN})
