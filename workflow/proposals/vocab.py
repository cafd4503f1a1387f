"""The proposal life cycle's vocabulary: its states and events, each with its label (SPEC §4)."""

from __future__ import annotations

from flask_babel import lazy_pgettext

from workflow.vocab import LabelledEnum


class State(LabelledEnum):
    """Where a proposal (hồ sơ đề nghị) stands; ``proposal.state`` stores the value."""

    DRAFT = "draft", lazy_pgettext("state", "Draft")
    SUBMITTED = "submitted", lazy_pgettext("state", "Submitted")
    RETURNED = "returned", lazy_pgettext("state", "Returned for changes")
    UNDER_REVIEW = "under_review", lazy_pgettext("state", "Under review")
    PUBLIC_NOTICE = "public_notice", lazy_pgettext("state", "On public notice")
    IN_COUNCIL = "in_council", lazy_pgettext("state", "Awaiting the council")
    RECOMMENDED = "recommended", lazy_pgettext("state", "Recommended by the council")
    NOT_RECOMMENDED = "not_recommended", lazy_pgettext("state", "Not recommended by the council")
    FORWARDED = "forwarded", lazy_pgettext("state", "Submitted to the higher level")
    AWARDED = "awarded", lazy_pgettext("state", "Awarded")
    REJECTED = "rejected", lazy_pgettext("state", "Not awarded")
    WITHDRAWN = "withdrawn", lazy_pgettext("state", "Withdrawn")
    REVOKED = "revoked", lazy_pgettext("state", "Revoked")


class Event(LabelledEnum):
    """What moves a proposal; ``proposal_transition.event`` stores the value."""

    SUBMIT = "submit", lazy_pgettext("event", "Submit")
    RETURN_FOR_CHANGES = "return_for_changes", lazy_pgettext("event", "Return for changes")
    RESUBMIT = "resubmit", lazy_pgettext("event", "Resubmit")
    ACCEPT = "accept", lazy_pgettext("event", "Accept for review")
    REJECT = "reject", lazy_pgettext("event", "Reject")
    PUBLISH = "publish", lazy_pgettext("event", "Publish notice")
    CLOSE_NOTICE = "close_notice", lazy_pgettext("event", "Close the notice")
    SCHEDULE = "schedule", lazy_pgettext("event", "Put on the council agenda")
    PASS = "pass", lazy_pgettext("event", "Council passes")
    FAIL = "fail", lazy_pgettext("event", "Council does not pass")
    SKIP_COUNCIL = "skip_council", lazy_pgettext("event", "Recommend without a council vote")
    DECIDE = "decide", lazy_pgettext("event", "Decide (award)")
    FORWARD = "forward", lazy_pgettext("event", "Submit to the higher level")
    RECORD_OUTCOME = "record_outcome", lazy_pgettext("event", "Record the higher level's outcome")
    WITHDRAW = "withdraw", lazy_pgettext("event", "Withdraw")
    REVOKE = "revoke", lazy_pgettext("event", "Revoke")
