"""Read-side selects of the report screens."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.org.models import Authority, User
from workflow.org.policies import scope_authority_ids, subtree_ids
from workflow.org.vocab import Role
from workflow.proposals.models import Round
from workflow.reports.policies import REPORT_ROLES


def readable_authorities(session: Session, actor: User) -> list[Authority]:
    """The authorities whose report ``actor`` reads (``policies.can_read_report``), by name: where
    it is secretary or chair, and every authority of its admin scope."""
    admin_ids = scope_authority_ids(session, actor, {Role.ADMIN})
    query = select(Authority).order_by(Authority.name, Authority.code)
    if admin_ids is not None:
        ids = admin_ids | {r.authority_id for r in actor.roles if r.role in REPORT_ROLES and r.authority_id}
        query = query.where(Authority.id.in_(ids))
    return list(session.scalars(query))


def round_years(session: Session, authority: Authority) -> list[int]:
    """The years of the rounds of the authority and of those below it (whose proposals reach it),
    newest first: the years its report can show."""
    ids = subtree_ids(session, authority.id)
    return list(session.scalars(select(Round.year).where(Round.authority_id.in_(ids)).distinct()
                                .order_by(Round.year.desc())))
