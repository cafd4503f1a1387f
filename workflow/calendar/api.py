"""JSON endpoints for the working-day calendar."""

from __future__ import annotations

from datetime import date
from typing import Literal

from flask import jsonify
from pydantic import BaseModel, ConfigDict

from workflow import vntime
from workflow.api import schemas
from workflow.api.core import parse_query_int, route
from workflow.calendar.services import WorkCalendar, days_of_year, set_day
from workflow.extensions import db
from workflow.validation import Text, check_date


class DayIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: Literal["day_off", "working_day"] | None = None
    note: Text(200) = ""


@route("/calendar", tags=("calendar",), query=schemas.YearQuery, resp=schemas.CalendarOut)
def calendar(user):
    """Configured days of ``?year=`` and its number of working days."""
    year = parse_query_int("year", vntime.today().year, 1946, 2200)
    days = days_of_year(db.session, year)
    work = WorkCalendar({d.day: d.kind for d in days})
    return jsonify({"year": year, "working_days": work.working_days_in(year),
                    "days": [{"day": d.day.isoformat(), "kind": d.kind, "note": d.note} for d in days]})


@route("/calendar/<day>", methods=["PUT"], body=DayIn, tags=("calendar",), resp=schemas.DayOut)
def put_day(user, day: str, data: DayIn):
    """Configure a day: ``day_off``, ``working_day`` or null (back to the default) — deployment admin."""
    from flask_babel import gettext as _

    from workflow.errors import field_error

    try:
        parsed = date.fromisoformat(day)
    except ValueError as exc:
        raise field_error("day", _("Write the date as YYYY-MM-DD.")) from exc
    check_date("day", parsed)
    row = set_day(db.session, user, parsed, data.kind, data.note)
    return jsonify({"day": parsed.isoformat(), "kind": row.kind if row else None, "note": row.note if row else ""})
