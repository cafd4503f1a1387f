"""JSON endpoints for the organisation (SPEC §10): authorities, units, users, council, nominees."""

from __future__ import annotations

from typing import Literal

from flask import jsonify
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from workflow.api import schemas
from workflow.api.core import StrictBody, route
from workflow.errors import NotFound, field_error
from workflow.extensions import db
from workflow.org import policies, services
from workflow.org.models import Authority, Unit
from workflow.org.serializers import authority_json, award_record_json, nominee_json, unit_json, user_json
from workflow.validation import Code, HistoryDay, Name, RuleSetCode, Text, Year

Username = Text(80, min_length=1, pattern=r"^[A-Za-z0-9_.@-]+$")


class AuthorityIn(StrictBody):
    code: Code
    name: Name
    kind: Literal["commune", "district", "province", "central"]
    parent_code: Code | None = None
    rule_set: RuleSetCode | None = None


class AuthorityPatch(StrictBody):
    name: Name | None = None
    parent_code: Code | None = None
    rule_set: RuleSetCode | None = None


class UnitIn(StrictBody):
    code: Code
    name: Name
    kind: Literal["hamlet", "school", "clinic", "mass_organisation", "office", "other"]
    authority_code: Code


class UnitPatch(StrictBody):
    name: Name | None = None
    kind: Literal["hamlet", "school", "clinic", "mass_organisation", "office", "other"] | None = None


class RoleIn(StrictBody):
    role: Literal["nominator", "secretary", "council_member", "chair", "higher_reviewer", "admin"]
    authority_code: Code | None = None
    unit_code: Code | None = None


class UserIn(StrictBody):
    username: Username
    password: Text(200, min_length=8)
    full_name: Name
    email: Text(254, pattern=r"^[^@\s]+@[^@\s]+$") | None = None
    locale: Literal["vi", "en"] = "vi"
    roles: list[RoleIn] = Field(min_length=1, max_length=50)


class RolesIn(StrictBody):
    roles: list[RoleIn] = Field(min_length=1, max_length=50)


class PasswordResetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # passwords are taken as typed: no stripping

    password: Text(200, min_length=8)


class SeatIn(StrictBody):
    username: Username
    position: Literal["chair", "vice_chair", "member", "secretary"]


class CouncilIn(StrictBody):
    members: list[SeatIn] = Field(min_length=1, max_length=200)


class NomineeIn(StrictBody):
    kind: Literal["individual", "collective", "household"]
    name: Name
    authority_code: Code
    unit_code: Code | None = None
    position: Text(200) | None = None
    birth_year: int | None = Field(default=None, gt=1900, lt=2100)
    gender: Literal["male", "female", "other"] | None = None
    head_name: Text(200) | None = None
    username: Username | None = None


class AccountLinkIn(StrictBody):
    username: Username | None


class PastAwardIn(StrictBody):
    award_type_code: Code
    year: Year
    decision_number: Text(60, min_length=1)
    decision_date: HistoryDay | None = None


@route("/authorities", methods=["POST"], body=AuthorityIn, tags=("organisation",), status=201,
       resp=schemas.AuthorityOut)
def create_authority(user, data: AuthorityIn):
    """Create an authority (admin of the parent, or of the deployment)."""
    authority = services.create_authority(db.session, user, **data.model_dump())
    return jsonify(authority_json(authority)), 201


@route("/authorities", tags=("organisation",), resp=list[schemas.AuthorityOut])
def list_authorities(user):
    """The authorities the caller can see (its scope and the ancestors above it)."""
    return jsonify([authority_json(a) for a in policies.visible_authorities(db.session, user)])


@route("/authorities/<code>", methods=["PATCH"], body=AuthorityPatch, tags=("organisation",),
       resp=schemas.AuthorityOut)
def update_authority(user, code: str, data: AuthorityPatch):
    """Rename an authority, move it to another parent, or pin its rule set."""
    authority = _authority_in_scope(user, code)
    updated = services.update_authority(db.session, user, authority, **data.model_dump())
    return jsonify(authority_json(updated))


def _authority_in_scope(user, code: str):
    authority = db.session.scalar(select(Authority).where(Authority.code == code))
    visible = {a.id for a in policies.visible_authorities(db.session, user)}
    if authority is None or authority.id not in visible:
        raise NotFound(_("Unknown authority: %(code)s.", code=code))
    return authority


@route("/units", methods=["POST"], body=UnitIn, tags=("organisation",), status=201, resp=schemas.UnitOut)
def create_unit(user, data: UnitIn):
    """Create a unit under an authority (admin)."""
    unit = services.create_unit(db.session, user, **data.model_dump())
    return jsonify(unit_json(unit)), 201


@route("/units/<code>", methods=["PATCH"], body=UnitPatch, tags=("organisation",), resp=schemas.UnitOut)
def update_unit(user, code: str, data: UnitPatch):
    """Rename a unit or change its kind (admin of its authority); its code and authority stay."""
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(_("Unknown unit: %(code)s.", code=code))
    return jsonify(unit_json(services.update_unit(db.session, user, unit, **data.model_dump())))


@route("/users/<int:user_id>/roles", methods=["PUT"], body=RolesIn, tags=("organisation",),
       resp=schemas.UserOut)
def set_user_roles(user, user_id: int, data: RolesIn):
    """Replace an account's roles (admin of the account and of every role given)."""
    roles = [r.model_dump() for r in data.roles]
    return jsonify(user_json(services.set_user_roles(db.session, user, user_id, roles)))


