"""Administration screens of the organisation (quản trị tổ chức): the authority tree, the units of
an authority and its council. Thin: the form is read into the API's body (``check_body``, the
same validation and words), then one ``org.services`` call does the checks, scope and audit.
Out of the admin's subtree: 404, as in the API."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from workflow.api.core import check_body
from workflow.catalog.models import RuleSet
from workflow.extensions import db
from workflow.org import forms, policies, queries, services
from workflow.org.api import AuthorityIn, AuthorityPatch, CouncilIn, UnitIn, UnitPatch
from workflow.org.blueprint import bp, require_administrator
from workflow.org.labels import AUTHORITY_KIND_LABELS, POSITION_LABELS, UNIT_KIND_LABELS
from workflow.org.models import AUTHORITY_KINDS, COUNCIL_POSITIONS, UNIT_KINDS, Authority, Unit
from workflow.views import confirm_page, confirmed

COUNCIL_FIELDS = ("username", "position")
BLANK_SEATS = 3


def _authority(code: str) -> Authority:
    """The authority, when the signed-in admin administers it; 404 otherwise."""
    require_administrator()
    authority = db.session.scalar(select(Authority).where(Authority.code == code))
    if authority is None or not policies.can_administer(db.session, current_user, authority):
        abort(404)
    return authority


def _unit(authority: Authority, unit_code: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code, Unit.authority_id == authority.id))
    if unit is None:
        abort(404)
    return unit


def _parent_options(exclude: Authority | None = None) -> list[tuple[str, str]]:
    tree = queries.authority_tree(db.session, current_user)
    return [(a.code, "\u2003" * depth + f"{a.name} ({a.code})") for a, depth in tree
            if exclude is None or (a.id != exclude.id and exclude not in a.ancestors())]


def _rule_set_options() -> list[tuple[str, str]]:
    rows = db.session.scalars(select(RuleSet).order_by(RuleSet.effective_from, RuleSet.code)).all()
    return [("", _("By date (the period in force)"))] + [(r.code, f"{r.code} — {r.name}") for r in rows]


def _kind_options(kinds, labels) -> list[tuple[str, str]]:
    return [(k, str(labels[k])) for k in kinds]


@bp.get("/co-quan")
@login_required
def authorities():
    """The authority tree the admin administers, with each one's units and council size."""
    require_administrator()
    tree = queries.authority_tree(db.session, current_user)
    return render_template("admin/authorities.html", tree=tree, kind_labels=AUTHORITY_KIND_LABELS,
                           can_add_root=current_user.is_deployment_admin or bool(tree))


@bp.route("/co-quan/moi", methods=["GET", "POST"])
@login_required
def create_authority():
    require_administrator()
    values = {"code": "", "name": "", "kind": "commune", "parent_code": request.args.get("parent", ""),
              "rule_set": ""}
    errors: dict = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in values}
        payload = {k: forms.text(k) for k in values}

        def create():
            data = check_body(AuthorityIn, {k: v for k, v in payload.items() if v is not None}, for_people=True)
            return services.create_authority(db.session, current_user, **data.model_dump())

        authority, errors = forms.attempt(create, not_found=False)
        if not errors:
            flash(_("%(name)s is added.", name=authority.name), "success")
            return redirect(url_for("org.authorities"))
    parents = _parent_options()
    if not current_user.is_deployment_admin and not parents:
        abort(404)
    parent_options = ([("", _("None (a root of the tree)"))] if current_user.is_deployment_admin else []) + parents
    return render_template("admin/authority_form.html", authority=None, values=values, errors=errors,
                           kinds=_kind_options(AUTHORITY_KINDS, AUTHORITY_KIND_LABELS), parents=parent_options,
                           rule_sets=_rule_set_options()), (422 if errors else 200)


@bp.route("/co-quan/<code>/sua", methods=["GET", "POST"])
@login_required
def edit_authority(code: str):
    """Rename, move under another parent (the tree changes over time), pin or unpin a rule set."""
    authority = _authority(code)
    values = {"name": authority.name, "parent_code": authority.parent.code if authority.parent else "",
              "rule_set": authority.rule_set_code or ""}
    errors: dict = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in values}
        payload = {k: forms.text(k) for k in values}
        payload["name"] = payload["name"] or ""  # an emptied name is refused, not kept silently
        current_parent = authority.parent.code if authority.parent else None

        def update():
            data = check_body(AuthorityPatch, {k: v for k, v in payload.items() if v is not None}, for_people=True)
            services.update_authority(
                db.session, current_user, authority, name=data.name,
                parent_code=data.parent_code if data.parent_code != current_parent else None,
                rule_set=data.rule_set, clear_rule_set=data.rule_set is None and authority.rule_set_code is not None)

        _done, errors = forms.attempt(update)
        if not errors:
            flash(_("%(name)s is saved.", name=authority.name), "success")
            return redirect(url_for("org.authorities"))
    parents = _parent_options(exclude=authority)
    if authority.parent is not None and authority.parent.code not in {c for c, _n in parents}:
        # the parent lies above the admin's subtree: it stays, the admin cannot move the authority
        parents = [(authority.parent.code, authority.parent.name)] + parents
    parent_options = ([("", _("None (a root of the tree)"))] if authority.parent is None else []) + parents
    return render_template("admin/authority_form.html", authority=authority, values=values, errors=errors,
                           kinds=_kind_options(AUTHORITY_KINDS, AUTHORITY_KIND_LABELS), parents=parent_options,
                           rule_sets=_rule_set_options(), kind_labels=AUTHORITY_KIND_LABELS), (422 if errors else 200)


