"""Loading rule-set files into the database and choosing the rule set that governs a date."""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from datetime import date
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.audit import services as audit
from workflow.catalog.models import AwardType, RuleSet
from workflow.catalog.schema import AwardTypeDef, RuleSetFile
from workflow.errors import Forbidden, Invalid, NotFound
from workflow.org.vocab import AuthorityKind

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


class RuleSetFileError(Invalid):
    """A rule-set file that cannot be loaded; ``details`` names each bad field."""


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleSetFileError(f"{path.name}: not valid TOML: {exc}", details={"file": str(exc)}) from exc


def _merge(parent: dict, child: dict) -> dict:
    """``extends``: top-level keys replace, ``defaults`` merge, award types merge by code;
    ``remove_award_types`` drops the parent's types."""
    merged = copy.deepcopy(parent)
    # a period's dates are its own, never inherited
    merged.pop("effective_to", None)
    for key, value in child.items():
        if key in ("extends", "award_types", "remove_award_types"):
            continue
        if key == "defaults":
            merged.setdefault("defaults", {}).update(value)
        else:
            merged[key] = value
    by_code = {t["code"]: t for t in merged.get("award_types", [])}
    for override in child.get("award_types", []):
        combined = {**by_code.get(override.get("code"), {}), **override}
        # an empty table in the child removes the parent's value (e.g. `cap = {}`)
        by_code[override.get("code")] = {k: v for k, v in combined.items() if v != {} or k == "cash_coefficient"}
    for code in child.get("remove_award_types", []):
        by_code.pop(code, None)
    merged["award_types"] = list(by_code.values())
    return merged


def read_rule_file(path: Path, rules_dir: Path | None = None, _seen: tuple = ()) -> RuleSetFile:
    """Read, resolve ``extends`` and validate one rule-set file; raise RuleSetFileError naming fields."""
    rules_dir = rules_dir or path.parent
    raw = _read_toml(path)
    parent_code = raw.get("extends")
    if parent_code:
        if parent_code in _seen:
            raise RuleSetFileError(f"{path.name}: 'extends' loops through {parent_code}",
                                   details={"extends": "cycle"})
        parent_path = rules_dir / f"{parent_code}.toml"
        if not parent_path.exists():
            raise RuleSetFileError(f"{path.name}: extends unknown rule set {parent_code}",
                                   details={"extends": f"unknown rule set {parent_code}"})
        parent = read_rule_file(parent_path, rules_dir, _seen + (raw.get("code"),)).model_dump(
            mode="json", exclude_none=True
        )
        raw = {**_merge(parent, raw), "extends": parent_code, "kind": raw.get("kind", "period")}
        if raw["kind"] == "period":
            raw.pop("province", None)
    try:
        return RuleSetFile.model_validate(raw)
    except ValidationError as exc:
        details = {".".join(str(p) for p in err["loc"]) or "file": err["msg"] for err in exc.errors()}
        first = next(iter(details.items()))
        raise RuleSetFileError(f"{path.name}: {first[0]}: {first[1]}", details=details) from exc


def rule_files(rules_dir: Path | None = None) -> list[Path]:
    return sorted((rules_dir or RULES_DIR).glob("*.toml"))


def load_rule_sets(session: Session, rules_dir: Path | None = None) -> list[str]:
    """Load every rule file into the database (idempotent). Returns the codes added or changed.

    Every file is validated before anything is written, so a malformed file leaves the database
    as it was. An award type an admin has edited is left alone when its file changes.
    """
    files = rule_files(rules_dir)
    parsed = [read_rule_file(p, rules_dir) for p in files]
    check_periods(list(zip(files, parsed, strict=True)))
    changed: list[str] = []
    for spec in parsed:
        content = spec.model_dump(mode="json", exclude_none=True)
        checksum = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
        rule_set = session.scalar(select(RuleSet).where(RuleSet.code == spec.code))
        if rule_set is not None and rule_set.checksum == checksum:
            continue
        if rule_set is None:
            rule_set = RuleSet(code=spec.code)
            session.add(rule_set)
        rule_set.name = spec.name
        rule_set.effective_from = spec.effective_from
        rule_set.effective_to = spec.effective_to
        rule_set.content = {k: v for k, v in content.items() if k != "award_types"}
        rule_set.checksum = checksum
        existing = {t.code: t for t in rule_set.award_types}
        for position, (type_spec, type_content) in enumerate(
            zip(spec.award_types, content["award_types"], strict=True)
        ):
            award_type = existing.get(type_spec.code)
            if award_type is not None and award_type.edited:
                continue
            if award_type is None:
                award_type = AwardType(code=type_spec.code)
                rule_set.award_types.append(award_type)
            apply_award_type(award_type, type_content, position)
        changed.append(spec.code)
    session.flush()
    return changed


def _overlaps(a: RuleSetFile, b: RuleSetFile) -> bool:
    far = date.max
    return a.effective_from <= (b.effective_to or far) and b.effective_from <= (a.effective_to or far)


