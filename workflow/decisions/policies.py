"""Who drafts, signs and sees decisions and submissions."""

from __future__ import annotations

from workflow.org.policies import is_chair, is_secretary, roles_at  # noqa: F401 (re-exported)
from workflow.org.vocab import Role
from workflow.proposals.vocab import State


def can_view_authority(user, authority_id: int) -> bool:
    if user.is_deployment_admin:
        return True
    return bool(roles_at(user, authority_id) & {Role.SECRETARY, Role.CHAIR, Role.COUNCIL_MEMBER, Role.HIGHER_REVIEWER, Role.ADMIN})


ANSWERING_ROLES = {Role.HIGHER_REVIEWER, Role.SECRETARY}
IN_SYSTEM_ANSWERABLE = (State.SUBMITTED, State.UNDER_REVIEW, State.RECOMMENDED)


def is_sender(user, submission) -> bool:
    return bool(roles_at(user, submission.from_authority_id) & {Role.SECRETARY, Role.CHAIR})


def is_receiver(user, submission) -> bool:
    """The receiving authority's reviewer or secretary: they answer a submission sent in-system."""
    return submission.status == "sent" and bool(roles_at(user, submission.to_authority_id) & ANSWERING_ROLES)


def answerable_items(user, submission) -> set[int]:
    """Proposal ids of ``submission`` that ``user`` may answer now: in-system, those waiting at the
    receiving authority (its reviewer or secretary); on paper, those ``forwarded`` and waiting at
    the sender (its secretary records the answer)."""
    if submission.status != "sent":
        return set()
    receiver = is_receiver(user, submission)
    paper = is_secretary(user, submission.from_authority_id)
    ids = set()
    for item in submission.items:
        p = item.proposal
        if item.outcome is not None:
            continue
        if receiver and p.current_authority_id == submission.to_authority_id and p.state in IN_SYSTEM_ANSWERABLE:
            ids.add(p.id)
        elif paper and p.current_authority_id == submission.from_authority_id and p.state == State.FORWARDED:
            ids.add(p.id)
    return ids
