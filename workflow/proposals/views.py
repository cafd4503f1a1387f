"""Proposal screens (hồ sơ đề nghị): the nominator's unit list and create/edit/upload/submit, the
secretary's inbox and screening, the detail page with its actions. Thin: parse, load (404),
check the policy, call one service, render or redirect. The public notice page is in
``public_views``."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from workflow import paging
from workflow.calendar.services import WorkCalendar
from workflow.errors import DomainError
from workflow.extensions import db
from workflow.locales import award_name
from workflow.org.vocab import Role
from workflow.proposals import (
    choices,
    document_views,  # noqa: F401  (its routes join the blueprint)
    eligibility,
    event_data,
    notice,
    policies,
    queries,
    screen_rows,
    services,
)
from workflow.proposals.blueprint import bp
from workflow.proposals.blueprint import load_proposal as _load
from workflow.proposals.blueprint import refused as _refused
from workflow.proposals.bulk_views import bulk_context
from workflow.proposals.clock import processing_clock
from workflow.proposals.filters import list_filters
from workflow.proposals.forms import (
    CreateProposalForm,
    EditProposalForm,
    EventForm,
    LowerAwardForm,
    ReturnForm,
    UploadForm,
)
from workflow.proposals.models import STATES
from workflow.proposals.public_views import bp as public_bp  # noqa: F401  (registered with this one)
from workflow.proposals.screen import (
    OTHER_DOCUMENT,
    award_names,
    error_text,
    event_label,
    nominee_kind_choices,
)
from workflow.proposals.states import INTERNAL_EVENTS
from workflow.proposals.vocab import Event, State
from workflow.validation import parse_id
from workflow.views import nav_item

SCREENING = (State.SUBMITTED, State.UNDER_REVIEW, State.PUBLIC_NOTICE, State.RETURNED)

nav_item("proposals.mine", _l("My unit's proposals"), roles=(Role.NOMINATOR,), order=20)
nav_item("proposals.inbox", _l("Proposals to screen"), roles=(Role.SECRETARY,), order=21)
nav_item("proposals.index", _l("All proposals"),
         roles=(Role.SECRETARY, Role.CHAIR, Role.COUNCIL_MEMBER, Role.HIGHER_REVIEWER, Role.ADMIN), order=30)


def _grouped(items) -> list[tuple[str, list]]:
    return [(state, [p for p in items if p.state == state]) for state in STATES
            if any(p.state == state for p in items)]


def _search() -> str:
    """The nominee search of the create page (the lists parse theirs with ``list_filters``)."""
    return (request.args.get("q") or "").strip()[:100]


def _page() -> int:
    return paging.page_arg()


def _pages(total: int) -> int:
    return paging.page_count(total)


# --- lists ----------------------------------------------------------------------------------------

def _bulk() -> dict:
    """The list's bulk form (checkboxes and one action for the ticked rows), see ``bulk_views``."""
    return bulk_context()


@bp.get("/don-vi")
@login_required
def mine():
    """My unit's proposals (nominator), grouped by state; the list's filters."""
    units = [r.unit for r in current_user.roles if r.role == Role.NOMINATOR and r.unit is not None]
    if not units:
        return redirect(url_for(".index"))
    page, filters = _page(), list_filters(fields=("q", "state", "year", "award_type", "unit"))
    rows, total = [], 0
    if filters.query is not None:  # one list over every unit the user nominates for (or the one picked), paged
        query = {"unit": [u.code for u in units], **filters.query}
        rows, total = screen_rows.list_rows(db.session, current_user, **query, page=page, per_page=paging.per_page())
    status = 200 if filters.query is not None else 400
    return render_template("proposals/list.html", title=_("My unit's proposals"), units=units, filters=filters,
                           q=filters.values.get("q"), groups=_grouped(rows), total=total, page=page,
                           pages=_pages(total), can_create=True, endpoint=".mine", **_bulk()), status


