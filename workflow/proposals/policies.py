"""Who may see a proposal and fire which event. Out of scope → 404; in scope but not allowed → 403."""

from __future__ import annotations

from workflow.org.policies import can_administer, roles_at
from workflow.org.vocab import Role
from workflow.proposals import states
from workflow.proposals.models import Proposal
from workflow.proposals.queries import is_visible
from workflow.proposals.vocab import Event, State

# the roles (at the proposal's current authority) that may fire each event; nominators are
# handled by unit below
EVENT_ROLES: dict[str, set[str]] = {
    Event.SUBMIT: {Role.SECRETARY},
    Event.RESUBMIT: {Role.SECRETARY},
    Event.WITHDRAW: set(),  # the unit's act (its nominators, below); a secretary rejects with a reason
    Event.RETURN_FOR_CHANGES: {Role.SECRETARY},
    Event.ACCEPT: {Role.SECRETARY},
    Event.REJECT: {Role.SECRETARY, Role.CHAIR},
    Event.PUBLISH: {Role.SECRETARY},
    Event.CLOSE_NOTICE: {Role.SECRETARY},
    Event.SCHEDULE: {Role.SECRETARY},
    Event.SKIP_COUNCIL: {Role.SECRETARY},
    Event.PASS: {Role.CHAIR},
    Event.FAIL: {Role.CHAIR},
    Event.DECIDE: {Role.CHAIR},
    Event.FORWARD: {Role.CHAIR},
    Event.RECORD_OUTCOME: {Role.SECRETARY, Role.HIGHER_REVIEWER},  # the reviewer: a submission received in-system
    Event.REVOKE: {Role.CHAIR},
}
NOMINATOR_EVENTS = {Event.SUBMIT, Event.RESUBMIT, Event.WITHDRAW}


def is_unit_nominator(user, proposal: Proposal) -> bool:
    return any(r.role == Role.NOMINATOR and r.unit_id == proposal.unit_id for r in user.roles)


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
    if event in (Event.RESUBMIT, Event.WITHDRAW):
        roles |= roles_at(user, proposal.origin_authority_id)
    # the parent's id, not the parent: a list asks this for every row, and the id is on the row
    parent_id = proposal.current_authority.parent_id
    if event == Event.RECORD_OUTCOME and parent_id is not None:
        if Role.HIGHER_REVIEWER in roles_at(user, parent_id):
            return True
    return bool(roles & EVENT_ROLES.get(event, set()))


def fireable_events(user, proposal: Proposal, memo: dict | None = None) -> list[str]:
    """The events ``user`` may fire on ``proposal`` now (the machine's from its state, less the
    internal ones, that the role rule allows). The answer depends only on the row's state, current
    and origin authorities and whether the user nominates for its unit (``can_fire`` reads nothing
    else of it: the parent it asks is the current authority's), so a list passes one ``memo`` for
    its page and asks each distinct combination once — a commune's page has a handful, not one per
    unit and state."""
    key = (proposal.state, is_unit_nominator(user, proposal), proposal.current_authority_id,
           proposal.origin_authority_id)
    if memo is not None and key in memo:
        return list(memo[key])
    events = [e for e in states.allowed_events(proposal.state)
              if e not in states.INTERNAL_EVENTS and can_fire(user, proposal, e)]
    if memo is not None:
        memo[key] = tuple(events)
    return events


def can_edit(user, proposal: Proposal) -> bool:
    """Draft or returned proposals, by their unit's nominator or the origin's secretary."""
    if proposal.state not in (State.DRAFT, State.RETURNED):
        return False
    return is_unit_nominator(user, proposal) or Role.SECRETARY in roles_at(user, proposal.origin_authority_id)


def can_attach(user, proposal: Proposal) -> bool:
    if proposal.state in (State.AWARDED, State.REJECTED, State.WITHDRAWN, State.REVOKED):
        return False
    if is_unit_nominator(user, proposal):
        return proposal.state in (State.DRAFT, State.RETURNED, State.SUBMITTED)
    return bool({Role.SECRETARY} & (roles_at(user, proposal.current_authority_id)
                                 | roles_at(user, proposal.origin_authority_id)))


def can_screen(user, proposal: Proposal) -> bool:
    """The current authority's secretary: paper receipts, objections' resolutions."""
    return Role.SECRETARY in roles_at(user, proposal.current_authority_id)


def can_create_round(user, authority_id: int) -> bool:
    return user.is_deployment_admin or bool({Role.SECRETARY, Role.ADMIN} & roles_at(user, authority_id))


def can_propose(user, authority_id: int, unit_id: int) -> bool:
    if any(r.role == Role.NOMINATOR and r.unit_id == unit_id for r in user.roles):
        return True
    return Role.SECRETARY in roles_at(user, authority_id)
