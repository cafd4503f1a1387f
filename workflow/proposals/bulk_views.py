"""Bulk screens (đề nghị và thao tác hàng loạt): propose a whole hamlet's households (or a unit's
staff) at once, and act on the ticked proposals of a list. Thin: parse, scope, call one service
(``bulk.nominate_many``, ``bulk.fire_many``, ``council.services.set_agenda``,
``decisions.services.create_decision``), render the report of what was done and what was refused."""

from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from workflow.errors import DomainError, NotFound
from workflow.extensions import db
from workflow.locales import award_name, current_locale
from workflow.org.vocab import Role
from workflow.proposals import bulk, choices, eligibility, queries, services
from workflow.proposals.blueprint import bp
from workflow.proposals.forms import BulkActionForm, BulkNominateForm
from workflow.proposals.models import Proposal
from workflow.proposals.screen import error_text, event_label
from workflow.proposals.vocab import Event
from workflow.validation import parse_id

# the list actions: the events (each proposal through ``transition``) and the two acts other
# services own (a meeting's agenda, a draft decision), which take the list all or nothing
BULK_EVENTS = (Event.SUBMIT, Event.ACCEPT, Event.RETURN_FOR_CHANGES, Event.SKIP_COUNCIL)
BULK_ACTS = {"agenda": _l("Put on a meeting's agenda"), "decision": _l("Put in a draft decision")}
SECRETARY_ACTIONS = {Event.ACCEPT, Event.RETURN_FOR_CHANGES, Event.SKIP_COUNCIL, "agenda", "decision"}
BACK_ENDPOINTS = ("proposals.index", "proposals.mine", "proposals.inbox")


def _ids(name: str) -> list[int]:
    """The ticked ids (400 when one is not an id, or too many for one request)."""
    raw = request.form.getlist(name)
    if len(raw) > bulk.MAX_ROWS:
        abort(400)
    ids = [parse_id(value) for value in raw]
    if any(i is None for i in ids):
        abort(400)
    return list(dict.fromkeys(ids))


def _error(error: dict) -> str:
    return error_text(DomainError(error["message"], details=error.get("details"), code=error["code"]))


# --- bulk nomination ------------------------------------------------------------------------------

@bp.route("/hang-loat", methods=["GET", "POST"])
@login_required
# Stays whole (long or radon D+): the screen's steps (round and unit, the ticked list, the report) share the
# round, unit and rule loaded at the top.
def bulk_nominate():
    """From a hamlet, propose its eligible households for GĐVH (from a unit, its staff for LĐTT) in
    one step: the eligible ones pre-ticked, the others with the reason; the hamlet meeting and its
    posted list entered once for all; then the report of what was created and what was refused."""
    if not any(r.role in (Role.NOMINATOR, Role.SECRETARY) for r in current_user.roles) and not current_user.is_deployment_admin:
        abort(403)
    rounds = [r for r in queries.rounds_for(db.session, current_user) if r.is_open]
    round_ = next((r for r in rounds if str(r.id) == request.args.get("round")), None)
    if round_ is None and len(rounds) == 1:
        round_ = rounds[0]
    units = services.units_for(db.session, current_user, round_.authority) if round_ else []
    wanted_unit = request.args.get("unit")
    if wanted_unit and round_:
        unit = next((u for u in units if u.code == wanted_unit), None)
        if unit is None:
            abort(404)  # a unit out of the user's scope answers as an unknown one
    else:
        unit = units[0] if len(units) == 1 else None
    form = BulkNominateForm()
    award_types = rule = candidates = None
    if round_ and unit:
        kind = choices.bulk_kind(unit)
        award_types = choices.award_types_for_kind(choices.rules_in_force(db.session, round_.authority), kind)
        wanted = request.args.get("award") or choices.BULK_DEFAULT_AWARD[kind]
        rule = next((t for t in award_types if t["code"] == wanted), award_types[0] if award_types else None)
    if rule is not None:
        candidates = choices.bulk_candidates(db.session, current_user, round_, unit, rule)
        if request.method == "POST":
            known = {c.nominee.id for c in candidates}
            ids = _ids("nominee_ids")
            if not set(ids) <= known:
                abort(400)
            valid = form.validate_on_submit() and form.check_evidence()
            if valid and rule.get("evidence") and not form.evidence_given():
                form.form_errors.append(_("Record the hamlet meeting and its posted list: they are attached to "
                                          "every proposal."))
                valid = False
            if valid and not ids:
                form.form_errors.append(_("Tick at least one nominee."))
                valid = False
            if valid:
                evidence = form.evidence_json() if rule.get("evidence") else None
                try:
                    result = bulk.nominate_many(db.session, current_user, round_id=round_.id,
                                                award_type_code=rule["code"], unit_code=unit.code, nominee_ids=ids,
                                                achievements=form.achievements.data or "", evidence=evidence)
                except DomainError as exc:
                    db.session.rollback()
                    form.form_errors.append(error_text(exc))
                else:
                    return _nomination_report(result, candidates, round_, unit, rule, evidence)
    elif request.method == "POST":
        abort(400)
    return render_template("proposals/bulk_nominate.html", form=form, rounds=rounds, round_=round_, units=units,
                           unit=unit, award_types=award_types, rule=rule, candidates=candidates,
                           award_name=award_name)


