"""Counting working days (ngày làm việc)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.audit import services as audit
from workflow.calendar.models import DAY_KINDS, CalendarDay
from workflow.errors import Forbidden, field_error
from workflow.vntime import year_bounds


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=year))


def public_holidays(year: int, locale: str = "vi") -> dict[date, str]:
    """Vietnam's public holidays of ``year`` with their names in ``locale`` (the calendar screen)."""
    return dict(holidays.country_holidays("VN", years=year, language="vi" if locale == "vi" else "en_US"))


def days_of_year(session: Session, year: int) -> list[CalendarDay]:
    """The configured days of a calendar year, in order (the calendar screen and ``GET /calendar``)."""
    first, last = year_bounds(year)
    return list(session.scalars(select(CalendarDay).where(CalendarDay.day >= first, CalendarDay.day <= last)
                                .order_by(CalendarDay.day)))


def _weekdays_through(day: date) -> int:
    """Mondays to Fridays from an epoch Monday up to and including ``day``."""
    days = day.toordinal() - _EPOCH_MONDAY  # day 0 is a Monday
    weeks, rest = divmod(days, 7)
    return weeks * 5 + min(rest + 1, 5)


_EPOCH_MONDAY = date(1900, 1, 1).toordinal()  # a Monday


class WorkCalendar:
    """Mon–Fri, minus Vietnam's public holidays and configured days off, plus configured working days."""

    def __init__(self, overrides: dict[date, str] | None = None):
        self.overrides = overrides or {}

    @classmethod
    def load(cls, session: Session) -> WorkCalendar:
        """Every configured day."""
        return cls({d.day: d.kind for d in session.scalars(select(CalendarDay))})

    def is_working_day(self, day: date) -> bool:
        kind = self.overrides.get(day)
        if kind is not None:
            return kind == "working_day"
        return day.weekday() < 5 and day not in _public_holidays(day.year)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end ≤ start). Counted,
        not walked day by day (a list shows a clock per row): the weekdays of the span, minus the
        public holidays on weekdays, then each configured day in the span set to what it says."""
        if end <= start:
            return 0
        count = _weekdays_through(end) - _weekdays_through(start)
        for year in range(start.year, end.year + 1):
            count -= sum(1 for day in _public_holidays(year)
                         if start < day <= end and day.weekday() < 5 and day not in self.overrides)
        for day, kind in self.overrides.items():
            if start < day <= end:  # counted above as any weekday: now as it is configured
                count += (kind == "working_day") - (day.weekday() < 5)
        return count

    def working_days_in(self, year: int) -> int:
        """The working days of a calendar year."""
        first, last = year_bounds(year)
        return self.working_days_between(first - timedelta(days=1), last)

    def add_working_days(self, start: date, days: int) -> date:
        """The date ``days`` working days after ``start``."""
        day, left = start, days
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day


def set_day(session: Session, actor, day: date, kind: str | None, note: str = "") -> CalendarDay | None:
    """Configure a day (deployment admin): an extra day off, a compensatory working day, or back to
    the default (``kind`` None). Audited."""
    from flask_babel import gettext as _

    if not getattr(actor, "is_deployment_admin", False):
        raise Forbidden(_("Only the deployment administrator edits the calendar."))
    if kind is not None and kind not in DAY_KINDS:
        raise field_error("kind", _("Must be one of: %(values)s.", values=", ".join(DAY_KINDS)))
    row = session.get(CalendarDay, day)
    if kind is None:
        if row is not None:
            session.delete(row)
        row = None
    else:
        row = row or CalendarDay(day=day)
        row.kind, row.note = kind, (note or "").strip()[:200]
        session.add(row)
    session.flush()
    audit.record(session, chain=None, actor=actor, action="calendar.set", object_type="calendar_day",
                 object_id=day.isoformat(), data={"kind": kind, "note": note})
    session.flush()
    return row
