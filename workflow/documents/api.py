"""Document downloads (DOCX/PDF), always as attachments and only within the caller's scope."""

from __future__ import annotations

from flask import current_app, request

from workflow.api import schemas
from workflow.api.core import authority_year_query, route
from workflow.documents import services
from workflow.documents.http import download_response
from workflow.extensions import db
from workflow.locales import current_locale


def _send(rendered: services.Rendered):
    return download_response(rendered)


def _format() -> str:
    return request.args.get("format", "pdf")


@route("/decisions/<int:decision_id>/document", tags=("documents",),
       query=schemas.DocumentQuery, media=schemas.DOCUMENT)
def decision_document(user, decision_id: int):
    """The decision with its attached list, as DOCX or PDF (``?format=``; a draft is marked DỰ THẢO)."""
    return _send(services.decision_document(db.session, user, decision_id, _format(),
                                            current_app.instance_path))


@route("/decisions/<int:decision_id>/certificates", tags=("documents",),
       query=schemas.DocumentQuery, media=schemas.DOCUMENT)
def decision_certificates(user, decision_id: int):
    """One certificate page (A4 landscape) per awardee of an issued decision; 409 before it is issued."""
    return _send(services.certificates_document(db.session, user, decision_id, _format(),
                                                current_app.instance_path))


@route("/submissions/<int:submission_id>/document", tags=("documents",),
       query=schemas.DocumentQuery, media=schemas.DOCUMENT)
def submission_document(user, submission_id: int):
    """The submission (tờ trình) with its list, as DOCX or PDF."""
    return _send(services.submission_document(db.session, user, submission_id, _format(),
                                              current_app.instance_path))


@route("/meetings/<int:meeting_id>/minutes", tags=("documents",),
       query=schemas.DocumentQuery, media=schemas.DOCUMENT)
def meeting_minutes(user, meeting_id: int):
    """The minutes of the meeting and its vote count, as DOCX or PDF; 409 before the vote closes."""
    return _send(services.minutes_document(db.session, user, meeting_id, _format(), current_app.instance_path))


@route("/reports/annual/document", tags=("documents",),
       query=schemas.AnnualDocumentQuery, media=schemas.DOCUMENT)
def annual_report_document(user):
    """The annual report section (awards proposed and given) as DOCX or PDF."""
    code, year = authority_year_query()
    return _send(services.annual_report_document(db.session, user, code, year, request.args.get("format", "docx"),
                                                 current_app.instance_path, lang=current_locale()))
