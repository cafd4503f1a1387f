"""Dossier exchange (trao đổi hồ sơ) with a higher level that uses another system.

``export_package`` writes a sent submission as a ZIP: ``manifest.json`` (format ``tdkt-dossier``,
a version number, the authorities, the submission's number and date, every proposal with its
nominee, award type, achievements, evidence, history, award history and council result, and the
SHA-256 and size of every other file) plus the PDFs (the submission, the council minutes) and each
proposal's attachments.

``reading.read_package`` opens such a ZIP with limits; ``importing.import_package`` creates the
incoming proposals at the parent authority. It validates everything first — the archive (no absolute or ``..`` paths, no links, no
duplicate or unlisted entries, no encrypted member, only stored/deflate, sizes counted while
streaming against ``PackageLimits``), the manifest (known version, schema), every file's
hash and size, the authorities, units and award types — and only then writes, in one transaction:
a package refused for any reason writes nothing (no row, no file).

Creation path of imported proposals: ``proposals.services.receive_imported`` (the one documented
creator of a non-draft proposal; ``transition`` stays the only writer of state changes) inserts
each in ``submitted`` at the receiving authority, with its earlier history copied (marked
``imported``) and one ``forward`` history row recording the receipt, exactly as an in-system
forward would have written it, and audits it; the audit log also records the whole import. From
there on only ``transition`` moves it. What an import may create: see ``importing``.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from datetime import date, datetime

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import storage
from workflow.audit import services as audit
from workflow.council.models import AgendaItem, Meeting
from workflow.db import utcnow
from workflow.decisions.models import Submission, SubmissionItem
from workflow.decisions.services import get_submission
from workflow.documents import services as documents
from workflow.errors import Conflict, Invalid
from workflow.org.models import (
    AUTHORITY_KINDS,
    Authority,
    Unit,
)
from workflow.proposals.models import Proposal

FORMAT = "tdkt-dossier"
VERSION = 1
MANIFEST = "manifest.json"
MAX_ENTRIES = 2000
LEVEL = {kind: i for i, kind in enumerate(AUTHORITY_KINDS)}


class BadPackage(Invalid):
    """The package is malformed or tampered with; nothing was imported."""

    code = "invalid_package"


# --- the manifest (version 1) -----------------------------------------------------------------------

class _M(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class AuthorityM(_M):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    kind: str


class UnitM(_M):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    kind: str


class AwardM(_M):
    award_type_code: str = Field(max_length=40)
    year: int = Field(gt=1945, lt=2200)
    decision_number: str = Field(min_length=1, max_length=60)
    decision_date: date | None = None
    # the authority whose record it is (its decision, or its hand-kept history); None in older
    # packages — such an award is not imported, it cannot be checked
    authority_code: str | None = Field(default=None, max_length=40)


class NomineeM(_M):
    kind: str
    name: str = Field(min_length=1, max_length=200)
    position: str | None = Field(default=None, max_length=200)
    birth_year: int | None = Field(default=None, gt=1900, lt=2100)
    gender: str | None = None
    head_name: str | None = Field(default=None, max_length=200)
    unit: UnitM | None = None
    awards: list[AwardM] = Field(default_factory=list)


class FileRefM(_M):
    path: str
    doc_type: str = Field(min_length=1, max_length=60)
    filename: str = Field(min_length=1, max_length=255)


class HistoryM(_M):
    event: str = Field(max_length=30)
    from_state: str = Field(alias="from", max_length=20)
    to_state: str = Field(alias="to", max_length=20)
    actor: str = Field(default="", max_length=80)
    authority_code: str = Field(default="", max_length=40)
    at: datetime
    comment: str | None = None


class ProposalM(_M):
    ref: str = Field(min_length=1, max_length=40)
    nominee: NomineeM
    unit: UnitM
    award_type: dict
    rule_set: str | None = Field(default=None, max_length=40)
    round: dict
    achievements: str = ""
    evidence: dict | None = None
    history: list[HistoryM] = Field(default_factory=list)
    council: dict | None = None
    attachments: list[FileRefM] = Field(default_factory=list)


class FileM(_M):
    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)


class SubmissionM(_M):
    number: str = Field(min_length=1, max_length=40)
    date: date
    signer: str | None = None


class ManifestM(_M):
    format: str
    version: int
    package_id: str = Field(min_length=1, max_length=64)
    created_at: datetime
    from_authority: AuthorityM
    to_authority: AuthorityM
    submission: SubmissionM
    documents: list[FileRefM] = Field(default_factory=list)
    proposals: list[ProposalM] = Field(min_length=1)
    files: list[FileM]


# --- export -----------------------------------------------------------------------------------------

def _file_name(text: str) -> str:
    stem, dot, ext = text.rpartition(".")
    return f"{documents.slug(stem or text)}.{documents.slug(ext)}" if dot else documents.slug(text)


# Stays whole (long or radon D+): the package's manifest and files gathered in the manifest's order.
def export_package(session: Session, actor, submission_id: int, *, instance_path: str) -> tuple[str, bytes]:
    """The ZIP of a sent submission (409 ``not_sent`` for a draft). Returns (file name, bytes)."""
    submission = get_submission(session, actor, submission_id)
    if submission.status != "sent":
        raise Conflict(_("Only a sent submission can be exported."), code="not_sent")
    files: dict[str, bytes] = {}
    doc_refs = []
    rendered = documents.submission_document(session, actor, submission.id, "pdf", instance_path)
    files[f"documents/{rendered.filename}"] = rendered.content
    doc_refs.append({"path": f"documents/{rendered.filename}", "doc_type": "to_trinh", "filename": rendered.filename})
    proposal_ids = [i.proposal_id for i in submission.items]
    votes, _met = documents.council_votes(session, proposal_ids, submission.from_authority_id)
    meetings = session.scalars(select(Meeting).join(AgendaItem, AgendaItem.meeting_id == Meeting.id).where(
        AgendaItem.proposal_id.in_(proposal_ids), Meeting.authority_id == submission.from_authority_id,
        Meeting.status == "closed").order_by(Meeting.id)).unique().all()
    for meeting in meetings:
        # the minutes of the meeting that recommended the proposals travel with them (the caller
        # may see the submission; the meeting is the sending authority's)
        minutes = documents.render_minutes(session, meeting, "pdf", instance_path)
        files[f"documents/{minutes.filename}"] = minutes.content
        doc_refs.append({"path": f"documents/{minutes.filename}", "doc_type": "bien_ban_hoi_dong",
                         "filename": minutes.filename})
    store = storage.store(session)  # the attachments, wherever the deployment keeps them
    proposals = []
    for n, item in enumerate(submission.items, start=1):
        p = item.proposal
        attachments = []
        for k, a in enumerate(p.attachments, start=1):
            content = store.get(a.stored_name)
            if content is None:
                raise Conflict(_("The file of document %(name)s is missing from storage.", name=a.filename),
                               code="attachment_missing", details={"attachment_id": a.id})
            name = f"proposals/{n}/{k}-{_file_name(a.filename)}"
            files[name] = content
            attachments.append({"path": name, "doc_type": a.doc_type, "filename": a.filename})
        nominee, unit = p.nominee, p.unit
        proposals.append({
            "ref": str(p.id),
            "nominee": {"kind": nominee.kind, "name": nominee.name, "position": nominee.position,
                        "birth_year": nominee.birth_year, "gender": nominee.gender, "head_name": nominee.head_name,
                        "unit": _unit(nominee.unit) if nominee.unit else None,
                        "awards": [{"award_type_code": r.award_type_code, "year": r.year,
                                    "decision_number": r.decision_number,
                                    "decision_date": r.decision_date.isoformat() if r.decision_date else None,
                                    "authority_code": _award_authority(r, nominee)}
                                   for r in nominee.awards if r.revoked_at is None]},
            "unit": _unit(unit),
            "award_type": {"code": p.award_type_code, "name_vi": p.rule.name_vi if p.rule else None,
                           "kind": p.rule.kind if p.rule else None},
            "rule_set": p.rule_set_code,
            "round": {"year": p.round.year, "kind": p.round.kind, "title": p.round.title},
            "achievements": p.achievements, "evidence": p.evidence,
            "history": [{"event": t.event, "from": t.from_state, "to": t.to_state, "actor": t.actor_name,
                         "authority_code": t.authority.code, "at": t.created_at.isoformat(), "comment": t.comment}
                        for t in p.history],
            "council": votes.get(p.id),
            "attachments": attachments,
        })
    manifest = {
        "format": FORMAT, "version": VERSION, "package_id": uuid.uuid4().hex, "created_at": utcnow().isoformat(),
        "generator": "TĐKT Workflow",
        "from_authority": _authority(submission.from_authority), "to_authority": _authority(submission.to_authority),
        "submission": {"number": submission.number, "date": submission.sent_on.isoformat(),
                       "signer": submission.signer.full_name if submission.signer else None},
        "documents": doc_refs, "proposals": proposals,
        "files": [{"path": name, "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
                  for name, content in files.items()],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
        for name, content in files.items():
            archive.writestr(name, content)
    audit.record(session, chain=submission.from_authority.code, actor=actor, action="dossier.export",
                 object_type="submission", object_id=submission.id, data={"package_id": manifest["package_id"]})
    session.flush()
    return f"ho-so-{documents.slug(submission.number)}-{submission.from_authority.code.lower()}.zip", buffer.getvalue()


def _award_authority(record, nominee) -> str | None:
    """Whose record an award is: the deciding authority for a decision, the higher level for a
    recorded outcome, the nominee's own authority for hand-kept history."""
    from sqlalchemy.orm import object_session

    if record.source == "manual" or record.proposal_id is None:
        return nominee.authority.code
    session = object_session(record)
    proposal = session.get(Proposal, record.proposal_id)
    if proposal is None:
        return None
    if record.source == "outcome":
        # decided by the authority the approving submission went to (answered in the system or
        # recorded from its paper answer)
        to = session.scalar(select(Authority.code).join(Submission, Submission.to_authority_id == Authority.id)
                            .join(SubmissionItem, SubmissionItem.submission_id == Submission.id)
                            .where(SubmissionItem.proposal_id == proposal.id, SubmissionItem.outcome == "approved")
                            .order_by(SubmissionItem.id.desc()).limit(1))
        if to:
            return to
    at = proposal.current_authority
    if record.source == "outcome" and at.parent is not None:
        return at.parent.code  # recorded here, decided above
    return at.code


def _authority(a: Authority) -> dict:
    return {"code": a.code, "name": a.name, "kind": a.kind}


def _unit(u: Unit) -> dict:
    return {"code": u.code, "name": u.name, "kind": u.kind}
