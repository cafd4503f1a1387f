"""The legal bases (Căn cứ…) of a draft decision or submission: the rule set's lines by default,
edited by the secretary of the authority before the chair signs; the signed document prints the
lines stored on it."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from workflow.audit import services as audit
from workflow.decisions import policies
from workflow.decisions.models import Decision, Submission
from workflow.decisions.services import get_decision, get_submission
from workflow.documents import services as documents
from workflow.documents.layout import without_working_notes
from workflow.errors import Conflict, Forbidden, field_error

MAX_LINES = 30
MAX_LINE = 1000


def _target(session: Session, actor, kind: str, doc_id: int) -> tuple[Decision | Submission, int]:
    if kind == "decision":
        doc = get_decision(session, actor, doc_id)
        return doc, doc.authority_id
    doc = get_submission(session, actor, doc_id)
    return doc, doc.from_authority_id


def effective(session: Session, doc) -> list[str]:
    """The lines the document prints: its own, else the rule set's (without working notes)."""
    if doc.legal_bases is not None:
        return list(doc.legal_bases)
    if isinstance(doc, Decision):
        lines = documents.legal_bases(session, [i.proposal for i in doc.items], doc.authority, doc.signed_on)
    else:
        lines = documents.legal_bases(session, [i.proposal for i in doc.items], doc.from_authority, doc.sent_on)
    return [without_working_notes(line) for line in lines]


def set_legal_bases(session: Session, actor, kind: str, doc_id: int, lines: list[str] | None):
    """Store the legal-basis lines of a draft (secretary of its authority). ``None`` or no line
    restores the rule set's. 403 for another role, 409 once signed, 422 for too many or too long
    lines (nothing stored)."""
    doc, authority_id = _target(session, actor, kind, doc_id)
    if not policies.is_secretary(actor, authority_id):
        raise Forbidden(_("Only the secretary edits the legal bases of a draft."))
    if doc.status != "draft":
        raise Conflict(_("A signed document's legal bases cannot be changed."), code="already_signed")
    cleaned = [" ".join(str(line).split()).rstrip(";. ") for line in (lines or [])]
    cleaned = [line for line in cleaned if line]
    if len(cleaned) > MAX_LINES:
        raise field_error("lines", _("At most %(n)d legal bases.", n=MAX_LINES))
    for n, line in enumerate(cleaned, start=1):
        if len(line) > MAX_LINE:
            raise field_error("lines", _("Line %(n)d is longer than %(max)d characters.", n=n, max=MAX_LINE))
    doc.legal_bases = cleaned or None
    chain = doc.authority.code if kind == "decision" else doc.from_authority.code
    audit.record(session, chain=chain, actor=actor, action=f"{kind}.legal_bases", object_type=kind,
                 object_id=doc.id, data={"lines": cleaned})
    session.flush()
    return doc
