"""JSON endpoints for decisions, submissions and outcomes (SPEC §10)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _
from pydantic import Field

from workflow.api import schemas
from workflow.api.core import StrictBody, parse_body, route
from workflow.calendar.services import WorkCalendar
from workflow.decisions import bases, exchange, importing, reading, services, tracking
from workflow.decisions.serializers import decision_json, submission_json
from workflow.documents.http import send_download
from workflow.errors import field_error
from workflow.extensions import db
from workflow.validation import Code, Day, Id, Ids, LongText, Text


class DecisionIn(StrictBody):
    authority_code: Code
    award_type_code: Code | None = None  # omitted: several award types, the list grouped by type
    proposal_ids: Ids


class IssueIn(StrictBody):
    number: Text(40, min_length=1) | None = None
    on: Day | None = Field(default=None, alias="date")


class SubmissionIn(StrictBody):
    from_authority_code: Code
    proposal_ids: Ids


class SendIn(StrictBody):
    number: Text(40, min_length=1) | None = None  # from the office's register; else the next one
    on: Day | None = Field(default=None, alias="date")


class AnswerIn(StrictBody):
    outcome: Literal["approved", "returned", "rejected"]
    decision_number: Text(60) | None = None
    decision_date: Day | None = None
    reason: LongText(5000) | None = None


class OutcomeIn(AnswerIn):
    proposal_id: Id


def _signed_in_at() -> datetime | None:
    """For the API, a fresh sign-in is a token issued within the last minutes."""
    token = g.get("api_token")
    return token.created_at if token is not None else None


def _optional(model):
    return parse_body(model) if request.get_data().strip() else model()


@route("/decisions", methods=["POST"], body=DecisionIn, tags=("decisions",), status=201,
       resp=schemas.DecisionOut)
def create_decision(user, data: DecisionIn):
    """Draft a decision from recommended proposals within the authority's power (secretary)."""
    return jsonify(decision_json(services.create_decision(db.session, user, **data.model_dump()))), 201


@route("/decisions/<int:decision_id>", tags=("decisions",), resp=schemas.DecisionOut)
def get_decision(user, decision_id: int):
    """A decision with its list."""
    return jsonify(decision_json(services.get_decision(db.session, user, decision_id)))


@route("/decisions/<int:decision_id>/issue", methods=["POST"], tags=("decisions",),
       doc_body=IssueIn, body_required=False, resp=schemas.DecisionOut)
def issue_decision(user, decision_id: int):
    """Issue (sign) the decision (chair, token issued within the last 15 minutes)."""
    data = _optional(IssueIn)
    decision = services.issue_decision(db.session, user, decision_id, signed_in_at=_signed_in_at(),
                                       fresh_minutes=current_app.config["FRESH_LOGIN_MINUTES"],
                                       number=data.number, signed_on=data.on)
    return jsonify(decision_json(decision))


@route("/submissions", methods=["POST"], body=SubmissionIn, tags=("decisions",), status=201,
       resp=schemas.SubmissionOut)
def create_submission(user, data: SubmissionIn):
    """Draft a submission to the parent authority (secretary)."""
    return jsonify(submission_json(services.create_submission(db.session, user, **data.model_dump()))), 201


@route("/submissions/<int:submission_id>", tags=("decisions",), resp=schemas.SubmissionOut)
def get_submission(user, submission_id: int):
    """A submission with the state and outcome of each proposal in it, and its tracking."""
    submission = services.get_submission(db.session, user, submission_id)
    return jsonify(_tracked(submission, WorkCalendar.load(db.session)))


def _tracked(submission, calendar) -> dict:
    data = submission_json(submission)
    data["tracking"] = tracking.track(db.session, submission, calendar).as_dict()
    return data


@route("/submissions", tags=("decisions",), query=schemas.SubmissionsQuery, resp=schemas.SubmissionListOut)
def list_submissions(user):
    """Submissions sent by or to the caller's authorities, with the state of each proposal and the
    working days waited against the answer limit; filters ``status``, ``authority``,
    ``direction=outgoing|incoming``, ``overdue=1``."""
    args = request.args
    direction = args.get("direction")
    if direction not in (None, "", "outgoing", "incoming"):
        raise field_error("direction", _("The direction is outgoing or incoming."))
    status = args.get("status")
    if status not in (None, "", "draft", "sent"):
        raise field_error("status", _("The status is draft or sent."))
    calendar = WorkCalendar.load(db.session)
    rows = [_tracked(s, calendar) for s in tracking.list_submissions(
        db.session, user, status=status or None, authority_code=args.get("authority") or None,
        direction=direction or None)]
    if args.get("overdue") in ("1", "true", "yes"):
        rows = [r for r in rows if r["tracking"]["overdue"]]
    return jsonify({"items": rows, "total": len(rows)})


@route("/submissions/<int:submission_id>/package", tags=("decisions",), media=(schemas.ZIP,))
def export_package(user, submission_id: int):
    """The dossier package of a sent submission: a ZIP with a versioned JSON manifest, the PDFs and
    every attachment, each with its SHA-256 (for a higher level that uses another system)."""
    filename, content = exchange.export_package(db.session, user, submission_id,
                                                instance_path=current_app.instance_path)
    return send_download(content, "application/zip", filename)


@route("/dossiers/import", methods=["POST"], tags=("decisions",), status=201,
       form=schemas.UploadForm, resp=schemas.DossierImportOut)
