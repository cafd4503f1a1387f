"""Screens of nominees (đối tượng): a unit's nominator or the authority's secretary registers a
person, a collective or a household and corrects its particulars; a nominee's page shows its award
history (the secretary adds a past award there) and its proposals, with a link to propose it.
Thin: each action is one ``org.services`` call, with the API's checks, scope (404) and audit."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from workflow import paging
from workflow.errors import DomainError, Forbidden, Invalid, NotFound
from workflow.extensions import db
from workflow.locales import award_name
from workflow.org import policies, queries, services
from workflow.org.labels import NOMINEE_KIND_LABELS
from workflow.org.models import GENDERS, NOMINEE_KINDS, Unit
from workflow.org.vocab import Role
from workflow.proposals import choices
from workflow.proposals import policies as proposal_policies
from workflow.proposals.models import Proposal
from workflow.proposals.screen import award_names, screen_globals
from workflow.views import nav_item

bp = Blueprint("nominees", __name__, url_prefix="/doi-tuong")
bp.context_processor(screen_globals)
nav_item("nominees.index", _l("Nominees"), (Role.NOMINATOR, Role.SECRETARY), order=23)
UNIT_CHOICES = 300  # more units than this (a province's): the unit filter is typed, not picked
GENDER_LABELS = {"male": _l("Male"), "female": _l("Female"), "other": _l("Other")}


class NomineeForm(FlaskForm):
    kind = SelectField(_l("Nominee kind"))
    unit_code = SelectField(_l("Unit (hamlet for a household)"), validators=[Optional()])
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("A name is required.")), Length(max=200)],
                       description=_l("A person's full name, a collective's name, or the household's name."))
    head_name = StringField(_l("Head of household"), validators=[Optional(), Length(max=200)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    birth_year = IntegerField(_l("Birth year"), validators=[Optional(), NumberRange(min=1901, max=2100)])
    gender = SelectField(_l("Gender"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k, NOMINEE_KIND_LABELS[k]) for k in NOMINEE_KINDS]
        self.gender.choices = [("", "—")] + [(g, GENDER_LABELS[g]) for g in GENDERS]


class PastAwardForm(FlaskForm):
    award_type_code = SelectField(_l("Award"), validators=[DataRequired(message=_l("Choose the award."))])
    year = IntegerField(_l("Year"), validators=[InputRequired(message=_l("Give the year.")),
                                                NumberRange(min=1946, max=2199)])
    decision_number = StringField(_l("Decision number"), validators=[
        DataRequired(message=_l("Give the decision number.")), Length(max=60)])
    decision_date = DateField(_l("Decision date"), validators=[Optional()])


def _units() -> list[Unit]:
    """The units the user registers nominees for: its own (nominator), its authorities' (secretary)."""
    if current_user.is_deployment_admin:
        return list(db.session.scalars(select(Unit).order_by(Unit.name)))
    units = {r.unit.id: r.unit for r in current_user.roles if r.role == Role.NOMINATOR and r.unit is not None}
    authority_ids = {r.authority_id for r in current_user.roles if r.role in (Role.SECRETARY, Role.ADMIN) and r.authority_id}
    for unit in db.session.scalars(select(Unit).where(Unit.authority_id.in_(authority_ids))):
        units[unit.id] = unit
    return sorted(units.values(), key=lambda u: u.name)


def _errors(form, exc: Invalid) -> None:
    for name, message in exc.details.items():
        target = getattr(form, name, None)
        (target.errors if target is not None else form.form_errors).append(message)


def _nominee(nominee_id: int):
    try:
        return services.get_nominee(db.session, current_user, nominee_id)
    except NotFound:
        abort(404)


@bp.get("/")
@login_required
def index():
    """The nominees in the user's scope; filters kind, unit and name (with or without diacritics)."""
    values = {k: (request.args.get(k) or "").strip() for k in queries.NOMINEE_FILTERS if (request.args.get(k) or "").strip()}
    page, errors, items, total = paging.page_arg(), {}, [], 0
    try:
        filters = queries.parse_nominee_filters(db.session, current_user, values)
    except NotFound:
        abort(404)
    except Invalid as exc:
        errors = dict(exc.details)
    else:
        items, total = services.list_nominees(db.session, current_user, **filters, page=page,
                                              per_page=paging.per_page())
    units = queries.nominee_units(db.session, current_user)
    return render_template("nominees/list.html", items=items, total=total, values=values, errors=errors,
                           q=values.get("q", ""), kind=values.get("kind"), page=page,
                           pages=paging.page_count(total), can_register=bool(_units()),
                           kind_labels=NOMINEE_KIND_LABELS, units=units[:UNIT_CHOICES + 1]), 400 if errors else 200


