"""The dashboard screen (bảng điều khiển), one per user: what waits for them, the proposals they may
read by state, charts by year, award type and unit, and — for a district or province — every commune
below it. Thin: parse the filters, ask ``reports.dashboard`` and ``reports.waiting``, render."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from workflow import vntime
from workflow.calendar.services import WorkCalendar
from workflow.extensions import db
from workflow.locales import award_name
from workflow.proposals.models import STATES
from workflow.proposals.screen import screen_globals
from workflow.proposals.vocab import State
from workflow.reports import dashboard
from workflow.reports.charts import bar_chart
from workflow.reports.waiting import waiting_for
from workflow.views import nav_item

bp = Blueprint("dashboard", __name__, url_prefix="/bang-dieu-khien")
bp.context_processor(screen_globals)

nav_item("dashboard.index", _l("Dashboard"), order=10)

# the province view's columns: the year's path through the workflow, then what ended it
PROGRESS_STATES = (State.DRAFT, State.SUBMITTED, State.RETURNED, State.UNDER_REVIEW, State.PUBLIC_NOTICE, State.IN_COUNCIL, State.RECOMMENDED,
                   State.FORWARDED, State.AWARDED, State.NOT_RECOMMENDED, State.REJECTED, State.WITHDRAWN, State.REVOKED)


def _year() -> int | None:
    raw = request.args.get("year", "")
    if not raw:
        return None
    if not raw.isdigit() or not 1900 < int(raw) < 2200:
        abort(404)  # never a stack trace; an unknown year answers like one out of scope
    return int(raw)


def _state_link(state: str, year: int | None) -> str:
    return url_for("proposals.index", state=state, year=year)


@bp.get("/")
@login_required
# Stays whole (long or radon D+): one dashboard for every role, assembled from the year and the calendar
# loaded once.
def index():
    """The dashboard of the signed-in user."""
    session, user = db.session, current_user
    today, calendar = vntime.today(), WorkCalendar.load(db.session)
    year = _year()
    roots = dashboard.overseen_roots(session, user)
    wanted = request.args.get("authority")
    root = next((r for r in roots if r.code == wanted), None)
    if wanted and root is None:
        abort(404)  # an authority out of the user's scope answers as an unknown one
    root = root or (roots[0] if roots else None)
    communes = dashboard.communes_below(session, root) if root else []
    progress_year = year or vntime.this_year()
    lateness = dashboard.Lateness.today(calendar, today,
                                        dashboard.default_processing_days(session, root, today)) if communes else None
    found = dashboard.figures(session, user, year, [c.id for c in communes], progress_year, lateness)
    years = dashboard.years(found.per_year)
    if year is not None and year not in years:
        abort(404)  # a year outside the user's rounds
    counts = found.states
    waiting, waiting_total = waiting_for(session, user, today, calendar)

    names = dashboard.award_type_names(session, [c for c, _n in found.per_award])
    scope = _("year %(year)d", year=year) if year else _("all years")
    shown_units = len(found.per_unit)
    charts = [
        bar_chart("chart-year", _("Proposals by year"),
                  _("Number of proposals you may read, by the year of their round."),
                  [(y, n, url_for(".index", year=y)) for y, n in found.per_year], _("Proposals")),
        bar_chart("chart-award", _("Proposals by award type (%(scope)s)", scope=scope),
                  _("Number of proposals by award type, the most proposed first."),
                  [(award_name(names.get(c), c), n) for c, n in found.per_award], _("Proposals")),
        bar_chart("chart-unit", _("Proposals by unit (%(scope)s)", scope=scope),
                  _("The %(n)d units with the most proposals, of %(total)d.", n=shown_units, total=found.units)
                  if found.units > shown_units else _("Number of proposals by nominating unit."),
                  [(f"{u} · {a}", n) for u, a, n in found.per_unit], _("Proposals")),
    ]
    progress = dashboard.province_progress(session, user, communes, found, progress_year) if root else None
    # the province view's columns: the states some commune has this year (all of them empty: none)
    shown = [s for s in PROGRESS_STATES if any(row.states.get(s) for row in progress or [])]
    return render_template(
        "reports/dashboard.html", year=year, years=years, counts=counts, states=[s for s in STATES if counts.get(s)],
        total=sum(counts.values()), state_link=_state_link, waiting=waiting, waiting_total=waiting_total,
        today=today, charts=charts, roots=roots, root=root, progress=progress,
        progress_year=progress_year, progress_states=shown)
