"""What each life-cycle event may carry in its ``data``: one typed, bounded model per event, with no
free keys. ``services.transition`` validates against it, so the API and the screens share it, and
the history row (which the proposal page renders for everyone) never stores a shape it cannot show.

The guards keep the rules that need the proposal (the rule's notice days, the outcome's required
fields); these models keep what the data itself may be.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workflow.catalog.schema import NOTICE_DAYS_MAX
from workflow.errors import Invalid
from workflow.proposals.vocab import Event
from workflow.validation import Count, Day, LongText, Text


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NoData(_Data):
    """The events that carry nothing (submit, accept, withdraw…)."""


class MissingItem(_Data):
    """One line of a return: a document type or a field, and what is missing."""

    doc_type: Text(60) | None = None
    field: Text(60) | None = None
    message: LongText(2000) = ""


class ReturnData(_Data):
    # ``missing_items`` is the older name of ``items``; the guard reads either
    items: list[MissingItem] | None = Field(default=None, max_length=100)
    missing_items: list[MissingItem] | None = Field(default=None, max_length=100)


class ReasonData(_Data):
    reason: LongText(5000) = ""


class PublishData(_Data):
    # the rule's own notice days are the floor (checked by the guard, which knows the rule)
    days: int | None = Field(default=None, ge=1, le=NOTICE_DAYS_MAX)


class OutcomeData(_Data):
    outcome: Literal["approved", "returned", "rejected"] | None = None  # missing: the guard says what it may be
    decision_number: Text(60) | None = None
    decision_date: Day | None = None
    reason: LongText(5000) | None = None


class VoteData(_Data):
    """``pass`` / ``fail``, written by a meeting's close: the counts of the item."""

    yes: Count | None = None
    no: Count | None = None
    denominator: Count | None = None


class ForwardData(_Data):
    """``forward``, written by sending a submission: its number."""

    submission_number: Text(40) | None = None


MODELS: dict[str, type[_Data]] = {
    Event.PASS: VoteData,
    Event.FAIL: VoteData,
    Event.FORWARD: ForwardData,
    Event.RETURN_FOR_CHANGES: ReturnData,
    Event.REJECT: ReasonData,
    Event.REVOKE: ReasonData,
    Event.PUBLISH: PublishData,
    Event.RECORD_OUTCOME: OutcomeData,
}
Comment = LongText(5000)


class _CommentModel(_Data):
    comment: Comment | None = None


def pick(event: str, values: dict) -> dict:
    """What a screen's form sends as the event's ``data``: of ``values`` (every field the form has,
    for every event), the ones the event's model takes, empty ones left out; dates as ISO text.
    ``validate`` (in ``transition``) then checks them, as it checks the API's."""
    fields = MODELS.get(event, NoData).model_fields
    return {name: value.isoformat() if isinstance(value, date) else value
            for name, value in values.items() if name in fields and value not in (None, "")}


def validate(event: str, data: dict | None, comment: str | None) -> dict:
    """``data`` checked against the event's model, as plain JSON values (dates as ISO strings,
    absent keys left out); 422 naming each bad field (``days``, ``items.0.message``…)."""
    if data is not None and not isinstance(data, dict):
        raise Invalid(_("The event's data must be an object."), details={"data": _("must be an object")})
    model = MODELS.get(event, NoData)
    try:
        _CommentModel.model_validate({"comment": comment})
        parsed = model.model_validate(data or {})
    except ValidationError as exc:
        details = {".".join(str(p) for p in err["loc"]) or "data": err["msg"] for err in exc.errors()}
        raise Invalid(_("Some fields are invalid: %(fields)s", fields=", ".join(details)), details=details) from exc
    return parsed.model_dump(mode="json", exclude_unset=True)
