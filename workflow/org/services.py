"""Changes to the organisation: authorities, units, users and roles, councils, nominees, past awards.

Each public function takes the acting user, checks the policy, validates every field before
writing anything, appends to the audit log and commits once.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflow import vntime
from workflow.audit import services as audit
from workflow.auth.passwords import check_new_password
from workflow.auth.services import hash_password, set_password
from workflow.catalog.models import AwardType
from workflow.errors import Conflict, Forbidden, NotFound, field_error
from workflow.org import policies
from workflow.org.labels import AUTHORITY_KIND_LABELS, NOMINEE_KIND_LABELS
from workflow.org.models import (
    AUTHORITY_KINDS,
    COUNCIL_POSITIONS,
    GENDERS,
    NOMINEE_KINDS,
    ROLES,
    UNIT_KINDS,
    Authority,
    AwardRecord,
    CouncilMember,
    Nominee,
    RoleAssignment,
    Unit,
    User,
)
from workflow.org.vocab import NomineeKind, Role

# commune < district < province < central: a child sits strictly lower than its parent
LEVEL = {kind: i for i, kind in enumerate(AUTHORITY_KINDS)}


def _flush(session: Session, field: str, message: str) -> None:
    """Flush; a unique-key race that slipped past the checks becomes a field error (the caller's
    boundary rolls the transaction back)."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise field_error(field, message) from exc


def authority_by_code(session: Session, code: str | None, field: str = "authority_code") -> Authority:
    authority = session.scalar(select(Authority).where(Authority.code == code)) if code else None
    if authority is None:
        if code and session.scalar(select(Unit.id).where(Unit.code == code)):
            raise field_error(field, _("%(code)s is a unit, not an authority.", code=code))
        raise field_error(field, _("Unknown authority: %(code)s.", code=code or ""))
    return authority


def unit_by_code(session: Session, code: str | None, field: str = "unit_code") -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code)) if code else None
    if unit is None:
        raise field_error(field, _("Unknown unit: %(code)s.", code=code or ""))
    return unit


def _check_kind(field: str, value: str, allowed) -> None:
    if value not in allowed:
        raise field_error(field, _("Must be one of: %(values)s.", values=", ".join(allowed)))


def _check_code_free(session: Session, code: str) -> None:
    if session.scalar(select(Authority.id).where(Authority.code == code)) or session.scalar(
        select(Unit.id).where(Unit.code == code)
    ):
        raise field_error("code", _("The code %(code)s is already in use.", code=code))


def _check_parent(child_kind: str, parent: Authority | None) -> None:
    if parent is not None and LEVEL[parent.kind] <= LEVEL[child_kind]:
        raise field_error(
            "parent_code",
            _("A %(child)s cannot sit under a %(parent)s.", child=AUTHORITY_KIND_LABELS[child_kind],
              parent=AUTHORITY_KIND_LABELS[parent.kind]),
        )


def _check_rule_set(session: Session, code: str | None) -> None:
    from workflow.catalog.models import RuleSet

    if code and not session.scalar(select(RuleSet.id).where(RuleSet.code == code)):
        raise field_error("rule_set", _("Unknown rule set: %(code)s.", code=code))


def create_authority(session: Session, actor: User, *, code: str, name: str, kind: str,
                     parent_code: str | None = None, rule_set: str | None = None) -> Authority:
    """Add an authority (cấp chính quyền) to the tree. Admin of the parent (or of the deployment)."""
    _check_kind("kind", kind, AUTHORITY_KINDS)
    parent = authority_by_code(session, parent_code, "parent_code") if parent_code else None
    if not policies.can_administer(session, actor, parent):
        raise Forbidden(_("Only an administrator of the parent authority may add an authority."))
    _check_code_free(session, code)
    _check_parent(kind, parent)
    _check_rule_set(session, rule_set)
    authority = Authority(code=code, name=name, kind=kind, parent=parent, rule_set_code=rule_set)
    session.add(authority)
    session.flush()
    audit.record(session, chain=code, actor=actor, action="authority.create", object_type="authority",
                 object_id=authority.id, data={"code": code, "name": name, "kind": kind,
                                                "parent": parent_code, "rule_set": rule_set})
    _flush(session, "code", _("The code %(code)s is already in use.", code=code))
    return authority


