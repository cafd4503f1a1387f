"""Token login for API clients."""

from __future__ import annotations

from flask import current_app, g, jsonify
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from pydantic import BaseModel, ConfigDict

from workflow.api import schemas
from workflow.api.core import route
from workflow.auth import services
from workflow.auth.passwords import MIN_PASSWORD_LENGTH
from workflow.auth.throttle import authenticate_throttled
from workflow.errors import Unauthorized
from workflow.extensions import db
from workflow.org.serializers import user_json
from workflow.validation import Text


class TokenIn(BaseModel):
    # like every body: an unknown field is refused, not ignored; passwords are taken as typed
    model_config = ConfigDict(extra="forbid")
    # no control character reaches the user lookup (PostgreSQL refuses a NUL: a 500)
    username: Text(80, min_length=1)
    password: Text(200, min_length=1)


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # passwords are taken as typed: no stripping

    current_password: Text(200, min_length=1)
    new_password: Text(200, min_length=MIN_PASSWORD_LENGTH)


def check_password(username: str, password: str):
    """The user, or None; 429 once the username or the caller's address failed too often — one
    count shared by the web sign-in, this endpoint and the re-sign-in before signing."""
    return authenticate_throttled(db.session, username, password, address=get_remote_address(),
                                  limit=current_app.config["LOGIN_RATE_LIMIT"])


@route("/auth/token", methods=["POST"], body=TokenIn, auth=False, tags=("auth",), resp=schemas.TokenOut,
       errors=(401,))
def issue_token(data: TokenIn):
    """Exchange a username and password for a bearer token (429 after too many failures)."""
    user = check_password(data.username, data.password)
    if user is None:  # the failure is counted in the rate-limit storage, nothing is written here
        raise Unauthorized(_("Wrong username or password."))
    raw, token = services.issue_token(db.session, user, current_app.config["TOKEN_TTL_HOURS"])
    return jsonify({"token": raw, "expires_at": token.expires_at.isoformat(),
                    "user": {**user_json(user), "roles": [r.role for r in user.roles],
                             "role_scopes": user_json(user)["roles"]}})


@route("/auth/me", tags=("auth",), resp=schemas.UserOut)
def me(user):
    """The signed-in user with roles."""
    return jsonify(user_json(user))


@route("/auth/logout", methods=["POST"], tags=("auth",), status=204)
def logout(user):
    """Sign out: the calling token is revoked at once (other tokens of the user stay valid)."""
    services.revoke_token(db.session, g.api_token)
    return "", 204


@route("/auth/password", methods=["POST"], body=PasswordIn, tags=("auth",), resp=schemas.StatusMessageOut,
       errors=(429,))
def change_password(user, data: PasswordIn):
    """Change your password: every session and every token of yours ends, this one included."""
    services.change_password(db.session, user, current_password=data.current_password,
                             new_password=data.new_password, address=get_remote_address(),
                             limit=current_app.config["LOGIN_RATE_LIMIT"])
    return jsonify({"status": "changed", "message": _("Your password is changed. Sign in again with it.")})

