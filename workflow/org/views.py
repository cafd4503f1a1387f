"""Screens of administration (quản trị): its index, and account care (quản lý tài khoản) — the
accounts an admin administers, creating one with its roles, changing its roles, disabling and
enabling it, an admin's password reset. Thin: each action is one ``org.services`` call, with the
scope, validation and audit of the API. The authority, unit and council screens are in
``authority_views`` (same blueprint)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from workflow import paging
from workflow.api.core import check_body
from workflow.auth.forms import new_password_fields
from workflow.errors import DomainError, Invalid, NotFound
from workflow.extensions import db
from workflow.folding import fold
from workflow.org import (
    authority_views,  # noqa: F401  (its routes join the blueprint)
    forms,
    queries,
    services,
)
from workflow.org.blueprint import bp, require_administrator
from workflow.org.models import ROLES, Unit, User
from workflow.org.policies import can_administer_user
from workflow.org.vocab import Role
from workflow.views import ROLE_LABELS, confirm_page, confirmed, nav_item

nav_item("org.admin", _l("Administration"), (Role.ADMIN,), order=80)
ROLE_FIELDS = ("role", "authority_code", "unit_code")
BLANK_ROLES = 2


@bp.get("/")
@login_required
def admin():
    """Administration (Quản trị): the screens an admin has, each scoped to what it administers."""
    require_administrator()
    return render_template("admin/index.html", deployment=current_user.is_deployment_admin)


class ResetForm(FlaskForm):
    """An admin's temporary password for an account, twice."""

    password, confirm = new_password_fields(_l("Temporary password"), _l("Temporary password again"), "password")


def _administered(user_id: int) -> User:
    """The account, when the signed-in admin administers it; 404 otherwise."""
    require_administrator()
    user = db.session.get(User, user_id)
    if user is None or not can_administer_user(db.session, current_user, user):
        abort(404)
    return user


@bp.get("/tai-khoan")
@login_required
def users():
    """The accounts the admin administers, with their roles and whether they may sign in."""
    require_administrator()
    values, page = paging.kept(request.args, ("q", "role", "status")), paging.page_arg()
    chosen, errors = paging.parse_simple(values, choices={"role": tuple(ROLE_LABELS), "status": ("active", "disabled")})
    accounts = [] if errors else services.administered_users(db.session, current_user)
    if "q" in values:  # username or full name, with or without diacritics
        wanted = fold(values["q"][:100])
        accounts = [a for a in accounts if wanted in fold(a.username) or wanted in fold(a.full_name)]
    if "role" in chosen:
        accounts = [a for a in accounts if any(r.role == chosen["role"] for r in a.roles)]
    if "status" in chosen:
        accounts = [a for a in accounts if a.active == (chosen["status"] == "active")]
    accounts, total = paging.slice_page(accounts, page)
    return render_template("org/users.html", accounts=accounts, role_labels=ROLE_LABELS, values=values, errors=errors,
                           total=total, page=page, pages=paging.page_count(total)), 400 if errors else 200


@bp.post("/tai-khoan/<int:user_id>/khoa")
@login_required
def disable(user_id: int):
    return _set_active(user_id, False)


