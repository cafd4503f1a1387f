"""Read-side selects for proposals, always scoped to what the user may see."""

from __future__ import annotations

from sqlalchemy import and_, false, func, or_, select, union_all
from sqlalchemy.orm import Session, joinedload, selectinload

from workflow.org.models import Authority, Nominee, Unit
from workflow.org.policies import scope_authority_ids, subtree_ids
from workflow.proposals.models import Proposal, ProposalTransition, Round

# roles that read the proposals of the authority they are held at (nominators read by unit)
READER_ROLES = {"secretary", "chair", "council_member", "higher_reviewer", "admin"}


def scope_clause(session: Session, user):
    """WHERE clause limiting proposals to what ``user`` may read; None for a deployment admin.

    The one scoping rule (``policies.can_view`` asks it for a single row, so lists and detail
    agree). A proposal is readable by
    - the nominators of its unit;
    - anyone holding a reader role at its origin or current authority;
    - at a higher authority (any reader role held there, a higher reviewer's or admin's included):
      only what was sent up to it — the proposal was handled there (a history row at that
      authority) or is in a sent submission addressed to it — or, once out of draft, what that
      authority is the deciding authority for (the award type's deciding level is its kind and the
      proposal comes from its subtree). A lower authority's drafts, never;
    - an admin of an authority: everything of its subtree (SPEC §2, "an admin reads everything in
      its scope") — the administrator answers for the data, the reviewers only for their work.
    """
    from workflow.catalog.models import AwardType
    from workflow.decisions.models import Submission, SubmissionItem

    if user.is_deployment_admin:
        return None
    ids = scope_authority_ids(session, user, READER_ROLES, subtree=False) or set()
    units = {r.unit_id for r in user.roles if r.role == "nominator" and r.unit_id}
    # one indexed select per way in, their union the readable ids: an OR over the whole table
    # would scan every proposal and every history row of the province (EXPLAIN ANALYZE: a
    # sequential scan of both, 30 ms at 100,000 proposals, growing with the table)
    branches = []
    if ids:
        branches += [select(Proposal.id).where(Proposal.current_authority_id.in_(ids)),
                     select(Proposal.id).where(Proposal.origin_authority_id.in_(ids)),
                     select(ProposalTransition.proposal_id).where(ProposalTransition.authority_id.in_(ids)),
                     select(SubmissionItem.proposal_id)
                     .join(Submission, Submission.id == SubmissionItem.submission_id)
                     .where(Submission.to_authority_id.in_(ids), Submission.status == "sent")]
        for authority in session.scalars(select(Authority).where(Authority.id.in_(ids))):
            below = subtree_ids(session, authority.id)
            if set(below) <= ids:  # a commune: what it decides comes from itself, read above already
                continue
            codes = select(AwardType.code).where(AwardType.deciding_level == authority.kind)
            branches.append(select(Proposal.id).where(Proposal.state != "draft", Proposal.award_type_code.in_(codes),
                                                      Proposal.origin_authority_id.in_(below)))
    admin_ids = scope_authority_ids(session, user, {"admin"}) or set()
    if admin_ids:
        branches += [select(Proposal.id).where(Proposal.origin_authority_id.in_(admin_ids)),
                     select(Proposal.id).where(Proposal.current_authority_id.in_(admin_ids))]
    if units:
        branches.append(select(Proposal.id).where(Proposal.unit_id.in_(units)))
    if not branches:
        return false()
    return Proposal.id.in_(union_all(*branches) if len(branches) > 1 else branches[0])


def is_visible(session: Session, user, proposal_id: int) -> bool:
    """Whether ``user`` may read this proposal (the same rule as the lists)."""
    clause = scope_clause(session, user)
    if clause is None:
        return True
    return session.scalar(select(Proposal.id).where(Proposal.id == proposal_id, clause)) is not None


