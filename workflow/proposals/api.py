"""JSON endpoints for rounds and proposals (SPEC §10)."""

from __future__ import annotations

from typing import Literal

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from pydantic import Field

from workflow.api import schemas
from workflow.api.core import StrictBody, parse_query_int, route
from workflow.calendar.services import WorkCalendar
from workflow.documents.http import send_download
from workflow.errors import NotFound, field_error
from workflow.extensions import db, limiter
from workflow.proposals import attachments, bulk, listing, notice, policies, queries, services
from workflow.proposals.evidence import EvidenceIn
from workflow.proposals.serializers import (
    attachment_json,
    objection_json,
    proposal_json,
    proposal_rows_json,
    round_json,
    transition_json,
)
from workflow.validation import (
    Code,
    Day,
    Id,
    LongText,
    RuleSetCode,
    Text,
    Year,
)


class RoundIn(StrictBody):
    authority_code: Code
    year: Year
    kind: Literal["annual", "campaign", "ad_hoc"]
    title: Text(300, min_length=1)
    nomination_deadline: Day


class RoundPatch(StrictBody):
    kind: Literal["annual", "campaign", "ad_hoc"] | None = None
    title: Text(300, min_length=1) | None = None
    nomination_deadline: Day | None = None


class ProposalIn(StrictBody):
    round_id: Id
    nominee_id: Id
    award_type_code: Code
    unit_code: Code
    achievements: LongText(20000) = ""
    evidence: EvidenceIn | None = None
    linked_proposal_id: Id | None = None


class ProposalPatch(StrictBody):
    version: Id
    achievements: LongText(20000) | None = None
    evidence: EvidenceIn | None = None


class EventIn(StrictBody):
    event: Text(40, min_length=1)
    comment: LongText(5000) | None = None
    # each event's own model (proposals.event_data) checks it inside ``transition``, for the
    # screens as well
    data: dict = Field(default_factory=dict)
    version: Id | None = None


class PaperIn(StrictBody):
    doc_type: Text(60, min_length=1)


class ObjectionIn(StrictBody):
    proposal_id: Id
    name: Text(200) = ""
    contact: Text(200) = ""
    text: LongText(5000) = ""


class ResolutionIn(StrictBody):
    resolution: LongText(5000, min_length=1)


def _calendar() -> WorkCalendar:
    return WorkCalendar.load(db.session)


@route("/rounds", methods=["POST"], body=RoundIn, tags=("proposals",), status=201, resp=schemas.RoundOut)
def create_round(user, data: RoundIn):
    """Open a round (annual, campaign or ad hoc) at an authority (secretary)."""
    round_ = services.create_round(db.session, user, **data.model_dump())
    return jsonify(round_json(round_)), 201


@route("/rounds/<int:round_id>", methods=["PATCH"], body=RoundPatch, tags=("proposals",),
       resp=schemas.RoundOut)
def update_round(user, round_id: int, data: RoundPatch):
    """Edit an open round's title, kind or deadline (secretary); 409 ``round_closed`` once closed."""
    return jsonify(round_json(services.update_round(db.session, user, round_id, **data.model_dump())))


@route("/rounds/<int:round_id>/close", methods=["POST"], tags=("proposals",), resp=schemas.RoundOut)
def close_round(user, round_id: int):
    """Close a round: it takes no new proposals; those it has go on (secretary)."""
    return jsonify(round_json(services.set_round_open(db.session, user, round_id, False)))


@route("/rounds/<int:round_id>/reopen", methods=["POST"], tags=("proposals",), resp=schemas.RoundOut)
def reopen_round(user, round_id: int):
    """Reopen a closed round (secretary)."""
    return jsonify(round_json(services.set_round_open(db.session, user, round_id, True)))


@route("/rounds", tags=("proposals",), resp=list[schemas.RoundOut])
def list_rounds(user):
    """Rounds the caller can see."""
    return jsonify([round_json(r) for r in queries.rounds_for(db.session, user)])


@route("/proposals", methods=["POST"], body=ProposalIn, tags=("proposals",), status=201,
       resp=schemas.ProposalOut)
def create_proposal(user, data: ProposalIn):
    """Create a draft proposal (nominator of the unit, or secretary)."""
    payload = data.model_dump(exclude={"evidence"})
    payload["evidence"] = data.evidence.as_json() if data.evidence else None
    proposal = services.create_proposal(db.session, user, **payload)
    return jsonify(proposal_json(proposal, user, _calendar(), session=db.session)), 201


@route("/proposals", tags=("proposals",), query=schemas.ProposalListQuery, resp=schemas.ProposalPageOut)
def list_proposals(user):
    """Proposals in the caller's scope; filters state (comma-separated), year, award_type, unit,
    authority (at it or from it), q (the nominee's name, with or without diacritics), round; 422
    for a malformed filter or cursor, 404 for an authority, unit or round out of scope. ``cursor``
    (keyset paging, instead of ``page``): empty for the first page, then each answer's ``next_cursor``."""
    page = parse_query_int("page", 1, 1, 100000)
    per_page = parse_query_int("per_page", 50, 1, 500)
    cursor = request.args.get("cursor")
    filters = queries.parse_filters(db.session, user, request.args)
    found = listing.read_page(db.session, user, **filters, page=page, per_page=per_page,
                              cursor=cursor.strip() if cursor is not None else None)
    answer = {"items": proposal_rows_json(found, user), "total": found.total, "page": page, "per_page": per_page}
    if cursor is not None:  # keyset paging asked: where the next page starts (None after the last)
        answer["next_cursor"] = found.next_cursor
    return jsonify(answer)


