"""JSON endpoints for the base salary series (lương cơ sở)."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from workflow.api import schemas
from workflow.api.core import route
from workflow.cash import services
from workflow.errors import field_error
from workflow.extensions import db


def _series_json(rows) -> dict:
    return {"steps": [{"from": r.effective_from.isoformat(),
                       "to": r.effective_to.isoformat() if r.effective_to else None,
                       "amount_vnd": r.amount_vnd, "source": r.source, "verify": r.verify} for r in rows],
            "edited": any(r.edited for r in rows)}


@route("/base-salary", tags=("catalogue",), resp=schemas.SalarySeriesOut)
def get_base_salary(user):
    """The base salary series: each step's dates, amount (VND) and legal source."""
    return jsonify(_series_json(services.series(db.session)))


@route("/base-salary", methods=["PUT"], tags=("catalogue",),
       doc_body=schemas.SalarySeriesIn, resp=schemas.SalarySeriesOut)
def put_base_salary(user):
    """Replace the base salary series (deployment admin): ``{steps: [{from, to?, amount_vnd,
    source, verify?}]}``, checked whole (422 naming the step on a gap, an overlap or a bad amount).
    Issued decisions keep their amounts."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or set(payload) != {"steps"}:
        raise field_error("steps", _("The body is a JSON object with the list “steps”."))
    rows = services.replace_series(db.session, user, payload["steps"])
    return jsonify(_series_json(rows))
