"""Vietnam's clock: "now" and "today" in Asia/Ho_Chi_Minh, whatever the server's zone.

Every date of the domain (signing date, notice periods, deadlines, eligibility years, reminders'
due dates, a decision's default date) is the date in Vietnam: at 23:30 UTC it is already 06:30 the
next morning there. Everything reads the moment from ``workflow.db.utcnow`` (looked up at call
time), so a test that moves that clock moves every "today" of the domain with it.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import workflow.db  # noqa: F401  (loaded, then read through sys.modules: see now())

ZONE_NAME = "Asia/Ho_Chi_Minh"
VN_TZ = ZoneInfo(ZONE_NAME)


def now() -> datetime:
    """The current moment as an aware datetime in Vietnam's zone."""
    # the module's attribute at call time, so a patched ``workflow.db.utcnow`` is seen; not
    # ``workflow.db`` by attribute either: the package's ``db`` is the SQLAlchemy extension
    return sys.modules["workflow.db"].utcnow().astimezone(VN_TZ)


def today() -> date:
    """Today's date in Vietnam."""
    return now().date()


def local_date(moment: datetime) -> date:
    """The Vietnam date of an aware moment (a naive one is taken as UTC, as SQLite stores it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VN_TZ).date()


def local_midnight(day: date) -> datetime:
    """The UTC moment at which ``day`` starts in Vietnam."""
    return datetime.combine(day, time.min, VN_TZ).astimezone(UTC)


def localize(moment: datetime) -> datetime:
    """A naive wall-clock time read as Vietnam time (a form's or an API body's "08:00"); an aware
    one is left as it is."""
    return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)


def year_bounds(year: int) -> tuple[date, date]:
    """The first and last day of a calendar year (the year of an achievement, of a round)."""
    return date(year, 1, 1), date(year, 12, 31)


def this_year() -> int:
    """The current year in Vietnam (on 31 December at 18:00 UTC it is already next year there)."""
    return today().year
