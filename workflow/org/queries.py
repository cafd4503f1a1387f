"""Read-side selects of the organisation: the nominee list's filters and their choices, and what the
administration screens show (the authority tree, units, council seats)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from workflow.errors import Invalid, NotFound
from workflow.folding import fold
from workflow.org import policies
from workflow.org.models import NOMINEE_KINDS, Authority, CouncilMember, Nominee, RoleAssignment, Unit, User
from workflow.org.vocab import AuthorityKind, Role

NOMINEE_FILTERS = ("kind", "unit", "q")
MAX_QUERY = 100


def nominee_scope(session: Session, actor: User):
    """WHERE clause of the nominees ``actor`` may see (a nominator: its units'; others: their
    authorities' and, for subtree roles, below); None for a deployment admin, False for nobody."""
    if actor.is_deployment_admin:
        return None
    clauses = []
    for r in actor.roles:
        if r.role == Role.NOMINATOR and r.unit_id is not None:
            clauses.append(Nominee.unit_id == r.unit_id)
        elif r.role in policies.SUBTREE_ROLES and r.authority_id is not None:
            clauses.append(Nominee.authority_id.in_(policies.subtree_ids(session, r.authority_id)))
        elif r.authority_id is not None:
            clauses.append(Nominee.authority_id == r.authority_id)
    return or_(*clauses) if clauses else False


def nominee_units(session: Session, actor: User) -> list[Unit]:
    """The units the nominee list may be filtered by: the units whose nominees ``actor`` sees."""
    query = select(Unit).options(joinedload(Unit.authority)).order_by(Unit.authority_id, Unit.name, Unit.id)
    if not actor.is_deployment_admin:
        own = {r.unit_id for r in actor.roles if r.role == Role.NOMINATOR and r.unit_id}
        authorities = set()
        for r in actor.roles:
            if r.role == Role.NOMINATOR or r.authority_id is None:
                continue
            authorities |= (policies.subtree_ids(session, r.authority_id) if r.role in policies.SUBTREE_ROLES
                            else {r.authority_id})
        if not own and not authorities:
            return []
        query = query.where(or_(Unit.id.in_(own), Unit.authority_id.in_(authorities)))
    return list(session.scalars(query))


def parse_nominee_filters(session: Session, actor: User, args) -> dict:
    """``services.list_nominees`` keywords from a query string: ``Invalid`` (422) for an unknown
    kind or an over-long search, ``NotFound`` (404) for a unit out of the actor's scope."""
    raw = {k: (args.get(k) or "").strip() for k in NOMINEE_FILTERS if (args.get(k) or "").strip()}
    errors, out = {}, {}
    if "kind" in raw:
        if raw["kind"] not in NOMINEE_KINDS:
            errors["kind"] = _("Must be one of: %(values)s.", values=", ".join(NOMINEE_KINDS))
        else:
            out["kind"] = raw["kind"]
    if "q" in raw:
        if len(raw["q"]) > MAX_QUERY:
            errors["q"] = _("Search for at most %(n)d characters.", n=MAX_QUERY)
        elif fold(raw["q"]):
            out["q"] = raw["q"]
    if errors:
        raise Invalid(_("Check the list's filters."), details=errors)
    if "unit" in raw:
        unit = next((u for u in nominee_units(session, actor) if u.code == raw["unit"]), None)
        if unit is None:
            raise NotFound(_("No such unit."), details={"unit": raw["unit"]})
        out["unit"] = unit.code
    return out


def administered_authorities(session: Session, actor: User) -> list[Authority]:
    """The authorities ``actor`` administers (all for a deployment admin, else its admin subtrees)."""
    ids = policies.scope_authority_ids(session, actor, {Role.ADMIN})
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
    order = {AuthorityKind.CENTRAL: 0, AuthorityKind.PROVINCE: 1, AuthorityKind.DISTRICT: 2, AuthorityKind.COMMUNE: 3}
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
