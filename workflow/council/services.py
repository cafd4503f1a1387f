"""Council meetings: agenda, attendance, opening with quorum, secret ballots, closing with the tally.

Every function takes the acting user, validates everything before writing, and flushes: the
caller's unit of work (the request) commits once.
Every state-changing operation on a meeting first *claims* its row (``claim_meeting``): concurrent
operations on one meeting run one after the other, and each checks the meeting as the previous
one left it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from workflow import vntime
from workflow.audit import services as audit
from workflow.council import policies, queries, sealing
from workflow.council.models import (
    AgendaItem,
    Attendance,
    BallotReceipt,
    BallotTally,
    Meeting,
    Recusal,
)
from workflow.council.tally import count_sealed_ballots, tally_meeting
from workflow.dates import show_date
from workflow.db import is_disconnect, utcnow
from workflow.errors import Conflict, Forbidden, NotFound, field_error
from workflow.org.models import CouncilMember, Nominee, RoleAssignment, User
from workflow.org.services import authority_by_code
from workflow.org.vocab import NomineeKind, Role
from workflow.proposals import services as proposals
from workflow.proposals.models import Proposal
from workflow.proposals.vocab import Event
from workflow.reminders import events as notify


def get_meeting(session: Session, actor, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or not policies.can_view(actor, meeting):
        raise NotFound(_("Unknown meeting: %(id)s.", id=meeting_id))
    return meeting


def meeting_for(session: Session, actor, meeting_id: int, *, may, refusal: str, status: str) -> Meeting:
    """The meeting for one operation: 404 out of scope, 403 ``refusal`` unless ``may(actor,
    authority_id)``, 409 unless it is in ``status`` (re-checked under ``claim_meeting``)."""
    meeting = get_meeting(session, actor, meeting_id)
    if not may(actor, meeting.authority_id):
        raise Forbidden(refusal)
    require_status(meeting, status)
    return meeting


def seats(session: Session, authority_id: int) -> list[CouncilMember]:
    return list(session.scalars(select(CouncilMember).where(CouncilMember.authority_id == authority_id)
                                .order_by(CouncilMember.id)))


def create_meeting(session: Session, actor, *, authority_code: str, scheduled_at: datetime,
                   place: str) -> Meeting:
    """Schedule a meeting of the authority's council (secretary)."""
    authority = authority_by_code(session, authority_code)
    if not policies.is_secretary(actor, authority.id):
        raise field_error("authority_code", _("Unknown authority: %(code)s.", code=authority_code))
    if not seats(session, authority.id):
        raise field_error("authority_code", _("This authority has no council yet."))
    if not (place or "").strip():
        raise field_error("place", _("Give the place of the meeting."))
    meeting = Meeting(authority=authority, scheduled_at=scheduled_at, place=place.strip(), status="scheduled",
                      created_by_id=actor.id)
    session.add(meeting)
    session.flush()
    audit.record(session, chain=authority.code, actor=actor, action="meeting.create", object_type="meeting",
                 object_id=meeting.id, data={"scheduled_at": scheduled_at.isoformat(), "place": meeting.place})
    notify.meeting_event(session, meeting, "meeting_scheduled", actor)
    session.flush()
    return meeting


def require_status(meeting: Meeting, *statuses: str) -> None:
    if meeting.status not in statuses:
        messages = {
            "scheduled": _("The vote has already been opened."),
            "voting": _("The vote is not open."),
            "closed": _("The meeting is already closed."),
        }
        raise Conflict(messages.get(statuses[0], _("Not possible now.")) if meeting.status != "closed"
                       else _("The meeting is already closed."), code="meeting_state",
                       details={"status": meeting.status})