def list_proposals(session: Session, user, *, state=None, year=None, award_type=None, unit=None,
                   authority=None, q=None, round_id=None, page: int = 1, per_page: int = 50,
                   with_history: bool = False):
    """(items, total) for the filters, newest first; ``with_history`` loads each row's history
    with the page (one more select, not one per row: the inbox's processing clocks read it)."""
    query = select(Proposal)
    clause = scope_clause(session, user)
    if clause is not None:
        query = query.where(clause)
    if state:
        query = query.where(Proposal.state.in_(state.split(",")))
    if year:
        query = query.where(Proposal.round_id.in_(select(Round.id).where(Round.year == int(year))))
    if round_id:
        query = query.where(Proposal.round_id == int(round_id))
    if award_type:
        query = query.where(Proposal.award_type_code == award_type)
    if unit:  # a code, or several (a nominator of more than one unit)
        codes = [unit] if isinstance(unit, str) else list(unit)
        query = query.where(Proposal.unit_id.in_(select(Unit.id).where(Unit.code.in_(codes))))
    if authority:
        query = query.where(Proposal.current_authority_id.in_(select(Authority.id).where(Authority.code == authority)))
    if q:
        like = f"%{q.strip()}%"
        query = query.where(Proposal.nominee_id.in_(select(Nominee.id).where(
            or_(Nominee.name.ilike(like), and_(Nominee.head_name.is_not(None), Nominee.head_name.ilike(like))))))
    # the page's ids and the total in one select (count(*) over the whole filtered set, before the
    # limit), then those rows with their nominee, unit, round and authorities in one more: joined
    # into the first, the planner would join the whole table before cutting the page
    order = (Proposal.updated_at.desc(), Proposal.id.desc())
    found = session.execute(query.with_only_columns(Proposal.id, func.count().over()).order_by(*order)
                            .limit(per_page).offset((page - 1) * per_page)).all()
    ids = [row[0] for row in found]
    if found:
        total = found[0][1]
    else:  # past the last page (or nothing at all): the count alone
        total = session.scalar(select(func.count()).select_from(query.with_only_columns(Proposal.id).subquery())) or 0
    items = list(session.scalars(
        select(Proposal).where(Proposal.id.in_(ids))
        .options(joinedload(Proposal.nominee), joinedload(Proposal.unit), joinedload(Proposal.round),
                 joinedload(Proposal.current_authority), joinedload(Proposal.origin_authority),
                 *([selectinload(Proposal.history)] if with_history else []))
        .order_by(*order))) if ids else []
    return items, total


def counts_by_state(session: Session, user) -> dict[str, int]:
    query = select(Proposal.state, func.count(Proposal.id)).group_by(Proposal.state)
    clause = scope_clause(session, user)
    if clause is not None:
        query = query.where(clause)
    return dict(session.execute(query).all())


def rounds_for(session: Session, user) -> list[Round]:
    ids = scope_authority_ids(session, user)
    query = select(Round).order_by(Round.year.desc(), Round.id.desc())
    if ids is not None:
        unit_authorities = {r.unit.authority_id for r in user.roles if r.role == "nominator" and r.unit}
        query = query.where(Round.authority_id.in_(ids | unit_authorities))
    return list(session.scalars(query))


def linked_proposals(session: Session, proposal: Proposal) -> list[Proposal]:
    """The proposal ``proposal`` re-proposes and those that re-propose it (a lower award after a
    failed vote), oldest first; the caller filters them by what its user may see."""
    clauses = [Proposal.linked_proposal_id == proposal.id]
    if proposal.linked_proposal_id is not None:
        clauses.append(Proposal.id == proposal.linked_proposal_id)
    return list(session.scalars(select(Proposal).where(or_(*clauses)).order_by(Proposal.id)))


def authority_names(session: Session, codes) -> dict[str, str]:
    """``{code: name}`` of the authorities named by code in history rows (a move up the tree)."""
    codes = {c for c in codes if isinstance(c, str)}
    if not codes:
        return {}
    return dict(session.execute(select(Authority.code, Authority.name).where(Authority.code.in_(codes))).all())


def rule_set_name(session: Session, code: str | None) -> str | None:
    """The title of a rule set (its period's law), for screens that would otherwise show the code."""
    if not code:
        return None
    from workflow.catalog.models import RuleSet

    return session.scalar(select(RuleSet.name).where(RuleSet.code == code)) or code
