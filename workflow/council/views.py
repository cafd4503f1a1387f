"""Council screens (Hội đồng Thi đua – Khen thưởng): the secretary creates a meeting, builds its
agenda and takes attendance; a member casts one secret ballot per meeting (a confirmation step,
then locked); the chair opens and closes the vote, follows the progress as a count and reads the
results once closed. Thin: parse, load (404), check the role, call one service, render or redirect.
A refused action rolls back, shows the service's message and changes nothing."""

from __future__ import annotations

from fractions import Fraction

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from workflow import paging
from workflow.council import ballots, policies, queries, services
from workflow.council.forms import MeetingForm
from workflow.council.models import MEETING_STATUSES
from workflow.dates import show_date, show_moment
from workflow.errors import Conflict, DomainError, NotFound
from workflow.extensions import db
from workflow.locales import award_name as locale_award_name
from workflow.org.vocab import Role
from workflow.proposals.states import STATE_LABELS
from workflow.validation import form_ids
from workflow.views import confirm_page, confirmed, nav_item
from workflow.vntime import VN_TZ

bp = Blueprint("council", __name__, url_prefix="/hoi-dong")

nav_item("council.meetings", _l("Council meetings"), roles=(Role.SECRETARY, Role.CHAIR, Role.COUNCIL_MEMBER), order=40)

LOCAL = VN_TZ
STATUS_LABELS = {"scheduled": _l("Scheduled"), "voting": _l("Voting open"), "closed": _l("Closed")}
CHOICES = ("yes", "no")


vn_time = show_moment  # the meeting's time, in the reader's language


def percent(value) -> str:
    """55.56 → "55,56%" (in the user's locale)."""
    return format_percent(float(value) / 100, format="#,##0.##%")


def fraction(text: str) -> str:
    """A rule's threshold fraction shown as a percentage."""
    return format_percent(float(Fraction(text)), format="#,##0.##%")


def award_name(proposal) -> str:
    return locale_award_name(proposal.award_rule, proposal.award_type_code)


@bp.context_processor
def _helpers() -> dict:
    return {"vn_time": vn_time, "award_name": award_name, "percent": percent, "fraction": fraction,
            "STATUS_LABELS": STATUS_LABELS, "STATE_LABELS": STATE_LABELS}


def _load(meeting_id: int, agenda_options: tuple = ()):
    """The meeting if the user may see it, else 404 (never 403 for an object out of scope)."""
    try:
        meeting = services.get_meeting(db.session, current_user, meeting_id)
    except NotFound:
        abort(404)
    queries.load_agenda(db.session, meeting, agenda_options)  # every meeting page reads its items
    return meeting


def _refused(exc: DomainError) -> None:
    db.session.rollback()
    flash(exc.message, "danger")


def _roles(meeting) -> dict:
    return {"secretary": policies.is_secretary(current_user, meeting.authority_id),
            "chair": policies.is_chair(current_user, meeting.authority_id),
            "seat": queries.seat_of(db.session, current_user, meeting.authority_id)}


# --- lists and the meeting page ------------------------------------------------------------------

@bp.get("/")
@login_required
def meetings():
    """Council meetings (phiên họp): for a member, the meetings of the councils they sit on;
    filters status and year, paged."""
    values, page = paging.kept(request.args, ("status", "year")), paging.page_arg()
    filters, errors = paging.parse_simple(values, choices={"status": MEETING_STATUSES}, years=("year",))
    rows, total = [], 0
    if not errors:
        rows, total = paging.paginate(db.session, queries.meetings_query(current_user, **filters), page)
    seated = {a for a in {m.authority_id for m in rows} if queries.seat_of(db.session, current_user, a)}
    return render_template("council/meetings.html", meetings=rows, seated=seated, values=values, errors=errors,
                           years=paging.recent_years(),
                           total=total, page=page, pages=paging.page_count(total),
                           can_create=bool(queries.secretary_authorities(current_user))), 400 if errors else 200


