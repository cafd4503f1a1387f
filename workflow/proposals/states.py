"""The proposal life cycle (SPEC §4): states, events, their labels and the table of transitions.

The table names the *data* guards (conditions, in ``proposals.guards``); who may fire an event is
a policy (``proposals.policies``). ``proposals.machine`` builds the one module-level
``transitions`` machine from this table, and ``services.transition`` is the only code that fires
it. Guards raise ``GuardFailed`` with the reason, so a refused event says why. This module runs no
query and imports neither guards nor machine: the labels and the table are read everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_pgettext

from workflow.errors import Invalid
from workflow.proposals.models import STATES

STATE_LABELS = {
    "draft": lazy_pgettext("state", "Draft"),
    "submitted": lazy_pgettext("state", "Submitted"),
    "returned": lazy_pgettext("state", "Returned for changes"),
    "under_review": lazy_pgettext("state", "Under review"),
    "public_notice": lazy_pgettext("state", "On public notice"),
    "in_council": lazy_pgettext("state", "Awaiting the council"),
    "recommended": lazy_pgettext("state", "Recommended by the council"),
    "not_recommended": lazy_pgettext("state", "Not recommended by the council"),
    "forwarded": lazy_pgettext("state", "Submitted to the higher level"),
    "awarded": lazy_pgettext("state", "Awarded"),
    "rejected": lazy_pgettext("state", "Not awarded"),
    "withdrawn": lazy_pgettext("state", "Withdrawn"),
    "revoked": lazy_pgettext("state", "Revoked"),
}

# an award without a council vote (GĐVH, Thôn văn hóa…: the hamlet's meeting reviews it) never
# reads "recommended by the council"
RECOMMENDED_WITHOUT_VOTE = lazy_pgettext("state", "Eligible, awaiting the decision")


def state_label(state: str, award_rule: dict | None = None):
    """The label of ``state`` for a proposal of this award (its rule snapshot, when known)."""
    if state == "recommended" and award_rule is not None and not award_rule.get("council_vote", True):
        return RECOMMENDED_WITHOUT_VOTE
    return STATE_LABELS[state]


EVENT_LABELS = {
    "submit": lazy_pgettext("event", "Submit"),
    "return_for_changes": lazy_pgettext("event", "Return for changes"),
    "resubmit": lazy_pgettext("event", "Resubmit"),
    "accept": lazy_pgettext("event", "Accept for review"),
    "reject": lazy_pgettext("event", "Reject"),
    "publish": lazy_pgettext("event", "Publish notice"),
    "close_notice": lazy_pgettext("event", "Close the notice"),
    "schedule": lazy_pgettext("event", "Put on the council agenda"),
    "pass": lazy_pgettext("event", "Council passes"),
    "fail": lazy_pgettext("event", "Council does not pass"),
    "skip_council": lazy_pgettext("event", "Recommend without a council vote"),
    "decide": lazy_pgettext("event", "Decide (award)"),
    "forward": lazy_pgettext("event", "Submit to the higher level"),
    "record_outcome": lazy_pgettext("event", "Record the higher level's outcome"),
    "withdraw": lazy_pgettext("event", "Withdraw"),
    "revoke": lazy_pgettext("event", "Revoke"),
}

TERMINAL = {"awarded", "rejected", "withdrawn", "revoked"}
BEFORE_DECISION = ["draft", "submitted", "returned", "under_review", "public_notice", "recommended",
                   "not_recommended"]
# events fired only by another service (a meeting's close, a decision, a submission, an outcome)
INTERNAL_EVENTS = {"schedule", "pass", "fail", "decide", "forward"}


class GuardFailed(Invalid):
    """A data guard refused the event; ``details`` says which rule."""

    code = "guard_failed"


@dataclass
class Context:
    """What the guards see: the proposal (fresh), the actor, the event's data, helpers."""

    proposal: object
    actor: object
    data: dict
    internal: dict
    checks: object  # proposals.eligibility facade bound to the session
    state: str = ""
    updates: dict = field(default_factory=dict)


# where the parent may answer a submission in-system: received, under its review, or recommended by
# its own council, but not on its council's agenda nor decided
ANSWERABLE = ["submitted", "under_review", "recommended"]

# (event, sources, dest, guard names). Order matters where one event has several destinations.
TRANSITIONS: list[tuple[str, list[str], str, list[str]]] = [
    ("submit", ["draft"], "submitted", ["required_fields"]),
    ("return_for_changes", ["submitted", "under_review"], "returned", ["has_missing_items"]),
    ("resubmit", ["returned"], "submitted", ["required_fields", "items_addressed"]),
    ("accept", ["submitted"], "under_review", ["hard_rules_pass"]),
    ("reject", ["submitted", "under_review", "public_notice", "recommended", "not_recommended"], "rejected",
     ["has_reason"]),
    ("publish", ["under_review"], "public_notice", ["notice_period"]),
    ("close_notice", ["public_notice"], "under_review", ["notice_over", "objections_resolved"]),
    ("schedule", ["under_review"], "in_council", ["needs_council", "notice_done", "hard_rules_pass",
                                                  "via_meeting"]),
    ("pass", ["in_council"], "recommended", ["via_meeting"]),
    ("fail", ["in_council"], "not_recommended", ["via_meeting"]),
    ("skip_council", ["under_review"], "recommended", ["no_council", "notice_done", "hard_rules_pass"]),
    ("decide", ["recommended"], "awarded", ["via_decision", "within_power", "prerequisites_met"]),
    ("forward", ["recommended"], "submitted", ["via_submission", "above_power", "prerequisites_met",
                                               "parent_in_system"]),
    ("forward", ["recommended"], "forwarded", ["via_submission", "above_power", "prerequisites_met"]),
    ("record_outcome", ["forwarded"], "awarded", ["outcome_approved"]),
    ("record_outcome", ["forwarded"], "recommended", ["outcome_returned"]),
    ("record_outcome", ["forwarded"], "rejected", ["outcome_rejected"]),
    # in-system: the parent's reviewer answers a submission that reached it (the proposal sits at
    # the parent, not yet decided there); a return sends it back down, recommended again
    ("record_outcome", ANSWERABLE, "awarded", ["answers_submission", "outcome_approved", "within_power"]),
    ("record_outcome", ANSWERABLE, "recommended", ["answers_submission", "outcome_returned"]),
    ("record_outcome", ANSWERABLE, "rejected", ["answers_submission", "outcome_rejected"]),
    ("withdraw", BEFORE_DECISION, "withdrawn", []),
    ("revoke", ["awarded"], "revoked", ["has_reason"]),
]

EVENTS = tuple(dict.fromkeys(t[0] for t in TRANSITIONS))

_ALLOWED = {state: tuple(e for e in EVENTS if any(state in sources for ev, sources, _d, _g in TRANSITIONS if ev == e))
            for state in STATES}


def allowed_events(state: str) -> list[str]:
    """Events the machine accepts from ``state`` (before guards and policies); worked out once
    per state, since every row of a list asks."""
    return list(_ALLOWED.get(state, ()))


def mermaid() -> str:
    """The machine as a Mermaid state diagram (the README's copy is checked against this)."""
    lines = ["stateDiagram-v2", "    [*] --> draft"]
    seen = set()
    for event, sources, dest, _guards in TRANSITIONS:
        for source in sources:
            if (source, dest, event) not in seen:
                seen.add((source, dest, event))
                lines.append(f"    {source} --> {dest}: {event}")
    for state in sorted(TERMINAL):
        lines.append(f"    {state} --> [*]")
    return "\n".join(lines)
