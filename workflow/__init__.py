"""TĐKT Workflow — quy trình thi đua, khen thưởng. ``create_app`` wires the pieces; it does no
migrations and no network I/O."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask, g, has_request_context, jsonify, make_response, render_template, request, session
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from workflow.config import PROJECT_ROOT, load_settings
from workflow.db import RETRY_AFTER_SECONDS, database_unavailable, finish
from workflow.extensions import babel, csrf, db, limiter, login_manager
from workflow.headers import init_security_headers
from workflow.locales import LANGUAGES, LOCALES, cache_template_translations, current_locale, default_locale
from workflow.responses import (
    database_unavailable_response,
    error_response,
    note_database_unavailable,
    wants_json,
)

PACKAGE_DIR = Path(__file__).resolve().parent


def select_locale() -> str:
    """?lang= (remembered in the session), then the user's setting, then the configured default."""
    from flask_login import current_user

    if not has_request_context():  # CLI, Celery: the caller may set g.locale (e.g. a recipient's)
        return g.get("locale") or default_locale()
    wanted = request.args.get("lang")
    if wanted in LOCALES:
        session["lang"] = wanted
        return wanted
    if session.get("lang") in LOCALES:
        return session["lang"]
    user = g.get("api_user") or (current_user if current_user and current_user.is_authenticated else None)
    try:
        locale = getattr(user, "locale", None) if user is not None else None
    except SQLAlchemyError:  # a lost race failed the request's transaction: its rows cannot load now
        locale = None
    return locale if locale in LOCALES else default_locale()


class WorkflowFlask(Flask):
    """The app, with the request's unit of work (as Indico's request handler): the view runs, then
    its session commits when the answer is a success (below 400) and rolls back when the view raised
    or answered an error, so bad input changes nothing. A commit that fails raises here, inside the
    request, and reaches the error handlers (409, 503) as a view's error would. Side effects queued
    with ``after_commit`` run after that commit."""

    def dispatch_request(self):
        try:
            response = self.make_response(super().dispatch_request())
        except BaseException:
            db.session.rollback()
            raise
        finish(db.session, ok=response.status_code < 400)
        return response