@bp.route("/moi", methods=["GET", "POST"])
@login_required
def new():
    """Schedule a meeting (secretary)."""
    authorities = queries.secretary_authorities(current_user)
    if not authorities:
        abort(404)
    form = MeetingForm()
    form.authority_code.choices = [(a.code, a.name) for a in authorities]
    if form.validate_on_submit():
        try:
            meeting = services.create_meeting(db.session, current_user, authority_code=form.authority_code.data,
                                              scheduled_at=form.scheduled_at.data.replace(tzinfo=LOCAL),
                                              place=form.place.data)
        except DomainError as exc:
            _refused(exc)
        else:
            flash(_("The meeting is scheduled. Now build its agenda."), "success")
            return redirect(url_for("council.agenda", meeting_id=meeting.id))
    return render_template("council/new.html", form=form)


@bp.get("/<int:meeting_id>")
@login_required
def detail(meeting_id: int, ties=None):
    """The meeting: agenda, attendance, and what the user's role may do now."""
    meeting = _load(meeting_id)
    roles = _roles(meeting)
    size = len(services.seats(db.session, meeting.authority_id))
    present = sum(1 for a in meeting.attendance if a.present)
    lines = queries.ballot_lines(db.session, meeting, current_user) if roles["seat"] else []
    return render_template(
        "council/detail.html", meeting=meeting, roles=roles, size=size, present=present,
        needed=services.quorum_needed(meeting, size),
        progress=services.progress(db.session, meeting) if meeting.status != "scheduled" else None,
        to_vote=sum(1 for line in lines if line.status == "open"), ties=ties,
        hands=[i for i in meeting.items if queries.decided_by_hands(i)]
        if roles["secretary"] and meeting.status == "voting" else [],  # only the secretary records them
        minutes=[("docx", "DOCX"), ("pdf", "PDF")])


# --- secretary: agenda and attendance ------------------------------------------------------------

def _secretary_meeting(meeting_id: int):
    meeting = _load(meeting_id)
    if not policies.is_secretary(current_user, meeting.authority_id):
        abort(403)
    return meeting


@bp.route("/<int:meeting_id>/chuong-trinh", methods=["GET", "POST"])
@login_required
def agenda(meeting_id: int):
    """Build the agenda from the proposals under review whose award type needs a vote (secretary)."""
    meeting = _secretary_meeting(meeting_id)
    if request.method == "POST":
        try:
            chosen = form_ids("proposal_ids", request.form.getlist("proposal_id"))
            services.set_agenda(db.session, current_user, meeting.id, chosen)
        except DomainError as exc:
            _refused(exc)
            return redirect(url_for("council.agenda", meeting_id=meeting.id))
        flash(_("%(n)d proposal(s) put on the agenda.", n=len(chosen)), "success")
        return redirect(url_for("council.attendance", meeting_id=meeting.id))
    eligible = queries.eligible_proposals(db.session, meeting) if meeting.status == "scheduled" else []
    return render_template("council/agenda.html", meeting=meeting, eligible=eligible)


def _count(name: str) -> int:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return 0
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6:
        raise ValueError(name)
    return int(raw)


@bp.route("/<int:meeting_id>/diem-danh", methods=["GET", "POST"])
@login_required
def attendance(meeting_id: int):
    """Take attendance: members present, absent members' sealed written votes as counts (secretary)."""
    meeting = _secretary_meeting(meeting_id)
    seats = services.seats(db.session, meeting.authority_id)
    written_items = [i for i in meeting.items if queries.takes_written_votes(i)]
    if request.method == "POST":
        present = request.form.getlist("present")
        voters = request.form.getlist("written_voter")
        counters = request.form.getlist("counter")
        try:
            written = {i.proposal_id: {"yes": _count(f"written_yes-{i.proposal_id}"),
                                       "no": _count(f"written_no-{i.proposal_id}")} for i in written_items}
        except ValueError:
            flash(_("Counts are whole numbers."), "danger")
            return redirect(url_for("council.attendance", meeting_id=meeting.id))
        written = {pid: counts for pid, counts in written.items() if counts["yes"] or counts["no"]}
        try:
            services.record_attendance(db.session, current_user, meeting.id, present=present,
                                       written_votes=written or None, written_voters=voters or None,
                                       counting_committee=counters)
        except DomainError as exc:
            _refused(exc)
            return redirect(url_for("council.attendance", meeting_id=meeting.id))
        flash(_("Attendance recorded: %(present)d of %(size)d members present.", present=len(present),
                size=len(seats)), "success")
        return redirect(url_for("council.detail", meeting_id=meeting.id))
    recorded = {a.user_id: a for a in meeting.attendance}
    return render_template("council/attendance.html", meeting=meeting, seats=seats, recorded=recorded,
                           written_items=written_items,
                           needed=services.quorum_needed(meeting, len(seats)))