@contextmanager
def claim_meeting(session: Session, meeting_id: int, status: str) -> Iterator[Meeting]:
    """Claim the meeting row for one operation, then yield the meeting as it is now.

    A compare-and-set ``UPDATE meeting SET lock_version = lock_version + 1 WHERE id = ? AND
    status = ?`` is the operation's first write: concurrent operations on the meeting queue on
    that row (the row lock on PostgreSQL, the write lock on SQLite) and the later one re-checks
    the status the earlier one left — 409 ``meeting_state`` when it moved on. What the session
    had read before is expired, so every check after the claim reads the committed rows. Any
    error inside rolls the whole operation back (the claim included): the caller's boundary does."""
    try:
        claimed = session.execute(update(Meeting).where(Meeting.id == meeting_id, Meeting.status == status)
                                  .values(lock_version=Meeting.lock_version + 1)
                                  .execution_options(synchronize_session=False)).rowcount
    except OperationalError as exc:  # SQLite: another operation held the lock past the timeout
        if is_disconnect(exc):  # the database went away: a 503 for the error handler, not a conflict
            raise
        raise Conflict(_("The meeting is busy; nothing was recorded. Please try again."), code="busy") from exc
    if claimed != 1:
        session.rollback()  # lost race: the unit fails anyway; a fresh snapshot shows the status that won
        meeting = session.get(Meeting, meeting_id)
        require_status(meeting, status)
        raise Conflict(_("Not possible now."), code="meeting_state", details={"status": meeting.status})
    session.expire_all()
    yield session.get(Meeting, meeting_id)


def set_agenda(session: Session, actor, meeting_id: int, proposal_ids: list[int]) -> Meeting:
    """Put proposals on the agenda; each fires ``schedule`` (all or none). Only while scheduled:
    serialised with the opening, an item added is on the vote with everything the opening does."""
    meeting_for(session, actor, meeting_id, may=policies.is_secretary,
                refusal=_("Only the council's secretary builds the agenda."), status="scheduled")
    if not proposal_ids:
        raise field_error("proposal_ids", _("Choose at least one proposal."))
    if len(set(proposal_ids)) != len(proposal_ids):
        raise field_error("proposal_ids", _("A proposal is listed twice."))
    with claim_meeting(session, meeting_id, "scheduled") as meeting:
        position = len(meeting.items)
        for pid in proposal_ids:
            proposal = session.get(Proposal, pid)
            if proposal is None or proposal.current_authority_id != meeting.authority_id:
                raise field_error("proposal_ids", _("Unknown proposal: %(id)s.", id=pid))
            proposals.transition(session, pid, Event.SCHEDULE, actor, internal={"meeting_id": meeting.id},
                                 comment=_("On the agenda of meeting %(id)d", id=meeting.id))
            position += 1
            session.add(AgendaItem(meeting_id=meeting.id, proposal_id=pid, position=position))
        session.flush()
        audit.record(session, chain=meeting.authority.code, actor=actor, action="meeting.agenda",
                     object_type="meeting", object_id=meeting.id, data={"added": proposal_ids})
        session.flush()
    session.refresh(meeting)
    return meeting


def record_attendance(session: Session, actor, meeting_id: int, *, present: list[str],
                      written_votes: dict | None = None, written_voters: list[str] | None = None,
                      counting_committee: list[str] | None = None) -> Meeting:
    """Who is present; sealed written votes of absent members as counts per item."""
    meeting_for(session, actor, meeting_id, may=policies.is_secretary,
                refusal=_("Only the council's secretary takes attendance."), status="scheduled")
    with claim_meeting(session, meeting_id, "scheduled") as meeting:
        _write_attendance(session, actor, meeting, present, written_votes, written_voters,
                          counting_committee or [])
        session.flush()
    session.refresh(meeting)
    return meeting


