"""The base salary screen (lương cơ sở): the dated series that prices cash awards, replaced as a
whole by the deployment admin through ``cash.services.replace_series`` — as ``PUT
/api/v1/base-salary`` — after a confirmation (issued decisions keep their amounts). Any admin reads."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workflow.cash import services
from workflow.errors import DomainError
from workflow.extensions import db
from workflow.org import forms
from workflow.org.policies import is_administrator
from workflow.views import confirm_page, confirmed

bp = Blueprint("cash", __name__, url_prefix="/quan-tri/luong-co-so")
STEP_FIELDS = ("from", "to", "amount_vnd", "source", "verify")


def _amount(raw: str | None):
    """"1.800.000", "1,800,000" or "1800000" as 1800000; anything else stays text for the series
    check to refuse ("a whole number of đồng")."""
    text = re.sub(r"[.,\s]", "", raw or "")
    return int(text) if text.isdigit() else (raw or None)


def _rows_of_series() -> list[dict]:
    return [{"from": r.effective_from.isoformat(), "to": r.effective_to.isoformat() if r.effective_to else "",
             "amount_vnd": str(r.amount_vnd), "source": r.source, "verify": "1" if r.verify else ""}
            for r in services.series(db.session)]


def _page(rows: list[dict], errors: dict | None = None, status: int = 200):
    return render_template("cash/base_salary.html", series=services.series(db.session), rows=rows,
                           errors=errors or {}, can_edit=current_user.is_deployment_admin), status


@bp.get("/")
@login_required
def base_salary():
    """The series, newest step last; the deployment admin edits it as a table (one empty row to add a step)."""
    if not is_administrator(current_user):
        abort(404)
    return _page(_rows_of_series() + [dict.fromkeys(STEP_FIELDS, "")])


@bp.post("/")
@login_required
def save_base_salary():
    if not current_user.is_deployment_admin:
        abort(404)
    shown = forms.shown_rows("steps", STEP_FIELDS)
    filled, numbers = forms.rows("steps", ("from", "to", "amount_vnd", "source"))
    steps = []
    for row, n in zip(filled, numbers, strict=True):
        step = {"from": row["from"], "amount_vnd": _amount(row["amount_vnd"]), "source": row["source"] or "",
                "verify": request.form.get(f"steps-{n}-verify") == "1"}
        if row["to"]:
            step["to"] = row["to"]
        steps.append({k: v for k, v in step.items() if v is not None})
    try:
        services.check_series(steps)  # the same check the replacement makes, before asking to confirm
        if not confirmed():
            return confirm_page(
                title=_("Replace the base salary series?"),
                message=_("Decisions issued from now on are priced with the new series; issued decisions keep "
                          "their amounts."), button=_("Replace the series"), back=url_for("cash.base_salary"))
        services.replace_series(db.session, current_user, steps)
    except DomainError as exc:
        db.session.rollback()
        errors = {"": exc.message}
        for key in exc.details:
            match = re.match(r"\D*(\d+)\.(\w+)$", key)
            if match and int(match.group(1)) <= len(numbers):
                errors[f"steps.{numbers[int(match.group(1)) - 1]}.{match.group(2)}"] = exc.message
        return _page(shown, errors, 422)
    flash(_("The base salary series is saved."), "success")
    return redirect(url_for("cash.base_salary"))
