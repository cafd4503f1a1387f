"""The filter form of the proposal screens (all proposals, my unit's, the inbox): the query
string parsed by ``queries.parse_filters`` — the parser the JSON list and the export use —, its
choices, and what the template needs to keep the filters on every page link."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, request
from flask_login import current_user

from workflow.errors import Invalid, NotFound
from workflow.extensions import db
from workflow.locales import is_english
from workflow.proposals import queries

UNIT_CHOICES = 300  # more units than this (a province's): the unit filter is typed, not picked


@dataclass
class ListFilters:
    """What a proposal screen filters by. ``values``: the raw query string (the form's values and
    the pager's arguments); ``query``: ``list_proposals`` keywords, None when a value is malformed
    (``errors`` says which, the list shows nothing rather than a wrong set)."""

    values: dict[str, str]
    query: dict | None
    errors: dict[str, str] = field(default_factory=dict)
    choices: dict = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return bool(self.values)


def list_filters(*, fields=queries.FILTERS) -> ListFilters:
    """Parse the request's filters for ``current_user``; 404 for an out-of-scope authority, unit or
    round (as the API answers), a form message for a malformed value."""
    values = {k: v for k, v in queries.filter_args(request.args).items() if k in fields}
    try:
        query = queries.parse_filters(db.session, current_user, values)
    except NotFound:
        abort(404)
    except Invalid as exc:
        result = ListFilters(values, None, dict(exc.details))
    else:
        result = ListFilters(values, query)
    result.choices = _choices(fields)
    return result


def _choices(fields) -> dict:
    session, user = db.session, current_user
    english = is_english()
    out: dict = {}
    if "year" in fields:
        out["years"] = queries.years_for(session, user)
    if "award_type" in fields:
        out["award_types"] = [(code, en if english else vi) for code, vi, en in queries.award_type_options(session)]
    if "authority" in fields:
        out["authorities"] = [(a.code, a.name) for a in queries.filter_authorities(session, user)]
    if "unit" in fields:
        units = queries.filter_units(session, user, limit=UNIT_CHOICES + 1)
        out["units"] = None if len(units) > UNIT_CHOICES else [(u.code, u.name) for u in units]
    return out