@bp.route("/moi", methods=["GET", "POST"])
@login_required
# Stays whole (long or radon D+): one form's round trip; its grade comes from the optional fields' `or None`
# and the unit lookup.
def create():
    units = _units()
    if not units:
        abort(404)
    form = NomineeForm()
    form.unit_code.choices = [("", "—")] + [(u.code, f"{u.name} — {u.authority.name}") for u in units]
    nominating = [u for u in units if any(r.role == Role.NOMINATOR and r.unit_id == u.id for r in current_user.roles)]
    if request.method == "GET" and len(nominating) == 1:  # a hamlet head registers for the one hamlet
        form.unit_code.data = nominating[0].code
    if form.validate_on_submit():
        unit = next((u for u in units if u.code == form.unit_code.data), None)
        authority = unit.authority if unit else next(
            (r.authority for r in current_user.roles if r.role == Role.SECRETARY and r.authority), None)
        if authority is None:
            form.unit_code.errors.append(_("Choose the unit."))
        else:
            try:
                nominee = services.create_nominee(
                    db.session, current_user, kind=form.kind.data, name=form.name.data,
                    authority_code=authority.code, unit_code=unit.code if unit else None,
                    position=form.position.data or None, birth_year=form.birth_year.data,
                    gender=form.gender.data or None, head_name=form.head_name.data or None)
            except Invalid as exc:
                db.session.rollback()
                _errors(form, exc)
            except DomainError as exc:
                db.session.rollback()
                form.form_errors.append(exc.message)
            else:
                flash(_("%(name)s is registered.", name=nominee.name), "success")
                return redirect(url_for("nominees.detail", nominee_id=nominee.id))
    return render_template("nominees/form.html", form=form, nominee=None)


@bp.route("/<int:nominee_id>/sua", methods=["GET", "POST"])
@login_required
def edit(nominee_id: int):
    nominee = _nominee(nominee_id)
    if not policies.can_create_nominee(current_user, nominee.authority_id, nominee.unit_id):
        abort(404)
    form = NomineeForm(obj=nominee if request.method == "GET" else None)
    form.kind.data = nominee.kind  # kind and unit stay: its proposals and history hang on them
    form.unit_code.choices = [(nominee.unit.code if nominee.unit else "", nominee.unit.name if nominee.unit else "—")]
    form.unit_code.data = nominee.unit.code if nominee.unit else ""
    if request.method == "GET":
        form.gender.data = nominee.gender or ""
    if form.validate_on_submit():
        try:
            services.update_nominee(db.session, current_user, nominee.id, name=form.name.data,
                                    position=form.position.data or None, birth_year=form.birth_year.data,
                                    gender=form.gender.data or None, head_name=form.head_name.data or None)
        except Invalid as exc:
            db.session.rollback()
            _errors(form, exc)
        except (Forbidden, NotFound):
            db.session.rollback()
            abort(404)
        else:
            flash(_("The nominee is saved."), "success")
            return redirect(url_for("nominees.detail", nominee_id=nominee.id))
    return render_template("nominees/form.html", form=form, nominee=nominee)


def _award_form(nominee) -> PastAwardForm:
    form = PastAwardForm()
    in_force = choices.rules_in_force(db.session, nominee.authority)
    form.award_type_code.choices = [(t["code"], award_name(t, t["code"]))
                                    for t in choices.award_types_for_kind(in_force, nominee.kind)]
    return form


@bp.get("/<int:nominee_id>")
@login_required
def detail(nominee_id: int, award_form=None):
    nominee = _nominee(nominee_id)
    proposals = [p for p in db.session.scalars(select(Proposal).where(Proposal.nominee_id == nominee.id)
                                               .order_by(Proposal.id.desc()))
                 if proposal_policies.can_view(db.session, current_user, p)]
    in_force = choices.rules_in_force(db.session, nominee.authority)
    award_labels = {code: award_name(rule, code) for code, rule in in_force.items()}
    can_add_award = policies.can_record_past_award(current_user, nominee)
    return render_template(
        "nominees/detail.html", nominee=nominee, proposals=proposals, names=award_names(db.session, proposals),
        awards=sorted(nominee.awards, key=lambda a: (-a.year, a.id)), award_labels=award_labels,
        can_edit=policies.can_create_nominee(current_user, nominee.authority_id, nominee.unit_id),
        can_add_award=can_add_award, award_form=award_form or (_award_form(nominee) if can_add_award else None),
        kind_labels=NOMINEE_KIND_LABELS, gender_labels=GENDER_LABELS)