@bp.get("/")
@login_required
def index():
    """Every proposal in the user's scope, grouped by state; search and the list's filters."""
    page, filters = _page(), list_filters()
    rows, total = [], 0
    clause = queries.scope_clause(db.session, current_user)  # the rows' and the counts'
    if filters.query is not None:
        rows, total = screen_rows.list_rows(db.session, current_user, **filters.query, page=page,
                                            per_page=paging.per_page(), clause=clause)
    counts = queries.counts_by_state(db.session, current_user, clause)
    can_create = any(r.role in (Role.NOMINATOR, Role.SECRETARY) for r in current_user.roles)
    status = 200 if filters.query is not None else 400
    return render_template("proposals/list.html", title=_("All proposals"), filters=filters,
                           q=filters.values.get("q"), state=filters.values.get("state"), counts=counts,
                           groups=_grouped(rows), total=total, page=page, pages=_pages(total),
                           can_create=can_create, endpoint=".index", **_bulk()), status


@bp.get("/tiep-nhan")
@login_required
def inbox():
    """The secretary's inbox: proposals at my authority waiting for screening, with the clock; the
    list's filters, paged (the oldest first, each page's sections by the longest wait)."""
    authorities = [r.authority for r in current_user.roles if r.role == Role.SECRETARY and r.authority]
    if not authorities:
        if current_user.is_deployment_admin:  # the menu shows every entry to the deployment's admin
            return redirect(url_for(".index"))
        abort(403)
    page = _page()
    filters = list_filters(fields=("q", "state", "year", "award_type", "unit"))
    sections = {state: [] for state in SCREENING}
    total = 0
    if filters.query is not None:
        query = dict(filters.query)
        wanted = [s for s in query.pop("state", ",".join(SCREENING)).split(",") if s in SCREENING]
        if wanted:
            # one paged list over every authority where the user screens, each row with its clock
            rows, total = screen_rows.inbox_rows(
                db.session, current_user, WorkCalendar.load(db.session), **query, state=",".join(wanted),
                at_authority=[a.code for a in authorities], page=page, per_page=paging.per_page())
            for row in rows:
                sections[row.state].append(row)
    for rows in sections.values():  # the longest wait first
        rows.sort(key=lambda row: (-row.clock.working_days, row.id))
    status = 200 if filters.query is not None else 400
    return render_template("proposals/inbox.html", sections=sections, authorities=authorities, filters=filters,
                           q=filters.values.get("q"), total=total, page=page, pages=_pages(total),
                           **_bulk()), status


# --- create and edit ------------------------------------------------------------------------------

@bp.route("/moi", methods=["GET", "POST"])
@login_required
# Stays whole (long or radon D+): the cascading choices (round, unit, kind, nominee, award types) share what
# each step loaded; split, each part would reload it.
def create():
    """New proposal: round, unit and nominee kind → nominee (searchable) → award types that kind may
    receive, achievements, and the meeting evidence when the award type asks for it."""
    rounds = [r for r in queries.rounds_for(db.session, current_user) if r.is_open]  # closed: no new ones
    if not any(r.role in (Role.NOMINATOR, Role.SECRETARY) for r in current_user.roles) and not current_user.is_deployment_admin:
        abort(403)
    round_ = next((r for r in rounds if str(r.id) == request.args.get("round")), None)
    if round_ is None and len(rounds) == 1:
        round_ = rounds[0]
    units = services.units_for(db.session, current_user, round_.authority) if round_ else []
    unit = next((u for u in units if u.code == request.args.get("unit")), units[0] if len(units) == 1 else None)
    kinds = nominee_kind_choices()
    kind = request.args.get("kind") if request.args.get("kind") in dict(kinds) else None
    q = _search()

    form = CreateProposalForm()
    page = award_types = evidence_codes = None
    if round_ and unit and kind:
        page = choices.nominees_of_unit(db.session, current_user, unit, kind, q)
        in_force = choices.rules_in_force(db.session, round_.authority)
        award_types = choices.award_types_for_kind(in_force, kind)
        evidence_codes = [t["code"] for t in award_types if t.get("evidence")]
        form.round_id.data, form.unit_code.data = str(round_.id), unit.code
        form.nominee_id.choices = [(n.id, f"{n.name} — {n.position}" if n.position else n.name)
                                   for n in page.items]
        form.award_type_code.choices = [(t["code"], award_name(t, t["code"])) for t in award_types]
        # the meeting fields count only for an award type that asks for them (the page hides the
        # others; without JavaScript they may still arrive, and are ignored)
        needs_evidence = form.award_type_code.data in evidence_codes
        if form.validate_on_submit() and (not needs_evidence or form.check_evidence()):
            evidence = form.evidence_json() if needs_evidence else None
            try:
                proposal = services.create_proposal(
                    db.session, current_user, round_id=round_.id, nominee_id=form.nominee_id.data,
                    award_type_code=form.award_type_code.data, unit_code=unit.code,
                    achievements=form.achievements.data or "", evidence=evidence)
            except DomainError as exc:
                db.session.rollback()
                _field_errors(form, exc)
            else:
                flash(_("The draft proposal was saved. Add its documents, then submit it."), "success")
                return redirect(url_for(".detail", proposal_id=proposal.id))
    elif request.method == "POST":
        abort(400)
    return render_template("proposals/create.html", form=form, rounds=rounds, round_=round_, units=units,
                           unit=unit, kinds=kinds, kind=kind, q=q, page=page, award_types=award_types,
                           evidence_codes=evidence_codes or [])


