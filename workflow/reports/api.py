"""JSON endpoint for the annual report (SPEC §8, §10)."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import gettext as _

from workflow.api import schemas
from workflow.api.core import parse_query_int, route
from workflow.documents import services as documents
from workflow.documents.http import download_response, send_download
from workflow.errors import field_error
from workflow.extensions import db
from workflow.locales import current_locale
from workflow.reports import spreadsheet
from workflow.reports.services import annual_report


def _query() -> tuple[str, int]:
    code = request.args.get("authority")
    if not code:
        raise field_error("authority", _("Give the authority code."))
    year = parse_query_int("year", None, 1946, 2200)
    if year is None:
        raise field_error("year", _("Give the year."))
    return code, year


@route("/reports/annual", tags=("reports",), query=schemas.AnnualReportQuery, resp=schemas.AnnualReportOut)
def annual(user):
    """Awards proposed to each higher level and given here, by award type and nominee kind
    (the authority's secretary and chair, admins of its scope; 404 for anyone else)."""
    code, year = _query()
    return jsonify(annual_report(db.session, user, code, year))


@route("/reports/annual.docx", tags=("reports",), query=schemas.AnnualReportQuery, media=(schemas.DOCX,))
def annual_docx(user):
    """The annual report section as a DOCX document (SPEC §10; same readers as the JSON); in
    English when the caller's interface language is English."""
    code, year = _query()
    return download_response(documents.annual_report_document(db.session, user, code, year, "docx",
                                                              current_app.instance_path,
                                                              lang=current_locale()))


@route("/reports/annual.xlsx", tags=("reports",), query=schemas.AnnualReportQuery, media=(schemas.XLSX,))
def annual_xlsx(user):
    """The annual report as a spreadsheet: one row per level and award type, counts by nominee kind
    (SPEC §10; same readers as the JSON)."""
    code, year = _query()
    filename, content = spreadsheet.annual_report_xlsx(db.session, user, code, year)
    return send_download(content, spreadsheet.MIMETYPE, filename)
