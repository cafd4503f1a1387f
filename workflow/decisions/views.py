"""Screens for decisions and submissions: the chair's signature desk (with a fresh sign-in), the
secretary's drafting and tracking, the higher level's inbox, and document downloads."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from workflow import paging, vntime
from workflow.auth.views import check_password_or_429, safe_next
from workflow.calendar.services import WorkCalendar
from workflow.decisions import bases, exchange, importing, policies, queries, reading, services, tracking
from workflow.documents import services as documents
from workflow.documents.http import download_response
from workflow.errors import DomainError, field_error
from workflow.extensions import db
from workflow.locales import award_name
from workflow.org.vocab import Role
from workflow.proposals.states import state_label
from workflow.validation import parse_id
from workflow.views import confirm_page, confirmed, nav_item

bp = Blueprint("decisions", __name__)

nav_item("decisions.sign", _l("Awaiting my signature"), (Role.CHAIR,), order=60)
nav_item("decisions.decisions", _l("Decisions"), (Role.SECRETARY,), order=61)
nav_item("decisions.submissions", _l("Submissions"), (Role.SECRETARY, Role.CHAIR), order=62)
nav_item("decisions.inbox", _l("Incoming submissions"), (Role.HIGHER_REVIEWER,), order=63)


@bp.app_template_global()
def award_label(proposal) -> str:
    """The award's name in the interface language (the rule snapshot's, else the code)."""
    return award_name(proposal.award_rule, proposal.award_type_code)


def _signed_in_at() -> datetime | None:
    raw = session.get("auth_at")
    try:
        moment = datetime.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _fresh() -> bool:
    moment = _signed_in_at()
    minutes = current_app.config["FRESH_LOGIN_MINUTES"]
    return moment is not None and (datetime.now(UTC) - moment).total_seconds() <= minutes * 60


def _fail(exc: DomainError, back: str):
    db.session.rollback()
    if exc.status == 404:  # unknown or out of scope: the same 404 as a GET, never a flash
        abort(404)
    flash(exc.message, "danger")
    return redirect(back)


def _run(back: str, action, message, category: str = "success"):
    """One service call of a POST form: a DomainError answers as every form here does (``_fail``),
    else ``message(result)`` is flashed and the user goes back."""
    try:
        result = action()
    except DomainError as exc:
        return _fail(exc, back)
    flash(message(result), category)
    return redirect(back)


def _in_scope(getter, doc_id: int):
    """The decision or submission the caller may see, or 404 — before any other answer (a
    confirmation page, a sign-in-again redirect) could tell an outsider that the id exists."""
    try:
        return getter(db.session, current_user, doc_id)
    except DomainError:
        abort(404)


def _ids(name: str = "proposal_ids") -> list[int]:
    ids = [parse_id(v) for v in request.form.getlist(name)]
    if any(i is None for i in ids):
        abort(400)
    return ids


def _register() -> tuple[str | None, date | None]:
    """The number and date the office's register gave at signing (both optional: the next number,
    today). 422 for a date that is not one or a number longer than the register's column."""
    number = " ".join((request.form.get("number") or "").split()) or None
    if number and len(number) > 40:
        raise field_error("number", _("The number is at most %(n)d characters.", n=40))
    raw = (request.form.get("date") or "").strip()
    try:
        return number, date.fromisoformat(raw) if raw else None
    except ValueError:
        raise field_error("date", _("Write the date as YYYY-MM-DD.")) from None


def _sign(getter, doc_id: int, sign, date_field: str, message):
    """The chair signs a draft (decision or submission) with ``sign``: in scope, signed in within the
    last minutes, the document ticked as read, then the register's number and date."""
    _in_scope(getter, doc_id)
    back = url_for("decisions.sign")
    if not _fresh():
        flash(_("Sign in again to sign."), "warning")
        return redirect(url_for("decisions.reauth", next=back))
    if request.form.get("confirm") != "1":
        flash(_("Tick that you have read the document before signing."), "warning")
        return redirect(back)

    def signed():
        number, on = _register()
        return sign(db.session, current_user, doc_id, signed_in_at=_signed_in_at(),
                    fresh_minutes=current_app.config["FRESH_LOGIN_MINUTES"], number=number, **{date_field: on})

    return _run(back, signed, message)


def _discard(getter, doc_id: int, discard, back: str, *, title: str, message: str, done: str):
    """Discard a draft (decision or submission) after a confirmation page."""
    _in_scope(getter, doc_id)
    if not confirmed():
        return confirm_page(title=title, message=message, button=_("Discard"), back=back)
    return _run(back, lambda: discard(db.session, current_user, doc_id), lambda _result: done, "info")


