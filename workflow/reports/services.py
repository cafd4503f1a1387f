"""The annual report of an authority: what it proposed to each higher level and what it awarded.

It counts what went through the workflow: a proposal under the level that decides its award type
(else the level it was forwarded to), an award under the authority that decided it. Withdrawn, rejected, not recommended and revoked ones do not
count; hand-entered past awards feed eligibility only.
"""

from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workflow.errors import NotFound
from workflow.org.models import Authority
from workflow.proposals.models import Proposal, ProposalTransition, Round
from workflow.reports import policies

NOT_COUNTED = {"withdrawn", "rejected", "not_recommended", "revoked"}
KINDS = ("individual", "collective", "household")


def _rows(counter: dict) -> list[dict]:
    return [{"award_type": code, **{k: counter[code][k] for k in KINDS}} for code in sorted(counter)]


def annual_report(session: Session, actor, authority_code: str, year: int) -> dict:
    """The annual report of ``authority_code`` for ``year`` (SPEC §8). Readers: see
    ``policies.can_read_report``; anyone else gets 404, as for an unknown authority."""
    authority = session.scalar(select(Authority).where(Authority.code == authority_code))
    if authority is None or not policies.can_read_report(session, actor, authority):
        raise NotFound(_("Unknown authority: %(code)s.", code=authority_code))
    forwarded = session.execute(
        select(ProposalTransition, Proposal).join(Proposal, ProposalTransition.proposal_id == Proposal.id)
        .join(Round, Proposal.round_id == Round.id)
        .where(ProposalTransition.authority_id == authority.id, ProposalTransition.event == "forward",
               Round.year == year).options(selectinload(Proposal.nominee))).all()
    proposed: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    seen = set()
    parent_kind = authority.parent.kind if authority.parent else None
    for transition, proposal in forwarded:
        if proposal.state in NOT_COUNTED or proposal.id in seen:
            continue
        seen.add(proposal.id)
        # the level that DECIDES the award type (the reference report's 4.1: a Bằng khen tỉnh is
        # "đề nghị cấp tỉnh" even when it went through the district); the rule snapshot says it
        deciding = (proposal.award_rule or {}).get("deciding_level")
        if deciding:
            proposed[deciding][proposal.award_type_code][proposal.nominee.kind] += 1
            continue
        level = parent_kind or "unknown"
        if transition.data.get("to_authority"):
            target = session.scalar(select(Authority).where(Authority.code == transition.data["to_authority"]))
            level = target.kind if target else level
        if proposal.current_authority_id != authority.id:
            # forwarded on in the system (district → province): it counts under the level that holds it
            level = proposal.current_authority.kind
        proposed[level][proposal.award_type_code][proposal.nominee.kind] += 1
    decided = session.execute(
        select(ProposalTransition, Proposal).join(Proposal, ProposalTransition.proposal_id == Proposal.id)
        .join(Round, Proposal.round_id == Round.id)
        .where(ProposalTransition.authority_id == authority.id, ProposalTransition.event == "decide",
               Round.year == year).options(selectinload(Proposal.nominee))).all()
    awarded: dict = defaultdict(lambda: defaultdict(int))
    for _transition, proposal in decided:
        if proposal.state == "awarded":
            awarded[proposal.award_type_code][proposal.nominee.kind] += 1
    return {
        "authority": authority.code,
        "authority_name": authority.name,
        "year": year,
        "proposed_to": [{"level": level, "items": _rows(counter)} for level, counter in sorted(proposed.items())],
        "awarded_here": _rows(awarded),
    }