@bp.route("/<int:meeting_id>/gio-tay", methods=["GET", "POST"])
@login_required
def hands(meeting_id: int):
    """Record the counts of the items decided by a show of hands, while the vote is open (secretary):
    the room's count for and against, never who raised a hand."""
    meeting = _secretary_meeting(meeting_id)
    items = [i for i in meeting.items if queries.decided_by_hands(i)]
    if request.method == "POST":
        back = url_for("council.hands", meeting_id=meeting.id)
        entered = [i for i in items if any((request.form.get(f"hands_{side}-{i.proposal_id}") or "").strip()
                                           for side in CHOICES)]
        try:
            counts = {i.proposal_id: (_count(f"hands_yes-{i.proposal_id}"), _count(f"hands_no-{i.proposal_id}"))
                      for i in entered}
        except ValueError:
            flash(_("Counts are whole numbers."), "danger")
            return redirect(back)
        if not counts:
            flash(_("Enter the counts of at least one item."), "danger")
            return redirect(back)
        try:
            for proposal_id, (yes, no) in counts.items():
                ballots.record_show_of_hands(db.session, current_user, meeting.id, proposal_id, yes, no)
        except DomainError as exc:
            _refused(exc)
            return redirect(back)
        flash(_("Show of hands recorded for %(n)d item(s).", n=len(counts)), "success")
        return redirect(url_for("council.detail", meeting_id=meeting.id))
    present = sum(1 for a in meeting.attendance if a.present)
    return render_template("council/hands.html", meeting=meeting, items=items, present=present)


# --- chair: open and close ------------------------------------------------------------------------

@bp.post("/<int:meeting_id>/mo-bo-phieu")
@login_required
def open_vote(meeting_id: int):
    """Open the vote (chair): the quorum is checked, recusals recorded."""
    meeting = _load(meeting_id)
    back = url_for("council.detail", meeting_id=meeting.id)
    early = services.opens_early(meeting)
    if not confirmed() or (early and not request.form.get("early_reason", "").strip()):
        if early:
            message = _("The meeting is on %(day)s. Opening the vote before that day needs a reason, which is "
                        "recorded. Once open, the agenda and the attendance are fixed.",
                        day=show_date(services.meeting_day(meeting)))
        else:
            message = _("Once open, the agenda and the attendance are fixed and members can cast their ballots.")
        return confirm_page(title=_("Open the vote?"), message=message, button=_("Open the vote"), back=back,
                            reason=("early_reason", _("Why the vote opens before the meeting's day")) if early
                            else None, danger=False)
    try:
        services.open_vote(db.session, current_user, meeting.id,
                           early_reason=request.form.get("early_reason", "")[:1000] or None)
    except DomainError as exc:
        _refused(exc)
    else:
        flash(_("The vote is open. Members can now cast their ballots."), "success")
    return redirect(url_for("council.detail", meeting_id=meeting.id))


@bp.post("/<int:meeting_id>/ket-thuc-bo-phieu")
@login_required
def close_vote(meeting_id: int):
    """Close the vote (chair): tally, caps, pass/fail. A tie at a cap asks the chair to choose."""
    meeting = _load(meeting_id)
    if not confirmed():
        return confirm_page(title=_("Close the vote?"),
                            message=_("Closing counts the ballots and settles every item on the agenda: members who "
                                      "have not voted can no longer vote. This cannot be undone."),
                            button=_("Close the vote and count"), back=url_for("council.detail", meeting_id=meeting.id))
    try:
        services.close_vote(db.session, current_user, meeting.id,
                            form_ids("tie_break", request.form.getlist("tie_break")))
    except Conflict as exc:
        _refused(exc)
        if exc.code == "cap_tie":
            return detail(meeting.id, ties=_named_ties(meeting, exc.details["ties"])), 409
        return redirect(url_for("council.detail", meeting_id=meeting.id))
    except DomainError as exc:
        _refused(exc)
        return redirect(url_for("council.detail", meeting_id=meeting.id))
    flash(_("The vote is closed."), "success")
    return redirect(url_for("council.results", meeting_id=meeting.id))