# Stays whole (long or radon D+): validate everything, then write: both halves use the same checked members
# and written counts.
def _write_attendance(session: Session, actor, meeting: Meeting, present: list[str],
                      written_votes: dict | None, written_voters: list[str] | None,
                      counting_committee: list[str]) -> None:
    members = {s.user.username: s.user for s in seats(session, meeting.authority_id)}
    unknown = [u for u in present if u not in members]
    if unknown:
        raise field_error("present", _("Not council members: %(names)s.", names=", ".join(unknown)))
    absent = [u for u in members if u not in present]
    not_present = [u for u in counting_committee if u not in present]
    if not_present:
        raise field_error("counting_committee", _("The vote-counting committee is chosen from the members "
                                                  "present: %(names)s.", names=", ".join(not_present)))
    written_votes = written_votes or {}
    voters = list(written_voters or [])
    if written_votes and not voters:
        # without names, the counts must account for every absent member
        totals = {int(k): v.get("yes", 0) + v.get("no", 0) for k, v in written_votes.items()}
        if any(t != len(absent) for t in totals.values()):
            raise field_error("written_voters", _("Name the absent members who voted in writing."))
        voters = absent
    bad = [u for u in voters if u not in absent]
    if bad:
        raise field_error("written_voters", _("Only absent members vote in writing: %(names)s.", names=", ".join(bad)))
    items = {i.proposal_id: i for i in meeting.items}
    counts_by_item: dict[int, tuple[int, int]] = {}
    for key, counts in written_votes.items():
        try:
            pid, yes, no = int(key), int(counts.get("yes", 0)), int(counts.get("no", 0))
        except (TypeError, ValueError, AttributeError) as exc:
            raise field_error("written_votes", _("Counts are whole numbers.")) from exc
        item = items.get(pid)
        if item is None:
            raise field_error(f"written_votes.{key}", _("Not on the agenda."))
        if not (item.proposal.rule and item.proposal.rule.takes_written_votes):
            raise field_error(f"written_votes.{key}", _("This item does not take written votes."))
        if yes < 0 or no < 0 or yes + no > len(voters):
            raise field_error(f"written_votes.{key}", _("More written votes than written voters."))
        counts_by_item[item.id] = (yes, no)
    # validated: now write. Attendance replaces the earlier one, written counts included (an item
    # left out has none), so counts never outlive the envelopes they came from.
    for item in meeting.items:
        item.written_yes, item.written_no = counts_by_item.get(item.id, (0, 0))
    for row in list(meeting.attendance):
        session.delete(row)
    session.flush()
    for username, user in members.items():
        session.add(Attendance(meeting_id=meeting.id, user_id=user.id, present=username in present,
                               written_vote=username in voters, counter=username in counting_committee))
    audit.record(session, chain=meeting.authority.code, actor=actor, action="meeting.attendance",
                 object_type="meeting", object_id=meeting.id,
                 data={"present": sorted(present), "written_voters": sorted(voters),
                       "counting_committee": sorted(set(counting_committee))})


def recusal_reason(session: Session, member: User, nominee: Nominee) -> str | None:
    """Why ``member`` may not vote on an item about ``nominee`` (None: may vote)."""
    if nominee.user_id == member.id:
        return _("is the nominee") if nominee.kind == NomineeKind.INDIVIDUAL else _("heads the nominated household")
    if nominee.kind == NomineeKind.COLLECTIVE and nominee.unit_id:
        heads = session.scalar(select(func.count(RoleAssignment.id)).where(
            RoleAssignment.user_id == member.id, RoleAssignment.role == Role.NOMINATOR,
            RoleAssignment.unit_id == nominee.unit_id))
        if heads:
            return _("heads the nominated unit")
        belongs = session.scalar(select(func.count(Nominee.id)).where(
            Nominee.user_id == member.id, Nominee.kind == NomineeKind.INDIVIDUAL, Nominee.unit_id == nominee.unit_id))
        if belongs:
            return _("belongs to the nominated unit")
    return None


