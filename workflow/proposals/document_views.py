"""Documents, paper copies and objections on a proposal: the routes of the ``proposals`` blueprint
that upload, download and tick (split from ``views`` to keep each file short)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workflow.documents.http import send_download
from workflow.errors import DomainError, NotFound
from workflow.extensions import db
from workflow.proposals import attachments, choices, eligibility, notice
from workflow.proposals.blueprint import bp
from workflow.proposals.blueprint import load_proposal as _load
from workflow.proposals.blueprint import refused as _refused
from workflow.proposals.forms import PaperForm, ResolveForm, UploadForm
from workflow.proposals.screen import OTHER_DOCUMENT

# --- documents, paper copies, objections ----------------------------------------------------------

@bp.post("/<int:proposal_id>/tai-lieu")
@login_required
def upload(proposal_id: int):
    """Upload one document (PDF, DOCX, JPEG, PNG; the type is read from the content)."""
    proposal = _load(proposal_id)
    found = eligibility.award_rule(db.session, proposal)
    form = UploadForm()
    form.doc_type.choices = choices.document_types(found[1] if found else {}) + [(OTHER_DOCUMENT, "")]
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "danger")
    else:
        upload_file = form.file.data
        try:
            attachments.add_attachment(
                db.session, current_user, proposal.id, doc_type=form.doc_type.data,
                filename=upload_file.filename or "", content=upload_file.read(),
                max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
        except DomainError as exc:
            _refused(exc)
        else:
            flash(_("The document %(name)s was uploaded.", name=upload_file.filename), "success")
    return redirect(url_for(".detail", proposal_id=proposal.id, _anchor="documents"))


@bp.errorhandler(413)
def _too_large(_exc):
    """An upload over the size limit: say so on the proposal rather than on a bare error page."""
    flash(_("The file is larger than %(mb)d MB.", mb=current_app.config["TDKT_UPLOAD_MAX_MB"]), "danger")
    proposal_id = (request.view_args or {}).get("proposal_id")
    if proposal_id is None:
        return redirect(url_for(".index"))
    return redirect(url_for(".detail", proposal_id=proposal_id, _anchor="documents"))


@bp.get("/tai-lieu/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    """Download a document: only within the user's scope, always as an attachment."""
    try:
        attachment = attachments.get_attachment(db.session, current_user, attachment_id)
    except NotFound:
        abort(404)
    content = attachments.attachment_content(db.session, attachment)
    if content is None:
        abort(404)
    return send_download(content, attachment.content_type, attachment.filename, no_store=False)


@bp.post("/<int:proposal_id>/ban-giay")
@login_required
def paper(proposal_id: int):
    """The secretary ticks that the paper copy of a required document was received."""
    proposal = _load(proposal_id)
    form = PaperForm()
    if form.validate_on_submit():
        try:
            attachments.mark_paper_received(db.session, current_user, proposal.id, form.doc_type.data)
        except DomainError as exc:
            _refused(exc)
        else:
            flash(_("The paper copy was recorded as received."), "success")
    return redirect(url_for(".detail", proposal_id=proposal.id, _anchor="documents"))


@bp.post("/<int:proposal_id>/y-kien/<int:objection_id>")
@login_required
def resolve(proposal_id: int, objection_id: int):
    """Record how an objection was settled (needed before the notice can close)."""
    proposal = _load(proposal_id)
    if not any(o.id == objection_id for o in proposal.objections):
        abort(404)
    form = ResolveForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "danger")
    else:
        try:
            notice.resolve_objection(db.session, current_user, objection_id, form.resolution.data)
        except DomainError as exc:
            _refused(exc)
        else:
            flash(_("The resolution was recorded."), "success")
    return redirect(url_for(".detail", proposal_id=proposal.id, _anchor="objections"))