@bp.post("/<int:nominee_id>/khen-thuong")
@login_required
def add_award(nominee_id: int):
    nominee = _nominee(nominee_id)
    if not policies.can_record_past_award(current_user, nominee):
        abort(404)
    form = _award_form(nominee)
    if form.validate_on_submit():
        try:
            services.add_past_award(db.session, current_user, nominee.id, award_type_code=form.award_type_code.data,
                                    year=form.year.data, decision_number=form.decision_number.data,
                                    decision_date=form.decision_date.data)
        except Invalid as exc:
            db.session.rollback()
            _errors(form, exc)
        else:
            flash(_("The award is added to the history."), "success")
            return redirect(url_for("nominees.detail", nominee_id=nominee.id))
    return detail(nominee.id, award_form=form), 422


# --- import from a file (nhập danh sách từ tệp) -----------------------------------------------------

IMPORT_KIND_LABELS = {"": _l("Found from the file's header"), "individual": _l("Staff of a unit"),
                      "household": _l("Households of a hamlet"), "collective": _l("Collectives"),
                      "mixed": _l("Nominees of several kinds (a kind column)"),
                      "awards": _l("Past awards (award history)")}


class ImportForm(FlaskForm):
    kind = SelectField(_l("What the file lists"), validators=[Optional()])
    unit_code = SelectField(_l("Unit (every row of the file belongs to it)"), validators=[Optional()],
                            description=_l("Leave empty when the file has a unit column."))
    file = FileField(_l("File (XLSX or CSV)"), validators=[FileRequired(message=_l("Choose a file."))])


def _import_authority(unit: Unit | None):
    if unit is not None:
        return unit.authority
    return next((r.authority for r in current_user.roles if r.role in (Role.SECRETARY, Role.ADMIN) and r.authority), None)


@bp.route("/nhap", methods=["GET", "POST"])
@login_required
def import_file():
    """Nominees (or past awards) from an XLSX/CSV file: the templates, the upload, the row-by-row
    report when the file is refused (nothing imported), the count when it is taken."""
    from workflow.org import importing

    units = _units()
    if not units:
        abort(404)
    form = ImportForm()
    form.kind.choices = list(IMPORT_KIND_LABELS.items())
    form.unit_code.choices = [("", "—")] + [(u.code, f"{u.name} — {u.authority.name}") for u in units]
    if request.method == "GET" and request.args.get("unit") in {u.code for u in units}:
        form.unit_code.data = request.args["unit"]
    rows, status = [], 200
    if form.validate_on_submit():
        unit = next((u for u in units if u.code == form.unit_code.data), None)
        authority = _import_authority(unit)
        upload = form.file.data
        if authority is None:
            form.unit_code.errors.append(_("Choose the unit."))
        else:
            try:
                result = importing.import_file(db.session, current_user, content=upload.read(),
                                               filename=upload.filename or "", kind=form.kind.data or None,
                                               authority_code=authority.code, unit_code=unit.code if unit else None)
            except DomainError as exc:
                db.session.rollback()
                rows = exc.details.get("rows", [])
                form.form_errors.append(exc.message)
                status = 422
            else:
                flash(_("%(count)d rows imported.", count=result["imported"]), "success")
                return redirect(url_for("nominees.index"))
    elif request.method == "POST":
        status = 422
    return render_template("nominees/import.html", form=form, rows=rows, kinds=importing.KINDS,
                           kind_titles=importing.KIND_TITLES, fields=importing.FIELDS,
                           max_rows=importing.MAX_ROWS), status


@bp.errorhandler(413)
def _too_large(_exc):
    """A file over the upload limit (refused before it is read): say so on the import form."""
    from flask import current_app

    flash(_("The file is larger than %(mb)d MB.", mb=current_app.config["TDKT_UPLOAD_MAX_MB"]), "danger")
    return redirect(url_for("nominees.import_file"))


@bp.get("/mau-nhap")
@login_required
def import_template():
    """A blank import template (``?kind=…&format=xlsx|csv``) with the headers the import reads."""
    from workflow.documents.http import send_download
    from workflow.org import importing

    kind, fmt = request.args.get("kind", "individual"), request.args.get("format", "xlsx")
    if kind not in importing.KINDS or fmt not in ("xlsx", "csv") or not _units():
        abort(404)
    name, content, mimetype = importing.template(kind, fmt)
    return send_download(content, mimetype, name)
