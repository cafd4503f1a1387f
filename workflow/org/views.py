"""Screens of account care (quản lý tài khoản): the accounts an admin administers, disabling and
enabling them, and an admin's password reset. Thin: each action is one ``org.services`` call,
with the scope, validation and audit of the API."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from workflow import paging
from workflow.auth.passwords import MIN_PASSWORD_LENGTH
from workflow.errors import DomainError, Invalid, NotFound
from workflow.extensions import db
from workflow.folding import fold
from workflow.org import services
from workflow.org.models import User
from workflow.org.policies import can_administer_user
from workflow.views import ROLE_LABELS, nav_item

bp = Blueprint("org", __name__, url_prefix="/quan-tri")
nav_item("org.users", _l("Accounts"), ("admin",), order=80)


class ResetForm(FlaskForm):
    """An admin's temporary password for an account, twice."""

    password = PasswordField(_l("Temporary password"), validators=[
        DataRequired(message=_l("Enter the new password.")),
        Length(min=MIN_PASSWORD_LENGTH, max=200,
               message=_l("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))])
    confirm = PasswordField(_l("Temporary password again"), validators=[
        DataRequired(message=_l("Enter the new password again.")),
        EqualTo("password", message=_l("The two new passwords differ."))])


def _administered(user_id: int) -> User:
    """The account, when the signed-in admin administers it; 404 otherwise."""
    if not (current_user.is_deployment_admin or "admin" in current_user.role_names()):
        abort(404)
    user = db.session.get(User, user_id)
    if user is None or not can_administer_user(db.session, current_user, user):
        abort(404)
    return user


@bp.get("/tai-khoan")
@login_required
def users():
    """The accounts the admin administers, with their roles and whether they may sign in."""
    if not (current_user.is_deployment_admin or "admin" in current_user.role_names()):
        abort(404)
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