@bp.post("/tai-khoan/<int:user_id>/mo-khoa")
@login_required
def enable(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    user = _administered(user_id)
    try:
        services.set_user_active(db.session, current_user, user.id, active)
    except NotFound:
        db.session.rollback()
        abort(404)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        flash(_("%(name)s can sign in again.", name=user.full_name) if active else
              _("%(name)s is disabled: every session and token of the account has ended.", name=user.full_name),
              "success")
    return redirect(url_for("org.users"))


@bp.route("/tai-khoan/<int:user_id>/dat-lai-mat-khau", methods=["GET", "POST"])
@login_required
def reset(user_id: int):
    """Set a temporary password; the user chooses a new one at the next sign-in."""
    user = _administered(user_id)
    form = ResetForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.reset_password(db.session, current_user, user.id, form.password.data)
        except Invalid as exc:
            db.session.rollback()
            for message in exc.details.values():
                form.password.errors.append(message)
        except NotFound:
            db.session.rollback()
            abort(404)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            flash(_("The password of %(name)s is reset. Give them the temporary password: they choose a new one "
                    "when they sign in.", name=user.full_name), "success")
            return redirect(url_for("org.users"))
    return render_template("org/reset.html", form=form, account=user)


def _role_choices() -> dict:
    """What the role rows offer: the roles, the authorities administered (deployment-wide for a
    deployment admin), their units."""
    authorities = queries.administered_authorities(db.session, current_user)
    ids = [a.id for a in authorities]
    units = db.session.scalars(select(Unit).where(Unit.authority_id.in_(ids)).order_by(Unit.name)).all() if ids else []
    return {
        "roles": [("", "—")] + [(r, str(ROLE_LABELS[r])) for r in ROLES],
        "authorities": ([("", _("The whole deployment (administrator only)"))]
                        if current_user.is_deployment_admin else [("", "—")])
                       + [(a.code, f"{a.name} ({a.code})") for a in authorities],
        "units": [("", "—")] + [(u.code, f"{u.name} — {u.authority.name}") for u in units],
    }


def _role_payload() -> tuple[list[dict], list[int]]:
    filled, numbers = forms.rows("roles", ROLE_FIELDS)
    return [{k: v for k, v in row.items() if v is not None} for row in filled], numbers


@bp.route("/tai-khoan/moi", methods=["GET", "POST"])
@login_required
def create_user():
    """A new account with its roles, as ``POST /api/v1/users``."""
    require_administrator()
    values = {"username": "", "full_name": "", "email": "", "locale": "vi"}
    rows = [{"role": "", "authority_code": "", "unit_code": ""} for _i in range(BLANK_ROLES + 1)]
    errors: dict = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in values}
        rows = forms.shown_rows("roles", ROLE_FIELDS) or rows
        roles, numbers = _role_payload()
        payload = {k: v for k in values if (v := forms.text(k)) is not None}
        # passwords are taken as typed (the API does not strip them either)
        payload["password"] = request.form.get("password", "")
        payload["roles"] = roles

        def create():
            if request.form.get("password") != request.form.get("password_again"):
                raise Invalid(_("The two passwords differ."), details={"password_again": _("The two passwords differ.")})
            from workflow.org.api import UserIn

            data = check_body(UserIn, payload, for_people=True)
            return services.create_user(db.session, current_user, **data.model_dump())

        user, errors = forms.attempt(create, prefix="roles", numbers=numbers, not_found=False)
        if not errors:
            flash(_("The account %(name)s is created.", name=user.username), "success")
            return redirect(url_for("org.users"))
    return render_template("admin/user_form.html", values=values, rows=rows, errors=errors,
                           choices=_role_choices()), (422 if errors else 200)


@bp.route("/tai-khoan/<int:user_id>/vai-tro", methods=["GET", "POST"])
@login_required
def roles(user_id: int):
    """An account's roles, replaced as a whole (``PUT /api/v1/users/{id}/roles``); taking a role
    away asks for a confirmation."""
    user = _administered(user_id)
    if user.id == current_user.id:
        abort(404)  # one's own roles are changed by another admin
    rows = [{"role": r.role, "authority_code": r.authority.code if r.authority else "",
             "unit_code": r.unit.code if r.unit else ""} for r in user.roles]
    rows += [{"role": "", "authority_code": "", "unit_code": ""} for _i in range(BLANK_ROLES)]
    errors: dict = {}
    if request.method == "POST":
        rows = forms.shown_rows("roles", ROLE_FIELDS) or rows
        wanted, numbers = _role_payload()
        from workflow.org.api import RolesIn

        data, errors = forms.attempt(lambda: check_body(RolesIn, {"roles": wanted}, for_people=True),
                                     prefix="roles", numbers=numbers)
        if not errors:
            held = {(r.role, r.authority.code if r.authority else None, r.unit.code if r.unit else None)
                    for r in user.roles}
            kept = {(r.role, r.authority_code, r.unit_code) for r in data.roles}
            if held - kept and not confirmed():
                return confirm_page(
                    title=_("Take roles away?"),
                    message=_("%(name)s loses %(count)d of the roles held now.", name=user.full_name,
                              count=len(held - kept)),
                    button=_("Save the roles"), back=url_for("org.roles", user_id=user.id))
            _done, errors = forms.attempt(
                lambda: services.set_user_roles(db.session, current_user, user.id,
                                                [r.model_dump() for r in data.roles]),
                prefix="roles", numbers=numbers)
        if not errors:
            flash(_("The roles of %(name)s are saved.", name=user.full_name), "success")
            return redirect(url_for("org.users"))
    return render_template("admin/roles.html", account=user, rows=rows, errors=errors,
                           choices=_role_choices()), (422 if errors else 200)