VISIBLE_FIELDS = ("nominee_id", "award_type_code", "achievements")


def _field_errors(form, exc: DomainError) -> None:
    """Put a service's refusal on the visible fields it names, or above the form."""
    placed = False
    for name, message in (exc.details or {}).items():
        if name in VISIBLE_FIELDS and isinstance(message, str):
            field = getattr(form, name)
            field.errors = [*field.errors, message]
            placed = True
    if not placed:
        form.form_errors.append(exc.message)


@bp.route("/<int:proposal_id>/sua", methods=["GET", "POST"])
@login_required
def edit(proposal_id: int):
    """Edit a draft or returned proposal. The form carries the version read: when someone changed
    the proposal meanwhile, the service refuses and nothing changes."""
    proposal = _load(proposal_id)
    if not policies.can_edit(current_user, proposal):
        flash(_("Only a draft or returned proposal can be edited."), "warning")
        return redirect(url_for(".detail", proposal_id=proposal.id))
    found = eligibility.award_rule(db.session, proposal)
    rule = found[1] if found else {}
    form = EditProposalForm(obj=None if request.method == "POST" else proposal)
    if request.method == "GET":
        form.version.data = str(proposal.version)
        form.fill_evidence(proposal.evidence)
    stale = False
    if form.validate_on_submit() and (not rule.get("evidence") or form.check_evidence()):
        changes = {"achievements": form.achievements.data or ""}
        if rule.get("evidence"):
            changes["evidence"] = form.evidence_json()
        try:
            version = parse_id(form.version.data) or 0
            services.edit_proposal(db.session, current_user, proposal.id, version=version, **changes)
        except DomainError as exc:
            db.session.rollback()
            stale = exc.status == 409
            form.form_errors.append(exc.message)
        else:
            flash(_("The proposal was saved."), "success")
            return redirect(url_for(".detail", proposal_id=proposal.id))
    checklist = choices.return_checklist(proposal) if proposal.state == State.RETURNED else []
    return render_template("proposals/edit.html", proposal=proposal, form=form, rule=rule, stale=stale,
                           checklist=checklist, document_names=dict(choices.document_types(rule)),
                           names=award_names(db.session, [proposal]))


def _lower_awards(proposal) -> list[dict]:
    """The lower awards this user may re-propose a not-recommended proposal for (none otherwise)."""
    if proposal.state != State.NOT_RECOMMENDED or not policies.can_propose(
            current_user, proposal.round.authority_id, proposal.unit_id):
        return []
    in_force = choices.rules_in_force(db.session, proposal.round.authority)
    failed = choices.rule_of(proposal, in_force) or {"code": proposal.award_type_code}
    return choices.lower_award_types(in_force, failed, proposal.nominee.kind)


