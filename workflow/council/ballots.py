"""The ballot box: secret ballots of members present, and show-of-hands counts (secretary).

Both are meeting operations like the others in ``council.services``: each first claims the meeting
row (``claim_meeting``), so a ballot and the close never overlap. What a ballot stores, and what a
database reader can learn from it, is described in ``council.models``.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from workflow.audit import services as audit
from workflow.council import policies, queries, sealing
from workflow.council.models import AgendaItem, BallotReceipt, BallotTally, Meeting, SealedBallot
from workflow.council.services import claim_meeting, get_meeting, meeting_for, progress, require_status, seats
from workflow.db import is_disconnect
from workflow.errors import Conflict, Forbidden, Invalid, NotFound, field_error


def cast_ballot(session: Session, actor, meeting_id: int, votes: list[dict]) -> dict:
    """One secret ballot per member per item; a second ballot on an item is 409 ``already_voted``,
    a ballot once the vote closed 409 ``meeting_state`` (serialised with the close: a ballot
    answered 201 is always counted).

    Stores per item a receipt (item, member) and a sealed ballot (item, random nonce, HMAC tag of
    the choice) — no counter moves, so nothing written here differs between a yes and a no for a
    reader without the key (see ``council.models``). The audit entry says that the member cast a
    ballot on N items, which the receipts say anyway, and nothing about the choices."""
    meeting = get_meeting(session, actor, meeting_id)
    seat = next((s for s in seats(session, meeting.authority_id) if s.user_id == actor.id), None)
    if seat is None:
        raise Forbidden(_("Only council members vote."))
    require_status(meeting, "voting")
    try:
        with claim_meeting(session, meeting_id, "voting") as meeting:
            items = _ballot_items(session, actor, meeting, votes)
            key = sealing.key_of(meeting)
            # items in one fixed order (not the ballot's), and the same rows whatever the choices
            for vote in sorted(votes, key=lambda v: items[v["proposal_id"]].id):
                item = items[vote["proposal_id"]]
                nonce, tag = sealing.seal(key, item.id, vote["choice"])
                session.add(BallotReceipt(agenda_item_id=item.id, user_id=actor.id))
                session.add(SealedBallot(agenda_item_id=item.id, nonce=nonce, tag=tag))
            session.flush()
            audit.record(session, chain=meeting.authority.code, actor=actor, action="meeting.ballot",
                         object_type="meeting", object_id=meeting.id, data={"items": len(votes)})
            session.flush()
    except IntegrityError as exc:
        # the receipt's key (item, member) is taken: this member has voted on the item already (the
        # request's boundary rolls the ballot back)
        raise Conflict(_("You have already voted on this item."), code="already_voted") from exc
    except OperationalError as exc:
        if is_disconnect(exc):  # the database went away: a 503 for the error handler, not a busy box
            raise
        # a lock wait gave up (SQLite busy, PostgreSQL lock timeout or deadlock): nothing is stored,
        # the request's boundary rolls back
        raise Conflict(_("The ballot box is busy; nothing was recorded. Please cast your ballot again."),
                       code="busy") from exc
    return progress(session, meeting)


def _ballot_items(session: Session, actor, meeting: Meeting, votes: list[dict]) -> dict[int, AgendaItem]:
    """Check a ballot against the meeting as it is now; the agenda items it names, by proposal id."""
    attendance = next((a for a in meeting.attendance if a.user_id == actor.id), None)
    if attendance is None or not attendance.present:
        raise Forbidden(_("Only members present at the meeting vote here."))
    if not votes:
        raise field_error("votes", _("The ballot is empty."))
    items = {i.proposal_id: i for i in meeting.items}
    opened = set(session.scalars(select(BallotTally.agenda_item_id).where(
        BallotTally.agenda_item_id.in_([i.id for i in meeting.items]))))
    voted = set(session.scalars(select(BallotReceipt.agenda_item_id).where(
        BallotReceipt.user_id == actor.id, BallotReceipt.agenda_item_id.in_([i.id for i in meeting.items]))))
    seen = set()
    for i, vote in enumerate(votes):
        item = items.get(vote["proposal_id"])
        if item is None:
            raise NotFound(_("Proposal %(id)s is not on this meeting's agenda.", id=vote["proposal_id"]))
        if item.id in seen:
            raise field_error(f"votes.{i}", _("An item appears twice on the ballot."))
        if vote.get("choice") not in sealing.CHOICES:
            raise field_error(f"votes.{i}.choice", _("Choose yes or no."))
        seen.add(item.id)
        if any(r.user_id == actor.id for r in item.recusals):
            raise Forbidden(_("You are recused from item %(id)s.", id=item.proposal_id),
                            details={"proposal_id": item.proposal_id})
        if queries.decided_by_hands(item):
            raise field_error(f"votes.{i}", _("This item is decided by show of hands."))
        if item.id not in opened:
            # never a ballot that would be counted as nothing
            raise Conflict(_("Item %(id)s was not opened for voting.", id=item.proposal_id), code="meeting_state",
                           details={"status": meeting.status, "proposal_id": item.proposal_id})
    if seen & voted:
        raise Conflict(_("You have already voted on this item."), code="already_voted")
    return items


def record_show_of_hands(session: Session, actor, meeting_id: int, proposal_id: int, yes: int, no: int) -> None:
    """Counts for a show-of-hands item (secretary, while voting; serialised with the close)."""
    meeting_for(session, actor, meeting_id, may=policies.is_secretary,
                refusal=_("Only the council's secretary records a show of hands."), status="voting")
    with claim_meeting(session, meeting_id, "voting") as meeting:
        _write_hands(session, actor, meeting, proposal_id, yes, no)
        session.flush()


def _write_hands(session: Session, actor, meeting: Meeting, proposal_id: int, yes: int, no: int) -> None:
    item = next((i for i in meeting.items if i.proposal_id == proposal_id), None)
    if item is None:
        raise NotFound(_("Proposal %(id)s is not on this meeting's agenda.", id=proposal_id))
    if not queries.decided_by_hands(item):
        raise field_error("proposal_id", _("This item is decided by secret ballot."))
    present = sum(1 for a in meeting.attendance if a.present)
    if yes < 0 or no < 0 or yes + no > present:
        raise Invalid(_("More hands than members present."), details={"yes": yes, "no": no})
    item.hands_yes, item.hands_no = yes, no
    audit.record(session, chain=meeting.authority.code, actor=actor, action="meeting.hands", object_type="meeting",
                 object_id=meeting.id, data={"proposal_id": proposal_id, "yes": yes, "no": no})
