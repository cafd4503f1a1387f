"""Screens: the notification list (Thông báo) with mark-as-read and e-mail settings, and the
unread count the bell in the header shows."""

from __future__ import annotations

from flask import Blueprint, abort, flash, has_request_context, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from workflow.errors import DomainError
from workflow.extensions import db
from workflow.reminders import messages, services
from workflow.reminders.mail import NOTIFICATIONS_PATH
from workflow.reminders.models import EMAIL_MODES

bp = Blueprint("reminders", __name__)
PER_PAGE = 20


@bp.app_context_processor
def _bell():
    """The bell's unread count, for every page of a signed-in user (one indexed count)."""
    if not has_request_context() or not current_user.is_authenticated:
        return {}
    return {"unread_notifications": services.unread_count(db.session, current_user.id)}


@bp.get(NOTIFICATIONS_PATH)
@login_required
def notifications():
    """Notifications (Thông báo): newest first; ``?unread=1`` shows the unread ones only."""
    page = request.args.get("page", 1, type=int) or 1
    if not 1 <= page <= 100_000:  # an offset beyond SQLite's integer is an OverflowError
        abort(404)
    unread_only = request.args.get("unread") == "1"
    items, total = services.list_notifications(db.session, current_user.id, unread_only=unread_only, page=page,
                                               per_page=PER_PAGE)
    rows = []
    for n in items:
        title, body = messages.render(n.kind, n.level, n.params)
        rows.append({"n": n, "title": title, "body": body, "prefix": messages.prefix(n.action),
                     "when": messages.moment(n.created_at),
                     "label": messages.KIND_LABELS.get(n.kind, n.kind),
                     "link": messages.link(n.kind, n.params)})
    return render_template("reminders/notifications.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), unread_only=unread_only,
                           email_mode=services.email_mode(db.session, current_user.id),
                           email_modes=[(m, messages.EMAIL_MODE_LABELS[m]) for m in EMAIL_MODES])


@bp.post(f"{NOTIFICATIONS_PATH}/<int:notification_id>/da-doc")
@login_required
def mark_read(notification_id: int):
    """Mark one notification as read."""
    try:
        services.mark_read(db.session, current_user.id, notification_id)
    except DomainError:
        db.session.rollback()
        abort(404)
    return redirect(url_for("reminders.notifications", unread=request.args.get("unread")))


@bp.post(f"{NOTIFICATIONS_PATH}/da-doc-tat-ca")
@login_required
def mark_all_read():
    """Mark every notification as read."""
    count = services.mark_all_read(db.session, current_user.id)
    flash(ngettext("%(num)d notification marked as read.", "%(num)d notifications marked as read.", count),
          "success")
    return redirect(url_for("reminders.notifications"))


@bp.post(f"{NOTIFICATIONS_PATH}/cai-dat")
@login_required
def settings():
    """Choose how reminders arrive by e-mail."""
    try:
        services.set_email_mode(db.session, current_user.id, request.form.get("email", ""))
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        flash(_("Your e-mail settings are saved."), "success")
    return redirect(url_for("reminders.notifications"))


# --- reminder policies (chính sách nhắc việc), an administration screen ---------------------------

POLICY_PATH = "/quan-tri/nhac-viec"
DELIVERY_FIELDS = ("batch_size", "sending_timeout_seconds", "max_attempts", "retry_base_seconds",
                   "retry_max_seconds", "digest_hour")


def _recipient_labels() -> dict:
    return {"nominator": _("unit nominators"), "secretary": _("the secretary"), "chair": _("the chairman"),
            "admin": _("the authority's administrator"), "council": _("the council's members")}


def _unit_labels() -> dict:
    return {"days": _("days"), "working_days": _("working days"), "hours": _("hours")}


def _offsets(raw: str | None) -> list:
    """"7, 3, 1" as [7, 3, 1]; a part that is not a whole number stays text for the policy model
    to refuse, naming the field."""
    parts = [p.strip() for p in (raw or "").replace(";", ",").split(",") if p.strip()]
    return [int(p) if p.isdigit() else p for p in parts]