def _answer(submission_id: int, record, message):
    """The higher level's answer from the form (outcome, decision number and date, reason), given to
    ``record(fields)``; a date that is not one goes back with a message before any service call."""
    _in_scope(services.get_submission, submission_id)
    back = url_for("decisions.submission", submission_id=submission_id)
    form = request.form
    try:
        decided_on = date.fromisoformat(form["decision_date"]) if form.get("decision_date") else None
    except ValueError:
        flash(_("Write the date as YYYY-MM-DD."), "danger")
        return redirect(back)
    fields = {"outcome": form.get("outcome", ""),
              "decision_number": (form.get("decision_number") or "").strip() or None,
              "decision_date": decided_on, "reason": (form.get("reason") or "").strip() or None}
    return _run(back, lambda: record(fields), message)


# --- the chair -------------------------------------------------------------------------------------

@bp.get("/ky-duyet")
@login_required
def sign():
    """What waits for the chair's signature: draft decisions and submissions, with their previews."""
    decisions, submissions = queries.awaiting_signature(db.session, current_user)
    return render_template("decisions/sign.html", decisions=decisions, submissions=submissions, fresh=_fresh(),
                           fresh_minutes=current_app.config["FRESH_LOGIN_MINUTES"])


@bp.route("/xac-thuc-lai", methods=["GET", "POST"])
@login_required
def reauth():
    """Sign in again (xác thực lại) before signing: the password once more, then 15 minutes to sign."""
    target = safe_next(request.values.get("next")) or url_for("decisions.sign")
    if request.method == "POST":
        user = check_password_or_429(current_user.username, request.form.get("password", ""))
        if user is None or user.id != current_user.id:
            flash(_("Wrong password."), "danger")
        else:
            session["auth_at"] = datetime.now(UTC).isoformat()
            flash(_("Signed in again: you may sign for the next %(n)d minutes.",
                    n=current_app.config["FRESH_LOGIN_MINUTES"]), "success")
            return redirect(target)
    return render_template("decisions/reauth.html", target=target)


@bp.post("/quyet-dinh/<int:decision_id>/ban-hanh")
@login_required
def issue(decision_id: int):
    """Issue (sign) a draft decision: needs a sign-in within the last minutes."""
    return _sign(services.get_decision, decision_id, services.issue_decision, "signed_on",
                 lambda decision: _("Decision %(number)s is issued.", number=decision.number))


@bp.post("/to-trinh/<int:submission_id>/gui")
@login_required
def send(submission_id: int):
    """Sign and send a draft submission to the parent authority."""
    return _sign(services.get_submission, submission_id, services.send_submission, "sent_on",
                 lambda submission: _("Submission %(number)s is sent.", number=submission.number))


# --- the secretary ---------------------------------------------------------------------------------

@bp.get("/quyet-dinh")
@login_required
def decisions():
    """Draft decisions from recommended proposals within the authority's power; the decisions."""
    secretary_of = queries.authorities_where(current_user, Role.SECRETARY)
    authorities = secretary_of + [a for a in queries.authorities_where(current_user, Role.CHAIR)
                                  if a not in secretary_of]
    if not authorities and not current_user.is_deployment_admin:
        abort(404)
    groups = []
    for authority in secretary_of:
        by_award: dict[str, list] = {}
        for p in queries.recommended(db.session, authority.id, "within"):
            by_award.setdefault(p.award_type_code, []).append(p)
        groups.append((authority, by_award))
    values, page = paging.kept(request.args, ("status", "year")), paging.page_arg()
    filters, errors = paging.parse_simple(values, choices={"status": ("draft", "issued")}, years=("year",))
    rows, total = [], 0
    if not errors and authorities:
        rows, total = paging.paginate(db.session, queries.decisions_query([a.id for a in authorities], **filters), page)
    return render_template("decisions/decisions.html", groups=groups, decisions=rows, values=values, errors=errors,
                           total=total, page=page, pages=paging.page_count(total),
                           years=paging.recent_years()), 400 if errors else 200


@bp.post("/quyet-dinh/du-thao")
@login_required
def draft_decision():
    return _run(url_for("decisions.decisions"),
                lambda: services.create_decision(db.session, current_user,
                                                 authority_code=request.form.get("authority_code", ""),
                                                 award_type_code=request.form.get("award_type_code", ""),
                                                 proposal_ids=_ids()),
                lambda decision: _("Draft decision %(id)d is ready for the chair's signature.", id=decision.id))


