"""Who may read and change reminder policies."""

from __future__ import annotations

from workflow.org.vocab import Role


def can_read_policies(user) -> bool:
    """Any administrator reads the reminder policies."""
    return Role.ADMIN in user.role_names()


def can_edit_policies(user) -> bool:
    """Policies are deployment-wide: only the deployment's administrator changes them."""
    return user.is_deployment_admin
