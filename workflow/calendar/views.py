"""The working-day calendar screen (lịch ngày làm việc): by year, Vietnam's public holidays (the
``holidays`` package) and the configured days — extra days off and make-up working days — which the
deployment admin sets or clears through ``calendar.services.set_day``, as ``PUT /api/v1/calendar/{day}``
does. Any admin reads it."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workflow import vntime
from workflow.api.core import check_body
from workflow.calendar.api import DayIn
from workflow.calendar.models import DAY_KINDS, CalendarDay
from workflow.calendar.services import WorkCalendar, days_of_year, public_holidays, set_day
from workflow.dates import show_date
from workflow.errors import DomainError, Invalid, field_error
from workflow.extensions import db
from workflow.locales import current_locale
from workflow.org.forms import field_errors
from workflow.org.policies import is_administrator
from workflow.validation import EARLIEST_DATE, LATEST_DATE, check_date
from workflow.views import confirm_page, confirmed

bp = Blueprint("calendar", __name__, url_prefix="/quan-tri/lich")


def _kind_labels() -> dict:
    return {"day_off": _("extra day off"), "working_day": _("make-up working day")}


def _year() -> int:
    year = request.values.get("year", type=int) or vntime.today().year
    if not EARLIEST_DATE.year <= year <= LATEST_DATE.year:
        abort(404)
    return year


def _page(year: int, values: dict | None = None, errors: dict | None = None, status: int = 200):
    days = days_of_year(db.session, year)
    work = WorkCalendar.load(db.session)
    holidays = sorted(public_holidays(year, current_locale()).items())
    return render_template(
        "calendar/days.html", year=year, days=days, holidays=holidays, kind_labels=_kind_labels(),
        kinds=[(k, _kind_labels()[k]) for k in DAY_KINDS], can_edit=current_user.is_deployment_admin,
        working_days=work.working_days_in(year),
        values=values or {"day": "", "kind": "day_off", "note": ""}, errors=errors or {}), status


@bp.get("/")
@login_required
def days():
    """The calendar of ``?year=`` (this year by default)."""
    if not is_administrator(current_user):
        abort(404)
    return _page(_year())


def _day(raw: str | None) -> date:
    try:
        parsed = date.fromisoformat((raw or "").strip())
    except ValueError as exc:
        raise field_error("day", _("Write the date as YYYY-MM-DD.")) from exc
    check_date("day", parsed)
    return parsed


@bp.post("/")
@login_required
def save_day():
    """Set a day as an extra day off or a make-up working day (deployment admin)."""
    if not current_user.is_deployment_admin:
        abort(404)
    year = _year()
    values = {k: request.form.get(k, "") for k in ("day", "kind", "note")}
    try:
        day = _day(values["day"])
        data = check_body(DayIn, {"kind": values["kind"] or None, "note": values["note"]}, for_people=True)
        if data.kind is None:
            raise field_error("kind", _("Choose what the day is."))
        set_day(db.session, current_user, day, data.kind, data.note)
    except Invalid as exc:
        db.session.rollback()
        return _page(year, values, field_errors(exc), 422)
    except DomainError as exc:
        db.session.rollback()
        return _page(year, values, {"": exc.message}, 422)
    flash(_("%(day)s is saved.", day=show_date(day)), "success")
    return redirect(url_for("calendar.days", year=day.year))


@bp.post("/xoa")
@login_required
def clear_day():
    """A configured day back to the default (public holidays and weekends), after a confirmation."""
    if not current_user.is_deployment_admin:
        abort(404)
    try:
        day = _day(request.form.get("day"))
    except Invalid:
        abort(404)
    if db.session.get(CalendarDay, day) is None:
        abort(404)
    if not confirmed():
        return confirm_page(title=_("Clear this day?"),
                            message=_("%(day)s goes back to the default: a working day from Monday to Friday "
                                      "unless it is a public holiday.", day=show_date(day)),
                            button=_("Clear the day"), back=url_for("calendar.days", year=day.year))
    set_day(db.session, current_user, day, None)
    flash(_("%(day)s is back to the default.", day=show_date(day)), "success")
    return redirect(url_for("calendar.days", year=day.year))
