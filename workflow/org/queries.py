"""Read-side selects of the organisation for the administration screens."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.org import policies
from workflow.org.models import Authority, CouncilMember, RoleAssignment, Unit, User


def administered_authorities(session: Session, actor: User) -> list[Authority]:
    """The authorities ``actor`` administers (all for a deployment admin, else its admin subtrees)."""
    ids = policies.scope_authority_ids(session, actor, {"admin"})
    query = select(Authority).order_by(Authority.name, Authority.id)
    if ids is not None:
        if not ids:
            return []
        query = query.where(Authority.id.in_(ids))
    return list(session.scalars(query))


def authority_tree(session: Session, actor: User) -> list[tuple[Authority, int]]:
    """The administered authorities as a tree, each with its depth (0 for a root of what the actor
    sees), parents before children, siblings by kind (the highest first) then name."""
    rows = administered_authorities(session, actor)
    ids = {a.id for a in rows}
    children: dict[int | None, list[Authority]] = {}
    for authority in rows:
        parent = authority.parent_id if authority.parent_id in ids else None
        children.setdefault(parent, []).append(authority)
    order = {"central": 0, "province": 1, "district": 2, "commune": 3}
    out: list[tuple[Authority, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for node in sorted(children.get(parent, []), key=lambda a: (order.get(a.kind, 9), a.name)):
            out.append((node, depth))
            walk(node.id, depth + 1)

    walk(None, 0)
    return out


def units_of(session: Session, authority: Authority) -> list[Unit]:
    return list(session.scalars(select(Unit).where(Unit.authority_id == authority.id).order_by(Unit.name)))


def council_of(session: Session, authority: Authority) -> list[CouncilMember]:
    order = {"chair": 0, "vice_chair": 1, "secretary": 2, "member": 3}
    seats = session.scalars(select(CouncilMember).where(CouncilMember.authority_id == authority.id)).all()
    return sorted(seats, key=lambda s: (order.get(s.position, 9), s.user.full_name))


def people_of(session: Session, authority: Authority) -> list[User]:
    """The accounts holding a role at ``authority`` (who may sit on its council)."""
    return list(session.scalars(select(User).join(RoleAssignment).where(RoleAssignment.authority_id == authority.id)
                                .order_by(User.full_name, User.username)).unique())
