"""JSON endpoint for the annual report (SPEC §8, §10)."""

from __future__ import annotations

from flask import current_app, jsonify

from workflow.api import schemas
from workflow.api.core import authority_year_query, route
from workflow.documents import services as documents
from workflow.documents.http import download_response, send_download
from workflow.extensions import db
from workflow.locales import current_locale
from workflow.reports import spreadsheet
from workflow.reports.services import annual_report


@route("/reports/annual", tags=("reports",), query=schemas.AnnualReportQuery, resp=schemas.AnnualReportOut)
def annual(user):
    """Awards proposed to each higher level and given here, by award type and nominee kind
    (the authority's secretary and chair, admins of its scope; 404 for anyone else)."""
    code, year = authority_year_query()
    return jsonify(annual_report(db.session, user, code, year))


@route("/reports/annual.docx", tags=("reports",), query=schemas.AnnualReportQuery, media=(schemas.DOCX,))
def annual_docx(user):
    """The annual report section as a DOCX document (SPEC §10; same readers as the JSON); in
    English when the caller's interface language is English."""
    code, year = authority_year_query()
    return download_response(documents.annual_report_document(db.session, user, code, year, "docx",
                                                              current_app.instance_path,
                                                              lang=current_locale()))


@route("/reports/annual.xlsx", tags=("reports",), query=schemas.AnnualReportQuery, media=(schemas.XLSX,))
def annual_xlsx(user):
    """The annual report as a spreadsheet: one row per level and award type, counts by nominee kind
    (SPEC §10; same readers as the JSON)."""
    code, year = authority_year_query()
    filename, content = spreadsheet.annual_report_xlsx(db.session, user, code, year)
    return send_download(content, spreadsheet.MIMETYPE, filename)
