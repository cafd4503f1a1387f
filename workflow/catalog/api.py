"""JSON endpoints for the award catalogue."""

from __future__ import annotations

from datetime import date

from flask import jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from workflow import vntime
from workflow.api import schemas
from workflow.api.core import route
from workflow.catalog.models import RuleSet
from workflow.catalog.services import rule_set_for
from workflow.errors import NotFound, field_error
from workflow.extensions import db
from workflow.locales import current_locale
from workflow.org import policies
from workflow.org.models import Authority


def award_type_json(t, locale: str) -> dict:
    config = t.config
    return {
        "code": t.code, "name": t.name(locale), "name_vi": t.name_vi, "name_en": t.name_en,
        "kind": t.kind, "nominee_kinds": t.nominee_kinds, "deciding_level": t.deciding_level,
        "council_vote": t.council_vote, "rule_set": t.rule_set.code,
        "ballot": config.get("ballot"), "quorum": config.get("quorum"),
        "notice_days": config.get("notice_days", 0), "prerequisites": config.get("prerequisites", []),
        "cap": config.get("cap"), "evidence": config.get("evidence"),
        "required_documents": config.get("required_documents", []),
        "processing_days": config.get("processing_days"),
        "cash_coefficient": config.get("cash_coefficient", {}),
    }


@route("/award-types", tags=("catalogue",), query=schemas.AwardTypesQuery, resp=list[schemas.AwardTypeOut])
def list_award_types(user):
    """Award types in force: for ``?authority=CODE`` (default: the caller's first authority)
    on ``?date=YYYY-MM-DD`` (default: today), or of ``?rule_set=CODE``."""
    if request.args.get("rule_set"):
        rule_set = db.session.scalar(select(RuleSet).where(RuleSet.code == request.args["rule_set"]))
        if rule_set is None:
            raise NotFound(_("Unknown rule set: %(code)s.", code=request.args["rule_set"]))
    else:
        try:
            on = date.fromisoformat(request.args.get("date") or vntime.today().isoformat())
        except ValueError as exc:
            raise field_error("date", _("Write the date as YYYY-MM-DD.")) from exc
        visible = policies.visible_authorities(db.session, user)
        code = request.args.get("authority")
        authority = next((a for a in visible if a.code == code), None) if code else None
        if code and authority is None:
            raise NotFound(_("Unknown authority: %(code)s.", code=code))
        if authority is None:
            own = [r.authority for r in user.roles if r.authority is not None]
            authority = own[0] if own else (visible[0] if visible else Authority(code="-", kind="commune"))
        rule_set = rule_set_for(db.session, authority, on)
    locale = current_locale()
    return jsonify([award_type_json(t, locale) for t in rule_set.award_types])


@route("/rule-sets", tags=("catalogue",), resp=list[schemas.RuleSetOut])
def list_rule_sets(user):
    """Every loaded rule set (legal period) with its dates."""
    rows = db.session.scalars(select(RuleSet).order_by(RuleSet.effective_from)).all()
    return jsonify([{"code": r.code, "name": r.name, "effective_from": r.effective_from.isoformat(),
                     "effective_to": r.effective_to.isoformat() if r.effective_to else None,
                     "levels": r.content.get("levels")} for r in rows])


@route("/rule-sets/<rule_set>/award-types/<code>", methods=["PUT"], tags=("catalogue",),
       doc_body=schemas.AwardTypeIn, resp=schemas.AwardTypeOut)
def save_award_type(user, rule_set: str, code: str):
    """Add or edit an award type of a rule set (deployment admin); the body is an award type as in
    the rule files (name_vi, name_en, kind, nominee_kinds, deciding_level, council_vote, …)."""
    from flask import request

    from workflow.catalog.services import save_award_type as save

    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise field_error("body", _("The request body must be a JSON object."))
    award_type = save(db.session, user, rule_set, code, payload)
    return jsonify(award_type_json(award_type, current_locale()))
