"""Importing a dossier package at the parent authority (see ``exchange`` for the format). Everything
is checked before the first write; flushes, the caller's unit of work commits once.

What an import may write (issue 15, item 9):
- the sending authority and its units must already be set up here, unless the importer is an admin
  of the receiving authority's scope: an officer's import never creates organisation data (422
  ``unknown_codes`` naming what is missing, nothing written);
- nominees the sending authority proposes are matched (same authority, kind, name, unit) or
  created; award history is written only for a nominee this import creates, and only the awards
  the sending authority itself vouches for (``authority_code`` of the award = the package's
  authority) — never rows for a nominee already known here, never another authority's history;
- a package is recorded once (``DossierImport``: per package id, per package hash and per
  submission of the sending authority): importing it again, or another export of the same
  submission, is a 409 ``already_imported`` that changes nothing;
- each proposal is created by ``proposals.services.receive_imported`` (the one documented creator
  of a non-draft proposal), which writes its history and one audit entry per proposal.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflow import storage, vntime
from workflow.audit import services as audit
from workflow.catalog.models import RuleSet
from workflow.catalog.services import rule_set_for
from workflow.db import on_rollback
from workflow.decisions.exchange import LEVEL, BadPackage, ManifestM, ProposalM, UnitM
from workflow.decisions.models import DossierImport
from workflow.decisions.reading import PackageLimits, read_package
from workflow.errors import Conflict, Invalid, NotFound
from workflow.org.models import (
    AUTHORITY_KINDS,
    GENDERS,
    NOMINEE_KINDS,
    UNIT_KINDS,
    Authority,
    AwardRecord,
    Nominee,
    Unit,
)
from workflow.org.policies import can_administer
from workflow.org.vocab import Role
from workflow.proposals.attachments import sniff
from workflow.proposals.eligibility import snapshot
from workflow.proposals.models import STATES, Attachment, Proposal, Round
from workflow.proposals.services import receive_imported

IMPORT_ROLES = {Role.SECRETARY, Role.HIGHER_REVIEWER}


@dataclass
class Plan:
    """What the import will write, resolved against this deployment before anything is written."""

    manifest: ManifestM
    files: dict[str, bytes]
    package_sha256: str
    parent: Authority
    origin: Authority | None  # None: created from the manifest
    units: dict[str, Unit | None] = field(default_factory=dict)  # code → existing (None: to create)
    rules: dict[str, tuple[str | None, dict | None]] = field(default_factory=dict)  # proposal ref → snapshot
    round_title: str = ""


def import_package(session: Session, actor, data: bytes, *, instance_path: str,
                   limits: PackageLimits | None = None) -> dict:
    """Create the package's proposals at the parent authority in ``submitted`` (its secretary or
    higher reviewer, or an admin of its scope). 422 ``invalid_package`` / ``hash_mismatch`` /
    ``missing_file`` / ``unsupported_version`` for a bad package (``limits``: how far it may unpack), 422
    ``unknown_codes`` for an authority or unit not set up here (unless the caller administers
    the scope), 404 for an authority out of the caller's scope, 409 ``already_imported`` for a
    package (or submission) imported before. Nothing is written unless all succeeds."""
    manifest, files, digest = read_package(data, limits)
    plan = _plan(session, actor, manifest, files, digest)
    directory = storage.store(session)  # every web process and worker sees what it writes
    written: list[str] = []
    on_rollback(session, lambda: directory.undo(written))  # the unit rolled back leaves no file behind
    try:
        result = _write(session, actor, plan, directory, written)
    except IntegrityError as exc:
        session.rollback()  # a lost race: the failed transaction ends so the winner's row can be read
        if session.scalar(select(DossierImport.id).where(*_same_package(plan))) is not None:
            raise _already(plan.manifest) from exc  # a concurrent import of the same package won
        raise
    return result


# Stays whole (long or radon D+): the import's checks in the order their refusals answer (scope, source,
# duplicates, units).
def _plan(session: Session, actor, manifest: ManifestM, files: dict[str, bytes], digest: str) -> Plan:
    parent = session.scalar(select(Authority).where(Authority.code == manifest.to_authority.code))
    allowed = parent is not None and (can_administer(session, actor, parent) or any(
        r.role in IMPORT_ROLES and r.authority_id == parent.id for r in actor.roles))
    if not allowed:
        raise NotFound(_("Unknown authority: %(code)s.", code=manifest.to_authority.code),
                       details={"to_authority": manifest.to_authority.code})
    source = manifest.from_authority
    if source.kind not in AUTHORITY_KINDS or LEVEL[source.kind] >= LEVEL[parent.kind]:
        raise BadPackage(_("The sending authority must be below the receiving one."),
                         details={"from_authority.kind": source.kind})
    origin = session.scalar(select(Authority).where(Authority.code == source.code))
    if origin is not None and origin.parent_id != parent.id:
        raise Conflict(_("Authority %(code)s exists here under another parent.", code=source.code),
                       code="authority_mismatch", details={"from_authority": source.code})
    if origin is None and session.scalar(select(Unit.id).where(Unit.code == source.code)):
        raise Conflict(_("The code %(code)s is already in use.", code=source.code), code="authority_mismatch")
    plan = Plan(manifest, files, digest, parent, origin)
    plan.round_title = (f"Hồ sơ Tờ trình số {manifest.submission.number} ngày "
                        f"{manifest.submission.date.strftime('%d/%m/%Y')} của {source.name}")[:300]
    if session.scalar(select(DossierImport.id).where(*_same_package(plan))) is not None:
        raise _already(manifest)
    for p in manifest.proposals:
        for unit in [p.unit] + ([p.nominee.unit] if p.nominee.unit else []):
            _plan_unit(session, plan, unit, origin)
        _check_proposal(p)
        plan.rules[p.ref] = _rule(session, parent, p)
    refs = [p.ref for p in manifest.proposals]
    if len(set(refs)) != len(refs):
        raise BadPackage(_("Two proposals share one reference."), details={"proposals": "duplicate ref"})
    unknown_units = sorted(code for code, unit in plan.units.items() if unit is None)
    if (origin is None or unknown_units) and not can_administer(session, actor, parent):
        details: dict = {}
        if origin is None:
            details["from_authority"] = source.code
        if unknown_units:
            details["units"] = unknown_units
        raise Invalid(_("The package names an authority or units that are not set up here: %(codes)s. An "
                        "administrator must create them first.",
                        codes=", ".join(([source.code] if origin is None else []) + unknown_units)),
                      code="unknown_codes", details=details)
    return plan


def _same_package(plan: Plan) -> list:
    """The rows that would make this import a repeat: the same package (id or bytes) or the same
    submission of the same sending authority, received at this authority."""
    m = plan.manifest
    return [or_(DossierImport.package_sha256 == plan.package_sha256,
                and_(DossierImport.authority_id == plan.parent.id, DossierImport.package_id == m.package_id),
                and_(DossierImport.authority_id == plan.parent.id,
                     DossierImport.from_authority_code == m.from_authority.code,
                     DossierImport.submission_number == m.submission.number))]


def _already(manifest: ManifestM) -> Conflict:
    return Conflict(_("This package has already been imported."), code="already_imported",
                    details={"submission_number": manifest.submission.number, "package_id": manifest.package_id})


def _plan_unit(session: Session, plan: Plan, unit: UnitM, origin: Authority | None) -> None:
    if unit.kind not in UNIT_KINDS:
        raise BadPackage(_("Unknown unit kind: %(kind)s.", kind=unit.kind), details={"unit.kind": unit.kind})
    existing = session.scalar(select(Unit).where(Unit.code == unit.code))
    clash = session.scalar(select(Authority.id).where(Authority.code == unit.code))
    if clash or (existing is not None and (origin is None or existing.authority_id != origin.id)):
        raise Conflict(_("Unit code %(code)s is already used here by another authority.", code=unit.code),
                       code="unit_mismatch", details={"unit": unit.code})
    plan.units[unit.code] = existing


def _check_proposal(p: ProposalM) -> None:
    nominee = p.nominee
    if nominee.kind not in NOMINEE_KINDS:
        raise BadPackage(_("Unknown nominee kind: %(kind)s.", kind=nominee.kind), details={"nominee.kind": nominee.kind})
    if nominee.gender is not None and nominee.gender not in GENDERS:
        raise BadPackage(_("Unknown gender: %(g)s.", g=nominee.gender), details={"nominee.gender": nominee.gender})
    if not isinstance(p.round.get("year"), int) or not 1945 < p.round["year"] < 2200:
        raise BadPackage(_("Each proposal needs the year of its round."), details={"round.year": p.round.get("year")})
    for h in p.history:
        if h.from_state not in STATES or h.to_state not in STATES:
            raise BadPackage(_("The history names an unknown state."), details={"history": h.to_state})


def _rule(session: Session, parent: Authority, p: ProposalM) -> tuple[str | None, dict | None]:
    """The award type as this deployment knows it: the package's rule set when it is loaded here
    (the proposal keeps the rule set it was accepted under), else the one in force at the parent."""
    code = str(p.award_type.get("code") or "")
    rule_set = session.scalar(select(RuleSet).where(RuleSet.code == p.rule_set)) if p.rule_set else None
    if rule_set is not None:
        award_type = next((t for t in rule_set.award_types if t.code == code), None)
        if award_type is not None:
            return rule_set.code, snapshot(award_type, rule_set)
    in_force = rule_set_for(session, parent, vntime.today())
    if not any(t.code == code for t in in_force.award_types):
        raise BadPackage(_("Award type %(code)s is not known here.", code=code), details={"award_type": code})
    return None, None  # snapshot taken at ``accept``, from the rule set in force then


# Stays whole (long or radon D+): writes what _plan checked, the import row first (its unique keys claim the
# package against a concurrent import).
def _write(session: Session, actor, plan: Plan, directory: storage.Storage, written: list[str]) -> dict:
    m = plan.manifest
    # claimed first: a concurrent import of the same package fails here, on the unique keys
    record = DossierImport(authority_id=plan.parent.id, from_authority_code=m.from_authority.code,
                           submission_number=m.submission.number, package_id=m.package_id,
                           package_sha256=plan.package_sha256, imported_by_id=actor.id)
    session.add(record)
    session.flush()
    origin = plan.origin
    if origin is None:  # only an admin of the scope gets here (see _plan)
        origin = Authority(code=m.from_authority.code, name=m.from_authority.name, kind=m.from_authority.kind,
                           parent=plan.parent)
        session.add(origin)
        session.flush()
    units: dict[str, Unit] = {}
    for p in m.proposals:
        for spec in [p.unit] + ([p.nominee.unit] if p.nominee.unit else []):
            if spec.code in units:
                continue
            unit = plan.units.get(spec.code)
            if unit is None:
                unit = Unit(code=spec.code, name=spec.name, kind=spec.kind, authority=origin)
                session.add(unit)
                session.flush()
            units[spec.code] = unit
    year = m.proposals[0].round["year"]
    round_ = Round(authority=origin, year=year, kind="ad_hoc", title=plan.round_title,
                   nomination_deadline=m.submission.date, created_by_id=actor.id)
    session.add(round_)
    session.flush()
    record.round_id = round_.id
    shared_docs = [(d, plan.files[d.path]) for d in m.documents]
    created = []
    for p in m.proposals:
        nominee = _nominee(session, actor, origin, p, units)
        code, rule = plan.rules[p.ref]
        history = [{"event": h.event, "from_state": h.from_state, "to_state": h.to_state,
                    "actor_name": (h.actor or "?")[:80],
                    "created_at": h.at if h.at.tzinfo else h.at.replace(tzinfo=UTC), "comment": h.comment,
                    "data": {"authority_code": h.authority_code}} for h in p.history]
        receipt = {"comment": _("Received in the dossier package of submission %(number)s",
                                number=m.submission.number),
                   "submission_number": m.submission.number, "submission_date": m.submission.date.isoformat(),
                   "package_id": m.package_id, "package_sha256": plan.package_sha256, "council": p.council}
        proposal = receive_imported(session, actor, round_=round_, nominee=nominee, unit=units[p.unit.code],
                                    award_type_code=str(p.award_type["code"]), at=plan.parent,
                                    achievements=p.achievements, evidence=p.evidence, rule_set_code=code,
                                    award_rule=rule, history=history, receipt=receipt)
        for ref in list(p.attachments):
            _store(session, actor, proposal, ref.doc_type, ref.filename, plan.files[ref.path], directory, written)
        for ref, content in shared_docs:
            _store(session, actor, proposal, ref.doc_type, ref.filename, content, directory, written)
        created.append(proposal)
    session.flush()
    audit.record(session, chain=plan.parent.code, actor=actor, action="dossier.import", object_type="round",
                 object_id=round_.id, data={"package_id": m.package_id, "sha256": plan.package_sha256,
                                            "from": origin.code, "submission_number": m.submission.number,
                                            "proposals": [p.id for p in created]})
    return {"authority_code": plan.parent.code, "from_authority_code": origin.code, "round_id": round_.id,
            "submission_number": m.submission.number, "package_sha256": plan.package_sha256,
            "proposal_ids": [p.id for p in created]}


def _nominee(session: Session, actor, origin: Authority, p: ProposalM, units: dict[str, Unit]) -> Nominee:
    """The nominee known here, or a new one with the awards its authority vouches for. A nominee
    already known keeps its own history: the package never adds to it."""
    spec = p.nominee
    unit = units[spec.unit.code] if spec.unit else None
    same_unit = Nominee.unit_id == unit.id if unit else Nominee.unit_id.is_(None)
    nominee = session.scalar(select(Nominee).where(
        Nominee.authority_id == origin.id, Nominee.kind == spec.kind, Nominee.name == spec.name, same_unit))
    if nominee is not None:
        return nominee
    nominee = Nominee(kind=spec.kind, name=spec.name, authority=origin, unit=unit, position=spec.position,
                      birth_year=spec.birth_year, gender=spec.gender, head_name=spec.head_name)
    session.add(nominee)
    session.flush()
    held = set()
    for award in spec.awards:
        key = (award.award_type_code, award.year, award.decision_number)
        # only what the sending authority recorded itself; another level's decisions are that
        # level's to record (and an award without its authority cannot be checked)
        if award.authority_code != origin.code or key in held:
            continue
        held.add(key)
        session.add(AwardRecord(nominee_id=nominee.id, award_type_code=award.award_type_code, year=award.year,
                                decision_number=award.decision_number, decision_date=award.decision_date,
                                source="manual", recorded_by_id=actor.id))
    return nominee


def _store(session: Session, actor, proposal: Proposal, doc_type: str, filename: str, content: bytes,
           directory: storage.Storage, written: list[str]) -> None:
    stored_name = uuid.uuid4().hex
    content_type = sniff(content[:16], content) or "application/pdf"
    directory.put(stored_name, content, content_type)
    written.append(stored_name)
    session.add(Attachment(proposal_id=proposal.id, doc_type=doc_type, filename=Path(filename).name[:255],
                           stored_name=stored_name, content_type=content_type,
                           size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                           uploaded_by_id=actor.id))
