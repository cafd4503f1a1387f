"""The annual report of an authority: what it proposed to each higher level and what it awarded.

It counts what went through the workflow: a proposal under the level that decides its award type
(else the level it was forwarded to), an award under the authority that decided it. Withdrawn, rejected, not recommended and revoked ones do not
count; hand-entered past awards feed eligibility only.
"""

from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext as _
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session, aliased

from workflow.errors import NotFound
from workflow.org.models import Authority, Nominee
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
    # only the columns the counts need, never whole rows: a province's year is tens of thousands
    # of proposals, and each row's rule snapshot is a JSON document (EXPLAIN + profile, issue 12)
    deciding_level = Proposal.award_rule["deciding_level"].as_string()
    # demo-year fix (issue 11 item 5): an award type whose rule says ``in_annual_report = false``
    # (vn-2017's GĐVH and xóm văn hóa, reported by the commune as the movement's rates, §2.1.2 of
    # the reference, not among the results of §4) is left out; a snapshot without the key counts
    counted = Proposal.award_rule["in_annual_report"].as_boolean()
    holder = aliased(Authority)
    forwarded = session.execute(
        select(Proposal.id, Proposal.state, Proposal.award_type_code, Nominee.kind, deciding_level,
               Proposal.current_authority_id, holder.kind, ProposalTransition.data, counted)
        .join(Proposal, ProposalTransition.proposal_id == Proposal.id)
        .join(Round, Proposal.round_id == Round.id)
        .join(Nominee, Proposal.nominee_id == Nominee.id)
        .join(holder, Proposal.current_authority_id == holder.id)
        .where(ProposalTransition.authority_id == authority.id, ProposalTransition.event == "forward",
               Round.year == year, Proposal.state.not_in(NOT_COUNTED))
        .order_by(ProposalTransition.id)).all()
    proposed: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    seen = set()
    parent_kind = authority.parent.kind if authority.parent else None
    targets: dict[str, str | None] = {}
    for pid, _state, award, kind, deciding, current_id, current_kind, data, in_report in forwarded:
        if pid in seen or in_report is False:
            continue
        seen.add(pid)
        # the level that DECIDES the award type (the reference report's 4.1: a Bằng khen tỉnh is
        # "đề nghị cấp tỉnh" even when it went through the district); the rule snapshot says it
        if deciding:
            proposed[deciding][award][kind] += 1
            continue
        level = parent_kind or "unknown"
        code = (data or {}).get("to_authority") if isinstance(data, dict) else None
        if code:
            if code not in targets:
                targets[code] = session.scalar(select(Authority.kind).where(Authority.code == code))
            level = targets[code] or level
        if current_id != authority.id:
            # forwarded on in the system (district → province): it counts under the level that holds it
            level = current_kind
        proposed[level][award][kind] += 1
    decided = session.execute(
        select(Proposal.award_type_code, Nominee.kind, counted, func.count(distinct(Proposal.id)))
        .join(ProposalTransition, ProposalTransition.proposal_id == Proposal.id)
        .join(Round, Proposal.round_id == Round.id)
        .join(Nominee, Proposal.nominee_id == Nominee.id)
        .where(ProposalTransition.authority_id == authority.id, ProposalTransition.event == "decide",
               Round.year == year, Proposal.state == "awarded")
        .group_by(Proposal.award_type_code, Nominee.kind, counted)).all()
    awarded: dict = defaultdict(lambda: defaultdict(int))
    for award, kind, in_report, count in decided:
        if in_report is not False:
            awarded[award][kind] += count
    return {
        "authority": authority.code,
        "authority_name": authority.name,
        "year": year,
        "proposed_to": [{"level": level, "items": _rows(counter)} for level, counter in sorted(proposed.items())],
        "awarded_here": _rows(awarded),
    }
