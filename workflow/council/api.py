"""JSON endpoints for council meetings (SPEC §10)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import jsonify, request
from pydantic import Field

from workflow.api import schemas
from workflow.api.core import StrictBody, parse_body, route
from workflow.council import ballots, services
from workflow.council.serializers import meeting_json
from workflow.extensions import db
from workflow.validation import MAX_IDS, Code, Count, Id, Ids, LongText, Moment, Text


class MeetingIn(StrictBody):
    authority_code: Code
    scheduled_at: Moment
    place: Text(300, min_length=1)


class AgendaIn(StrictBody):
    proposal_ids: Ids


class WrittenCount(StrictBody):
    yes: Count
    no: Count


Username = Text(80, min_length=1)


class AttendanceIn(StrictBody):
    present: list[Username] = Field(max_length=MAX_IDS)
    written_votes: dict[Id, WrittenCount] | None = Field(default=None, max_length=MAX_IDS)
    written_voters: list[Username] | None = Field(default=None, max_length=MAX_IDS)
    # the vote-counting committee (Ban kiểm phiếu): members present
    counting_committee: list[Username] | None = Field(default=None, max_length=MAX_IDS)


class VoteIn(StrictBody):
    proposal_id: Id
    choice: Literal["yes", "no"]


class BallotIn(StrictBody):
    votes: list[VoteIn] = Field(min_length=1, max_length=MAX_IDS)


class HandsIn(StrictBody):
    proposal_id: Id
    yes: Count
    no: Count


class CloseIn(StrictBody):
    tie_break: list[Id] = Field(default_factory=list, max_length=MAX_IDS)


def _aware(moment: datetime) -> datetime:
    from workflow.vntime import localize

    return localize(moment)  # a time without zone is local time in Vietnam


@route("/meetings", methods=["POST"], body=MeetingIn, tags=("council",), status=201, resp=schemas.MeetingOut)
def create_meeting(user, data: MeetingIn):
    """Schedule a council meeting (secretary)."""
    meeting = services.create_meeting(db.session, user, authority_code=data.authority_code,
                                      scheduled_at=_aware(data.scheduled_at), place=data.place)
    return jsonify(meeting_json(meeting)), 201


@route("/meetings/<int:meeting_id>", tags=("council",), resp=schemas.MeetingOut)
def get_meeting(user, meeting_id: int):
    """A meeting with its agenda, attendance and voting progress (a count only)."""
    meeting = services.get_meeting(db.session, user, meeting_id)
    return jsonify(meeting_json(meeting, services.progress(db.session, meeting)))


@route("/meetings/<int:meeting_id>/agenda", methods=["POST"], body=AgendaIn, tags=("council",),
       resp=schemas.MeetingOut)
def set_agenda(user, meeting_id: int, data: AgendaIn):
    """Put proposals on the agenda (fires ``schedule`` for each; all or none)."""
    return jsonify(meeting_json(services.set_agenda(db.session, user, meeting_id, data.proposal_ids)))


@route("/meetings/<int:meeting_id>/attendance", methods=["POST"], body=AttendanceIn, tags=("council",),
       resp=schemas.MeetingOut)
def record_attendance(user, meeting_id: int, data: AttendanceIn):
    """Members present; sealed written votes of absent members as counts per proposal."""
    written = {pid: c.model_dump() for pid, c in (data.written_votes or {}).items()}
    meeting = services.record_attendance(db.session, user, meeting_id, present=data.present,
                                         written_votes=written, written_voters=data.written_voters,
                                         counting_committee=data.counting_committee)
    return jsonify(meeting_json(meeting))


class OpenIn(StrictBody):
    # before the meeting's day the vote opens only with the reason (recorded in the audit)
    early_reason: LongText(1000) | None = None


@route("/meetings/<int:meeting_id>/open", methods=["POST"], tags=("council",),
       doc_body=OpenIn, body_required=False, resp=schemas.MeetingOut)
def open_vote(user, meeting_id: int):
    """Open the vote (chair); 409 with the numbers when there is no quorum, 409
    ``before_meeting_day`` before the meeting's day unless ``early_reason`` says why. Body optional."""
    data = parse_body(OpenIn) if request.get_data() else OpenIn()
    meeting = services.open_vote(db.session, user, meeting_id, early_reason=data.early_reason)
    return jsonify(meeting_json(meeting, services.progress(db.session, meeting)))


@route("/meetings/<int:meeting_id>/ballots", methods=["POST"], body=BallotIn, tags=("council",), status=201,
       resp=schemas.BallotOut)
def cast_ballot(user, meeting_id: int, data: BallotIn):
    """Cast a secret ballot (council member present); 409 on a second ballot for an item."""
    progress = ballots.cast_ballot(db.session, user, meeting_id, [v.model_dump() for v in data.votes])
    return jsonify({"accepted": len(data.votes), "progress": progress}), 201


@route("/meetings/<int:meeting_id>/show-of-hands", methods=["POST"], body=HandsIn, tags=("council",),
       resp=schemas.HandsOut)
def show_of_hands(user, meeting_id: int, data: HandsIn):
    """Record the counts of a show-of-hands item (secretary)."""
    ballots.record_show_of_hands(db.session, user, meeting_id, data.proposal_id, data.yes, data.no)
    return jsonify({"proposal_id": data.proposal_id, "recorded": True})


@route("/meetings/<int:meeting_id>/close", methods=["POST"], tags=("council",),
       doc_body=CloseIn, body_required=False, resp=schemas.MeetingOut)
def close_vote(user, meeting_id: int):
    """Close the vote (chair): tally, caps, ``pass``/``fail`` for every item in one transaction."""
    data = parse_body(CloseIn) if request.get_data().strip() else CloseIn()
    meeting = services.close_vote(db.session, user, meeting_id, data.tie_break)
    return jsonify({**meeting_json(meeting), "results": meeting.results})


@route("/meetings/<int:meeting_id>/results", tags=("council",), resp=schemas.ResultsOut)
def results(user, meeting_id: int):
    """Per item yes, no, denominator and whether it passed — 409 before the vote closes."""
    return jsonify(services.results(db.session, user, meeting_id))
