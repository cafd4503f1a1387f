"""Sign-in and sign-out screens."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from workflow.auth import services
from workflow.auth.api import check_password
from workflow.auth.forms import LoginForm
from workflow.auth.throttle import TooManyAttempts
from workflow.extensions import db

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative ``//evil``."""
    if not target:
        return None
    parts = urlsplit(urljoin(request.host_url, target))
    host = urlsplit(request.host_url)
    if parts.scheme != host.scheme or parts.netloc != host.netloc:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def check_password_or_429(username: str, password: str):
    """``check_password`` for the screens: the "too many attempts" page (429) when throttled."""
    try:
        user = check_password(username, password)
    except TooManyAttempts:
        db.session.rollback()
        abort(429)
    db.session.commit()
    return user


@bp.route("/dang-nhap", methods=["GET", "POST"])
def login():
    """Sign in (Đăng nhập); failures are limited per username and address (429)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = check_password_or_429(form.username.data, form.password.data)
        if user is None:
            flash(_("Wrong username or password."), "danger")
        else:
            lang = session.get("lang")
            session.clear()  # a fresh session for the new sign-in (no fixation)
            if lang:
                session["lang"] = lang  # the language chosen before signing in stays
            login_user(user)
            session["auth_at"] = datetime.now(UTC).isoformat()
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.post("/dang-xuat")
@login_required
def logout():
    """Sign out: every cookie issued to this user so far stops working."""
    services.end_sessions(db.session, current_user)
    db.session.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
