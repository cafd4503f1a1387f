"""JSON endpoints: reminder policies (admin) and the caller's notifications."""

from __future__ import annotations

from typing import Literal

from flask import jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict

from workflow.api import schemas
from workflow.api.core import parse_query_int, route
from workflow.errors import Forbidden
from workflow.extensions import db
from workflow.reminders import config, messages, policies, services
from workflow.reminders.models import Notification


class PoliciesIn(BaseModel):
    """Policies to replace (by kind) and/or the delivery settings; what is not given stays."""

    model_config = ConfigDict(extra="forbid")
    policies: list[config.Policy] | None = None
    delivery: config.Delivery | None = None


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Literal["immediate", "digest", "off"]


def notification_json(n: Notification) -> dict:
    title, body = messages.render(n.kind, n.level, n.params)
    return {"id": n.id, "kind": n.kind, "kind_label": str(messages.KIND_LABELS.get(n.kind, n.kind)),
            "level": n.level, "action": n.action, "title": title, "body": body, "prefix": messages.prefix(n.action),
            "created_at": n.created_at.isoformat(), "read": n.read_at is not None,
            "read_at": n.read_at.isoformat() if n.read_at else None}


@route("/reminder-policies", tags=("reminders",), resp=schemas.ReminderPoliciesOut)
def get_reminder_policies(user):
    """The reminder policies in force: offsets, recipients, escalation; and the delivery settings."""
    if not policies.can_read_policies(user):
        raise Forbidden(_("Only administrators read reminder policies."))
    # a read writes nothing: ``load`` already falls back to the file's defaults for missing rows
    # (the scan and an edit store them)
    return jsonify(config.as_json(config.load(db.session), db.session))


@route("/reminder-policies", methods=["PUT"], body=PoliciesIn, tags=("reminders",),
       resp=schemas.ReminderPoliciesOut)
def put_reminder_policies(user, data: PoliciesIn):
    """Replace reminder policies (each given kind) and/or the delivery settings (deployment admin)."""
    if not policies.can_edit_policies(user):
        raise Forbidden(_("Only the deployment's administrator changes reminder policies."))
    loaded = config.update_policies(
        db.session, user,
        policies=[p.model_dump(mode="json") for p in data.policies] if data.policies is not None else None,
        delivery=data.delivery.model_dump(mode="json") if data.delivery is not None else None)
    return jsonify(config.as_json(loaded, db.session))


@route("/notifications", tags=("notifications",),
       query=schemas.NotificationsQuery, resp=schemas.NotificationPageOut)
def list_notifications(user):
    """The caller's in-app notifications, newest first (``?unread=1``, ``page``, ``per_page``)."""
    page = parse_query_int("page", 1, 1, 100000)
    per_page = parse_query_int("per_page", 20, 1, 200)
    unread_only = request.args.get("unread") in ("1", "true", "yes")
    items, total = services.list_notifications(db.session, user.id, unread_only=unread_only, page=page,
                                               per_page=per_page)
    return jsonify({"items": [notification_json(n) for n in items], "total": total, "page": page,
                    "unread": services.unread_count(db.session, user.id)})


@route("/notifications/<int:notification_id>/read", methods=["POST"], tags=("notifications",),
       resp=schemas.NotificationOut)
def read_notification(user, notification_id: int):
    """Mark one of the caller's notifications as read (404 for anyone else's)."""
    return jsonify(notification_json(services.mark_read(db.session, user.id, notification_id)))


@route("/notifications/read-all", methods=["POST"], tags=("notifications",), resp=schemas.UpdatedOut)
def read_all_notifications(user):
    """Mark all the caller's notifications as read."""
    return jsonify({"updated": services.mark_all_read(db.session, user.id)})


@route("/notifications/preferences", tags=("notifications",), resp=schemas.PreferencesOut)
def get_notification_preferences(user):
    """How the caller receives reminder e-mails: immediate, digest (daily) or off."""
    return jsonify({"email": services.email_mode(db.session, user.id), "address": user.email})


@route("/notifications/preferences", methods=["PUT"], body=PreferencesIn, tags=("notifications",),
       resp=schemas.PreferencesOut)
def put_notification_preferences(user, data: PreferencesIn):
    """Choose reminder e-mails: each at once, one daily digest, or none (in-app only)."""
    return jsonify({"email": services.set_email_mode(db.session, user.id, data.email), "address": user.email})
