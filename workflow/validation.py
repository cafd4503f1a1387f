"""Bounded, typed building blocks for every input (API bodies, forms, paths, queries, services).

One definition of what a text, an id, a number of days and a date may be, used by the request
models of every ``api.py``, by the request guard (paths, query strings, form fields) and by the
services that screens call directly:

- text has no control characters (a multi-line text keeps ``\\n``, ``\\r`` and ``\\t``) and a
  maximum length: a NUL byte reaches neither PostgreSQL (which refuses it: a 500), nor a DOCX
  (python-docx refuses it), nor an e-mail header;
- an id fits PostgreSQL's ``integer`` (1 … 2³¹−1): beyond that SQLite raises OverflowError;
- a date lies between fixed bounds, so 1900 or 9999 never becomes a decision date.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from flask_babel import gettext as _
from pydantic import AfterValidator, Field

from workflow.dates import show_date
from workflow.errors import field_error
from workflow.responses import error_response, wants_json

MAX_ID = 2**31 - 1  # PostgreSQL integer
MAX_IDS = 1000  # ids listed in one request body
# any C0 control character or DEL; a multi-line text may keep tab, line feed and carriage return
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# XML 1.0 refuses these (and the two non-characters): what a DOCX part may not contain
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

# dates of the workflow (deadlines, meetings, decisions, outcomes, notices)
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2100, 12, 31)
# dates of the award history entered by hand (an award of the 1990s is a real prerequisite)
EARLIEST_HISTORY_DATE = date(1946, 1, 1)
EARLIEST_YEAR, LATEST_YEAR = EARLIEST_HISTORY_DATE.year, LATEST_DATE.year


def has_control(text: str, *, multiline: bool = False) -> bool:
    """True when ``text`` holds a control character (tab and line breaks allowed when multi-line)."""
    return bool((CONTROL_MULTILINE if multiline else CONTROL).search(text or ""))


def strip_control(text: str, *, multiline: bool = True) -> str:
    """``text`` without control characters (for output: documents, e-mail, filenames)."""
    return (CONTROL_MULTILINE if multiline else CONTROL).sub("", str(text or ""))


def xml_safe(text: str) -> str:
    """``text`` without the characters an XML document (a DOCX part) may not contain."""
    return XML_ILLEGAL.sub("", str(text or ""))


def _no_control(multiline: bool):
    def check(value: str) -> str:
        if has_control(value, multiline=multiline):
            raise ValueError("must not contain control characters")
        return value

    return check


def Text(max_length: int = 200, *, min_length: int = 0, pattern: str | None = None):  # noqa: N802
    """A single-line text: no control characters, at most ``max_length`` characters."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length, pattern=pattern),
                     AfterValidator(_no_control(False))]


def LongText(max_length: int = 5000, *, min_length: int = 0):  # noqa: N802
    """A multi-line text: line breaks and tabs allowed, no other control character."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length), AfterValidator(_no_control(True))]


def _date_within(low: date, high: date):
    def check(value: date) -> date:
        if not low <= value <= high:
            raise ValueError(f"must lie between {low.isoformat()} and {high.isoformat()}")
        return value

    return check


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Ids = Annotated[list[Id], Field(min_length=1, max_length=MAX_IDS)]
Count = Annotated[int, Field(ge=0, le=MAX_ID)]
Year = Annotated[int, Field(ge=EARLIEST_YEAR, le=LATEST_YEAR)]
Day = Annotated[date, AfterValidator(_date_within(EARLIEST_DATE, LATEST_DATE))]
HistoryDay = Annotated[date, AfterValidator(_date_within(EARLIEST_HISTORY_DATE, LATEST_DATE))]
Moment = Annotated[datetime, AfterValidator(lambda v: _date_within(EARLIEST_DATE, LATEST_DATE)(v.date()) and v)]
Code = Text(40, min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")  # authority, unit, award type codes
RuleSetCode = Text(40, min_length=1, pattern=r"^[a-z0-9+-]+$")  # a period or a province's overlay
Name = Text(200, min_length=1)


def check_date(field: str, value: date | None, *, history: bool = False) -> date | None:
    """``value`` when within the bounds (None passes); 422 naming ``field`` otherwise — for the
    services that screens call without a request model."""
    low = EARLIEST_HISTORY_DATE if history else EARLIEST_DATE
    if value is not None and not low <= value <= LATEST_DATE:
        raise field_error(field, _("The date must lie between %(low)s and %(high)s.",
                                   low=show_date(low), high=show_date(LATEST_DATE)))
    return value


def parse_id(raw) -> int | None:
    """A form or query value as a database id: ASCII digits within 1 … MAX_ID, else None
    (``"²".isdigit()`` is True, yet ``int("²")`` raises)."""
    text = str(raw or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def form_ids(field: str, values: list[str]) -> list[int]:
    """Form values as ids; 422 naming ``field`` when one is not an id."""
    ids = [parse_id(v) for v in values]
    if any(i is None for i in ids):
        raise field_error(field, _("Not a valid id."))
    return ids


def check_id(field: str, value: int | None) -> int | None:
    """``value`` when it is a database id (None passes); 422 naming ``field`` otherwise."""
    if value is not None and not (isinstance(value, int) and 1 <= value <= MAX_ID):
        raise field_error(field, _("Not a valid id."))
    return value


# --- the request guard: every request, HTML and API, anonymous ones included ----------------------

JSON_MAX_BYTES = 1024 * 1024  # a JSON body; uploads are multipart and have their own limit
JSON_MAX_DEPTH = 32
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in ``raw``, counted without parsing it (a parser
    recurses: a deep enough body is a RecursionError, i.e. a 500)."""
    depth = deepest = 0
    for bracket in _JSON_BRACKET.findall(_JSON_STRING.sub(b'""', raw)):
        depth += 1 if bracket in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    return deepest


def _refuse(status: int, field: str, message: str):
    from flask import render_template

    if wants_json():
        code = "too_large" if status == 413 else "validation_error"
        return error_response(status, code, message, {field: message})
    return render_template("errors/generic.html", code=status, error=None, detail=message), status


def guard_request():
    """Refuse, before any view runs, a control character in the path, a query parameter or a form
    field (422 naming it), and a JSON body too large (413) or nested too deep (422)."""
    from flask import request

    if has_control(request.path):
        return _refuse(422, "path", _("The address contains a control character."))
    for name, value in request.args.items(multi=True):
        if has_control(name) or has_control(value):
            return _refuse(422, strip_control(name, multiline=False) or "query",
                           _("The parameter contains a control character."))
    if request.is_json:
        if (request.content_length or 0) > JSON_MAX_BYTES or len(request.get_data(cache=True)) > JSON_MAX_BYTES:
            return _refuse(413, "body", _("The request body is larger than %(kb)d KB.", kb=JSON_MAX_BYTES // 1024))
        if json_depth(request.get_data(cache=True)) > JSON_MAX_DEPTH:
            return _refuse(422, "body", _("The request body is nested more than %(n)d levels deep.",
                                          n=JSON_MAX_DEPTH))
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in request.form.items(multi=True):
            if has_control(name) or has_control(value, multiline=True):
                return _refuse(422, strip_control(name, multiline=False) or "form",
                               _("The field contains a control character."))
    return None