@bp.get("/co-quan/<code>/don-vi")
@login_required
def units(code: str):
    """The units of an authority."""
    authority = _authority(code)
    return render_template("admin/units.html", authority=authority, units=queries.units_of(db.session, authority),
                           kind_labels=UNIT_KIND_LABELS)


@bp.route("/co-quan/<code>/don-vi/moi", methods=["GET", "POST"])
@login_required
def create_unit(code: str):
    authority = _authority(code)
    values = {"code": "", "name": "", "kind": "hamlet"}
    errors: dict = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in values}
        payload = {k: v for k in values if (v := forms.text(k)) is not None}

        def create():
            data = check_body(UnitIn, {**payload, "authority_code": authority.code}, for_people=True)
            return services.create_unit(db.session, current_user, **data.model_dump())

        unit, errors = forms.attempt(create, not_found=False)
        if not errors:
            flash(_("%(name)s is added.", name=unit.name), "success")
            return redirect(url_for("org.units", code=authority.code))
    return render_template("admin/unit_form.html", authority=authority, unit=None, values=values, errors=errors,
                           kinds=_kind_options(UNIT_KINDS, UNIT_KIND_LABELS)), (422 if errors else 200)


@bp.route("/co-quan/<code>/don-vi/<unit_code>/sua", methods=["GET", "POST"])
@login_required
def edit_unit(code: str, unit_code: str):
    authority = _authority(code)
    unit = _unit(authority, unit_code)
    values = {"name": unit.name, "kind": unit.kind}
    errors: dict = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in values}
        payload = {k: v for k in values if (v := forms.text(k)) is not None}
        if "name" not in payload:
            payload["name"] = ""  # an emptied name is refused, not kept silently

        def update():
            data = check_body(UnitPatch, payload, for_people=True)
            services.update_unit(db.session, current_user, unit, **data.model_dump())

        _done, errors = forms.attempt(update, refusals=False)
        if not errors:
            flash(_("%(name)s is saved.", name=unit.name), "success")
            return redirect(url_for("org.units", code=authority.code))
    return render_template("admin/unit_form.html", authority=authority, unit=unit, values=values, errors=errors,
                           kinds=_kind_options(UNIT_KINDS, UNIT_KIND_LABELS)), (422 if errors else 200)


@bp.route("/co-quan/<code>/hoi-dong", methods=["GET", "POST"])
@login_required
def council(code: str):
    """The authority's council (Hội đồng TĐKT): members and positions, replaced as a whole as
    ``PUT /authorities/{code}/council`` does. Taking a member off asks for a confirmation."""
    authority = _authority(code)
    seats = queries.council_of(db.session, authority)
    rows = [{"username": s.user.username, "position": s.position} for s in seats]
    rows += [{"username": "", "position": "member"} for _i in range(BLANK_SEATS)]
    errors: dict = {}
    if request.method == "POST":
        rows = forms.shown_rows("members", COUNCIL_FIELDS)
        filled, numbers = forms.rows("members", COUNCIL_FIELDS)
        members = [m for m in filled if m["username"]]
        numbers = [n for n, m in zip(numbers, filled, strict=True) if m["username"]]
        kept = {m["username"] for m in members}
        dropped = [s.user.full_name for s in seats if s.user.username not in kept]
        data, errors = forms.attempt(lambda: check_body(CouncilIn, {"members": members}, for_people=True),
                                     prefix="members", numbers=numbers, refusals=False)
        if not errors and dropped and members and not confirmed():
            return confirm_page(
                title=_("Take members off the council?"),
                message=_("%(names)s will no longer sit on the council of %(authority)s.",
                          names=", ".join(dropped), authority=authority.name),
                button=_("Save the council"), back=url_for("org.council", code=authority.code))
        if not errors:
            _done, errors = forms.attempt(
                lambda: services.set_council(db.session, current_user, authority.code,
                                             [m.model_dump() for m in data.members]),
                prefix="members", numbers=numbers, refusals=False)
        if not errors:
            flash(_("The council of %(name)s is saved.", name=authority.name), "success")
            return redirect(url_for("org.council", code=authority.code))
    people = [("", "—")] + [(u.username, f"{u.full_name} ({u.username})")
                            for u in queries.people_of(db.session, authority)]
    return render_template("admin/council.html", authority=authority, rows=rows, errors=errors, people=people,
                           positions=_kind_options(COUNCIL_POSITIONS, POSITION_LABELS),
                           seats=seats, position_labels=POSITION_LABELS), (422 if errors else 200)