@route("/proposals.xlsx", tags=("proposals",), query=schemas.ProposalFiltersQuery, media=(schemas.XLSX,))
def export_proposals(user):
    """Every proposal of the list's filters (those of ``GET /proposals``, all pages, same scope) as an XLSX."""
    from workflow.documents.spreadsheets import XLSX_MIMETYPE
    from workflow.reports import exports

    filters = queries.parse_filters(db.session, user, request.args)  # the list's own parser
    filename, content = exports.proposals_xlsx(db.session, user, filters)
    return send_download(content, XLSX_MIMETYPE, filename)


@route("/proposals/<int:proposal_id>", tags=("proposals",), resp=schemas.ProposalOut)
def get_proposal(user, proposal_id: int):
    """A proposal with its documents, objections, processing clock and the events the caller may fire."""
    proposal = services.get_proposal(db.session, user, proposal_id)
    return jsonify(proposal_json(proposal, user, _calendar(), session=db.session))


@route("/proposals/<int:proposal_id>", methods=["PATCH"], body=ProposalPatch, tags=("proposals",),
       resp=schemas.ProposalOut)
def edit_proposal(user, proposal_id: int, data: ProposalPatch):
    """Edit a draft or returned proposal; send the version you read (409 when stale)."""
    changes = data.model_dump(exclude={"version", "evidence"}, exclude_none=True)
    if data.evidence is not None:
        changes["evidence"] = data.evidence.as_json()
    proposal = services.edit_proposal(db.session, user, proposal_id, version=data.version, **changes)
    return jsonify(proposal_json(proposal, user, _calendar(), session=db.session))


@route("/proposals/<int:proposal_id>/history", tags=("proposals",), resp=list[schemas.TransitionOut])
def proposal_history(user, proposal_id: int):
    """Every transition of the proposal, across levels."""
    proposal = services.get_proposal(db.session, user, proposal_id)
    return jsonify([transition_json(t) for t in proposal.history])


@route("/proposals/<int:proposal_id>/eligibility", tags=("proposals",), query=schemas.EligibilityQuery,
       resp=schemas.EligibilityOut)
def proposal_eligibility(user, proposal_id: int):
    """Each rule of the governing rule set with pass / fail / pending / warning and the reason."""
    mode = request.args.get("mode", "accept")
    if mode not in ("accept", "decide", "forward"):
        raise field_error("mode", _("Must be one of: %(values)s.", values="accept, decide, forward"))
    return jsonify(services.eligibility_report(db.session, user, proposal_id, mode))


@route("/proposals/<int:proposal_id>/events", methods=["POST"], body=EventIn, tags=("proposals",),
       resp=schemas.ProposalOut)
def fire_event(user, proposal_id: int, data: EventIn):
    """Fire a life-cycle event; 409 invalid_transition or conflict, 422 when a rule refuses."""
    # the answer's reads come before the event where they can: from its audit entry to the commit,
    # the authority's audit chain is locked and every other event there waits
    calendar = _calendar()
    proposal = services.transition(db.session, proposal_id, data.event, user, comment=data.comment,
                                   data=data.data, expected_version=data.version)
    answer = proposal_json(proposal, user, calendar, session=db.session)
    # the missing declared documents, said on submit and accept (warnings never block)
    answer["warnings"] = proposal.history[-1].data.get("warnings", []) if proposal.history else []
    return jsonify(answer)


class BulkProposalIn(StrictBody):
    round_id: Id
    award_type_code: Code
    unit_code: Code
    nominee_ids: list[Id] = Field(min_length=1, max_length=bulk.MAX_ROWS)
    achievements: LongText(20000) = ""
    evidence: EvidenceIn | None = None


@route("/proposals/bulk", methods=["POST"], body=BulkProposalIn, tags=("proposals",),
       resp=schemas.BulkProposalsOut)
def create_proposals(user, data: BulkProposalIn):
    """Propose many nominees at once (nominator of the unit, or secretary): each row as one create.

    A wrong body (unknown round, unit or award type; an empty list, an id twice, more than 2,000
    ids) is refused as a whole and creates nothing. Otherwise 200 with ``created`` and ``refused``:
    each nominee gets the single create's checks, each row committed on its own, a refused row
    carrying the error the single call would answer. ``evidence`` is attached to every draft."""
    result = bulk.nominate_many(db.session, user, round_id=data.round_id, award_type_code=data.award_type_code,
                                unit_code=data.unit_code, nominee_ids=data.nominee_ids,
                                achievements=data.achievements,
                                evidence=data.evidence.as_json() if data.evidence else None)
    return jsonify(result)