def check_periods(specs: list[tuple[Path, RuleSetFile]]) -> None:
    """Refuse the whole load when two rule sets of the same scope overlap in time: two national
    periods, two overlays of one province, two transitions; a transition outside its period."""
    by_code = {spec.code: spec for _path, spec in specs}
    for i, (path, spec) in enumerate(specs):
        if spec.code in {s.code for _p, s in specs[:i]}:
            raise RuleSetFileError(f"{path.name}: code {spec.code} is used by another file", details={"code": spec.code})
        for other_path, other in specs[:i]:
            same_scope = spec.kind == other.kind and (spec.kind != "overlay" or spec.province == other.province)
            if same_scope and _overlaps(spec, other):
                raise RuleSetFileError(
                    f"{path.name}: effective_from: {spec.code} overlaps {other.code} ({other_path.name})",
                    details={"effective_from": f"overlaps {other.code}"})
        if spec.kind == "transition":
            parent = by_code.get(spec.extends or "")
            if parent is None or spec.effective_from < parent.effective_from or (
                    parent.effective_to is not None and (spec.effective_to or date.max) > parent.effective_to):
                raise RuleSetFileError(f"{path.name}: effective_from: a transition lies inside the period it extends",
                                       details={"effective_from": "outside its period"})


CORE_FIELDS = ("code", "name_vi", "name_en", "kind", "nominee_kinds", "deciding_level", "council_vote")


def apply_award_type(award_type: AwardType, content: dict, position: int | None = None) -> None:
    """Copy a validated award-type dict onto its row (core columns + the rest as config)."""
    for key in CORE_FIELDS:
        setattr(award_type, key, content[key] if key != "council_vote" else content.get(key, True))
    award_type.config = {k: v for k, v in content.items() if k not in CORE_FIELDS}
    if position is not None:
        award_type.position = position


def rule_set_for(session: Session, authority, on: date) -> RuleSet:
    """The rule set governing ``authority`` on ``on``: its own override (or the nearest ancestor's),
    else the period in force that day."""
    node = authority
    while node is not None:
        if node.rule_set_code:
            found = session.scalar(select(RuleSet).where(RuleSet.code == node.rule_set_code))
            if found is None:
                raise NotFound(f"rule set {node.rule_set_code} is not loaded")
            # a pinned period governs always; a province's overlay from the day its rule took effect
            if found.kind != "overlay" or found.covers(on):
                return found
            break
        node = node.parent
    candidates = session.scalars(
        select(RuleSet).where(RuleSet.effective_from <= on).order_by(RuleSet.effective_from.desc())
    ).all()
    national = [c for c in candidates if c.kind in ("period", "transition") and c.covers(on)]
    # a transition (the old criteria kept where the province has no rule yet) before its period
    for candidate in sorted(national, key=lambda c: c.kind != "transition"):
        return candidate
    raise NotFound(f"no rule set is in force on {on.isoformat()}")


def award_types_in_force(session: Session, authority, on: date) -> list[AwardType]:
    return list(rule_set_for(session, authority, on).award_types)


def save_award_type(session: Session, actor, rule_set_code: str, code: str, content: dict) -> AwardType:
    """Add or edit an award type of a rule set (deployment admin). The whole definition is validated
    as the rule file would be; an edited type is kept when its file is reloaded."""
    from flask_babel import gettext as _

    if not getattr(actor, "is_deployment_admin", False):
        raise Forbidden(_("Only the deployment administrator edits the award catalogue."))
    rule_set = session.scalar(select(RuleSet).where(RuleSet.code == rule_set_code))
    if rule_set is None:
        raise NotFound(_("Unknown rule set: %(code)s.", code=rule_set_code))
    try:
        spec = AwardTypeDef.model_validate({**content, "code": code})
    except ValidationError as exc:
        details = {".".join(str(p) for p in err["loc"]) or "body": err["msg"] for err in exc.errors()}
        raise Invalid(_("Some fields are invalid: %(fields)s", fields=", ".join(details)), details=details) from exc
    if spec.deciding_level not in rule_set.content.get("levels", []) and spec.deciding_level != AuthorityKind.CENTRAL:
        raise Invalid(_("Some fields are invalid: %(fields)s", fields="deciding_level"),
                      details={"deciding_level": ", ".join(rule_set.content.get("levels", []))})
    known = {t.code for t in rule_set.award_types}
    for pre in spec.prerequisites:
        missing = [c for c in pre.award if c not in known | {code}]
        if missing:
            raise Invalid(_("Some fields are invalid: %(fields)s", fields="prerequisites"),
                          details={"prerequisites": ", ".join(missing)})
    award_type = next((t for t in rule_set.award_types if t.code == code), None)
    if award_type is None:
        award_type = AwardType(code=code, position=len(rule_set.award_types))
        rule_set.award_types.append(award_type)
    apply_award_type(award_type, spec.model_dump(mode="json", exclude_none=True))
    award_type.edited = True
    session.flush()
    audit.record(session, chain=None, actor=actor, action="award_type.save", object_type="award_type",
                 object_id=f"{rule_set_code}/{code}", data=spec.model_dump(mode="json", exclude_none=True))
    session.flush()
    return award_type
