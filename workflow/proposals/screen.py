"""What the proposal pages share: labels and colours of states, checks and kinds, date filters,
award-type names, and how a refused action reads. No writes; the only query is the rule set in force
(for names of proposals not yet accepted)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from workflow.dates import show_date, show_moment
from workflow.errors import DomainError
from workflow.locales import award_name
from workflow.org.vocab import NomineeKind
from workflow.proposals import choices
from workflow.proposals.states import EVENT_LABELS, STATE_LABELS, state_label
from workflow.proposals.vocab import State

OTHER_DOCUMENT = "other"

STATE_STYLE = {
    State.DRAFT: "secondary", State.SUBMITTED: "primary", State.RETURNED: "warning", State.UNDER_REVIEW: "info",
    State.PUBLIC_NOTICE: "notice", State.IN_COUNCIL: "primary", State.RECOMMENDED: "success", State.NOT_RECOMMENDED: "secondary",
    State.FORWARDED: "primary", State.AWARDED: "success", State.REJECTED: "danger", State.WITHDRAWN: "secondary",
    State.REVOKED: "danger",
}
CHECK_STYLE = {"pass": "success", "fail": "danger", "pending": "info", "warning": "warning"}
CHECK_LABELS = {"pass": _l("Passes"), "fail": _l("Fails"), "pending": _l("Pending"), "warning": _l("Warning")}
RULE_LABELS = {
    "award_type": _l("Award type"),
    "nominee_kind": _l("Nominee kind"),
    "prerequisite": _l("Prerequisite"),
    "cap": _l("Ratio cap"),
    "evidence": _l("Hamlet meeting and notice"),
    "document": _l("Document"),
    "review_deadline": _l("Review deadline"),
}
KIND_LABELS = {NomineeKind.INDIVIDUAL: _l("Individual"), NomineeKind.COLLECTIVE: _l("Collective"), NomineeKind.HOUSEHOLD: _l("Household")}
# the history shows the machine's events and the recorded acts beside them
HISTORY_LABELS = {**EVENT_LABELS, "apply_rule_set": _l("Apply the newer rule set")}
ROUND_KIND_LABELS = {"annual": _l("Annual"), "campaign": _l("Campaign"), "ad_hoc": _l("Ad hoc")}
FIELD_LABELS = {"achievements": _l("Achievements"), "evidence": _l("Meeting and notice (evidence)")}


def nominee_kind_choices() -> list[tuple[str, str]]:
    return [(kind, str(label)) for kind, label in KIND_LABELS.items()]


def kind_names() -> dict[str, str]:
    """``{nominee kind: its name}`` translated once (a list names the kind on every row)."""
    return {kind: str(label) for kind, label in KIND_LABELS.items()}


def event_label(event: str) -> str:
    return str(EVENT_LABELS.get(event, event))


# detail keys that carry codes or placeholders for API clients, not sentences for people
MACHINE_DETAILS = {"state", "version", "event", "allowed", "award_type_code", "authority", "notice", "notice_until",
                   "objections", "items", "days", "outcome", "decision_number", "decision_date", "reason"}


def error_text(exc: DomainError) -> str:
    """The service's message, followed by the reasons it listed that the message does not already say."""
    extra = []
    for key, value in (exc.details or {}).items():
        if key in MACHINE_DETAILS or key.startswith("items.") or not isinstance(value, str):
            continue
        if value.strip() and value not in exc.message and value not in extra:
            extra.append(value)
    if exc.code == "conflict" and (exc.details or {}).get("state") in STATE_LABELS:
        # a stale page or a second click: say where the proposal stands now
        extra.append(_("The proposal is now “%(state)s”.", state=state_label(exc.details["state"])))
    return " ".join([exc.message, *extra])


def award_names(session: Session, proposals, in_force: dict[int, dict] | None = None) -> dict[int, str]:
    """``{proposal id: award-type name}``: the accepted snapshot's name, else the rule set in force
    at the proposal's authority (looked up once per authority; pass ``in_force``, a dict kept
    between calls, to look it up once for several chunks of one export)."""
    in_force = {} if in_force is None else in_force
    names = {}
    for proposal in proposals:
        rule = proposal.rule if proposal.rule_set_code else None
        if rule is None:
            if proposal.current_authority_id not in in_force:
                in_force[proposal.current_authority_id] = choices.rules_in_force(session, proposal.current_authority)
            rule = in_force[proposal.current_authority_id].get(proposal.award_type_code)
        names[proposal.id] = award_name(rule, proposal.award_type_code)
    return names


def screen_globals() -> dict:
    """Template context of the proposal and public-notice pages."""
    return {"STATE_LABELS": STATE_LABELS, "state_label": state_label, "EVENT_LABELS": HISTORY_LABELS,
            "STATE_STYLE": STATE_STYLE,
            "CHECK_STYLE": CHECK_STYLE, "CHECK_LABELS": CHECK_LABELS, "RULE_LABELS": RULE_LABELS,
            "KIND_LABELS": KIND_LABELS, "ROUND_KIND_LABELS": ROUND_KIND_LABELS, "FIELD_LABELS": FIELD_LABELS,
            "vn_date": show_date, "vn_iso_date": show_date, "vn_datetime": show_moment}
