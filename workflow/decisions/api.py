"""JSON endpoints for decisions, submissions and outcomes (SPEC §10)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from flask import current_app, g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from workflow.api.core import parse_body, route
from workflow.decisions import services
from workflow.decisions.serializers import decision_json, submission_json
from workflow.extensions import db


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DecisionIn(_In):
    authority_code: str
    award_type_code: str
    proposal_ids: list[int] = Field(min_length=1)


class IssueIn(_In):
    number: str | None = Field(default=None, max_length=40)
    on: date | None = Field(default=None, alias="date")


class SubmissionIn(_In):
    from_authority_code: str
    proposal_ids: list[int] = Field(min_length=1)


class SendIn(_In):
    on: date | None = Field(default=None, alias="date")


class OutcomeIn(_In):
    proposal_id: int
    outcome: Literal["approved", "returned", "rejected"]
    decision_number: str | None = Field(default=None, max_length=60)
    decision_date: date | None = None
    reason: str | None = Field(default=None, max_length=5000)


def _signed_in_at() -> datetime | None:
    """For the API, a fresh sign-in is a token issued within the last minutes."""
    token = g.get("api_token")
    return token.created_at if token is not None else None


def _optional(model):
    return parse_body(model) if request.get_data().strip() else model()


@route("/decisions", methods=["POST"], body=DecisionIn, tags=("decisions",))
def create_decision(user, data: DecisionIn):
    """Draft a decision from recommended proposals within the authority's power (secretary)."""
    return jsonify(decision_json(services.create_decision(db.session, user, **data.model_dump()))), 201


@route("/decisions/<int:decision_id>", tags=("decisions",))
def get_decision(user, decision_id: int):
    """A decision with its list."""
    return jsonify(decision_json(services.get_decision(db.session, user, decision_id)))


@route("/decisions/<int:decision_id>/issue", methods=["POST"], tags=("decisions",))
def issue_decision(user, decision_id: int):
    """Issue (sign) the decision (chair, token issued within the last 15 minutes)."""
    data = _optional(IssueIn)
    decision = services.issue_decision(db.session, user, decision_id, signed_in_at=_signed_in_at(),
                                       fresh_minutes=current_app.config["FRESH_LOGIN_MINUTES"],
                                       number=data.number, signed_on=data.on)
    return jsonify(decision_json(decision))


@route("/submissions", methods=["POST"], body=SubmissionIn, tags=("decisions",))
def create_submission(user, data: SubmissionIn):
    """Draft a submission to the parent authority (secretary)."""
    return jsonify(submission_json(services.create_submission(db.session, user, **data.model_dump()))), 201


@route("/submissions/<int:submission_id>", tags=("decisions",))
def get_submission(user, submission_id: int):
    """A submission with the state and outcome of each proposal in it."""
    return jsonify(submission_json(services.get_submission(db.session, user, submission_id)))


@route("/submissions/<int:submission_id>/send", methods=["POST"], tags=("decisions",))
def send_submission(user, submission_id: int):
    """Sign and send the submission (chair, fresh sign-in): forwards every proposal in it."""
    data = _optional(SendIn)
    submission = services.send_submission(db.session, user, submission_id, signed_in_at=_signed_in_at(),
                                          fresh_minutes=current_app.config["FRESH_LOGIN_MINUTES"],
                                          sent_on=data.on)
    return jsonify(submission_json(submission))


@route("/submissions/<int:submission_id>/outcome", methods=["POST"], body=OutcomeIn, tags=("decisions",))
def record_outcome(user, submission_id: int, data: OutcomeIn):
    """Record the higher level's answer for one proposal (secretary, or the higher reviewer)."""
    services.record_outcome(db.session, user, submission_id, **data.model_dump())
    return jsonify(submission_json(services.get_submission(db.session, user, submission_id)))
