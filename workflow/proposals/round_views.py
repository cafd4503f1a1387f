"""Screens of rounds (đợt xét): the secretary opens a round (annual, campaign, ad hoc) with its
nomination deadline, edits it while open, closes it (no new proposals; those it has go on) and
reopens it. Thin: each action is one ``proposals.services`` call, with the API's checks and audit."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from workflow import paging, vntime
from workflow.dates import show_date
from workflow.errors import DomainError, Invalid, NotFound
from workflow.extensions import db
from workflow.org.models import Authority
from workflow.org.policies import scope_authority_ids
from workflow.org.vocab import Role
from workflow.proposals import policies, queries, services
from workflow.proposals.models import ROUND_KINDS, Proposal, Round
from workflow.proposals.screen import ROUND_KIND_LABELS, screen_globals
from workflow.views import confirm_page, confirmed, nav_item

bp = Blueprint("rounds", __name__, url_prefix="/dot-xet")
bp.context_processor(screen_globals)
nav_item("rounds.index", _l("Rounds"), (Role.SECRETARY,), order=22)


class RoundForm(FlaskForm):
    authority_code = SelectField(_l("Authority"), validators=[DataRequired(message=_l("Choose the authority."))])
    year = IntegerField(_l("Year"), validators=[InputRequired(message=_l("Give the year.")),
                                                NumberRange(min=1946, max=2199)])
    kind = SelectField(_l("Kind of round"))
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("A title is required.")), Length(max=300)])
    nomination_deadline = DateField(_l("Nomination deadline"),
                                    validators=[InputRequired(message=_l("Give the nomination deadline."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k, ROUND_KIND_LABELS[k]) for k in ROUND_KINDS]


def _managed_authorities() -> list[Authority]:
    """The authorities whose rounds the signed-in user opens (secretary or admin there)."""
    if current_user.is_deployment_admin:
        return list(db.session.scalars(select(Authority).order_by(Authority.name)))
    ids = {r.authority_id for r in current_user.roles if r.authority_id is not None
           and policies.can_create_round(current_user, r.authority_id)}
    return list(db.session.scalars(select(Authority).where(Authority.id.in_(ids)).order_by(Authority.name)))


def _field_errors(form, exc: Invalid) -> None:
    for name, message in exc.details.items():
        target = getattr(form, name, None)
        (target.errors if target is not None else form.form_errors).append(message)


@bp.get("/")
@login_required
def index():
    """The rounds the user can see, newest first, with their proposals counted; filters year,
    kind and open/closed, paged."""
    values, page = paging.kept(request.args, ("year", "kind", "status")), paging.page_arg()
    filters, errors = paging.parse_simple(values, choices={"kind": ROUND_KINDS, "status": ("open", "closed")},
                                          years=("year",))
    rounds, total = [], 0
    if not errors:
        rounds, total = paging.paginate(db.session, queries.rounds_query(
            current_user, ids=scope_authority_ids(db.session, current_user), **filters), page)
    counts = dict(db.session.execute(select(Proposal.round_id, func.count(Proposal.id))
                                     .where(Proposal.round_id.in_([r.id for r in rounds]))
                                     .group_by(Proposal.round_id)).all()) if rounds else {}
    manages = {r.id for r in rounds if policies.can_create_round(current_user, r.authority_id)}
    return render_template("rounds/list.html", rounds=rounds, counts=counts, manages=manages, values=values,
                           errors=errors, total=total, page=page, pages=paging.page_count(total),
                           years=paging.recent_years(), can_open=bool(_managed_authorities())), 400 if errors else 200


@bp.route("/moi", methods=["GET", "POST"])
@login_required
def create():
    authorities = _managed_authorities()
    if not authorities:
        abort(404)
    form = RoundForm()
    form.authority_code.choices = [(a.code, a.name) for a in authorities]
    if request.method == "GET":
        today = vntime.today()
        form.year.data = today.year
        form.title.data = _("Emulation and commendation review of %(year)d", year=today.year)
    if form.validate_on_submit():
        try:
            round_ = services.create_round(db.session, current_user, authority_code=form.authority_code.data,
                                           year=form.year.data, kind=form.kind.data, title=form.title.data,
                                           nomination_deadline=form.nomination_deadline.data)
        except Invalid as exc:
            db.session.rollback()
            _field_errors(form, exc)
        else:
            flash(_("The round “%(title)s” is open: units can nominate until %(deadline)s.", title=round_.title,
                    deadline=show_date(round_.nomination_deadline)), "success")
            return redirect(url_for("rounds.index"))
    return render_template("rounds/form.html", form=form, round_=None)


def _round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None or not policies.can_create_round(current_user, round_.authority_id):
        abort(404)
    return round_


@bp.route("/<int:round_id>/sua", methods=["GET", "POST"])
@login_required
def edit(round_id: int):
    round_ = _round(round_id)
    form = RoundForm(obj=round_ if request.method == "GET" else None)
    del form.authority_code, form.year  # they stay: the round's proposals are counted under them
    if form.validate_on_submit():
        try:
            services.update_round(db.session, current_user, round_.id, title=form.title.data, kind=form.kind.data,
                                  nomination_deadline=form.nomination_deadline.data)
        except Invalid as exc:
            db.session.rollback()
            _field_errors(form, exc)
        except NotFound:
            db.session.rollback()
            abort(404)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for("rounds.index"))
        else:
            flash(_("The round is saved."), "success")
            return redirect(url_for("rounds.index"))
    return render_template("rounds/form.html", form=form, round_=round_)


@bp.post("/<int:round_id>/dong")
@login_required
def close(round_id: int):
    round_ = _round(round_id)
    if not confirmed():
        return confirm_page(title=_("Close the round?"),
                            message=_("“%(title)s” will take no new proposals. The proposals it has go on through "
                                      "screening, the council and the decisions. You can reopen it.",
                                      title=round_.title),
                            button=_("Close the round"), back=url_for("rounds.index"), danger=False)
    return _set_open(round_, False)


@bp.post("/<int:round_id>/mo-lai")
@login_required
def reopen(round_id: int):
    return _set_open(_round(round_id), True)


def _set_open(round_: Round, open_: bool):
    try:
        services.set_round_open(db.session, current_user, round_.id, open_)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        flash(_("The round is open again.") if open_ else _("The round is closed."), "success")
    return redirect(url_for("rounds.index"))