@bp.route("/<int:proposal_id>/de-nghi-thap-hon", methods=["GET", "POST"])
@login_required
def propose_lower(proposal_id: int):
    """The council did not recommend it: the unit (or the secretary) proposes the same nominee for
    a lower award in the same round, as a new draft linked to this one (SPEC §4)."""
    proposal = _load(proposal_id)
    lower = _lower_awards(proposal)
    if not lower:
        flash(_("Only a proposal the council did not recommend can be re-proposed for a lower award."), "warning")
        return redirect(url_for(".detail", proposal_id=proposal.id))
    form = LowerAwardForm()
    form.award_type_code.choices = [(rule["code"], award_name(rule, rule["code"])) for rule in lower]
    if request.method == "GET":
        form.achievements.data = proposal.achievements
    if form.validate_on_submit():
        try:
            draft = services.create_proposal(
                db.session, current_user, round_id=proposal.round_id, nominee_id=proposal.nominee_id,
                award_type_code=form.award_type_code.data, unit_code=proposal.unit.code,
                achievements=form.achievements.data or "", linked_proposal_id=proposal.id)
        except DomainError as exc:
            db.session.rollback()
            _field_errors(form, exc)
        else:
            flash(_("The new draft for a lower award was saved. Check it, add its documents, then submit it."),
                  "success")
            return redirect(url_for(".detail", proposal_id=draft.id))
    return render_template("proposals/lower.html", proposal=proposal, form=form,
                           names=award_names(db.session, [proposal]))


# --- detail and actions ---------------------------------------------------------------------------

@bp.get("/<int:proposal_id>")
@login_required
def detail(proposal_id: int):
    """The proposal with its eligibility report, documents, objections, history and the actions
    this user may take now."""
    proposal = _load(proposal_id)
    found = eligibility.award_rule(db.session, proposal)
    rule = found[1] if found else {}
    mode = "decide" if proposal.state == State.RECOMMENDED else "accept"
    report = services.eligibility_report(db.session, current_user, proposal.id, mode)
    clock = None
    if proposal.state != State.DRAFT:
        clock = processing_clock(proposal, WorkCalendar.load(db.session), default_limit=rule.get("processing_days"))
    documents = choices.document_types(rule)
    have = {a.doc_type for a in proposal.attachments} | {r.doc_type for r in proposal.paper_receipts}
    upload = UploadForm(formdata=None)
    upload.doc_type.choices = [("", _("Choose…"))] + documents + [(OTHER_DOCUMENT, _("Other document"))]
    events = choices.available_events(current_user, proposal, rule)
    return render_template(
        "proposals/detail.html", proposal=proposal, rule=rule, report=report, clock=clock,
        events=events, blocked=choices.blocked_events(events, report), upload=upload,
        document_names=dict(documents), missing_documents=[d for d in documents if d[0] not in have],
        checklist=choices.return_checklist(proposal) if proposal.state == State.RETURNED else [],
        can_edit=policies.can_edit(current_user, proposal),
        can_attach=policies.can_attach(current_user, proposal),
        can_screen=policies.can_screen(current_user, proposal),
        can_see_objector=policies.can_see_objector(db.session, current_user, proposal),
        names=award_names(db.session, [proposal]), days_left=notice.days_left(proposal),
        lower_awards=_lower_awards(proposal), linked=_linked(proposal),
        rule_set_name=queries.rule_set_name(db.session, report.get("rule_set")),
        authority_names=queries.authority_names(
            db.session, [(t.data or {}).get("to_authority") for t in proposal.history if isinstance(t.data, dict)]),
        newer_rule_set=services.newer_rule_set(db.session, proposal)
        if policies.can_screen(current_user, proposal) else None)


def _linked(proposal) -> dict:
    """The proposal this one re-proposes, and those re-proposing it, that the user may see."""
    visible = [p for p in queries.linked_proposals(db.session, proposal)
               if policies.can_view(db.session, current_user, p)]
    return {"from": next((p for p in visible if p.id == proposal.linked_proposal_id), None),
            "to": [p for p in visible if p.linked_proposal_id == proposal.id]}


@bp.post("/<int:proposal_id>/bo-quy-tac")
@login_required
def apply_rule_set(proposal_id: int):
    """The screening secretary applies the newer rule set in force (recorded in the history)."""
    proposal = _load(proposal_id)
    try:
        services.apply_rule_set(db.session, current_user, proposal.id, request.form.get("rule_set", "")[:40],
                                comment=(request.form.get("comment") or "").strip()[:2000] or None)
    except DomainError as exc:
        _refused(exc)
    else:
        flash(_("The newer rule set now judges this proposal."), "success")
    return redirect(url_for(".detail", proposal_id=proposal.id))