@bp.post("/quyet-dinh/<int:decision_id>/huy")
@login_required
def discard_decision(decision_id: int):
    return _discard(services.get_decision, decision_id, services.discard_decision, url_for("decisions.decisions"),
                    title=_("Discard the draft decision?"),
                    message=_("The draft is deleted and its proposals go back to the list awaiting a "
                              "decision."), done=_("The draft decision was discarded."))


@bp.get("/to-trinh")
@login_required
def submissions():
    """Draft submissions of proposals above the authority's power; every submission, tracked."""
    secretary_of = queries.authorities_where(current_user, Role.SECRETARY)
    chair_of = queries.authorities_where(current_user, Role.CHAIR)
    if not secretary_of and not chair_of and not current_user.is_deployment_admin:
        abort(404)
    candidates = [(a, queries.recommended(db.session, a.id, "above")) for a in secretary_of if a.parent_id]
    rows, total, values, page, errors = _submissions_page("outgoing")
    calendar = WorkCalendar.load(db.session)
    tracked = [(s, tracking.track(db.session, s, calendar)) for s in rows]
    return render_template("decisions/submissions.html", candidates=candidates, tracked=tracked,
                           overdue_only=request.args.get("overdue") == "1", values=values, errors=errors,
                           total=total, page=page, pages=paging.page_count(total),
                           years=paging.recent_years()), 400 if errors else 200


def _submissions_page(direction: str):
    """(rows, total, filter values, page, errors) of the submissions list in ``direction``."""
    values, page = paging.kept(request.args, ("status", "year")), paging.page_arg()
    filters, errors = paging.parse_simple(values, choices={"status": ("draft", "sent")}, years=("year",))
    if errors:
        return [], 0, values, page, errors
    query = tracking.submissions_query(db.session, current_user, direction=direction, **filters)
    rows, total = paging.paginate(db.session, query, page) if query is not None else ([], 0)
    return rows, total, values, page, errors


@bp.post("/to-trinh/du-thao")
@login_required
def draft_submission():
    return _run(url_for("decisions.submissions"),
                lambda: services.create_submission(db.session, current_user,
                                                   from_authority_code=request.form.get("authority_code", ""),
                                                   proposal_ids=_ids()),
                lambda submission: _("Draft submission %(id)d is ready for the chair's signature.",
                                     id=submission.id))


@bp.post("/to-trinh/<int:submission_id>/huy")
@login_required
def discard_submission(submission_id: int):
    return _discard(services.get_submission, submission_id, services.discard_submission,
                    url_for("decisions.submissions"), title=_("Discard the draft submission?"),
                    message=_("The draft is deleted and its proposals go back to the list to submit."),
                    done=_("The draft submission was discarded."))


@bp.get("/to-trinh/<int:submission_id>")
@login_required
def submission(submission_id: int):
    """One submission: each proposal's state and outcome; outcome forms; documents and package."""
    try:
        row = services.get_submission(db.session, current_user, submission_id)
    except DomainError:
        abort(404)
    track = tracking.track(db.session, row, WorkCalendar.load(db.session))
    answerable = policies.answerable_items(current_user, row)
    receiver = policies.is_receiver(current_user, row)
    back = url_for("decisions.inbox") if receiver and not policies.is_sender(current_user, row) \
        else url_for("decisions.submissions")
    return render_template("decisions/submission.html", submission=row, track=track,
                           answered={i.proposal_id: i for i in track.items}, answerable=answerable,
                           back=back, state_label=state_label, today=vntime.today())


@bp.post("/to-trinh/<int:submission_id>/ket-qua")
@login_required
def record_outcome(submission_id: int):
    """Record the higher level's answer for one proposal (from the paper, or by its reviewer)."""
    return _answer(submission_id,
                   lambda fields: services.record_outcome(db.session, current_user, submission_id,
                                                          proposal_id=parse_id(request.form.get("proposal_id")) or 0,
                                                          **fields),
                   lambda _result: _("The outcome is recorded."))


@bp.post("/to-trinh/<int:submission_id>/tra-loi")
@login_required
def answer_submission(submission_id: int):
    """One answer for the whole submission (every proposal still waiting)."""
    return _answer(submission_id,
                   lambda fields: services.answer_submission(db.session, current_user, submission_id, **fields),
                   lambda done: _("The answer is recorded for %(n)d proposals.", n=len(done)))


