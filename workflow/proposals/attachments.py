"""Attachments (tài liệu kèm theo): type checked from the content, stored outside ``static/`` under a
generated name, downloaded only by users in scope. Paper-copy receipts for declared documents."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
import zlib

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflow import storage
from workflow.audit import services as audit
from workflow.db import on_rollback
from workflow.documents.http import safe_filename
from workflow.errors import DomainError, Forbidden, NotFound, field_error
from workflow.proposals import policies
from workflow.proposals.models import Attachment, PaperReceipt
from workflow.proposals.services import get_proposal
from workflow.validation import has_control


class TooLarge(DomainError):
    status = 413
    code = "too_large"


ALLOWED = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# the main part of each Office Open XML package (only DOCX is accepted as an attachment)
OFFICE_MAIN_PART = {DOCX: "word/document.xml",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xl/workbook.xml"}
# an Office package opened before it is accepted: members, real unpacked bytes, compression ratio
ARCHIVE_MAX_MEMBERS = 1000
ARCHIVE_MAX_BYTES = 64 * 1024 * 1024
ARCHIVE_MAX_RATIO = 200  # for a member larger than 1 MiB unpacked: more is a zip bomb
_HTML_MARKERS = (b"<html", b"<script", b"<!doctype", b"<body", b"<head", b"<iframe", b"<svg")


def _looks_like_html(head: bytes) -> bool:
    lowered = head.lower()
    return any(marker in lowered for marker in _HTML_MARKERS)


def office_package(content: bytes, mimetype: str) -> bool:
    """True when ``content`` is a sound Office package of ``mimetype``: a ZIP with
    ``[Content_Types].xml`` and the main part, no encrypted member, at most ARCHIVE_MAX_MEMBERS
    members, and — read for real, not taken from the headers — at most ARCHIVE_MAX_BYTES unpacked
    without a member that inflates more than ARCHIVE_MAX_RATIO times."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            if len(infos) > ARCHIVE_MAX_MEMBERS or not {"[Content_Types].xml", OFFICE_MAIN_PART[mimetype]} <= names:
                return False
            if any(i.flag_bits & 0x1 for i in infos):  # encrypted
                return False
            total = 0
            for info in infos:
                size = 0
                with archive.open(info) as member:
                    while chunk := member.read(64 * 1024):
                        size += len(chunk)
                        total += len(chunk)
                        if total > ARCHIVE_MAX_BYTES:
                            return False
                        if size > 1024 * 1024 and size > ARCHIVE_MAX_RATIO * max(info.compress_size, 1):
                            return False
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, ValueError, OSError,
            EOFError, zlib.error):
        return False
    return True


def sniff(head: bytes, content: bytes) -> str | None:
    """The content type from the bytes themselves (never from the name). A PDF starts with
    ``%PDF-`` at offset 0 and holds no HTML in its first KB (a PDF/HTML polyglot is refused); a
    DOCX is opened as an archive, with limits, before it is accepted."""
    first_kb = content[:1024]
    if content.startswith(b"%PDF-"):
        return None if _looks_like_html(first_kb) else "application/pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"PK\x03\x04"):
        return DOCX if office_package(content, DOCX) else None
    return None


def upload_filename(filename: str) -> str:
    """The name an upload is kept under: a control character (a NUL that would reach
    ``Content-Disposition``) is refused with 422; a path is cut to its last part and unsafe
    characters are replaced (``safe_filename``)."""
    if has_control(filename or ""):
        raise field_error("file", _("The file name contains a control character: rename the file."))
    return safe_filename(filename or "")


def add_attachment(session: Session, actor, proposal_id: int, *, doc_type: str, filename: str,
                   content: bytes, max_bytes: int) -> Attachment:
    """Store one uploaded document (in the configured storage, ``workflow.storage``: every web
    process and worker reads it). 413 over the size limit, 422 for a type not allowed."""
    proposal = get_proposal(session, actor, proposal_id)
    if not policies.can_attach(actor, proposal):
        raise Forbidden(_("You may not add documents to this proposal now."))
    doc_type = (doc_type or "").strip()
    if not doc_type or len(doc_type) > 60:
        raise field_error("doc_type", _("Say what the document is (doc_type)."))
    if len(content) > max_bytes:
        raise TooLarge(_("The file is larger than %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
    if not content:
        raise field_error("file", _("The file is empty."))
    filename = upload_filename(filename)
    content_type = sniff(content[:16], content)
    if content_type is None:
        raise field_error("file", _("Only PDF, DOCX, JPEG and PNG files are accepted."))
    stored_name = uuid.uuid4().hex
    files = storage.store(session)
    files.put(stored_name, content, content_type)
    attachment = Attachment(proposal_id=proposal.id, doc_type=doc_type,
                            filename=filename, stored_name=stored_name,
                            content_type=content_type, size=len(content),
                            sha256=hashlib.sha256(content).hexdigest(), uploaded_by_id=actor.id)
    session.add(attachment)
    on_rollback(session, lambda: files.undo([stored_name]))  # nothing half-written: no row, no orphan file
    session.flush()
    audit.record(session, chain=proposal.current_authority.code, actor=actor, action="attachment.add",
                 object_type="proposal", object_id=proposal.id,
                 data={"doc_type": doc_type, "sha256": attachment.sha256, "size": attachment.size})
    return attachment


def stored_files(session: Session) -> list[tuple[str, str]]:
    """(storage key, content type) of every attachment's file, oldest first (``tdkt storage copy``)."""
    return list(session.execute(select(Attachment.stored_name, Attachment.content_type).order_by(Attachment.id)).all())


def attachment_content(session: Session, attachment: Attachment) -> bytes | None:
    """The stored bytes of ``attachment`` (None when its file is missing from the storage)."""
    return storage.store(session).get(attachment.stored_name)


def get_attachment(session: Session, actor, attachment_id: int) -> Attachment:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound(_("Unknown document: %(id)s.", id=attachment_id))
    get_proposal(session, actor, attachment.proposal_id)  # 404 when out of scope
    return attachment


def mark_paper_received(session: Session, actor, proposal_id: int, doc_type: str) -> PaperReceipt:
    """The secretary ticks that the paper copy of a declared document arrived."""
    proposal = get_proposal(session, actor, proposal_id)
    if not policies.can_screen(actor, proposal):
        raise Forbidden(_("Only the secretary records paper copies."))
    if not (doc_type or "").strip():
        raise field_error("doc_type", _("Say which document (doc_type)."))
    existing = session.scalar(select(PaperReceipt).where(PaperReceipt.proposal_id == proposal.id,
                                                         PaperReceipt.doc_type == doc_type))
    if existing is not None:
        return existing
    receipt = PaperReceipt(proposal_id=proposal.id, doc_type=doc_type.strip(), received_by_id=actor.id)
    session.add(receipt)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()  # a lost race (nothing else written yet): the concurrent tick's row is the answer
        return session.scalar(select(PaperReceipt).where(PaperReceipt.proposal_id == proposal.id,
                                                         PaperReceipt.doc_type == doc_type))
    audit.record(session, chain=proposal.current_authority.code, actor=actor, action="paper.received",
                 object_type="proposal", object_id=proposal.id, data={"doc_type": doc_type})
    session.flush()
    return receipt
