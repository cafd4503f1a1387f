"""The annual report screen (báo cáo năm) of the secretary, the chair and the admins of the scope:
choose the authority (when the user reads several) and the year; the page reads as section 4 of
the yearly report, with the DOCX and the XLSX to download. Thin: the counts are
``reports.services.annual_report``; the wording is the DOCX's (``documents/templates/report*.toml``)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from workflow import vntime
from workflow.documents import services as documents
from workflow.documents import wording
from workflow.documents.builders import forms
from workflow.documents.http import download_response, send_download
from workflow.documents.minutes import report_line_text
from workflow.errors import DomainError
from workflow.extensions import db
from workflow.locales import is_english
from workflow.org.vocab import Role
from workflow.reports import queries, services, spreadsheet
from workflow.views import nav_item

bp = Blueprint("reports", __name__, url_prefix="/bao-cao")
nav_item("reports.annual", _l("Annual report"), (Role.SECRETARY, Role.CHAIR, Role.ADMIN), order=70)

MIN_YEAR, MAX_YEAR = 1946, 2199


def _choice():
    """(authorities the user reads, the chosen one, its years, the chosen year, an error or None).
    An authority outside the user's reports is a 404, as for the API."""
    authorities = queries.readable_authorities(db.session, current_user)
    if not authorities:
        abort(404)
    code = request.args.get("authority") or authorities[0].code
    authority = next((a for a in authorities if a.code == code), None)
    if authority is None:
        abort(404)
    years = queries.round_years(db.session, authority)
    raw = (request.args.get("year") or "").strip()
    error = None
    if not raw:
        year = years[0] if years else vntime.today().year
    elif raw.isdigit() and MIN_YEAR <= int(raw) <= MAX_YEAR:
        year = int(raw)
    else:
        year = years[0] if years else vntime.today().year
        error = _("The year must be a number from %(low)d to %(high)d.", low=MIN_YEAR, high=MAX_YEAR)
    if vntime.today().year not in years:
        years = sorted({*years, vntime.today().year}, reverse=True)
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    return authorities, authority, years, year, error


@bp.get("/nam")
@login_required
def annual():
    authorities, authority, years, year, error = _choice()
    report = services.annual_report(db.session, current_user, authority.code, year) if error is None else None
    sections = []
    if report is not None:
        text = wording.load("report_en" if is_english() else "report", current_app.instance_path)
        values = {**forms(authority), "year": year, "section": text["section"], "symbol": text["symbol"]}
        level_words = text.get("levels", {})
        above, node = [], authority.parent
        while node is not None:
            above.append(node.kind)
            node = node.parent
        groups = {g["level"]: g["items"] for g in report["proposed_to"]}
        shown = [lv for lv in services.LEVEL_ORDER if lv in groups or lv in above]
        shown += [lv for lv in groups if lv not in shown]
        index = 0
        for level in shown:
            index += 1
            items = groups.get(level, [])
            sections.append({"heading": text.text("proposed_heading", **values, index=index,
                                                  level=level_words.get(level, level)),
                             "level": level, "half": "proposed", "rows": items,
                             "lines": [report_line_text(i, text, values, "proposed", is_english()) for i in items]})
        items = report["awarded_here"]
        sections.append({"heading": text.text("awarded_heading", **values, index=index + 1,
                                              level=level_words.get(authority.kind, authority.kind)),
                         "level": authority.kind, "half": "awarded", "rows": items,
                         "lines": [report_line_text(i, text, values, "awarded", is_english()) for i in items]})
        heading = text.text("heading", **values)
        nothing = text["nothing"]
    else:
        heading, nothing = "", ""
    return render_template("reports/annual.html", authorities=authorities, authority=authority, years=years,
                           year=year, error=error, report=report, sections=sections, heading=heading,
                           nothing=nothing, english=is_english())


def _download(make):
    try:
        return make()
    except DomainError as exc:
        if exc.status == 404:
            abort(404)
        raise


@bp.get("/nam.docx")
@login_required
def annual_docx():
    _authorities, authority, _years, year, error = _choice()
    if error:
        abort(400)
    return _download(lambda: download_response(documents.annual_report_document(
        db.session, current_user, authority.code, year, "docx", current_app.instance_path,
        lang="en" if is_english() else "vi")))


@bp.get("/nam.xlsx")
@login_required
def annual_xlsx():
    _authorities, authority, _years, year, error = _choice()
    if error:
        abort(400)

    def make():
        filename, content = spreadsheet.annual_report_xlsx(db.session, current_user, authority.code, year)
        return send_download(content, spreadsheet.MIMETYPE, filename)

    return _download(make)