def quorum_needed(meeting: Meeting, size: int) -> int:
    """Members who must be present: the strictest quorum among the agenda's award types (a
    fraction of ``size``, rounded up); 0 with an empty agenda."""
    if not meeting.items:
        return 0
    quorum = max(Fraction((i.proposal.rule and i.proposal.rule.quorum) or "0") for i in meeting.items)
    return -(-quorum.numerator * size // quorum.denominator)


def meeting_day(meeting: Meeting):
    """The meeting's date in Vietnam."""
    return vntime.local_date(meeting.scheduled_at)


def opens_early(meeting: Meeting) -> bool:
    """Whether opening the vote now would be before the meeting's day (Vietnam date)."""
    return vntime.today() < meeting_day(meeting)


def open_vote(session: Session, actor, meeting_id: int, *, early_reason: str | None = None) -> Meeting:
    """Open voting (chair). Checks the quorum and says the numbers when it fails; records recusals
    and who presides over each item, creates each item's tally row and draws the salt that seals
    the ballots. Serialised with agenda and attendance changes (``claim_meeting``): every item on the
    agenda when the vote opens gets all of that, and no item can be added afterwards."""
    meeting_for(session, actor, meeting_id, may=policies.is_chair,
                refusal=_("Only the chair opens the vote."), status="scheduled")
    with claim_meeting(session, meeting_id, "scheduled") as meeting:
        early_reason = (early_reason or "").strip() or None
        if opens_early(meeting) and early_reason is None:
            day = meeting_day(meeting)
            raise Conflict(_("The meeting is on %(day)s: the vote opens on that day. To open it earlier, give "
                             "the reason.", day=show_date(day)), code="before_meeting_day",
                           details={"meeting_day": day.isoformat(), "early_reason": _("required before that day")})
        _open(session, actor, meeting, early_reason if opens_early(meeting) else None)
        session.flush()
    session.refresh(meeting)
    return meeting


# Stays whole (long or radon D+): validate everything, then write, as _write_attendance.
def _open(session: Session, actor, meeting: Meeting, early_reason: str | None = None) -> None:
    if not meeting.items:
        raise Conflict(_("The agenda is empty."), code="empty_agenda")
    if not meeting.attendance:
        raise Conflict(_("Take attendance first."), code="no_attendance")
    council = seats(session, meeting.authority_id)
    size, present = len(council), sum(1 for a in meeting.attendance if a.present)
    needed = quorum_needed(meeting, size)
    if present < needed:
        raise Conflict(_("No quorum: %(present)d of %(size)d members present, %(needed)d needed.",
                         present=present, size=size, needed=needed), code="no_quorum",
                       details={"present": present, "members": size, "needed": needed})
    chair = next((s.user for s in council if s.position == "chair"), None)
    vice_chairs = [s.user for s in council if s.position == "vice_chair"]
    written_voters = {a.user_id for a in meeting.attendance if a.written_vote}
    recused_by_item: dict[int, dict[int, str]] = {}
    for item in meeting.items:
        recused = {seat.user.id: reason for seat in council
                   if (reason := recusal_reason(session, seat.user, item.proposal.nominee))}
        recused_by_item[item.id] = recused
        # a recused member's envelope does not count on that item
        if item.written_yes + item.written_no > len(written_voters - set(recused)):
            raise Conflict(_("Item %(id)s has more written votes than absent members who may vote on it.",
                             id=item.proposal_id), code="written_votes",
                           details={"proposal_id": item.proposal_id})
    # validated: now write
    recorded = []
    for item in meeting.items:
        recused = recused_by_item[item.id]
        for seat in council:
            if seat.user.id in recused:
                session.add(Recusal(agenda_item_id=item.id, user_id=seat.user.id, reason=recused[seat.user.id]))
                recorded.append({"proposal_id": item.proposal_id, "member": seat.user.username,
                                 "reason": recused[seat.user.id]})
        presiding = chair if chair is not None and chair.id not in recused else next(
            (v for v in vice_chairs if v.id not in recused), None)
        item.presiding_user_id = presiding.id if presiding else None
        session.add(BallotTally(agenda_item_id=item.id, yes=0, no=0))
        # written voters have voted on the items that took written votes
        if item.written_yes or item.written_no:
            for user_id in sorted(written_voters - set(recused)):
                session.add(BallotReceipt(agenda_item_id=item.id, user_id=user_id))
    meeting.status, meeting.opened_at, meeting.council_size = "voting", utcnow(), size
    meeting.presiding_user_id = chair.id if chair else None
    meeting.ballot_salt = sealing.new_salt()
    audit.record(session, chain=meeting.authority.code, actor=actor, action="meeting.open", object_type="meeting",
                 object_id=meeting.id, data={"present": present, "members": size, "recusals": recorded,
                                             **({"early_reason": early_reason} if early_reason else {})})
    notify.meeting_event(session, meeting, "voting_opened", actor)


def progress(session: Session, meeting: Meeting) -> dict:
    """How many members have voted — a count, never who voted how."""
    item_ids = [i.id for i in meeting.items]
    voted = session.scalar(select(func.count(func.distinct(BallotReceipt.user_id)))
                           .where(BallotReceipt.agenda_item_id.in_(item_ids))) if item_ids else 0
    present_ids = [a.user_id for a in meeting.attendance if a.present]
    # the counter on the meeting screen: members present who have voted, out of those present
    voted_present = session.scalar(select(func.count(func.distinct(BallotReceipt.user_id))).where(
        BallotReceipt.agenda_item_id.in_(item_ids), BallotReceipt.user_id.in_(present_ids))) \
        if item_ids and present_ids else 0
    return {"meeting_id": meeting.id, "status": meeting.status, "voted": voted or 0,
            "members": meeting.council_size or len(seats(session, meeting.authority_id)),
            "present": len(present_ids), "voted_present": voted_present or 0}


def close_vote(session: Session, actor, meeting_id: int, tie_break: list[int] | None = None) -> Meeting:
    """Close the vote (chair): count the sealed ballots, tally every item by its rule, apply ratio
    caps by ranking yes votes, fire ``pass``/``fail`` for every item — all in one transaction that
    first claims the meeting (``claim_meeting``), so a concurrent ballot is either counted or refused.
    A tie at a cap is refused (409 ``cap_tie``) until the chair names the proposals that take the
    remaining places; ballots that cannot be counted are refused (409 ``ballot_integrity``), and so
    is a show-of-hands item whose counts the secretary has not recorded (409 ``hands_missing``)."""
    meeting_for(session, actor, meeting_id, may=policies.is_chair,
                refusal=_("Only the chair closes the vote."), status="voting")
    with claim_meeting(session, meeting_id, "voting") as meeting:
        # a show-of-hands item with no counts would be tallied as nobody in favour: refuse instead
        unrecorded = [i.proposal_id for i in meeting.items if queries.decided_by_hands(i) and i.hands_yes is None]
        if unrecorded:
            raise Conflict(_("The show of hands of %(n)d item(s) is not recorded yet: the secretary records the "
                             "counts before the vote closes.", n=len(unrecorded)),
                           code="hands_missing", details={"proposal_ids": unrecorded})
        count_sealed_ballots(session, meeting)
        results = tally_meeting(session, meeting, tie_break or [])
        for row in results["items"]:
            event = Event.PASS if row["passed"] else Event.FAIL
            proposals.transition(session, row["proposal_id"], event, actor, internal={"meeting_id": meeting.id},
                                 data={"yes": row["yes"], "no": row["no"], "denominator": row["denominator"]},
                                 comment=_("Council vote, meeting %(id)d", id=meeting.id))
        meeting.status, meeting.closed_at, meeting.results = "closed", utcnow(), results
        audit.record(session, chain=meeting.authority.code, actor=actor, action="meeting.close",
                     object_type="meeting", object_id=meeting.id,
                     data={"passed": [r["proposal_id"] for r in results["items"] if r["passed"]],
                           "tie_break": results.get("tie_break", [])})
        session.flush()
    session.refresh(meeting)
    return meeting


def results(session: Session, actor, meeting_id: int) -> dict:
    """The tally, only after the vote closed (409 before — for everyone, the chair included)."""
    meeting = get_meeting(session, actor, meeting_id)
    if meeting.status != "closed":
        raise Conflict(_("Results are available only after the vote closes."), code="not_closed",
                       details={"status": meeting.status})
    return meeting.results
