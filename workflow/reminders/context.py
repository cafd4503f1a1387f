"""What one scan needs to know: the calendar, authorities, rule sets in force, who holds which
role — each loaded once — and the ``Due`` rows a kind emits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.calendar.services import WorkCalendar
from workflow.catalog.models import RuleSet
from workflow.catalog.services import rule_set_for
from workflow.errors import NotFound
from workflow.org.models import Authority, CouncilMember, RoleAssignment, User
from workflow.org.vocab import Role
from workflow.reminders.config import Policy
from workflow.reminders.schedule import Due, Stage, local_date


class ScanContext:
    """Caches for one scan: the calendar, authorities, rule sets in force, who holds which role."""

    def __init__(self, session: Session, now: datetime):
        self.session, self.now = session, now
        self.today = local_date(now)
        self.calendar = WorkCalendar.load(session)
        self.authorities = {a.id: a for a in session.scalars(select(Authority))}
        self._rule_sets: dict[int, RuleSet | None] = {}
        self._all_rule_sets = list(session.scalars(select(RuleSet)))

    def rule_set(self, authority_id: int) -> RuleSet | None:
        if authority_id not in self._rule_sets:
            try:
                self._rule_sets[authority_id] = rule_set_for(self.session, self.authorities[authority_id], self.today)
            except NotFound:
                self._rule_sets[authority_id] = None
        return self._rule_sets[authority_id]

    def default(self, authority_id: int, name: str) -> int | None:
        rule_set = self.rule_set(authority_id)
        return (rule_set.content.get("defaults") or {}).get(name) if rule_set else None

    def award_config(self, authority_id: int, code: str) -> dict:
        rule_set = self.rule_set(authority_id)
        if rule_set is None:
            return {}
        return next((t.config for t in rule_set.award_types if t.code == code), {})

    def default_values(self, name: str) -> list[int]:
        """``defaults.<name>`` over every loaded rule set (bounds for the SQL prefilters)."""
        return [v for r in self._all_rule_sets if (v := (r.content.get("defaults") or {}).get(name))]

    def award_values(self, name: str) -> list[int]:
        return [v for r in self._all_rule_sets for t in r.award_types if (v := t.config.get(name))]

    def authority_name(self, authority_id: int | None) -> str:
        authority = self.authorities.get(authority_id)
        return authority.name if authority else ""

    # recipients ------------------------------------------------------------------------------------
    def role_holders(self, authority_ids, roles) -> dict[tuple[int, str], list[int]]:
        roles = [r for r in roles if r not in ("nominator", "council")]
        found: dict[tuple[int, str], list[int]] = defaultdict(list)
        if not roles or not authority_ids:
            return found
        rows = self.session.execute(
            select(RoleAssignment.authority_id, RoleAssignment.role, RoleAssignment.user_id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(RoleAssignment.authority_id.in_(set(authority_ids)), RoleAssignment.role.in_(roles),
                   User.active.is_(True))
            .order_by(RoleAssignment.user_id))
        for authority_id, role, user_id in rows:
            if user_id not in found[(authority_id, role)]:
                found[(authority_id, role)].append(user_id)
        return found

    def unit_nominators(self, unit_ids) -> dict[int, list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        if not unit_ids:
            return found
        rows = self.session.execute(
            select(RoleAssignment.unit_id, RoleAssignment.user_id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(RoleAssignment.role == Role.NOMINATOR, RoleAssignment.unit_id.in_(set(unit_ids)),
                   User.active.is_(True))
            .order_by(RoleAssignment.user_id))
        for unit_id, user_id in rows:
            found[unit_id].append(user_id)
        return found

    def council(self, authority_ids) -> dict[int, list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        if not authority_ids:
            return found
        rows = self.session.execute(
            select(CouncilMember.authority_id, CouncilMember.user_id)
            .join(User, User.id == CouncilMember.user_id)
            .where(CouncilMember.authority_id.in_(set(authority_ids)), User.active.is_(True))
            .order_by(CouncilMember.id))
        for authority_id, user_id in rows:
            found[authority_id].append(user_id)
        return found


class Recipients:
    """Resolves a policy's roles for many subjects with three queries in all."""

    def __init__(self, ctx: ScanContext, roles, *, authority_ids=(), unit_ids=()):
        self.ctx, self.roles = ctx, list(roles)
        self.holders = ctx.role_holders(authority_ids, self.roles)
        self.nominators = ctx.unit_nominators(unit_ids) if "nominator" in self.roles else {}
        self.seats = ctx.council(authority_ids) if "council" in self.roles else {}

    def of(self, authority_id: int | None, unit_ids=(), roles=None) -> list[int]:
        users: list[int] = []
        for role in self.roles if roles is None else roles:
            if role == "nominator":
                found = [u for unit_id in unit_ids for u in self.nominators.get(unit_id, [])]
            elif role == "council":
                found = self.seats.get(authority_id, [])
            else:
                found = self.holders.get((authority_id, role), [])
            users.extend(u for u in found if u not in users)
        return users


def emit(policy: Policy, stage: Stage, subject_type: str, subject_id: int, users, authority_id,
          params: dict) -> Iterator[Due]:
    """One Due per recipient; nothing for an empty list."""
    for user_id in users:
        yield Due(policy.kind, subject_type, subject_id, stage.due_on, user_id, stage.level, policy.action,
                  authority_id, {**params, "offset": stage.offset, "unit": policy.unit})


def iso(value) -> str:
    return value.isoformat()


def chunks(items: list, size: int = 500):
    for i in range(0, len(items), size):
        yield items[i:i + size]


