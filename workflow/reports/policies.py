"""Who reads an authority's reports (báo cáo): its secretary and its chair (SPEC §10), and the admins
of its scope. Everyone else — nominators, council members, other authorities' staff, higher
reviewers — gets 404, so the answer never tells that the authority exists."""

from __future__ import annotations

from sqlalchemy.orm import Session

from workflow.org.models import Authority, User
from workflow.org.policies import can_administer, roles_at
from workflow.org.vocab import Role

REPORT_ROLES = {Role.SECRETARY, Role.CHAIR}


def can_read_report(session: Session, user: User, authority: Authority) -> bool:
    """The secretary or chair of ``authority``, or an admin whose scope covers it."""
    return bool(roles_at(user, authority.id) & REPORT_ROLES) or can_administer(session, user, authority)