def import_dossier(user):
    """Import a dossier package (multipart ``file``) at the parent authority it is addressed to
    (secretary or higher reviewer there, or an admin of its scope): its proposals arrive in
    ``submitted``. A malformed, altered or oversized package is refused whole (422), a repeat is a
    409 ``already_imported``."""
    upload = request.files.get("file")
    if upload is None:
        raise field_error("file", _("Attach the package as the multipart field “file”."))
    try:
        data = upload.read()
    finally:
        upload.close()  # a large upload is spooled to a temporary file
    result = importing.import_package(db.session, user, data, instance_path=current_app.instance_path,
                                     limits=reading.PackageLimits.from_config(current_app.config))
    return jsonify(result), 201


@route("/decisions", tags=("decisions",), query=schemas.DecisionsQuery, resp=schemas.DecisionListOut)
def list_decisions(user):
    """Decisions of the caller's authorities (``status`` draft or issued, ``authority``)."""
    status = request.args.get("status")
    if status not in (None, "", "draft", "issued"):
        raise field_error("status", _("The status is draft or issued."))
    rows = services.list_decisions(db.session, user, status=status or None,
                                   authority_code=request.args.get("authority") or None)
    return jsonify({"items": [decision_json(d) for d in rows], "total": len(rows)})


@route("/decisions/<int:decision_id>", methods=["DELETE"], tags=("decisions",), status=204)
def discard_decision(user, decision_id: int):
    """Discard a draft decision (secretary)."""
    services.discard_decision(db.session, user, decision_id)
    return "", 204


@route("/submissions/<int:submission_id>", methods=["DELETE"], tags=("decisions",), status=204)
def discard_submission(user, submission_id: int):
    """Discard a draft submission (secretary)."""
    services.discard_submission(db.session, user, submission_id)
    return "", 204


@route("/submissions/<int:submission_id>/send", methods=["POST"], tags=("decisions",),
       doc_body=SendIn, body_required=False, resp=schemas.SubmissionOut)
def send_submission(user, submission_id: int):
    """Sign and send the submission (chair, fresh sign-in): forwards every proposal in it."""
    data = _optional(SendIn)
    submission = services.send_submission(db.session, user, submission_id, signed_in_at=_signed_in_at(),
                                          fresh_minutes=current_app.config["FRESH_LOGIN_MINUTES"],
                                          sent_on=data.on, number=data.number)
    return jsonify(submission_json(submission))


@route("/submissions/<int:submission_id>/outcome", methods=["POST"], body=OutcomeIn, tags=("decisions",),
       resp=schemas.SubmissionOut)
def record_outcome(user, submission_id: int, data: OutcomeIn):
    """Record the higher level's answer for one proposal (secretary, or the higher reviewer)."""
    services.record_outcome(db.session, user, submission_id, **data.model_dump())
    return jsonify(submission_json(services.get_submission(db.session, user, submission_id)))


@route("/submissions/<int:submission_id>/outcomes", methods=["POST"], body=AnswerIn, tags=("decisions",),
       resp=schemas.SubmissionOut)
def answer_submission(user, submission_id: int, data: AnswerIn):
    """One answer for every proposal of the submission still waiting (the whole submission): the
    receiving authority's higher reviewer or secretary in-system, or the sender's secretary from the
    paper answer. All or nothing."""
    services.answer_submission(db.session, user, submission_id, **data.model_dump())
    return jsonify(submission_json(services.get_submission(db.session, user, submission_id)))


class BasesIn(StrictBody):
    lines: list[Text(1000)] = Field(default_factory=list, max_length=30)  # [] restores the rule set's


def _bases_json(doc) -> dict:
    return {"lines": bases.effective(db.session, doc), "custom": doc.legal_bases is not None}


@route("/decisions/<int:decision_id>/legal-bases", tags=("decisions",), resp=schemas.LegalBasesOut)
def decision_bases(user, decision_id: int):
    """The legal bases (Căn cứ…) the decision prints; ``custom`` when the secretary set them."""
    return jsonify(_bases_json(services.get_decision(db.session, user, decision_id)))


@route("/decisions/<int:decision_id>/legal-bases", methods=["PUT"], body=BasesIn, tags=("decisions",),
       resp=schemas.LegalBasesOut)
def set_decision_bases(user, decision_id: int, data: BasesIn):
    """Set the legal bases of a draft decision (secretary; 409 once issued; ``[]`` restores the rule
    set's)."""
    return jsonify(_bases_json(bases.set_legal_bases(db.session, user, "decision", decision_id, data.lines)))


@route("/submissions/<int:submission_id>/legal-bases", tags=("decisions",), resp=schemas.LegalBasesOut)
def submission_bases(user, submission_id: int):
    """The legal bases the submission prints; ``custom`` when the secretary set them."""
    return jsonify(_bases_json(services.get_submission(db.session, user, submission_id)))


@route("/submissions/<int:submission_id>/legal-bases", methods=["PUT"], body=BasesIn, tags=("decisions",),
       resp=schemas.LegalBasesOut)
def set_submission_bases(user, submission_id: int, data: BasesIn):
    """Set the legal bases of a draft submission (secretary of the sending authority; 409 once sent)."""
    return jsonify(_bases_json(bases.set_legal_bases(db.session, user, "submission", submission_id,
                                                     data.lines)))