class BulkEventIn(StrictBody):
    proposal_ids: list[Id] = Field(min_length=1, max_length=bulk.MAX_ROWS)
    event: Text(40, min_length=1)
    comment: LongText(5000) | None = None
    data: dict = Field(default_factory=dict)


@route("/proposals/events", methods=["POST"], body=BulkEventIn, tags=("proposals",),
       resp=schemas.BulkEventsOut)
def fire_events(user, data: BulkEventIn):
    """Fire one event on many proposals, each as the single event call (its checks, its side
    effects, its own commit); 200 with ``done`` and ``refused`` (ids the caller cannot see are
    refused as not found). An unknown event, bad ``data`` or a wrong id list: 422, nothing done."""
    return jsonify(bulk.fire_many(db.session, user, data.proposal_ids, data.event, comment=data.comment,
                                  data=data.data))


class RuleSetChoiceIn(StrictBody):
    rule_set: RuleSetCode
    comment: LongText(2000) | None = None


@route("/proposals/<int:proposal_id>/rule-set", methods=["POST"], body=RuleSetChoiceIn, tags=("proposals",),
       resp=schemas.ProposalOut)
def apply_rule_set(user, proposal_id: int, data: RuleSetChoiceIn):
    """Apply the newer rule set in force to an undecided proposal when it favours the nominee
    (secretary; NĐ 152/2025 Art 60(3)); 422 when the set is not in force or not newer."""
    proposal = services.apply_rule_set(db.session, user, proposal_id, data.rule_set, comment=data.comment)
    return jsonify(proposal_json(proposal, user, _calendar(), session=db.session))


@route("/proposals/<int:proposal_id>/attachments", methods=["POST"], tags=("proposals",), status=201,
       form=schemas.AttachmentForm, resp=schemas.AttachmentOut)
def upload_attachment(user, proposal_id: int):
    """Upload a document (multipart ``file`` and ``doc_type``): PDF, DOCX, JPEG or PNG up to 20 MB."""
    upload = request.files.get("file")
    if upload is None:
        raise field_error("file", _("Attach a file (multipart field 'file')."))
    attachment = attachments.add_attachment(
        db.session, user, proposal_id, doc_type=request.form.get("doc_type", ""), filename=upload.filename or "",
        content=upload.read(), max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
    return jsonify(attachment_json(attachment)), 201


@route("/attachments/<int:attachment_id>", tags=("proposals",), media=schemas.UPLOADED)
def download_attachment(user, attachment_id: int):
    """Download a document (always as an attachment; only within the caller's scope)."""
    attachment = attachments.get_attachment(db.session, user, attachment_id)
    content = attachments.attachment_content(db.session, attachment)
    if content is None:
        raise NotFound(_("The file of document %(name)s is missing from storage.", name=attachment.filename))
    return send_download(content, attachment.content_type, attachment.filename, no_store=False)


@route("/proposals/<int:proposal_id>/paper-receipts", methods=["POST"], body=PaperIn, tags=("proposals",), status=201,
       resp=schemas.ProposalOut)
def paper_received(user, proposal_id: int, data: PaperIn):
    """Tick that the paper copy of a required document was received (secretary)."""
    attachments.mark_paper_received(db.session, user, proposal_id, data.doc_type)
    proposal = services.get_proposal(db.session, user, proposal_id)
    return jsonify(proposal_json(proposal, user, _calendar(), session=db.session)), 201


@route("/objections/<int:objection_id>/resolve", methods=["POST"], body=ResolutionIn, tags=("notice",),
       resp=schemas.ObjectionOut)
def resolve_objection(user, objection_id: int, data: ResolutionIn):
    """Record how an objection was settled (secretary)."""
    objection = notice.resolve_objection(db.session, user, objection_id, data.resolution)
    return jsonify(objection_json(objection, identity=policies.can_see_objector(db.session, user, objection.proposal)))


@route("/public/notices/<code>", auth=False, tags=("notice",), resp=schemas.PublicNoticesOut)
def public_notices(code: str):
    """Proposals on public notice at an authority (no sign-in)."""
    authority = notice.notice_authority(db.session, code)
    return jsonify({"authority": {"code": authority.code, "name": authority.name}, "items": [
        {"proposal_id": p.id, "nominee": p.nominee.name, "unit": p.unit.name, "award_type_code": p.award_type_code,
         "notice_from": p.notice_from.isoformat(), "notice_until": p.notice_until.isoformat()}
        for p in notice.public_notices(db.session, authority)]})


def objection_limit() -> str:
    return current_app.config["TDKT_OBJECTION_RATE_LIMIT"]


@route("/public/notices/<code>/objections", methods=["POST"], body=ObjectionIn, auth=False, tags=("notice",), status=201,
       resp=schemas.ObjectionOut)
@limiter.limit(objection_limit)
def file_objection(code: str, data: ObjectionIn):
    """File an objection against a proposal on notice (no sign-in; rate-limited)."""
    objection = notice.file_objection(db.session, code, data.proposal_id, name=data.name, contact=data.contact,
                                      text=data.text)
    return jsonify(objection_json(objection, public=True)), 201
