"""Event notifications: what happened, told at once to the people it concerns.

A proposal returned, accepted, rejected or awarded (its unit's nominators), a submission answered
(the sending authority's secretaries), a meeting scheduled and voting opened (the council's
members). Each is written into the reminders' outbox *in the transaction of the event itself*
(the transactional outbox): a rollback leaves none behind, and the outbox's unique key — one row
per (kind, subject, day, recipient), the subject of a proposal event being its history row —
keeps it to one however often the write or the delivery is retried. Delivery is the reminders'
own (in-app notification, and e-mail by the recipient's preference), handed to a task after the
commit; beat's periodic delivery picks up anything the broker missed.

Who acted is not told about their own act.
"""

from __future__ import annotations

from flask import current_app, has_app_context
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import vntime
from workflow.db import after_commit, insert_ignoring_duplicates, utcnow
from workflow.locales import LOCALES
from workflow.org.models import AwardRecord, CouncilMember, RoleAssignment, User
from workflow.org.vocab import Role
from workflow.proposals.screen import award_names
from workflow.proposals.vocab import Event, State
from workflow.reminders.models import Reminder

# proposal event (and the state it reached, where one event has several ends) → notification kind
PROPOSAL_KINDS = {
    (Event.RETURN_FOR_CHANGES, State.RETURNED): "proposal_returned",
    (Event.ACCEPT, State.UNDER_REVIEW): "proposal_accepted",
    (Event.REJECT, State.REJECTED): "proposal_rejected",
    (Event.RECORD_OUTCOME, State.REJECTED): "proposal_rejected",
    (Event.DECIDE, State.AWARDED): "proposal_awarded",
    (Event.RECORD_OUTCOME, State.AWARDED): "proposal_awarded",
}
OUTCOME_NAMES = {State.AWARDED: "approved", State.RECOMMENDED: "returned", State.REJECTED: "rejected"}


DISPATCH_KEY = "tdkt.reminders.dispatch"


def _dispatch(ids: list[int]) -> None:
    """Hand the new outbox ids to delivery (after the commit). The task layer plugs its enqueue
    function into the app when Celery is wired (``tasks.celery_app``), so this domain module never
    imports tasks; with no app wired, beat's periodic delivery sends the rows."""
    dispatch = current_app.extensions.get(DISPATCH_KEY) if has_app_context() else None
    if dispatch is not None:
        dispatch(ids)


def _write(session: Session, kind: str, subject_type: str, subject_id: int, recipients, authority_id: int | None,
           params: dict, *, action: bool = False) -> list[int]:
    """Queue ``kind`` for each recipient in the current transaction; delivery starts after commit."""
    recipients = sorted(set(recipients))
    if not recipients:
        return []
    now = utcnow()
    rows = [{"kind": kind, "subject_type": subject_type, "subject_id": subject_id, "due_on": vntime.local_date(now),
             "recipient_id": user_id, "level": "remind", "action": action, "authority_id": authority_id,
             "params": params, "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now}
            for user_id in recipients]
    ids = insert_ignoring_duplicates(
        session, Reminder, rows, ["kind", "subject_type", "subject_id", "due_on", "recipient_id"],
        returning=Reminder.id)
    if ids:
        queued = sorted(ids)
        after_commit(session, lambda: _dispatch(queued))
    return ids


def _active(session: Session, query) -> list[int]:
    return list(session.scalars(query.join(User, User.id == RoleAssignment.user_id).where(User.active.is_(True))))


def nominators(session: Session, unit_id: int) -> list[int]:
    return _active(session, select(RoleAssignment.user_id).where(RoleAssignment.role == Role.NOMINATOR,
                                                                 RoleAssignment.unit_id == unit_id))


def secretaries(session: Session, authority_id: int) -> list[int]:
    return _active(session, select(RoleAssignment.user_id).where(RoleAssignment.role == Role.SECRETARY,
                                                                 RoleAssignment.authority_id == authority_id))


def council_members(session: Session, authority_id: int) -> list[int]:
    return list(session.scalars(select(CouncilMember.user_id).join(User, User.id == CouncilMember.user_id)
                                .where(CouncilMember.authority_id == authority_id, User.active.is_(True))))


def _award_names(session: Session, proposal) -> dict:
    names = {}
    for lang in LOCALES:
        with force_locale(lang):
            names[f"award_{lang}"] = award_names(session, [proposal])[proposal.id]
    return names


def proposal_event(session: Session, proposal, row, actor, authority) -> list[int]:
    """After ``transition()`` wrote history ``row``: tell whom the event concerns."""
    kind = PROPOSAL_KINDS.get((row.event, row.to_state))
    base = {"proposal_id": proposal.id, "nominee": proposal.nominee.name, **_award_names(session, proposal),
            "authority": authority.name, "comment": row.comment or "",
            "decision_number": str((row.data or {}).get("decision_number") or ""),
            "reason": str((row.data or {}).get("reason") or "")}
    written = []
    if row.event == Event.DECIDE:
        base["decision_number"] = _decision_number(session, proposal)
    if kind:
        written += _write(session, kind, "transition", row.id,
                          [u for u in nominators(session, proposal.unit_id) if u != actor.id], authority.id,
                          base, action=kind == "proposal_returned")
    if row.event == Event.RECORD_OUTCOME:
        written += _write(session, "submission_answered", "transition", row.id,
                          [u for u in secretaries(session, authority.id) if u != actor.id], authority.id,
                          {**base, "outcome": OUTCOME_NAMES.get(row.to_state, row.to_state)},
                          action=row.to_state == State.RECOMMENDED)
    return written


def _decision_number(session: Session, proposal) -> str:
    return session.scalar(select(AwardRecord.decision_number).where(
        AwardRecord.proposal_id == proposal.id, AwardRecord.revoked_at.is_(None))
        .order_by(AwardRecord.id.desc()).limit(1)) or ""


def meeting_event(session: Session, meeting, kind: str, actor) -> list[int]:
    """A meeting scheduled or its vote opened: tell the council's members."""
    params = {"meeting_id": meeting.id, "when": meeting.scheduled_at.isoformat(), "place": meeting.place,
              "authority": meeting.authority.name}
    return _write(session, kind, "meeting", meeting.id,
                  [u for u in council_members(session, meeting.authority_id) if u != actor.id],
                  meeting.authority_id, params, action=kind == "voting_opened")