def _nomination_report(result: dict, candidates, round_, unit, rule: dict, evidence: dict | None):
    names = {c.nominee.id: c.nominee.name for c in candidates}
    created = [{"name": names.get(row["nominee_id"], row["nominee_id"]), "id": row["id"]}
               for row in result["created"]]
    refused = [{"name": names.get(row["nominee_id"], row["nominee_id"]), "reason": _error(row["error"]),
                "proposal_id": (row["error"].get("details") or {}).get("proposal_id")}
               for row in result["refused"]]
    check = eligibility.evidence_check(evidence, rule) if created else None
    return render_template("proposals/bulk_report.html", created=created, refused=refused, round_=round_,
                           unit=unit, award=award_name(rule, rule["code"]),
                           evidence_problem=check.message if check and check.status == eligibility.FAIL else None)


# --- actions on a list ----------------------------------------------------------------------------

def _options() -> tuple[list[tuple[str, str]], list]:
    """The list actions this user may take, and the meetings whose agenda it builds."""
    roles = {r.role for r in current_user.roles}
    secretary = Role.SECRETARY in roles
    actions = [(event, event_label(event)) for event in BULK_EVENTS
               if (secretary or event not in SECRETARY_ACTIONS) and (event != Event.SUBMIT or roles & {Role.NOMINATOR, Role.SECRETARY})]
    meetings = []
    if secretary:
        from workflow.council.queries import scheduled_meetings_at

        at = {r.authority_id for r in current_user.roles if r.role == Role.SECRETARY and r.authority_id}
        meetings = scheduled_meetings_at(db.session, current_user, at)
        if meetings:
            actions.append(("agenda", str(BULK_ACTS["agenda"])))
        actions.append(("decision", str(BULK_ACTS["decision"])))
    return actions, meetings


def _form(actions, meetings, bound: bool = True) -> BulkActionForm:
    """The bulk form with its choices; bound to the request's form data (a POST) or empty (a list)."""
    from workflow.dates import show_moment

    form = BulkActionForm() if bound else BulkActionForm(formdata=None)
    form.action.choices = [("", _("Choose…")), *actions]
    form.return_field.choices = [("achievements", _("Achievements")),
                                 ("evidence", _("Meeting and notice (evidence)"))]
    form.meeting_id.choices = [("", _("Choose…"))] + [
        (str(m.id), f"{show_moment(m.scheduled_at)} · {m.place}") for m in meetings]
    return form


# the bulk form's fields as HTML, by language and choices: an unbound form with the same choices
# renders the same fields (no data, no errors; the CSRF token is outside them), and each list page
# rendered them again through the generic field macro and WTForms (a twelfth of its work)
_FIELDS: dict[tuple, Markup] = {}
FIELDS_KEPT = 1000


