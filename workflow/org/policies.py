"""Who may see and change organisation data. Out-of-scope objects answer 404, never 403."""

from __future__ import annotations

from sqlalchemy import Integer, literal, select
from sqlalchemy.orm import Session

from workflow.org.models import Authority, Nominee, User
from workflow.org.vocab import Role

# roles whose scope covers the authority's whole subtree (they look down the tree)
SUBTREE_ROLES = {Role.ADMIN, Role.HIGHER_REVIEWER}


def roles_at(user, authority_id: int) -> set[str]:
    """The roles ``user`` holds at exactly this authority."""
    return {r.role for r in user.roles if r.authority_id == authority_id}


def is_secretary(user, authority_id: int) -> bool:
    return Role.SECRETARY in roles_at(user, authority_id)


def is_chair(user, authority_id: int) -> bool:
    return Role.CHAIR in roles_at(user, authority_id)


def subtree_cte(root_id: int):
    """The recursive select of ``root_id`` and every authority below it (column ``id``), to join
    into another select. ``UNION`` stops at a cycle."""
    below = select(literal(root_id, Integer).label("id")).cte("below", recursive=True)
    return below.union(select(Authority.id).join(below, Authority.parent_id == below.c.id))


def subtree_ids(session: Session, root_id: int) -> set[int]:
    """``root_id`` and every authority below it, in one recursive select (not one per level of
    the tree: every list and report of a higher level asks)."""
    return {root_id, *session.scalars(select(subtree_cte(root_id).c.id))}


def scope_authority_ids(session: Session, user: User, roles: set[str] | None = None,
                        subtree: bool = True) -> set[int] | None:
    """Authority ids whose data ``user`` may read through ``roles`` (all roles by default);
    None means every authority (a deployment admin). ``subtree=False``: only the authorities the
    roles are held at (proposals: a higher level sees only what reached it, see
    ``proposals.queries.scope_clause``)."""
    if user.is_deployment_admin:
        return None
    ids: set[int] = set()
    for assignment in user.roles:
        if roles is not None and assignment.role not in roles:
            continue
        if assignment.authority_id is None:
            continue
        if subtree and assignment.role in SUBTREE_ROLES:
            ids |= subtree_ids(session, assignment.authority_id)
        else:
            ids.add(assignment.authority_id)
    return ids


def visible_authorities(session: Session, user: User) -> list[Authority]:
    """What ``GET /authorities`` lists: the caller's scope plus the ancestors above it."""
    ids = scope_authority_ids(session, user)
    query = select(Authority).order_by(Authority.id)
    if ids is None:
        return list(session.scalars(query))
    rows = list(session.scalars(query.where(Authority.id.in_(ids))))
    seen = {a.id for a in rows}
    for authority in list(rows):
        for ancestor in authority.ancestors():
            if ancestor.id not in seen:
                seen.add(ancestor.id)
                rows.append(ancestor)
    return sorted(rows, key=lambda a: a.id)


def can_administer(session: Session, user: User, authority: Authority | None) -> bool:
    """A deployment admin administers everything; an authority's admin its subtree."""
    if user.is_deployment_admin:
        return True
    if authority is None:
        return False
    ids = scope_authority_ids(session, user, {Role.ADMIN}) or set()
    return authority.id in ids


def can_see_nominee(session: Session, user: User, nominee: Nominee) -> bool:
    if user.is_deployment_admin:
        return True
    for assignment in user.roles:
        if assignment.role == Role.NOMINATOR:
            if assignment.unit_id is not None and assignment.unit_id == nominee.unit_id:
                return True
        elif assignment.role in SUBTREE_ROLES and assignment.authority_id is not None:
            if nominee.authority_id in subtree_ids(session, assignment.authority_id):
                return True
        elif assignment.authority_id == nominee.authority_id:
            return True
    return False


def can_create_nominee(user: User, authority_id: int, unit_id: int | None) -> bool:
    """Secretaries (and admins) for their authority; nominators for their own unit only."""
    if user.is_deployment_admin:
        return True
    for assignment in user.roles:
        if assignment.role in (Role.SECRETARY, Role.ADMIN) and assignment.authority_id == authority_id:
            return True
        if assignment.role == Role.NOMINATOR and unit_id is not None and assignment.unit_id == unit_id:
            return True
    return False


def can_link_account(user: User, authority_id: int) -> bool:
    """Only the authority's secretary or admin (or a deployment admin) ties a nominee to a user
    account: the link recuses that user from every council vote on the nominee, so a nominator
    could otherwise take the chair (or any member) off an item."""
    if user.is_deployment_admin:
        return True
    return any(a.role in (Role.SECRETARY, Role.ADMIN) and a.authority_id == authority_id for a in user.roles)


def can_record_past_award(user: User, nominee: Nominee) -> bool:
    """Only the nominee's authority's secretary (or an admin) enters hand-kept award history."""
    if user.is_deployment_admin:
        return True
    return any(
        a.role in (Role.SECRETARY, Role.ADMIN) and a.authority_id == nominee.authority_id for a in user.roles
    )


def can_administer_user(session: Session, user: User, target: User) -> bool:
    """A deployment admin administers every account; an authority's admin an account all of
    whose roles lie in its subtree (so never a deployment admin's)."""
    if user.is_deployment_admin:
        return True
    return bool(target.roles) and all(
        r.authority is not None and can_administer(session, user, r.authority) for r in target.roles)


def is_administrator(user) -> bool:
    """Holds an admin role somewhere (the deployment's, or an authority's): sees the
    administration screens, each of which then scopes what it shows."""
    return user.is_deployment_admin or Role.ADMIN in user.role_names()