@bp.post("/<int:proposal_id>/thao-tac")
@login_required
def fire(proposal_id: int):
    """Fire one life-cycle event from the detail page (the service checks role, state and data)."""
    proposal = _load(proposal_id)
    form = EventForm()
    event = form.event.data or ""
    if not form.validate_on_submit() or event in INTERNAL_EVENTS:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "danger")
        if event in INTERNAL_EVENTS:
            flash(_("This happens through its own screen, not here."), "danger")
        return redirect(url_for(".detail", proposal_id=proposal.id))
    data = event_data.pick(event, {"reason": form.reason.data, "days": form.days.data, "outcome": form.outcome.data,
                                   "decision_number": form.decision_number.data,
                                   "decision_date": form.decision_date.data})
    version = parse_id(form.version.data)
    try:
        services.transition(db.session, proposal.id, event, current_user, comment=form.comment.data or None,
                             data=data, expected_version=version)
    except DomainError as exc:
        _refused(exc)
    else:
        flash(_("Done: %(action)s.", action=event_label(event)), "success")
        if event in (Event.SUBMIT, Event.RESUBMIT, Event.ACCEPT):
            _warn_missing_documents(proposal.id)
    return redirect(url_for(".detail", proposal_id=proposal.id))


def _warn_missing_documents(proposal_id: int) -> None:
    """SPEC §3: a missing declared document is a warning on submit and accept, never a silent pass."""
    report = services.eligibility_report(db.session, current_user, proposal_id)
    missing = [check["message"] for check in report["checks"] if check["status"] == "warning"]
    if missing:
        flash(_("Still to complete: %(items)s", items=" ".join(missing)), "warning")


@bp.route("/<int:proposal_id>/tra-lai", methods=["GET", "POST"])
@login_required
def return_form(proposal_id: int):
    """Return for changes: the complete checklist (document types and fields, each with a message)."""
    proposal = _load(proposal_id)
    if Event.RETURN_FOR_CHANGES not in choices.available_events(current_user, proposal):
        if not policies.can_fire(current_user, proposal, Event.RETURN_FOR_CHANGES):
            abort(403)
        flash(_("This proposal cannot be returned now."), "warning")
        return redirect(url_for(".detail", proposal_id=proposal.id))
    found = eligibility.award_rule(db.session, proposal)
    rule = found[1] if found else {}
    lines = [(f"doc:{code}", name, _("Please provide: %(doc)s", doc=name))
             for code, name in choices.document_types(rule)]
    lines.append(("field:achievements", _("Achievements"), ""))
    if rule.get("evidence"):
        lines.append(("field:evidence", _("Meeting and notice (evidence)"), ""))
    labels = {key: label for key, label, _default in lines}
    form = ReturnForm()
    if request.method == "GET":
        form.version.data = str(proposal.version)
        for key, _label, default in lines:
            form.lines.append_entry({"key": key, "selected": False, "message": default})
    elif form.validate_on_submit():
        items = _return_items(form, labels)
        if items:
            version = parse_id(form.version.data)
            try:
                services.transition(db.session, proposal.id, Event.RETURN_FOR_CHANGES, current_user,
                                    comment=form.comment.data or None, data={"items": items},
                                    expected_version=version)
            except DomainError as exc:
                db.session.rollback()
                form.form_errors.append(error_text(exc))
            else:
                flash(_("The proposal was returned to its unit with %(n)d item(s) to complete.", n=len(items)),
                      "success")
                return redirect(url_for(".detail", proposal_id=proposal.id))
    return render_template("proposals/return.html", proposal=proposal, form=form, labels=labels,
                           names=award_names(db.session, [proposal]))


def _return_items(form: ReturnForm, labels: dict) -> list[dict]:
    """The ticked lines as the service's items; errors on the form when none or a message is missing."""
    items, ok = [], True
    for entry in form.lines:
        key = entry.form.key.data
        if key not in labels:
            abort(400)
        if not entry.form.selected.data:
            continue
        message = (entry.form.message.data or "").strip()
        if not message:
            entry.form.message.errors = [*entry.form.message.errors, _("Write what is missing.")]
            ok = False
        kind, code = key.split(":", 1)
        items.append({"doc_type" if kind == "doc" else "field": code, "message": message})
    if not items:
        form.form_errors.append(_("Tick at least one missing item."))
    return items if ok else []