def update_authority(session: Session, actor: User, authority: Authority, *, name: str | None = None,
                     parent_code: str | None = None, rule_set: str | None = None,
                     clear_rule_set: bool = False) -> Authority:
    """Rename, move (e.g. communes re-parented when districts close) or pin a rule set."""
    if not policies.can_administer(session, actor, authority):
        raise NotFound(_("Unknown authority: %(code)s.", code=authority.code))
    changes: dict = {}
    if parent_code is not None:
        parent = authority_by_code(session, parent_code, "parent_code")
        if parent.id == authority.id or authority in parent.ancestors():
            raise field_error("parent_code", _("That parent would make a cycle in the authority tree."))
        _check_parent(authority.kind, parent)
        if not policies.can_administer(session, actor, parent):
            raise field_error("parent_code", _("Unknown authority: %(code)s.", code=parent_code))
        changes["parent"] = parent_code
        authority.parent = parent
    if name:
        changes["name"] = name
        authority.name = name
    if rule_set or clear_rule_set:
        _check_rule_set(session, rule_set)
        changes["rule_set"] = rule_set
        authority.rule_set_code = rule_set or None
    audit.record(session, chain=authority.code, actor=actor, action="authority.update",
                 object_type="authority", object_id=authority.id, data=changes)
    session.flush()
    return authority


def create_unit(session: Session, actor: User, *, code: str, name: str, kind: str,
                authority_code: str) -> Unit:
    """Add a unit (đơn vị) under an authority — never under another unit."""
    _check_kind("kind", kind, UNIT_KINDS)
    authority = authority_by_code(session, authority_code)
    if not policies.can_administer(session, actor, authority):
        raise field_error("authority_code", _("Unknown authority: %(code)s.", code=authority_code))
    _check_code_free(session, code)
    unit = Unit(code=code, name=name, kind=kind, authority=authority)
    session.add(unit)
    session.flush()
    audit.record(session, chain=authority.code, actor=actor, action="unit.create", object_type="unit",
                 object_id=unit.id, data={"code": code, "name": name, "kind": kind})
    _flush(session, "code", _("The code %(code)s is already in use.", code=code))
    return unit


def update_unit(session: Session, actor: User, unit: Unit, *, name: str | None = None,
                kind: str | None = None) -> Unit:
    """Rename a unit or change its kind (admin of its authority). Its code and authority stay:
    its nominees, proposals and nominators hang on them. 404 out of scope. Commits."""
    if not policies.can_administer(session, actor, unit.authority):
        raise NotFound(_("Unknown unit: %(code)s.", code=unit.code))
    if kind is not None:
        _check_kind("kind", kind, UNIT_KINDS)
    changes = {}
    if name and name != unit.name:
        changes["name"] = unit.name = name
    if kind and kind != unit.kind:
        changes["kind"] = unit.kind = kind
    if changes:
        audit.record(session, chain=unit.authority.code, actor=actor, action="unit.update", object_type="unit",
                     object_id=unit.id, data={"code": unit.code, **changes})
    session.flush()
    return unit


def _role_rows(session: Session, actor: User, roles: list[dict]) -> list[RoleAssignment]:
    """Validate a list of ``{role, authority_code?, unit_code?}`` into rows (nothing added yet)."""
    rows = []
    for i, spec in enumerate(roles):
        field = f"roles.{i}"
        role = spec.get("role")
        _check_kind(f"{field}.role", role, ROLES)
        authority = None
        if spec.get("authority_code"):
            authority = authority_by_code(session, spec["authority_code"], f"{field}.authority_code")
        elif role != Role.ADMIN:
            raise field_error(f"{field}.authority_code", _("This role needs an authority."))
        if not policies.can_administer(session, actor, authority):
            if authority is None:
                raise Forbidden(_("Only a deployment administrator may create another one."))
            raise field_error(f"{field}.authority_code",
                              _("Unknown authority: %(code)s.", code=spec["authority_code"]))
        unit = None
        if spec.get("unit_code"):
            unit = unit_by_code(session, spec["unit_code"], f"{field}.unit_code")
            if authority is None or unit.authority_id != authority.id:
                raise field_error(f"{field}.unit_code",
                                  _("Unit %(unit)s does not belong to that authority.", unit=unit.code))
        elif role == Role.NOMINATOR:
            raise field_error(f"{field}.unit_code", _("A nominator must be attached to a unit."))
        rows.append(RoleAssignment(role=role, authority=authority, unit=unit))
    return rows