# Stays whole (long or radon D+): wiring only: every setting, extension, blueprint and hook registered in one
# place, in order.
def create_app(overrides: dict | None = None) -> Flask:
    settings = load_settings(overrides)
    app = WorkflowFlask(
        "workflow",
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PACKAGE_DIR / "static"),
    )
    app.config.update({f"TDKT_{k}": v for k, v in settings.items()})
    app.config.update(
        SECRET_KEY=settings["SECRET_KEY"],
        SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings["DATABASE_URL"]),
        MAX_CONTENT_LENGTH=int(settings["UPLOAD_MAX_MB"]) * 1024 * 1024,
        RATELIMIT_STORAGE_URI=settings["RATELIMIT_STORAGE_URL"],
        # Redis down: the limits go on in this process's memory (and back to Redis once it answers)
        # instead of failing every limited request; a dead Redis answers within a second
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_STORAGE_OPTIONS=_ratelimit_options(settings["RATELIMIT_STORAGE_URL"]),
        RATELIMIT_HEADERS_ENABLED=True,
        LOGIN_RATE_LIMIT=settings["LOGIN_RATE_LIMIT"],
        TOKEN_TTL_HOURS=settings["TOKEN_TTL_HOURS"],
        FRESH_LOGIN_MINUTES=settings["FRESH_LOGIN_MINUTES"],
        SESSION_IDLE_MINUTES=settings["SESSION_IDLE_MINUTES"],
        BABEL_DEFAULT_LOCALE=settings["DEFAULT_LOCALE"],
        BABEL_TRANSLATION_DIRECTORIES=str(PACKAGE_DIR / "translations"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings["ENV"] == "production",
        # the sign-in form offers no "remember me"; should a sign-in ever ask for it, its cookie is
        # as guarded as the session's and lasts two weeks at most
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings["ENV"] == "production",
        REMEMBER_COOKIE_DURATION=timedelta(days=14),
        WTF_CSRF_TIME_LIMIT=None,
        JSON_SORT_KEYS=False,
    )
    app.json.ensure_ascii = False
    if settings["PROXY_HOPS"]:
        # behind the TLS-terminating proxy: the client's address (per-address sign-in limits) and
        # scheme come from its X-Forwarded-* headers, trusted for exactly that many hops
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(settings["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    if settings["DATABASE_URL"].startswith("sqlite:///"):
        Path(settings["DATABASE_URL"].removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)

    _init_input_limits(app)
    db.init_app(app)
    _init_session_end(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    cache_template_translations(app)  # after Babel's own template callables
    limiter.init_app(app)
    _init_login(app)

    from workflow.api import bp as api_bp
    from workflow.auth.views import bp as auth_bp
    from workflow.council.views import bp as council_bp
    from workflow.decisions.views import bp as decisions_bp
    from workflow.org.nominee_views import bp as nominees_bp
    from workflow.org.views import bp as org_bp
    from workflow.proposals.round_views import bp as rounds_bp
    from workflow.proposals.views import bp as proposals_bp
    from workflow.proposals.views import public_bp
    from workflow.reminders.views import bp as reminders_bp
    from workflow.reports.dashboard_views import bp as dashboard_bp
    from workflow.reports.export_views import bp as exports_bp
    from workflow.reports.views import bp as reports_bp
    from workflow.views import bp as main_bp

    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, never with cookies
    app.register_blueprint(api_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(reminders_bp)
    app.register_blueprint(decisions_bp)
    app.register_blueprint(proposals_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(council_bp)
    app.register_blueprint(org_bp)
    app.register_blueprint(rounds_bp)
    app.register_blueprint(nominees_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(reports_bp)
    # the administration screens of the deployment-wide settings (issue 11 item 8)
    from workflow.calendar.views import bp as calendar_bp
    from workflow.cash.views import bp as cash_bp
    from workflow.catalog.views import bp as catalog_bp

    for admin_bp in (catalog_bp, calendar_bp, cash_bp):
        app.register_blueprint(admin_bp)
    app.register_blueprint(dashboard_bp)
    _init_errors(app)
    init_security_headers(app)

    from tasks.celery_app import celery_init_app

    celery_init_app(app)

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    from workflow.dates import show_date, show_moment

    app.add_template_filter(show_date, "day")
    app.add_template_filter(show_moment, "moment")

    @app.context_processor
    def _template_globals():
        return {"current_locale": current_locale(), "locales": LOCALES, "languages": LANGUAGES}

    logging.getLogger("workflow").setLevel(logging.INFO)
    return app


def _init_input_limits(app: Flask) -> None:
    """Ids in paths fit the database's integer (beyond: 404, an unknown object); the request guard
    runs before everything else (CSRF, rate limits), so no view sees a control character."""
    from werkzeug.routing import IntegerConverter

    from workflow.validation import MAX_ID, guard_request

    class BoundedInt(IntegerConverter):
        def __init__(self, url_map, *args, **kwargs):
            kwargs.setdefault("max", MAX_ID)
            super().__init__(url_map, *args, **kwargs)

    app.url_map.converters["int"] = BoundedInt
    app.before_request_funcs.setdefault(None, []).insert(0, guard_request)


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # pragmas are set per connection in workflow.db; the timeout covers the driver's own lock wait
        return {"connect_args": {"timeout": 15, "check_same_thread": False}}
    return {"pool_pre_ping": True}


def _init_session_end(app: Flask) -> None:
    """End the request's session first (teardowns run last-registered first), forgiving a
    connection that died after the answer was made: the ROLLBACK that releases it fails, and
    Flask-SQLAlchemy's own teardown would turn an answered request into a bare 500."""

    @app.teardown_appcontext
    def _end_session(_exc):
        try:
            db.session.remove()
        except SQLAlchemyError as error:
            if not database_unavailable(error):
                raise
            logging.getLogger("workflow").warning("database connection lost after the request: %s",
                                                  getattr(error, "orig", None) or error)
            db.session.registry.clear()  # the connection is invalidated: the pool drops it


def _ratelimit_options(url: str) -> dict:
    if url.startswith(("redis://", "rediss://")):
        return {"socket_connect_timeout": 1, "socket_timeout": 1}
    return {}


def _init_login(app: Flask) -> None:
    from workflow.auth.services import load_session_user

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(cookie_id: str):
        return load_session_user(db.session, cookie_id)


def _init_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if wants_json():
            names = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 429: "rate_limited"}
            return error_response(exc.code or 500, names.get(exc.code, "http_error"), exc.description or "")
        code = exc.code or 500
        template = f"errors/{code}.html" if code in (403, 404, 429) else "errors/generic.html"
        return render_template(template, code=code, error=exc), code

    @app.errorhandler(SQLAlchemyError)
    def _database(exc: SQLAlchemyError):
        if not database_unavailable(exc):
            return _unexpected(exc)
        if wants_json():
            return database_unavailable_response(exc)
        # the page is drawn as for a visitor: the signed-in menu and the bell would ask the
        # database again (and so would a user not yet loaded), and it is not there
        g._login_user = login_manager.anonymous_user()
        note_database_unavailable(exc)
        response = make_response(render_template("errors/503.html", code=503, error=None), 503)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        logging.getLogger("workflow").exception("unhandled error")
        db.session.rollback()
        if wants_json():
            return error_response(500, "internal_error", _("An unexpected error occurred. It has been logged."))
        return render_template("errors/generic.html", code=500, error=None), 500
