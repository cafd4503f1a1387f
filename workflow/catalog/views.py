"""Screens of the award catalogue (danh mục khen thưởng): every rule set, the award types of one
with all their rules, and the deployment admin's edit of a type — the whole definition, checked by
``catalog.services.save_award_type`` as ``PUT /api/v1/rule-sets/{rule_set}/award-types/{code}``
checks it. Any admin reads; only the deployment admin edits (404 for others, as out of scope)."""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from workflow.catalog.models import AWARD_KINDS, AwardType, RuleSet
from workflow.catalog.services import CORE_FIELDS, save_award_type
from workflow.errors import DomainError, Invalid
from workflow.extensions import db
from workflow.org.forms import field_errors
from workflow.org.labels import AUTHORITY_KIND_LABELS, NOMINEE_KIND_LABELS
from workflow.org.models import AUTHORITY_KINDS, NOMINEE_KINDS
from workflow.org.policies import is_administrator

bp = Blueprint("catalog", __name__, url_prefix="/quan-tri/danh-muc")


def _rule_set(code: str) -> RuleSet:
    if not is_administrator(current_user):
        abort(404)
    rule_set = db.session.scalar(select(RuleSet).where(RuleSet.code == code))
    if rule_set is None:
        abort(404)
    return rule_set


def _labels() -> dict:
    return {"award_kinds": {"title": _("title (danh hiệu)"), "commendation": _("commendation (hình thức khen thưởng)")},
            "authority_kinds": AUTHORITY_KIND_LABELS, "nominee_kinds": NOMINEE_KIND_LABELS}


@bp.get("/")
@login_required
def rule_sets():
    """Every loaded rule set (legal period or a province's overlay) with its dates."""
    if not is_administrator(current_user):
        abort(404)
    rows = db.session.scalars(select(RuleSet).order_by(RuleSet.effective_from, RuleSet.code)).all()
    return render_template("catalog/rule_sets.html", rule_sets=rows)


@bp.get("/<rule_set>")
@login_required
def award_types(rule_set: str):
    """The award types of a rule set with every rule they carry."""
    found = _rule_set(rule_set)
    rules = [(t, json.dumps(t.config, ensure_ascii=False, indent=2, sort_keys=True)) for t in found.award_types]
    return render_template("catalog/award_types.html", rule_set=found, rules=rules,
                           can_edit=current_user.is_deployment_admin, **_labels())


def _form_values(award_type: AwardType | None) -> dict:
    if award_type is None:
        return {"code": "", "name_vi": "", "name_en": "", "kind": "title", "nominee_kinds": ["individual"],
                "deciding_level": "commune", "council_vote": True, "rules": "{}"}
    return {"code": award_type.code, "name_vi": award_type.name_vi, "name_en": award_type.name_en,
            "kind": award_type.kind, "nominee_kinds": list(award_type.nominee_kinds),
            "deciding_level": award_type.deciding_level, "council_vote": award_type.council_vote,
            "rules": json.dumps(award_type.config, ensure_ascii=False, indent=2, sort_keys=True)}


# Stays whole (long or radon D+): one form's round trip (read, check, save or show again); its grade comes
# from the fields' empty-value fallbacks.
def _edit(rule_set: RuleSet, award_type: AwardType | None):
    if not current_user.is_deployment_admin:
        abort(404)
    values, errors = _form_values(award_type), {}
    if request.method == "POST":
        values = {"code": award_type.code if award_type else (request.form.get("code") or "").strip(),
                  "name_vi": request.form.get("name_vi", ""), "name_en": request.form.get("name_en", ""),
                  "kind": request.form.get("kind", ""), "nominee_kinds": request.form.getlist("nominee_kinds"),
                  "deciding_level": request.form.get("deciding_level", ""),
                  "council_vote": request.form.get("council_vote") == "1", "rules": request.form.get("rules", "")}
        try:
            try:
                rules = json.loads(values["rules"] or "{}")
            except ValueError as exc:
                raise Invalid(_("The other rules must be a JSON object."),
                              details={"rules": _("Not valid JSON: %(error)s", error=str(exc))}) from exc
            if not isinstance(rules, dict):
                raise Invalid(_("The other rules must be a JSON object."),
                              details={"rules": _("The other rules must be a JSON object.")})
            content = {**{k: v for k, v in rules.items() if k not in CORE_FIELDS},
                       **{k: values[k] for k in CORE_FIELDS if k != "code"}}
            if not values["code"]:
                raise Invalid(_("The code is required."), details={"code": _("This field is required.")})
            saved = save_award_type(db.session, current_user, rule_set.code, values["code"], content)
        except Invalid as exc:
            db.session.rollback()
            errors = field_errors(exc)
            # a rule inside the JSON (ballot.threshold) is shown on the JSON box
            known = set(CORE_FIELDS)
            for key in [k for k in errors if k and k.split(".")[0] not in known]:
                errors.setdefault("rules", "")
                errors["rules"] = (errors["rules"] + " " if errors["rules"] else "") + f"{key}: {errors.pop(key)}"
        except DomainError as exc:
            db.session.rollback()
            errors = {"": exc.message}
        else:
            flash(_("%(code)s of %(rule_set)s is saved.", code=saved.code, rule_set=rule_set.code), "success")
            return redirect(url_for("catalog.award_types", rule_set=rule_set.code) + f"#type-{saved.code}")
    return render_template(
        "catalog/award_type_form.html", rule_set=rule_set, award_type=award_type, values=values, errors=errors,
        award_kinds=[(k, _labels()["award_kinds"][k]) for k in AWARD_KINDS],
        levels=[(k, str(AUTHORITY_KIND_LABELS[k])) for k in AUTHORITY_KINDS],
        nominee_kinds=[(k, str(NOMINEE_KIND_LABELS[k])) for k in NOMINEE_KINDS]), (422 if errors else 200)


@bp.route("/<rule_set>/moi", methods=["GET", "POST"])
@login_required
def create_award_type(rule_set: str):
    return _edit(_rule_set(rule_set), None)


@bp.route("/<rule_set>/<code>/sua", methods=["GET", "POST"])
@login_required
def edit_award_type(rule_set: str, code: str):
    found = _rule_set(rule_set)
    award_type = next((t for t in found.award_types if t.code == code), None)
    if award_type is None:
        abort(404)
    return _edit(found, award_type)
