"""What a row of the proposal lists and of the secretary's inbox shows, made once per page in
Python from the plain rows of ``screen_queries``: each label translated once per page (not once
per row), each row's words formatted into it, the rule in force looked up once per authority, a
clock's text rendered once per distinct clock. The templates then only place the strings (at a
province's scale the per-row ``gettext``, ``url_for`` and macro calls were most of the page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import get_template_attribute, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import Session

from workflow import vntime
from workflow.calendar.services import WorkCalendar
from workflow.dates import show_date, show_moment
from workflow.locales import award_name, current_locale
from workflow.org.models import Authority
from workflow.proposals import choices, notice, screen_queries
from workflow.proposals.clock import Clock, clock_of, histories
from workflow.proposals.screen import kind_names

_SENTINEL = 987654321  # an id no page holds: where a row's id goes in the detail link


@dataclass(slots=True)
class ListRow:
    id: int
    state: str
    url: str
    name: str
    select_label: Markup
    updated: Markup
    award: str
    kind: str
    unit: str
    round: str


@dataclass(slots=True)
class InboxRow:
    id: int
    state: str
    url: str
    name: str
    select_label: Markup
    award: str
    kind: str
    unit: str
    clock: Clock
    clock_text: Markup
    notice_until: date | None
    notice_text: Markup | None
    days_left_text: Markup | None


def _format(message: str) -> Markup:
    """``message`` translated, as the templates' ``_()`` makes it: the catalogue's text is markup
    (Jinja's i18n marks it so), the values ``%`` puts into it are escaped."""
    return Markup(_(message))  # nosec B704 (the catalogue's own text; every value put in is escaped)


class _Page:
    """What every row of one page shares: the language, the translated formats, the link, the
    kinds' names, the rules in force by authority."""

    def __init__(self, session: Session, in_force: dict[int, dict] | None = None):
        self.session = session
        self.locale = current_locale()
        self.name_key = "name_en" if self.locale == "en" else "name_vi"
        self.kinds = kind_names()
        self.select = _format("Select %(name)s")
        head, _sentinel, tail = url_for("proposals.detail", proposal_id=_SENTINEL).partition(str(_SENTINEL))
        self.link = head.replace("%", "%%") + "%d" + tail.replace("%", "%%")
        self.in_force = {} if in_force is None else in_force

    def rules(self, authority_id: int) -> dict[str, dict]:
        """The rule set in force at the authority (``award_names`` and the inbox looked it up so)."""
        if authority_id not in self.in_force:
            self.in_force[authority_id] = choices.rules_in_force(self.session, self.session.get(Authority, authority_id))
        return self.in_force[authority_id]


def _list_award(page: _Page, row) -> str:
    """The award's name as ``screen.award_names`` gives it: the accepted snapshot's, else the rule
    set's in force at the proposal's authority, else the code."""
    code = row.award_type_code
    if row.rule_set_code and row.snapshot_name is not None:  # the database read the name in the snapshot
        return row.snapshot_name or code
    rule = row.snapshot if row.rule_set_code and row.snapshot else None
    if rule is None:
        rule = page.rules(row.current_authority_id).get(code)
    return award_name(rule, code, page.locale)


def list_rows(session: Session, user, *, page: int, per_page: int, **filters) -> tuple[list[ListRow], int]:
    """(rows, total) of a page of the proposal list (``list.html``), newest first; ``clause`` among
    the filters: the user's ``queries.scope_clause``, when the page built it."""
    shared = _Page(session)
    found, total = screen_queries.list_page(session, user, name_key=shared.name_key, page=page, per_page=per_page,
                                            **filters)
    updated = _format("Updated %(when)s")
    kinds, locale, link, select = shared.kinds, shared.locale, shared.link, shared.select
    rows = [ListRow(r.id, r.state, link % r.id, r.nominee_name, select % {"name": r.nominee_name},
                    updated % {"when": show_moment(r.updated_at, locale)}, _list_award(shared, r),
                    kinds[r.nominee_kind], r.unit_name, r.round_title) for r in found]
    return rows, total


def _inbox_rule(page: _Page, row) -> tuple[str, int | None]:
    """(award name, processing days) as the inbox read them from ``choices.rule_of`` and
    ``clock.processing_clock``: the snapshot's once received, else the rule in force."""
    code = row.award_type_code
    if row.rule_set_code and row.snapshot_name is not None:  # received: both from the snapshot
        return row.snapshot_name or code, row.snapshot_days
    typed = row.snapshot or None  # the clock reads the snapshot whenever there is one
    rule = (row.snapshot if row.rule_set_code and row.snapshot else page.rules(row.current_authority_id).get(code)) or {}
    limit = (typed.get("processing_days") if typed else None) or rule.get("processing_days")
    return award_name(rule, code, page.locale), limit


class _ClockTexts:
    """A clock's words (the ``clock_text`` macro of the detail page), rendered once per distinct
    clock of the page."""

    def __init__(self):
        self.macro = get_template_attribute("proposals/_macros.html", "clock_text")
        self.seen: dict[tuple, Markup] = {}

    def __call__(self, clock: Clock) -> Markup:
        key = (clock.finished, clock.working_days, clock.limit)
        if key not in self.seen:
            self.seen[key] = self.macro(clock)
        return self.seen[key]


def inbox_rows(session: Session, user, calendar: WorkCalendar, *, page: int, per_page: int, **filters) -> tuple[list[InboxRow], int]:
    """(rows, total) of a page of the inbox, oldest first, with each row's processing clock."""
    shared = _Page(session)
    found, total = screen_queries.inbox_page(session, user, name_key=shared.name_key, page=page, per_page=per_page,
                                             clause=screen_queries.inbox_scope(session, user), **filters)
    history = histories(session, [r.id for r in found])
    today = vntime.today()
    texts = _ClockTexts()
    notice_until, days_left = _format("Notice until %(date)s"), _format("%(n)d day(s) left")
    rows = []
    for r in found:
        award, limit = _inbox_rule(shared, r)
        clock = clock_of(history[r.id], r.origin_code, r.current_code, r.state, limit, calendar, today)
        shown = r.notice_until is not None
        rows.append(InboxRow(r.id, r.state, shared.link % r.id, r.nominee_name, shared.select % {"name": r.nominee_name},
                             award, shared.kinds[r.nominee_kind], r.unit_name, clock, texts(clock), r.notice_until,
                             notice_until % {"date": show_date(r.notice_until, shared.locale)} if shown else None,
                             days_left % {"n": notice.days_left(r, today)} if shown else None))
    return rows, total
