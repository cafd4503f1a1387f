"""Who may see a proposal and fire which event. Out of scope → 404; in scope but not allowed → 403."""

from __future__ import annotations

from workflow.org.policies import can_administer, roles_at
from workflow.proposals.models import Proposal
from workflow.proposals.queries import is_visible

# the roles (at the proposal's current authority) that may fire each event; nominators are
# handled by unit below
EVENT_ROLES: dict[str, set[str]] = {
    "submit": {"secretary"},
    "resubmit": {"secretary"},
    "withdraw": set(),  # the unit's act (its nominators, below); a secretary rejects with a reason
    "return_for_changes": {"secretary"},
    "accept": {"secretary"},
    "reject": {"secretary", "chair"},
    "publish": {"secretary"},
    "close_notice": {"secretary"},
    "schedule": {"secretary"},
    "skip_council": {"secretary"},
    "pass": {"chair"},
    "fail": {"chair"},
    "decide": {"chair"},
    "forward": {"chair"},
    "record_outcome": {"secretary", "higher_reviewer"},  # the reviewer: a submission received in-system
    "revoke": {"chair"},
}
NOMINATOR_EVENTS = {"submit", "resubmit", "withdraw"}


def is_unit_nominator(user, proposal: Proposal) -> bool:
    return any(r.role == "nominator" and r.unit_id == proposal.unit_id for r in user.roles)


def can_view(session, user, proposal: Proposal) -> bool:
    """Whether ``user`` may read ``proposal`` (its attachments, history, documents follow it): the
    one scoping rule of ``queries.scope_clause``, asked for this row."""
    return is_visible(session, user, proposal.id)


def can_see_objector(session, user, proposal: Proposal) -> bool:
    """The objector's name and contact are for the screening secretary only: the secretary of the
    authority that currently screens the proposal, or an admin of its scope. Everyone else sees
    that an objection exists, its text and whether it is resolved."""
    return can_screen(user, proposal) or can_administer(session, user, proposal.current_authority)


def can_fire(user, proposal: Proposal, event: str) -> bool:
    """Role rule for ``event`` (the machine's guards decide whether the data allows it)."""
    if event in NOMINATOR_EVENTS and is_unit_nominator(user, proposal):
        return True
    roles = roles_at(user, proposal.current_authority_id)
    if event in ("resubmit", "withdraw"):
        roles |= roles_at(user, proposal.origin_authority_id)
    if event == "record_outcome" and proposal.current_authority.parent is not None:
        if "higher_reviewer" in roles_at(user, proposal.current_authority.parent_id):
            return True
    return bool(roles & EVENT_ROLES.get(event, set()))


def can_edit(user, proposal: Proposal) -> bool:
    """Draft or returned proposals, by their unit's nominator or the origin's secretary."""
    if proposal.state not in ("draft", "returned"):
        return False
    return is_unit_nominator(user, proposal) or "secretary" in roles_at(user, proposal.origin_authority_id)


def can_attach(user, proposal: Proposal) -> bool:
    if proposal.state in ("awarded", "rejected", "withdrawn", "revoked"):
        return False
    if is_unit_nominator(user, proposal):
        return proposal.state in ("draft", "returned", "submitted")
    return bool({"secretary"} & (roles_at(user, proposal.current_authority_id)
                                 | roles_at(user, proposal.origin_authority_id)))


def can_screen(user, proposal: Proposal) -> bool:
    """The current authority's secretary: paper receipts, objections' resolutions."""
    return "secretary" in roles_at(user, proposal.current_authority_id)


def can_create_round(user, authority_id: int) -> bool:
    return user.is_deployment_admin or bool({"secretary", "admin"} & roles_at(user, authority_id))


def can_propose(user, authority_id: int, unit_id: int) -> bool:
    if any(r.role == "nominator" and r.unit_id == unit_id for r in user.roles):
        return True
    return "secretary" in roles_at(user, authority_id)