@bp.route("/quyet-dinh/<int:doc_id>/can-cu", methods=["GET", "POST"], defaults={"kind": "decision"},
          endpoint="decision_bases")
@bp.route("/to-trinh/<int:doc_id>/can-cu", methods=["GET", "POST"], defaults={"kind": "submission"},
          endpoint="submission_bases")
@login_required
def legal_bases(kind: str, doc_id: int):
    """The legal bases (Căn cứ…) of a draft, one per line, edited by the secretary before signing."""
    try:
        doc = services.get_decision(db.session, current_user, doc_id) if kind == "decision" \
            else services.get_submission(db.session, current_user, doc_id)
    except DomainError:
        abort(404)
    authority_id = doc.authority_id if kind == "decision" else doc.from_authority_id
    if not current_user.has_role(Role.SECRETARY, authority_id):
        abort(404)
    back = url_for("decisions.decisions") if kind == "decision" else \
        url_for("decisions.submission", submission_id=doc.id)
    if request.method == "POST":
        lines = [] if request.form.get("restore") == "1" else (request.form.get("lines") or "").splitlines()
        try:
            bases.set_legal_bases(db.session, current_user, kind, doc.id, lines)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return render_template("decisions/bases.html", doc=doc, kind=kind, back=back,
                                   text=request.form.get("lines") or "", custom=doc.legal_bases is not None), 422
        flash(_("The legal bases are saved."), "success")
        return redirect(back)
    return render_template("decisions/bases.html", doc=doc, kind=kind, back=back,
                           text="\n".join(bases.effective(db.session, doc)), custom=doc.legal_bases is not None)


# --- the higher level ------------------------------------------------------------------------------

@bp.get("/hop-thu-den")
@login_required
def inbox():
    """Submissions received from lower authorities, tracked; importing a dossier package."""
    rows, total, values, page, errors = _submissions_page("incoming")
    calendar = WorkCalendar.load(db.session)
    tracked = [(s, tracking.track(db.session, s, calendar)) for s in rows]
    receivers = queries.authorities_where(current_user, Role.HIGHER_REVIEWER) + queries.authorities_where(
        current_user, Role.SECRETARY)
    return render_template("decisions/inbox.html", tracked=tracked, can_import=bool(receivers), values=values,
                           errors=errors, total=total, page=page, pages=paging.page_count(total),
                           years=paging.recent_years()), 400 if errors else 200


@bp.post("/hop-thu-den/nhap-ho-so")
@login_required
def import_dossier():
    back = url_for("decisions.inbox")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose the package file (.zip)."), "danger")
        return redirect(back)
    try:
        data = upload.read()
    finally:
        upload.close()  # a large upload is spooled to a temporary file
    try:
        result = importing.import_package(db.session, current_user, data,
                                          instance_path=current_app.instance_path,
                                          limits=reading.PackageLimits.from_config(current_app.config))
    except DomainError as exc:
        return _fail(exc, back)
    flash(_("%(n)d proposal(s) of submission %(number)s were received.", n=len(result["proposal_ids"]),
            number=result["submission_number"]), "success")
    return redirect(back)


# --- documents -------------------------------------------------------------------------------------

def _download(make):
    try:
        rendered = make()
    except DomainError as exc:
        if exc.status == 404:
            abort(404)
        return _fail(exc, request.referrer if safe_next(request.referrer) else url_for("main.home"))
    return download_response(rendered)


@bp.get("/quyet-dinh/<int:decision_id>/van-ban.<fmt>")
@login_required
def decision_file(decision_id: int, fmt: str):
    return _download(lambda: documents.decision_document(db.session, current_user, decision_id, fmt,
                                                         current_app.instance_path))


@bp.get("/quyet-dinh/<int:decision_id>/giay-khen.<fmt>")
@login_required
def certificates_file(decision_id: int, fmt: str):
    return _download(lambda: documents.certificates_document(db.session, current_user, decision_id, fmt,
                                                             current_app.instance_path))


@bp.get("/to-trinh/<int:submission_id>/van-ban.<fmt>")
@login_required
def submission_file(submission_id: int, fmt: str):
    return _download(lambda: documents.submission_document(db.session, current_user, submission_id, fmt,
                                                           current_app.instance_path))


@bp.get("/to-trinh/<int:submission_id>/ho-so.zip")
@login_required
def package_file(submission_id: int):
    def make():
        filename, content = exchange.export_package(db.session, current_user, submission_id,
                                                    instance_path=current_app.instance_path)
        return documents.Rendered(filename, "application/zip", content)

    return _download(make)