def create_user(session: Session, actor: User | None, *, username: str, password: str, full_name: str,
                email: str | None = None, roles: list[dict] | None = None,
                locale: str = "vi") -> User:
    """Create an account with its roles. ``actor`` None is the CLI bootstrapping the first admin."""
    username = (username or "").strip()
    if not username:
        raise field_error("username", _("A username is required."))
    if session.scalar(select(User.id).where(User.username == username)):
        raise field_error("username", _("The username %(name)s is already taken.", name=username))
    check_new_password(password)
    if not roles:
        raise field_error("roles", _("Give the user at least one role."))
    system = _SystemActor() if actor is None else actor
    rows = _role_rows(session, system, roles)
    user = User(username=username, password_hash=hash_password(password), full_name=full_name or username,
                email=email or None, locale=locale, roles=rows)
    session.add(user)
    session.flush()
    chain = rows[0].authority.code if rows[0].authority else None
    audit.record(session, chain=chain, actor=actor, action="user.create", object_type="user",
                 object_id=user.id, data={"username": username, "roles": [
                     {"role": r.role, "authority": r.authority.code if r.authority else None,
                      "unit": r.unit.code if r.unit else None} for r in rows]})
    _flush(session, "username", _("The username %(name)s is already taken.", name=username))
    return user


def set_user_roles(session: Session, actor: User, user_id: int, roles: list[dict]) -> User:
    """Replace an account's roles (``[{role, authority_code?, unit_code?}]``, checked as at
    creation). The actor must administer the account as it is and every role it gets, so an
    authority's admin never hands out a role above its subtree. Not one's own roles (409): an admin
    cannot lock itself out. Roles are read on every request, so the change applies at once. Commits."""
    user = session.get(User, user_id)
    if user is None or not policies.can_administer_user(session, actor, user):
        raise NotFound(_("Unknown user: %(id)s.", id=user_id))
    if user.id == actor.id:
        raise Conflict(_("You cannot change your own roles."))
    if not roles:
        raise field_error("roles", _("Give the user at least one role."))
    rows = _role_rows(session, actor, roles)
    keys = [(r.role, r.authority.id if r.authority else None, r.unit.id if r.unit else None) for r in rows]
    if len(set(keys)) != len(keys):
        raise field_error("roles", _("A role is listed twice."))
    before = [{"role": r.role, "authority": r.authority.code if r.authority else None,
               "unit": r.unit.code if r.unit else None} for r in user.roles]
    user.roles.clear()
    session.flush()  # the old rows go before the new ones meet the unique key
    user.roles.extend(rows)
    chain = rows[0].authority.code if rows[0].authority else None
    audit.record(session, chain=chain, actor=actor, action="user.roles", object_type="user", object_id=user.id,
                 data={"username": user.username, "before": before, "after": [
                     {"role": r.role, "authority": r.authority.code if r.authority else None,
                      "unit": r.unit.code if r.unit else None} for r in rows]})
    session.flush()
    return user


class _SystemActor:
    """The CLI acting with full rights (only ``tdkt user create`` and ``demo load`` use it)."""

    id = None
    username = "system"
    roles: list = []
    is_deployment_admin = True


def system_actor() -> _SystemActor:
    return _SystemActor()


