"""Sign-in, sign-out and password screens; the idle timeout of web sessions."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from workflow.auth import services
from workflow.auth.api import check_password
from workflow.auth.forms import LoginForm, PasswordForm
from workflow.auth.throttle import TooManyAttempts
from workflow.errors import Invalid
from workflow.extensions import db
from workflow.org.models import User

bp = Blueprint("auth", __name__)
# the module holding the project's clock (tests move it); ``workflow.db`` on the package is the
# SQLAlchemy extension, which shadows the module's name there
clock = importlib.import_module("workflow.db")


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


def _too_many(exc: TooManyAttempts):
    """The "too many attempts" page, saying how long to wait (and Retry-After when it is known)."""
    from werkzeug.exceptions import TooManyRequests

    error = TooManyRequests(description=exc.message)
    error.tdkt_message = exc.message  # the page says it in the reader's language
    if exc.details.get("retry_after"):
        error.retry_after = exc.details["retry_after"]
    raise error


def check_password_or_429(username: str, password: str):
    """``check_password`` for the screens: the "too many attempts" page (429) when throttled."""
    try:
        user = check_password(username, password)
    except TooManyAttempts as exc:
        _too_many(exc)
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
            start_session(user)
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.post("/dang-xuat")
@login_required
def logout():
    """Sign out: every cookie issued to this user so far stops working."""
    services.end_sessions(db.session, current_user)
    logout_user()
    _clear_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/doi-mat-khau", methods=["GET", "POST"])
@login_required
def password():
    """Change one's password (đổi mật khẩu): every other session and every API token ends; this
    browser stays signed in with a new session."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(db.session, current_user, current_password=form.current_password.data,
                                     new_password=form.new_password.data, address=get_remote_address(),
                                     limit=current_app.config["LOGIN_RATE_LIMIT"])
        except TooManyAttempts as exc:
            _too_many(exc)
        except Invalid as exc:
            db.session.rollback()
            for name, message in exc.details.items():
                getattr(form, name).errors.append(message)
        else:
            start_session(db.session.get(User, current_user.id))
            flash(_("Your password is changed. Your other sessions and API tokens are signed out."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)


def _clear_session() -> None:
    """Empty the session but keep the language chosen (before signing in, or out)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _now() -> int:
    return int(clock.utcnow().timestamp())


def start_session(user: User) -> None:
    """A fresh session for a sign-in (no fixation): the user, the sign-in moment, the idle clock."""
    _clear_session()
    login_user(user)
    session["auth_at"] = datetime.now(UTC).isoformat()
    session["seen_at"] = _now()


@bp.before_app_request
def end_idle_session():
    """Sign out a web session unused for ``TDKT_SESSION_IDLE_MINUTES``; otherwise note this request
    as its last activity. A session without the note (older than this rule) counts as idle.

    The view then runs for an anonymous visitor: a screen that needs a sign-in sends to the sign-in
    page (and back afterwards), with a message saying why. API tokens do not idle out: they expire
    ``TDKT_TOKEN_TTL_HOURS`` after they were issued, or when revoked.
    """
    if request.endpoint == "static" or "_user_id" not in session:
        return
    now, seen = _now(), session.get("seen_at")
    if isinstance(seen, int) and now - seen <= current_app.config["SESSION_IDLE_MINUTES"] * 60:
        session["seen_at"] = now
        return
    logout_user()
    _clear_session()
    flash(_("You were signed out after %(n)d minutes without activity. Sign in again.",
            n=current_app.config["SESSION_IDLE_MINUTES"]), "warning")


# what a user whose password an admin reset may still open before choosing a new one
PASSWORD_CHANGE_ENDPOINTS = {"auth.password", "auth.logout", "static", "main.set_language"}


@bp.before_app_request
def require_new_password():
    """After an admin's reset, every screen leads to the password change until it is done."""
    if request.blueprint == "api" or request.endpoint in PASSWORD_CHANGE_ENDPOINTS:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        flash(_("An administrator reset your password: choose a new one to continue."), "warning")
        return redirect(url_for("auth.password"))
    return None