def _fields(form: BulkActionForm) -> Markup:
    key = (current_locale(), tuple(form.action.choices), tuple(form.meeting_id.choices),
           tuple(form.return_field.choices))
    html = _FIELDS.get(key)
    if html is None:
        html = Markup(current_app.jinja_env.get_template("proposals/_bulk_fields.html").render(bulk_form=form))  # nosec B704 (rendered by our autoescaping template)
        if len(_FIELDS) < FIELDS_KEPT:
            _FIELDS[key] = html
    return html


def bulk_context() -> dict:
    """What a proposal list needs for its bulk form (``bulk_form`` None: no checkboxes)."""
    actions, meetings = _options()
    if not actions:
        return {"bulk_form": None}
    form = _form(actions, meetings, bound=False)
    return {"bulk_form": form, "bulk_fields": _fields(form), "bulk_back": request.endpoint}


@bp.post("/hang-loat/thao-tac")
@login_required
def bulk_action():
    """Act on the ticked proposals of a list: each event per proposal through ``transition`` (a
    refused one is listed with its reason), the agenda and the draft decision through their own
    services (all or nothing, as one by one on their screens); then the list of done and refused."""
    actions, meetings = _options()
    if not actions:
        abort(403)
    form = _form(actions, meetings)
    back = request.form.get("back")
    back_url = url_for(back) if back in BACK_ENDPOINTS else url_for("proposals.index")
    ids = _ids("proposal_ids")
    if not form.validate_on_submit():
        abort(400)
    action = form.action.data
    if not ids:
        return _result(action, [], [], back_url, failure=_("Tick at least one proposal."))
    if action in BULK_EVENTS:
        data = None
        if action == Event.RETURN_FOR_CHANGES:
            reason = (form.reason.data or "").strip()
            if not reason:
                return _result(action, [], [], back_url, failure=_("Write what is missing: it is sent to each "
                                                                    "unit with the return."))
            data = {"items": [{"field": form.return_field.data or "achievements", "message": reason}]}
        outcome = bulk.fire_many(db.session, current_user, ids, action, data=data)
        return _result(action, outcome["done"], outcome["refused"], back_url)
    try:
        link = _agenda(ids, form) if action == "agenda" else _decision(ids)
    except DomainError as exc:
        db.session.rollback()
        return _result(action, [], [], back_url, failure=error_text(exc))
    return _result(action, ids, [], back_url, link=link)


def _agenda(ids: list[int], form: BulkActionForm) -> str:
    from workflow.council import services as council

    meeting_id = parse_id(form.meeting_id.data or "")
    if meeting_id is None:
        raise DomainError(_("Choose the meeting."))
    meeting = council.set_agenda(db.session, current_user, meeting_id, ids)
    return url_for("council.detail", meeting_id=meeting.id)


def _decision(ids: list[int]) -> str:
    from workflow.decisions import services as decisions

    first = services.get_proposal(db.session, current_user, ids[0])  # 404 → refused, as unknown
    codes = set(db.session.scalars(select(Proposal.award_type_code).where(Proposal.id.in_(ids))))
    decisions.create_decision(db.session, current_user, authority_code=first.current_authority.code,
                              award_type_code=codes.pop() if len(codes) == 1 else None, proposal_ids=ids)
    return url_for("decisions.decisions")


def _result(action: str, done: list[int], refused: list[dict], back_url: str, *, failure: str | None = None,
            link: str | None = None):
    visible = {}
    for pid in [*done, *(r["id"] for r in refused)]:
        try:
            visible[pid] = services.get_proposal(db.session, current_user, pid)
        except NotFound:
            pass
    label = event_label(action) if action in BULK_EVENTS else str(BULK_ACTS.get(action, action))
    return render_template("proposals/bulk_result.html", label=label, done=[visible.get(pid) or pid for pid in done],
                           refused=[{"proposal": visible.get(r["id"]), "id": r["id"], "reason": _error(r["error"])}
                                    for r in refused],
                           failure=failure, link=link, back_url=back_url)