def set_council(session: Session, actor: User, authority_code: str, members: list[dict]) -> list[CouncilMember]:
    """Replace an authority's council (Hội đồng TĐKT): ``[{username, position}]``, one chair at most."""
    authority = authority_by_code(session, authority_code, "authority_code")
    if not policies.can_administer(session, actor, authority):
        raise NotFound(_("Unknown authority: %(code)s.", code=authority_code))
    if not members:
        raise field_error("members", _("A council needs at least one member."))
    seats, seen = [], set()
    for i, spec in enumerate(members):
        _check_kind(f"members.{i}.position", spec.get("position"), COUNCIL_POSITIONS)
        user = session.scalar(select(User).where(User.username == spec.get("username")))
        if user is None:
            raise field_error(f"members.{i}.username", _("Unknown user: %(name)s.", name=spec.get("username")))
        if user.id in seen:
            raise field_error(f"members.{i}.username", _("%(name)s is listed twice.", name=user.username))
        if not any(r.authority_id == authority.id for r in user.roles):
            raise field_error(f"members.{i}.username",
                              _("%(name)s holds no role at this authority.", name=user.username))
        seen.add(user.id)
        seats.append((user, spec["position"]))
    if sum(1 for _u, p in seats if p == "chair") > 1:
        raise field_error("members", _("A council has only one chair."))
    if sum(1 for _u, p in seats if p == "secretary") > 1:
        raise field_error("members", _("A council has only one secretary."))
    for seat in session.scalars(select(CouncilMember).where(CouncilMember.authority_id == authority.id)):
        session.delete(seat)
    session.flush()
    rows = [CouncilMember(authority=authority, user=u, position=p) for u, p in seats]
    session.add_all(rows)
    audit.record(session, chain=authority.code, actor=actor, action="council.set", object_type="authority",
                 object_id=authority.id, data={"members": [{"username": u.username, "position": p}
                                                           for u, p in seats]})
    session.flush()
    return rows


def _check_nominee_fields(name: str | None, gender: str | None, birth_year: int | None) -> None:
    if name is not None and not name.strip():
        raise field_error("name", _("A name is required."))
    if gender is not None and gender not in GENDERS:
        raise field_error("gender", _("Must be one of: %(values)s.", values=", ".join(GENDERS)))
    if birth_year is not None and not 1900 < birth_year <= vntime.today().year:
        raise field_error("birth_year", _("The birth year must lie between 1901 and %(y)d.", y=vntime.today().year))


def create_nominee(session: Session, actor: User, *, kind: str, name: str, authority_code: str,
                   unit_code: str | None = None, position: str | None = None,
                   birth_year: int | None = None, gender: str | None = None,
                   head_name: str | None = None, username: str | None = None) -> Nominee:
    """Register a nominee (đối tượng). Nominators only for their own unit."""
    _check_kind("kind", kind, NOMINEE_KINDS)
    _check_nominee_fields(name or "", gender, birth_year)
    authority = authority_by_code(session, authority_code)
    unit = unit_by_code(session, unit_code) if unit_code else None
    if unit is not None and unit.authority_id != authority.id:
        raise field_error("unit_code", _("Unit %(unit)s does not belong to that authority.", unit=unit.code))
    if kind == NomineeKind.HOUSEHOLD and unit is None:
        raise field_error("unit_code", _("A household needs its hamlet (unit_code)."))
    if not policies.can_create_nominee(actor, authority.id, unit.id if unit else None):
        if unit is not None and any(r.role == Role.NOMINATOR for r in actor.roles):
            raise field_error("unit_code", _("Unknown unit: %(code)s.", code=unit.code))
        raise Forbidden(_("You may not register nominees for this authority."))
    linked = None
    if username is not None:
        if not policies.can_link_account(actor, authority.id):
            raise field_error("username", _("Only the secretary or an administrator of the authority links a "
                                            "nominee to a user account."))
        linked = account_in_scope(session, authority, username)
    nominee = Nominee(kind=kind, name=name.strip(), authority=authority, unit=unit, position=position,
                      birth_year=birth_year, gender=gender, head_name=head_name,
                      user_id=linked.id if linked else None)
    session.add(nominee)
    session.flush()
    audit.record(session, chain=authority.code, actor=actor, action="nominee.create", object_type="nominee",
                 object_id=nominee.id, data={"kind": kind, "name": nominee.name,
                                             "unit": unit.code if unit else None,
                                             "account": linked.username if linked else None})
    session.flush()
    return nominee


