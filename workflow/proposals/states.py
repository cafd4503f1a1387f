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
from workflow.proposals.snapshot import AwardRule
from workflow.proposals.vocab import Event, State

STATE_LABELS = State.labels()  # the labels live on the enums (proposals.vocab)

# an award without a council vote (GĐVH, Thôn văn hóa…: the hamlet's meeting reviews it) never
# reads "recommended by the council"
RECOMMENDED_WITHOUT_VOTE = lazy_pgettext("state", "Eligible, awaiting the decision")


def state_label(state: str, rule: AwardRule | None = None):
    """The label of ``state`` for a proposal of this award (its rule snapshot, when known)."""
    if state == State.RECOMMENDED and rule is not None and not rule.council_vote:
        return RECOMMENDED_WITHOUT_VOTE
    return STATE_LABELS[state]


EVENT_LABELS = Event.labels()

TERMINAL = {State.AWARDED, State.REJECTED, State.WITHDRAWN, State.REVOKED}
BEFORE_DECISION = [State.DRAFT, State.SUBMITTED, State.RETURNED, State.UNDER_REVIEW, State.PUBLIC_NOTICE,
                   State.RECOMMENDED, State.NOT_RECOMMENDED]
# events fired only by another service (a meeting's close, a decision, a submission, an outcome)
INTERNAL_EVENTS = {Event.SCHEDULE, Event.PASS, Event.FAIL, Event.DECIDE, Event.FORWARD}


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
ANSWERABLE = [State.SUBMITTED, State.UNDER_REVIEW, State.RECOMMENDED]

# (event, sources, dest, guard names). Order matters where one event has several destinations.
TRANSITIONS: list[tuple[Event, list[State], State, list[str]]] = [
    (Event.SUBMIT, [State.DRAFT], State.SUBMITTED, ["required_fields"]),
    (Event.RETURN_FOR_CHANGES, [State.SUBMITTED, State.UNDER_REVIEW], State.RETURNED, ["has_missing_items"]),
    (Event.RESUBMIT, [State.RETURNED], State.SUBMITTED, ["required_fields", "items_addressed"]),
    (Event.ACCEPT, [State.SUBMITTED], State.UNDER_REVIEW, ["hard_rules_pass"]),
    (Event.REJECT, [State.SUBMITTED, State.UNDER_REVIEW, State.PUBLIC_NOTICE, State.RECOMMENDED,
                    State.NOT_RECOMMENDED], State.REJECTED, ["has_reason"]),
    (Event.PUBLISH, [State.UNDER_REVIEW], State.PUBLIC_NOTICE, ["notice_period"]),
    (Event.CLOSE_NOTICE, [State.PUBLIC_NOTICE], State.UNDER_REVIEW, ["notice_over", "objections_resolved"]),
    (Event.SCHEDULE, [State.UNDER_REVIEW], State.IN_COUNCIL, ["needs_council", "notice_done",
                                                                    "hard_rules_pass", "via_meeting"]),
    (Event.PASS, [State.IN_COUNCIL], State.RECOMMENDED, ["via_meeting"]),
    (Event.FAIL, [State.IN_COUNCIL], State.NOT_RECOMMENDED, ["via_meeting"]),
    (Event.SKIP_COUNCIL, [State.UNDER_REVIEW], State.RECOMMENDED, ["no_council", "notice_done", "hard_rules_pass"]),
    (Event.DECIDE, [State.RECOMMENDED], State.AWARDED, ["via_decision", "within_power", "prerequisites_met"]),
    (Event.FORWARD, [State.RECOMMENDED], State.SUBMITTED, ["via_submission", "above_power",
                                                                   "prerequisites_met", "parent_in_system"]),
    (Event.FORWARD, [State.RECOMMENDED], State.FORWARDED, ["via_submission", "above_power", "prerequisites_met"]),
    (Event.RECORD_OUTCOME, [State.FORWARDED], State.AWARDED, ["outcome_approved"]),
    (Event.RECORD_OUTCOME, [State.FORWARDED], State.RECOMMENDED, ["outcome_returned"]),
    (Event.RECORD_OUTCOME, [State.FORWARDED], State.REJECTED, ["outcome_rejected"]),
    # in-system: the parent's reviewer answers a submission that reached it (the proposal sits at
    # the parent, not yet decided there); a return sends it back down, recommended again
    (Event.RECORD_OUTCOME, ANSWERABLE, State.AWARDED, ["answers_submission", "outcome_approved", "within_power"]),
    (Event.RECORD_OUTCOME, ANSWERABLE, State.RECOMMENDED, ["answers_submission", "outcome_returned"]),
    (Event.RECORD_OUTCOME, ANSWERABLE, State.REJECTED, ["answers_submission", "outcome_rejected"]),
    (Event.WITHDRAW, BEFORE_DECISION, State.WITHDRAWN, []),
    (Event.REVOKE, [State.AWARDED], State.REVOKED, ["has_reason"]),
]

EVENTS = tuple(dict.fromkeys(t[0] for t in TRANSITIONS))

_ALLOWED = {state: tuple(e for e in EVENTS if any(state in sources for ev, sources, _d, _g in TRANSITIONS if ev == e))
            for state in State}


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
