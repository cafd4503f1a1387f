"""Token login for API clients."""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel

from workflow.api.core import route
from workflow.auth import services
from workflow.errors import Unauthorized
from workflow.extensions import db, limiter
from workflow.org.serializers import user_json
from workflow.validation import Text


class TokenIn(BaseModel):
    # no control character reaches the user lookup (PostgreSQL refuses a NUL: a 500)
    username: Text(80, min_length=1)
    password: Text(200, min_length=1)


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def username_key() -> str:
    """Rate-limit key for the username being tried (form or JSON), so one account is not
    brute-forced from many addresses."""
    payload = request.get_json(silent=True) if request.is_json else None
    name = (payload or {}).get("username") if isinstance(payload, dict) else request.form.get("username")
    return f"user:{str(name or '').strip().lower()}"


@route("/auth/token", methods=["POST"], body=TokenIn, auth=False, tags=("auth",))
@limiter.limit(login_limit, key_func=username_key)
@limiter.limit(login_limit)
def issue_token(data: TokenIn):
    """Exchange a username and password for a bearer token."""
    user = services.authenticate(db.session, data.username, data.password)
    if user is None:
        db.session.commit()
        raise Unauthorized(_("Wrong username or password."))
    raw, token = services.issue_token(db.session, user, current_app.config["TOKEN_TTL_HOURS"])
    db.session.commit()
    return jsonify({"token": raw, "expires_at": token.expires_at.isoformat(),
                    "user": {**user_json(user), "roles": [r.role for r in user.roles],
                             "role_scopes": user_json(user)["roles"]}})


@route("/auth/me", tags=("auth",))
def me(user):
    """The signed-in user with roles."""
    return jsonify(user_json(user))