@route("/users", methods=["POST"], body=UserIn, tags=("organisation",), status=201, resp=schemas.UserOut)
def create_user(user, data: UserIn):
    """Create a user with roles scoped to authorities (and units for nominators)."""
    payload = data.model_dump()
    created = services.create_user(db.session, user, **payload)
    return jsonify(user_json(created)), 201


@route("/users/<int:user_id>/disable", methods=["POST"], tags=("organisation",), resp=schemas.UserOut)
def disable_user(user, user_id: int):
    """Disable an account (admin): every session and token of it ends at once."""
    return jsonify(user_json(services.set_user_active(db.session, user, user_id, False)))


@route("/users/<int:user_id>/password", methods=["POST"], body=PasswordResetIn, tags=("organisation",),
       resp=schemas.UserOut)
def reset_password(user, user_id: int, data: PasswordResetIn):
    """Set a temporary password for an account (admin); its next sign-in must choose a new one."""
    return jsonify(user_json(services.reset_password(db.session, user, user_id, data.password)))


@route("/users/<int:user_id>/enable", methods=["POST"], tags=("organisation",), resp=schemas.UserOut)
def enable_user(user, user_id: int):
    """Enable a disabled account again (admin); it signs in afresh."""
    return jsonify(user_json(services.set_user_active(db.session, user, user_id, True)))


@route("/authorities/<code>/council", methods=["PUT"], body=CouncilIn, tags=("organisation",),
       resp=schemas.CouncilOut)
def set_council(user, code: str, data: CouncilIn):
    """Replace the authority's council: members with their positions."""
    seats = services.set_council(db.session, user, code, [m.model_dump() for m in data.members])
    return jsonify({"authority_code": code, "members": [
        {"username": s.user.username, "full_name": s.user.full_name, "position": s.position} for s in seats]})


@route("/nominees", methods=["POST"], body=NomineeIn, tags=("nominees",), status=201, resp=schemas.NomineeOut)
def create_nominee(user, data: NomineeIn):
    """Register a nominee (individual, collective or household)."""
    nominee = services.create_nominee(db.session, user, **data.model_dump())
    return jsonify(nominee_json(nominee)), 201


@route("/nominees/<int:nominee_id>", tags=("nominees",), resp=schemas.NomineeOut)
def get_nominee(user, nominee_id: int):
    """A nominee with its award history (404 outside the caller's scope)."""
    return jsonify(nominee_json(services.get_nominee(db.session, user, nominee_id)))


@route("/nominees/<int:nominee_id>/account", methods=["PUT"], body=AccountLinkIn, tags=("nominees",),
       resp=schemas.NomineeOut)
def link_account(user, nominee_id: int, data: AccountLinkIn):
    """Link a nominee to the user account it is (``username``), or unlink it (``null``): secretary or admin."""
    return jsonify(nominee_json(services.link_account(db.session, user, nominee_id, data.username)))


@route("/nominees/<int:nominee_id>/awards", methods=["POST"], body=PastAwardIn, tags=("nominees",), status=201,
       resp=schemas.AwardRecordOut)
def add_past_award(user, nominee_id: int, data: PastAwardIn):
    """Enter a past award into the nominee's history (secretary)."""
    record = services.add_past_award(db.session, user, nominee_id, **data.model_dump())
    return jsonify(award_record_json(record)), 201


def _upload() -> tuple[bytes, str]:
    """The multipart ``file``: refused before parsing when over ``UPLOAD_MAX_MB`` (413)."""
    from flask import current_app, request

    from workflow.proposals.attachments import TooLarge

    upload = request.files.get("file")
    if upload is None:
        raise field_error("file", _("Attach the file (multipart field “file”)."))
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        content = upload.read(limit + 1)
    finally:
        upload.close()
    if len(content) > limit:
        raise TooLarge(_("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
    return content, upload.filename or ""


def _import(user, kind: str | None):
    from flask import request

    from workflow.org import importing

    content, filename = _upload()
    form = request.form
    kind = kind or form.get("kind") or request.args.get("kind") or None
    result = importing.import_file(db.session, user, content=content, filename=filename, kind=kind,
                                   authority_code=(form.get("authority_code") or "").strip(),
                                   unit_code=(form.get("unit_code") or "").strip() or None)
    return jsonify(result), 201


@route("/nominees/import", methods=["POST"], tags=("nominees",), status=201,
       form=schemas.ImportForm, query=schemas.ImportQuery, resp=schemas.ImportOut)
def import_nominees(user):
    """Import nominees from an XLSX or CSV file (multipart ``file``, ``authority_code``, ``unit_code?``,
    ``kind?`` = individual / household / collective / awards, else read from the header) → ``{imported}``;
    any bad row: 422 with ``details.rows: [{row, column, message}]`` and nothing imported."""
    return _import(user, None)


@route("/nominees/awards/import", methods=["POST"], tags=("nominees",), status=201,
       form=schemas.AwardsImportForm, resp=schemas.ImportOut)
def import_past_awards(user):
    """Import past awards (award type code, year, decision number) from an XLSX or CSV file (secretary;
    multipart ``file``, ``authority_code``, ``unit_code?``): all or nothing, as ``/nominees/import``."""
    return _import(user, "awards")


@route("/nominees/import/template", tags=("nominees",),
       query=schemas.TemplateQuery, media=(schemas.XLSX, schemas.CSV))
def import_template(user):
    """The blank import template: ``?kind=individual|household|collective|awards&format=xlsx|csv``."""
    from flask import request

    from workflow.documents.http import send_download
    from workflow.org import importing

    name, content, mimetype = importing.template(request.args.get("kind") or "individual",
                                                 request.args.get("format") or "xlsx")
    return send_download(content, mimetype, name)
