"""Read-side selects for the decision and submission screens."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workflow.decisions.models import Decision, DecisionItem, Submission, SubmissionItem
from workflow.decisions.services import power
from workflow.org.vocab import Role
from workflow.proposals.models import Proposal
from workflow.proposals.vocab import State


def authorities_where(actor, role: str) -> list:
    """The authorities where ``actor`` holds ``role`` (in the order the roles were granted)."""
    seen, out = set(), []
    for r in actor.roles:
        if r.role == role and r.authority is not None and r.authority_id not in seen:
            seen.add(r.authority_id)
            out.append(r.authority)
    return out


def awaiting_signature(session: Session, actor) -> tuple[list[Decision], list[Submission]]:
    """Draft decisions and draft submissions of the authorities the actor chairs."""
    ids = [a.id for a in authorities_where(actor, Role.CHAIR)]
    if not ids:
        return [], []
    decisions = session.scalars(select(Decision).where(Decision.authority_id.in_(ids), Decision.status == "draft")
                                .order_by(Decision.id)).all()
    submissions = session.scalars(select(Submission).where(Submission.from_authority_id.in_(ids),
                                                           Submission.status == "draft")
                                  .order_by(Submission.id)).all()
    return list(decisions), list(submissions)


def recommended(session: Session, authority_id: int, wanted_power: str) -> list[Proposal]:
    """Recommended proposals at the authority, ``within`` or ``above`` its power, not yet in a draft
    decision or a draft submission."""
    in_decision = select(DecisionItem.proposal_id)
    in_draft_submission = select(SubmissionItem.proposal_id).join(Submission).where(Submission.status == "draft")
    rows = session.scalars(select(Proposal).where(
        Proposal.current_authority_id == authority_id, Proposal.state == State.RECOMMENDED,
        Proposal.id.not_in(in_decision), Proposal.id.not_in(in_draft_submission)).order_by(Proposal.id)).all()
    return [p for p in rows if power(session, p) == wanted_power]


def decisions_query(authority_ids: list[int], *, status: str | None = None, year: int | None = None,
                    award_type: str | None = None):
    """The select of the decisions of ``authority_ids``, newest first (the screen pages it)."""
    query = select(Decision).options(selectinload(Decision.items)).where(
        Decision.authority_id.in_(authority_ids)).order_by(Decision.id.desc())
    if status:
        query = query.where(Decision.status == status)
    if year:
        query = query.where(Decision.year == year)
    if award_type:
        query = query.where(Decision.award_type_code == award_type)
    return query


def decisions_of(session: Session, authority_ids: list[int]) -> list[Decision]:
    if not authority_ids:
        return []
    return list(session.scalars(decisions_query(authority_ids)))