def _named_ties(meeting, ties: list[dict]) -> list[dict]:
    items = {i.proposal_id: i for i in meeting.items}
    return [{**tie, "items": [items[pid] for pid in tie["tied"] if pid in items]} for tie in ties]


# --- member: the ballot ---------------------------------------------------------------------------

@bp.route("/<int:meeting_id>/phieu-bau", methods=["GET", "POST"])
@login_required
# Stays whole (long or radon D+): the secret ballot's steps (edit, review, cast) on one URL, each a few lines.
def ballot(meeting_id: int):
    """One secret ballot for the whole agenda: choose, confirm, then it is locked."""
    meeting = _load(meeting_id, queries.NOT_ON_BALLOT)
    roles = _roles(meeting)
    if roles["seat"] is None:
        abort(403)
    lines = queries.ballot_lines(db.session, meeting, current_user)
    open_lines = [line for line in lines if line.status == "open"]
    attendance = next((a for a in meeting.attendance if a.user_id == current_user.id), None)
    context = {"meeting": meeting, "lines": lines, "open_lines": open_lines,
               "present": attendance is not None and attendance.present}
    if request.method == "GET":
        return render_template("council/ballot.html", choices={}, **context)

    choices = {line.item.proposal_id: request.form.get(f"choice-{line.item.proposal_id}") for line in open_lines}
    missing = [pid for pid, choice in choices.items() if choice not in CHOICES]
    step = request.form.get("step")
    if step == "edit" or (missing and step in ("review", "cast")):
        if missing and step != "edit":
            flash(_("Choose Agree or Disagree for every item before you confirm."), "danger")
        return render_template("council/ballot.html", choices=choices, missing=set(missing) if step != "edit"
                               else set(), **context), (422 if missing and step != "edit" else 200)
    if step == "review":
        return render_template("council/ballot_confirm.html", choices=choices, **context)
    if step != "cast" or not choices:
        return redirect(url_for("council.ballot", meeting_id=meeting.id))
    try:
        ballots.cast_ballot(db.session, current_user, meeting.id,
                             [{"proposal_id": pid, "choice": choice} for pid, choice in choices.items()])
    except DomainError as exc:
        _refused(exc)
    else:
        flash(_("Your ballot has been recorded. Thank you."), "success")
    return redirect(url_for("council.ballot", meeting_id=meeting.id))


# --- results ------------------------------------------------------------------------------------

@bp.get("/<int:meeting_id>/ket-qua")
@login_required
def results(meeting_id: int):
    """The results, per item, once the vote is closed (for everyone, the chair included)."""
    meeting = _load(meeting_id)
    try:
        outcome = services.results(db.session, current_user, meeting.id)
    except DomainError as exc:
        _refused(exc)
        return redirect(url_for("council.detail", meeting_id=meeting.id))
    items = {i.proposal_id: i for i in meeting.items}
    return render_template("council/results.html", meeting=meeting, outcome=outcome, items=items,
                           minutes=[("docx", "DOCX"), ("pdf", "PDF")])


@bp.get("/<int:meeting_id>/bien-ban.<fmt>")
@login_required
def minutes(meeting_id: int, fmt: str):
    """The minutes (biên bản họp và kiểm phiếu) as DOCX or PDF, once the vote is closed."""
    from flask import current_app

    from workflow.documents import services as documents
    from workflow.documents.http import download_response

    try:
        rendered = documents.minutes_document(db.session, current_user, meeting_id, fmt, current_app.instance_path)
    except NotFound:
        abort(404)
    except DomainError as exc:
        _refused(exc)
        return redirect(url_for("council.detail", meeting_id=meeting_id))
    return download_response(rendered)
