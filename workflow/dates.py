"""How a date and a moment read on a screen or in a message, in the current language: Vietnamese
administrative style (31/10/2025, 08:30 31/10/2025), other languages their own medium form
(Oct 31, 2025). Moments are shown in Vietnam's time (``workflow.vntime``). Issued documents are
Vietnamese whatever the reader's language and keep their own format (``workflow.documents``)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from babel.dates import format_date, format_time
from flask import has_request_context

from workflow.locales import current_locale, default_locale
from workflow.vntime import VN_TZ


def _locale() -> str:
    return current_locale() if has_request_context() else default_locale()


def show_date(value: date | datetime | str | None, locale: str | None = None) -> str:
    """A date (or ISO date text, as the evidence JSON stores it) in the current language (or
    ``locale``, which a list showing one per row looks up once)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.date()
    locale = locale or _locale()
    return value.strftime("%d/%m/%Y") if locale == "vi" else format_date(value, "medium", locale=locale)


def show_moment(value: datetime | str | None, locale: str | None = None) -> str:
    """A moment (naive = UTC, as SQLite keeps it) as Vietnam's wall-clock time and date, in the
    current language (or ``locale``)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(VN_TZ)
    locale = locale or _locale()
    if locale == "vi":
        return local.strftime("%H:%M %d/%m/%Y")
    return f"{format_date(local.date(), 'medium', locale=locale)}, {format_time(local.time(), 'short', locale=locale)}"