def account_in_scope(session: Session, authority: Authority, username: str) -> User:
    """The user called ``username`` if they hold a role at ``authority`` or sit on its council.

    An unknown name and a name out of scope (another commune's user) get the same 422 on
    ``username``, word for word: the answer never tells whether a user name exists."""
    user = session.scalar(select(User).where(User.username == username))
    in_scope = user is not None and (
        any(r.authority_id == authority.id for r in user.roles)
        or session.scalar(select(CouncilMember.id).where(CouncilMember.authority_id == authority.id,
                                                         CouncilMember.user_id == user.id)) is not None)
    if not in_scope:
        raise field_error("username", _("No user of this authority has that user name."))
    return user


def link_account(session: Session, actor: User, nominee_id: int, username: str | None) -> Nominee:
    """Tie a nominee to the user account of the person (or household head) it is, or untie it
    with ``None`` (secretary or admin of the nominee's authority). The link drives council
    recusal. 404 for a nominee out of scope, 403 for another role, 422 (always the same) for a
    user name unknown or out of the authority's scope."""
    nominee = get_nominee(session, actor, nominee_id)
    if not policies.can_link_account(actor, nominee.authority_id):
        raise Forbidden(_("Only the secretary or an administrator of the authority links a nominee to a user "
                          "account."))
    linked = account_in_scope(session, nominee.authority, username) if username is not None else None
    nominee.user_id = linked.id if linked else None
    audit.record(session, chain=nominee.authority.code, actor=actor, action="nominee.link", object_type="nominee",
                 object_id=nominee.id, data={"account": linked.username if linked else None})
    session.flush()
    session.refresh(nominee)
    return nominee


def get_nominee(session: Session, actor: User, nominee_id: int) -> Nominee:
    """The nominee if ``actor`` may see it; 404 otherwise (also when out of scope)."""
    nominee = session.get(Nominee, nominee_id)
    if nominee is None or not policies.can_see_nominee(session, actor, nominee):
        raise NotFound(_("Unknown nominee: %(id)s.", id=nominee_id))
    return nominee


def add_past_award(session: Session, actor: User, nominee_id: int, *, award_type_code: str, year: int,
                   decision_number: str, decision_date: date | None = None) -> AwardRecord:
    """Enter an award received before the system (feeds eligibility only, never the reports)."""
    nominee = get_nominee(session, actor, nominee_id)
    if not policies.can_record_past_award(actor, nominee):
        raise Forbidden(_("Only the secretary may enter past awards."))
    known = session.scalars(select(AwardType).where(AwardType.code == award_type_code).limit(1)).first()
    if known is None:
        raise field_error("award_type_code", _("Unknown award type: %(code)s.", code=award_type_code))
    if nominee.kind not in known.nominee_kinds:
        raise field_error("award_type_code", _("This award cannot be given to a %(kind)s.",
                                               kind=NOMINEE_KIND_LABELS[nominee.kind]))
    this_year = vntime.today().year
    if not 1945 < year <= this_year:
        raise field_error("year", _("The year must lie between 1946 and %(y)d.", y=this_year))
    if not (decision_number or "").strip():
        raise field_error("decision_number", _("The decision number is required."))
    duplicate = session.scalar(select(AwardRecord.id).where(
        AwardRecord.nominee_id == nominee.id, AwardRecord.award_type_code == award_type_code,
        AwardRecord.year == year, AwardRecord.decision_number == decision_number.strip()))
    if duplicate:
        raise field_error("decision_number", _("This award is already in the history."))
    record = AwardRecord(nominee=nominee, award_type_code=award_type_code, year=year,
                         decision_number=decision_number.strip(), decision_date=decision_date,
                         source="manual", recorded_by_id=actor.id)
    session.add(record)
    session.flush()
    audit.record(session, chain=nominee.authority.code, actor=actor, action="award_record.create",
                 object_type="nominee", object_id=nominee.id,
                 data={"award": award_type_code, "year": year, "decision_number": record.decision_number})
    _flush(session, "decision_number", _("This award is already in the history."))
    return record