def _number(raw: str | None):
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() else (raw or None)


def _policy_page(values: dict | None = None, errors: dict | None = None, status: int = 200, edit: str | None = None):
    from workflow.reminders import config

    loaded = config.as_json(config.load(db.session), db.session)
    return render_template(
        "reminders/policies.html", policies=loaded["policies"], delivery=loaded["delivery"],
        kind_labels=messages.KIND_LABELS, recipient_labels=_recipient_labels(), unit_labels=_unit_labels(),
        allowed=config.ALLOWED_RECIPIENTS, hourly=config.HOURLY_KINDS, clock_states=config.CLOCK_STATES,
        can_edit=current_user.is_deployment_admin, values=values, errors=errors or {}, edit=edit,
        delivery_fields=DELIVERY_FIELDS), status


def _require_admin() -> None:
    from workflow.reminders.policies import can_read_policies

    if not can_read_policies(current_user):
        abort(404)


@bp.get(POLICY_PATH)
@login_required
def policies():
    """Reminder policies: for each kind its offsets, unit, recipients and escalation; and the
    delivery settings. Any admin reads; the deployment admin edits (``PUT /reminder-policies``)."""
    _require_admin()
    return _policy_page()


@bp.post(f"{POLICY_PATH}/<kind>")
@login_required
def save_policy(kind: str):
    """Replace one kind's policy, checked as the API checks it (``config.update_policies``)."""
    from workflow.reminders import config
    from workflow.reminders.policies import can_edit_policies

    _require_admin()
    if not can_edit_policies(current_user) or kind not in config.ALLOWED_RECIPIENTS:
        abort(404)
    form = request.form
    payload = {"kind": kind, "enabled": form.get("enabled") == "1", "unit": form.get("unit", ""),
               "before": _offsets(form.get("before")), "after": _offsets(form.get("after")),
               "recipients": form.getlist("recipients"), "escalate_to": form.getlist("escalate_to"),
               "escalate_after": _number(form.get("escalate_after")), "action": form.get("action") == "1"}
    if kind == "awaiting_decision":
        payload["deadline_days"] = _number(form.get("deadline_days"))
    if kind == "processing_limit" and form.getlist("states"):
        payload["states"] = form.getlist("states")
    try:
        config.update_policies(db.session, current_user, policies=[payload])
    except DomainError as exc:
        db.session.rollback()
        # "policies.0.before.1" is the field "before"; "policies.0" the policy as a whole
        errors = {k.removeprefix("policies.0").lstrip(".").split(".")[0]: str(v)
                  for k, v in exc.details.items()} or {"": exc.message}
        return _policy_page({**payload, "before": form.get("before", ""), "after": form.get("after", ""),
                             "escalate_after": form.get("escalate_after", ""),
                             "deadline_days": form.get("deadline_days", "")}, errors, 422, edit=kind)
    flash(_("The policy “%(kind)s” is saved.", kind=messages.KIND_LABELS.get(kind, kind)), "success")
    return redirect(url_for("reminders.policies") + f"#policy-{kind}")


@bp.post(f"{POLICY_PATH}/gui")
@login_required
def save_delivery():
    """The delivery settings (batch size, retries, digest hour), as the API's ``delivery``."""
    from workflow.reminders import config
    from workflow.reminders.policies import can_edit_policies

    _require_admin()
    if not can_edit_policies(current_user):
        abort(404)
    payload = {k: _number(request.form.get(k)) for k in DELIVERY_FIELDS}
    try:
        config.update_policies(db.session, current_user, delivery=payload)
    except DomainError as exc:
        db.session.rollback()
        errors = {k.removeprefix("delivery."): str(v) for k, v in exc.details.items()} or {"": exc.message}
        return _policy_page({"delivery": {k: request.form.get(k, "") for k in DELIVERY_FIELDS}}, errors, 422,
                            edit="delivery")
    flash(_("The delivery settings are saved."), "success")
    return redirect(url_for("reminders.policies") + "#delivery")
