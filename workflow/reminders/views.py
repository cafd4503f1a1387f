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
