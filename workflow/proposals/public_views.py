"""The public notice page (công khai): anyone, without signing in, reads the proposals an authority
has on notice and may file an objection (rate-limited, validated, CSRF-protected)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from workflow import paging
from workflow.errors import DomainError, Invalid, NotFound
from workflow.extensions import db, limiter
from workflow.locales import award_name
from workflow.proposals import notice
from workflow.proposals.forms import ObjectionForm
from workflow.proposals.screen import error_text, screen_globals
from workflow.validation import parse_id

bp = Blueprint("public", __name__, url_prefix="/cong-khai")
bp.context_processor(screen_globals)


def objection_limit() -> str:
    return current_app.config["TDKT_OBJECTION_RATE_LIMIT"]


def _reading() -> bool:
    return request.method != "POST"


@bp.get("/")
def index():
    """Which authority has proposals on public notice (linked from the sign-in page)."""
    return render_template("public/index.html", authorities=notice.notice_index(db.session))


@bp.route("/<code>", methods=["GET", "POST"])
@limiter.limit(objection_limit, exempt_when=_reading)
def notices(code: str):
    """Proposals on public notice at the authority ``code``, each with an objection form."""
    try:
        authority = notice.notice_authority(db.session, code)
    except NotFound:
        abort(404)
    form, failed_id = ObjectionForm(), None
    if request.method == "POST":
        failed_id = (form.proposal_id.data or "").strip()
        proposal_id = parse_id(failed_id)
        if proposal_id is None:
            abort(400)
        if form.validate_on_submit():
            try:
                notice.file_objection(db.session, authority.code, proposal_id, name=form.name.data,
                                      contact=form.contact.data, text=form.text.data)
            except Invalid as exc:
                db.session.rollback()
                for name, message in exc.details.items():
                    field = getattr(form, name, None)
                    if field is not None:
                        field.errors = [*field.errors, message]
            except DomainError as exc:  # unknown proposal, or no longer on notice
                db.session.rollback()
                flash(error_text(exc), "danger")
                return redirect(url_for(".notices", code=authority.code))
            else:
                flash(_("Thank you. Your objection was recorded; the commendation officer will answer it."),
                      "success")
                return redirect(url_for(".notices", code=authority.code, _anchor=f"p-{proposal_id}"))
    values, page = paging.kept(request.args, ("q",)), paging.page_arg()
    values["q"] = values.get("q", "")[:100]
    items, total = paging.paginate(db.session, notice.public_notices_query(authority, values["q"] or None), page)
    values = {k: v for k, v in values.items() if v}
    return render_template("public/notices.html", authority=authority, items=items, form=form, values=values,
                           total=total, page=page, pages=paging.page_count(total),
                           failed_id=failed_id, blank=ObjectionForm(formdata=None),
                           names={p.id: award_name(p.rule, p.award_type_code) for p in items},
                           days_left={p.id: notice.days_left(p) for p in items})
