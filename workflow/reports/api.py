"""JSON endpoint for the annual report (SPEC §8, §10)."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from workflow.api.core import parse_query_int, route
from workflow.errors import field_error
from workflow.extensions import db
from workflow.reports.services import annual_report


@route("/reports/annual", tags=("reports",))
def annual(user):
    """Awards proposed to each higher level and given here, by award type and nominee kind."""
    code = request.args.get("authority")
    if not code:
        raise field_error("authority", _("Give the authority code."))
    year = parse_query_int("year", None, 1946, 2200)
    if year is None:
        raise field_error("year", _("Give the year."))
    return jsonify(annual_report(db.session, user, code, year))