def set_user_active(session: Session, actor: User, user_id: int, active: bool) -> User:
    """Disable (or enable again) an account (admin). Disabling ends every session and revokes
    every API token of the user, so enabling it later does not bring an old cookie or token back.

    404 for an account outside the actor's administration; 409 for the actor's own account.
    Commits.
    """
    from workflow.auth.services import end_every_session

    user = session.get(User, user_id)
    if user is None or not policies.can_administer_user(session, actor, user):
        raise NotFound(_("Unknown user: %(id)s.", id=user_id))
    if user.id == actor.id:
        raise Conflict(_("You cannot disable or enable your own account."))
    user.active = active
    end_every_session(session, user)
    chain = next((r.authority.code for r in user.roles if r.authority is not None), None)
    audit.record(session, chain=chain, actor=actor, action="user.enable" if active else "user.disable",
                 object_type="user", object_id=user.id, data={"username": user.username})
    session.flush()
    return user


def reset_password(session: Session, actor: User, user_id: int, new_password: str) -> User:
    """An admin sets a temporary password for an account in its administration (quên mật khẩu):
    every session and token of that user ends, and its next sign-in must choose a new password.

    404 outside the actor's administration; 409 for the actor's own account (change it yourself);
    422 ``password`` when too short. Commits.
    """
    user = session.get(User, user_id)
    if user is None or not policies.can_administer_user(session, actor, user):
        raise NotFound(_("Unknown user: %(id)s.", id=user_id))
    if user.id == actor.id:
        raise Conflict(_("Change your own password on the password page."))
    check_new_password(new_password)
    set_password(session, actor, user, new_password, must_change=True, action="user.password_reset")
    session.flush()
    return user


def administered_users(session: Session, actor: User) -> list[User]:
    """The accounts ``actor`` administers (every one for a deployment admin), by username."""
    users = session.scalars(select(User).order_by(User.username)).unique().all()
    return [u for u in users if policies.can_administer_user(session, actor, u)]


NOMINEE_FIELDS = ("name", "position", "birth_year", "gender", "head_name")


def update_nominee(session: Session, actor: User, nominee_id: int, **changes) -> Nominee:
    """Correct a nominee's particulars (name, position, birth year, gender, household head): the
    nominators of its unit or the secretary of its authority, with the checks of registration.
    Its kind, authority and unit stay (its proposals and history hang on them). Commits."""
    nominee = get_nominee(session, actor, nominee_id)
    if not policies.can_create_nominee(actor, nominee.authority_id, nominee.unit_id):
        raise Forbidden(_("You may not change this nominee."))
    unknown = set(changes) - set(NOMINEE_FIELDS)
    if unknown:
        raise field_error(sorted(unknown)[0], _("This field cannot be changed."))
    _check_nominee_fields(changes.get("name"), changes.get("gender"), changes.get("birth_year"))
    done = {}
    for name, value in changes.items():
        value = value.strip() if isinstance(value, str) else value
        if name != "name" and value == "":
            value = None
        if getattr(nominee, name) != value:
            done[name] = value
            setattr(nominee, name, value)
    if done:
        audit.record(session, chain=nominee.authority.code, actor=actor, action="nominee.update",
                     object_type="nominee", object_id=nominee.id, data=done)
    session.flush()
    return nominee


def list_nominees(session: Session, actor: User, *, q: str | None = None, kind: str | None = None,
                  unit: str | None = None, page: int = 1, per_page: int = 50) -> tuple[list[Nominee], int]:
    """The nominees ``actor`` may see (``queries.nominee_scope``), by name; ``q`` searches the name
    and the household head with or without diacritics; ``unit`` a unit's code."""
    from sqlalchemy import func

    from workflow.folding import name_matches
    from workflow.org.queries import nominee_scope

    query = select(Nominee)
    scope = nominee_scope(session, actor)
    if scope is False:
        return [], 0
    if scope is not None:
        query = query.where(scope)
    if kind in NOMINEE_KINDS:
        query = query.where(Nominee.kind == kind)
    if unit:
        query = query.where(Nominee.unit_id.in_(select(Unit.id).where(Unit.code == unit)))
    if q and q.strip():
        query = query.where(name_matches(Nominee.name_folded, q))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = list(session.scalars(query.order_by(Nominee.name, Nominee.id).offset((page - 1) * per_page)
                                 .limit(per_page)))
    return items, total
