"""Paging of the HTML lists: the page asked for, the number of pages, one page of a select and
its total. Every list shows its total and leads to the rest (``templates/_pager.html``), never a
silent cut at some hundred rows."""

from __future__ import annotations

from flask import current_app, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

PER_PAGE = 50
MAX_PAGE = 100_000


def page_arg() -> int:
    """The ``page`` of the query string, 1 when missing or not a number, within [1, MAX_PAGE]."""
    return max(1, min(request.args.get("page", 1, type=int) or 1, MAX_PAGE))


def per_page() -> int:
    """Rows on a page of a list: ``TDKT_LIST_PER_PAGE`` (tests page through a few rows), else 50."""
    return int(current_app.config.get("TDKT_LIST_PER_PAGE") or PER_PAGE)


def page_count(total: int, size: int | None = None) -> int:
    return max(1, -(-total // (size or per_page())))


def paginate(session: Session, query, page: int, size: int | None = None) -> tuple[list, int]:
    """(rows of page ``page``, total) of an ORM ``select`` (ordered by the caller)."""
    limit = size or per_page()
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.offset((page - 1) * limit).limit(limit)).unique())
    return items, total


def kept(args, names) -> dict[str, str]:
    """The filters among ``names`` present in ``args``: a form's values and the pager's arguments."""
    return {n: args.get(n).strip() for n in names if (args.get(n) or "").strip()}


def parse_simple(values: dict[str, str], *, choices: dict[str, tuple] | None = None,
                 years: tuple[str, ...] = ()) -> tuple[dict, dict[str, str]]:
    """(parsed, errors) of a list's simple filters: ``choices`` names a filter and its allowed
    values, ``years`` the filters that are a year. A value outside them is an error the screen
    shows (and the list then shows nothing, rather than a wrong set)."""
    from flask_babel import gettext as _

    from workflow.validation import EARLIEST_YEAR, LATEST_YEAR

    parsed, errors = {}, {}
    for name, allowed in (choices or {}).items():
        if name in values:
            if values[name] in allowed:
                parsed[name] = values[name]
            else:
                errors[name] = _("Must be one of: %(values)s.", values=", ".join(allowed))
    for name in years:
        if name in values:
            try:
                year = int(values[name])
            except ValueError:
                year = None
            if year is None or not EARLIEST_YEAR <= year <= LATEST_YEAR:
                errors[name] = _("The year must be a whole number from %(low)d to %(high)d.",
                                 low=EARLIEST_YEAR, high=LATEST_YEAR)
            else:
                parsed[name] = year
    return parsed, errors


def recent_years(back: int = 6) -> list[tuple[int, int]]:
    """(year, year) options of a year filter: this year (Vietnam's) and the ``back`` before it."""
    from workflow import vntime

    this = vntime.today().year
    return [(y, y) for y in range(this + 1, this - back - 1, -1)]


def slice_page(rows: list, page: int, size: int | None = None) -> tuple[list, int]:
    """(rows of page ``page``, total) of a list already in memory (filtered by a rule in Python)."""
    size = size or per_page()
    return rows[(page - 1) * size: page * size], len(rows)
