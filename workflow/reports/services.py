"""The annual report of an authority: what it proposed to each higher level and what it awarded
(SPEC §8; section 4 of the reference commune report, "Kết quả công tác khen thưởng năm …").

Counting rules — each is one clause of the queries below:

* **The year is the round's year** (``Round.year``), for both halves. The report of "năm 2023"
  counts the 2023 emulation year: its awards are often decided in the first weeks of 2024 (an LĐTT
  for 2023 signed in January 2024 belongs to the 2023 report), and a proposal still waiting upstairs
  has no decision year at all. The decision's own year only numbers the decision.
* **Proposed to a higher level** = a proposal this authority forwarded (a ``forward`` transition
  written at this authority), counted once however often it was sent, under the level that
  *decides its award type* (the rule snapshot's ``deciding_level``): a Bằng khen tỉnh sent through
  the district counts under "đề nghị cấp tỉnh", as the reference report's 4.1 does. Without a
  snapshot level it counts under the level that holds it now (the parent when it waits on paper).
  One sent back down to this authority for changes (it sits here again, ``recommended``) does not
  count until it is sent again.
* **Awarded here** = a proposal in ``awarded`` whose award this authority decided: its decision
  (``decide`` at this authority), its in-system answer to a submission (``record_outcome`` →
  awarded fired while the proposal sat at this authority), or — when the lower level recorded this
  authority's paper answer (``record_outcome`` from ``forwarded`` at a lower authority) — an award
  whose deciding level is this authority's kind, recorded in this authority's subtree.
  A paper outcome recorded at this authority is the higher level's award, never this one's.
* Withdrawn, rejected, not recommended (the council failed it) and revoked proposals do not count,
  in either half. Nor does an award type whose rule says ``in_annual_report = false`` (vn-2017's
  GĐVH and xóm văn hóa: the commune reports them as the movement's rates, "gia đình văn hóa đạt
  92,66%, xóm văn hóa đạt 100%" in §2.1.2 of the reference, not among the results of §4).
  Hand-entered past awards (``AwardRecord``) feed eligibility only: the report never reads that
  table.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, or_, select, text, union_all
from sqlalchemy.orm import Session, aliased

from workflow.catalog.models import AwardType
from workflow.catalog.services import rule_set_for
from workflow.errors import NotFound
from workflow.org.models import Authority, Nominee
from workflow.org.policies import subtree_cte, subtree_ids
from workflow.org.vocab import AuthorityKind, NomineeKind
from workflow.proposals.models import Proposal, ProposalTransition, Round
from workflow.proposals.vocab import Event, State
from workflow.reports import policies, triggers
from workflow.reports.models import ReportCount

NOT_COUNTED = (State.WITHDRAWN, State.REJECTED, State.NOT_RECOMMENDED, State.REVOKED)
KINDS = (NomineeKind.INDIVIDUAL, NomineeKind.COLLECTIVE, NomineeKind.HOUSEHOLD)
# highest first, as the report lists the levels it proposed to
LEVEL_ORDER = (AuthorityKind.CENTRAL, AuthorityKind.PROVINCE, AuthorityKind.DISTRICT, AuthorityKind.COMMUNE)


def readable_authority(session: Session, actor, authority_code: str) -> Authority:
    """The authority whose report ``actor`` may read, or 404 (as for an unknown code)."""
    authority = session.scalar(select(Authority).where(Authority.code == authority_code))
    if authority is None or not policies.can_read_report(session, actor, authority):
        raise NotFound(_("Unknown authority: %(code)s.", code=authority_code))
    return authority


def annual_report(session: Session, actor, authority_code: str, year: int, *, from_rows: bool = False) -> dict:
    """The annual report of ``authority_code`` for ``year`` (SPEC §8, §10). Readers: see
    ``policies.can_read_report``; anyone else gets 404, as for an unknown authority.

    ``proposed_to`` lists the levels with proposals, highest first; items follow the order of the
    catalogue in force at the year's end (the reference report's order: titles of individuals,
    commendations, household awards), each with the award's names, its kind and the total.

    The counts are read from ``report_count`` (kept by database triggers, ``reports.triggers``);
    ``from_rows`` counts the proposals and their history instead — the same figures (the tests
    and ``tdkt reports rebuild-counts --check`` hold them to it), at a cost that grows with them."""
    authority = readable_authority(session, actor, authority_code)
    if from_rows:
        proposed, awarded = _proposed_from_rows(session, authority, year), _awarded_from_rows(session, authority, year)
    else:
        proposed, awarded = _kept(session, authority, year)
    catalogue = _catalogue(session, authority, year, set(awarded) | {c for g in proposed.values() for c in g})
    levels = sorted(proposed, key=lambda lv: LEVEL_ORDER.index(lv) if lv in LEVEL_ORDER else len(LEVEL_ORDER))
    return {
        "authority": authority.code,
        "authority_name": authority.name,
        "authority_kind": authority.kind,
        "year": year,
        "proposed_to": [{"level": level, "items": _rows(proposed[level], catalogue)} for level in levels],
        "awarded_here": _rows(awarded, catalogue),
    }


def _counted():
    """Not an award type the report leaves out (``in_annual_report = false`` in its rule snapshot;
    a snapshot without the key counts). Added for the demo year (issue 11 item 5): without it the
    532 GĐVH households of Định Biên's 2023 would stand in section 4, which does not list them.
    Read from the column the database computes from the snapshot (an index holds it)."""
    return or_(Proposal.in_annual_report.is_(None), Proposal.in_annual_report.is_(True))


def _counter() -> dict:
    return defaultdict(lambda: defaultdict(int))


def _kept(session: Session, authority: Authority, year: int) -> tuple[dict[str, dict], dict]:
    """The two halves (as ``_proposed_from_rows``, ``_awarded_from_rows``) from the kept counts, in
    one statement that reads a few rows per award type: the authority's own proposed and awarded
    counts, and the paper answers of its level recorded in its subtree (the tree as it is now)."""
    c = ReportCount
    columns = (c.part, c.level, c.award_type_code, c.nominee_kind, c.proposals)
    kept = select(*columns).where(c.authority_id == authority.id, c.year == year, c.part.in_(("proposed", "awarded")))
    if authority.kind != AuthorityKind.COMMUNE:
        # each authority below: a look-up of the key's first columns (not a scan of every count)
        below = subtree_cte(authority.id)
        kept = union_all(kept, select(*columns).join(below, c.authority_id == below.c.id)
                         .where(below.c.id != authority.id, c.year == year, c.part == "paper",
                                c.level == authority.kind))
    kept = kept.subquery()
    total = func.sum(kept.c.proposals)
    rows = session.execute(
        select(kept.c.part, kept.c.level, kept.c.award_type_code, kept.c.nominee_kind, total)
        .group_by(kept.c.part, kept.c.level, kept.c.award_type_code, kept.c.nominee_kind)
        .having(total > 0)).all()
    parent_kind = authority.parent.kind if authority.parent else "unknown"
    proposed: dict[str, dict] = defaultdict(_counter)
    awarded = _counter()
    for part, level, award, kind, count in rows:
        if part == "proposed":
            proposed[level or parent_kind][award][kind] += count  # '': back at the authority that sent it
        else:
            awarded[award][kind] += count
    return proposed, awarded


def report_count_differences(session: Session) -> int:
    """How many keys of ``report_count`` differ from a count of the rows (``reports.triggers.ALL_ROWS``):
    0 while the triggers keep it exact."""
    c = ReportCount.__table__.c
    kept = {tuple(r[:6]): r[6] for r in session.execute(
        select(c.authority_id, c.year, c.part, c.level, c.award_type_code, c.nominee_kind, c.proposals)) if r[6]}
    counted = {tuple(r[:6]): r[6] for r in session.execute(text(triggers.ALL_ROWS))}  # the same columns, in KEY order
    return sum(1 for k in kept.keys() | counted.keys() if kept.get(k) != counted.get(k))


def rebuild_report_counts(session: Session) -> int:
    """Replace every kept count by the count of the rows (``reports.triggers.REBUILD``); returns how
    many keys differed before. On PostgreSQL the table is locked against the writers' triggers
    until the caller commits (they wait, then add their change to the rebuilt counts)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE report_count IN EXCLUSIVE MODE"))
    differed = report_count_differences(session)
    session.execute(delete(ReportCount))
    session.execute(text(triggers.REBUILD))
    return differed


def _proposed_from_rows(session: Session, authority: Authority, year: int) -> dict[str, dict]:
    """level → award code → nominee kind → count, grouped in SQL over the proposals and their history."""
    sent_from_here = (select(ProposalTransition.proposal_id)
                      .where(ProposalTransition.authority_id == authority.id, ProposalTransition.event == Event.FORWARD))
    deciding_level = Proposal.deciding_level
    holder = aliased(Authority)
    rows = session.execute(
        select(Proposal.award_type_code, Nominee.kind, deciding_level, holder.kind, Proposal.current_authority_id,
               Proposal.state, func.count(Proposal.id))
        .join(Round, Proposal.round_id == Round.id)
        .join(Nominee, Proposal.nominee_id == Nominee.id)
        .join(holder, Proposal.current_authority_id == holder.id)
        .where(Proposal.id.in_(sent_from_here), Round.year == year, Proposal.state.not_in(NOT_COUNTED),
               _counted())
        .group_by(Proposal.award_type_code, Nominee.kind, deciding_level, holder.kind,
                  Proposal.current_authority_id, Proposal.state)).all()
    parent_kind = authority.parent.kind if authority.parent else "unknown"
    out: dict[str, dict] = defaultdict(_counter)
    for award, kind, deciding, holder_kind, current_id, state, count in rows:
        here = current_id == authority.id
        if here and state not in (State.FORWARDED, State.AWARDED):
            continue  # sent back down for changes: proposed again when it is sent again
        level = deciding or (parent_kind if here else holder_kind)
        out[level][award][kind] += count
    return out


def _awarded_from_rows(session: Session, authority: Authority, year: int) -> dict:
    """award code → nominee kind → count of the awards this authority decided (see the module).

    Two counts added up, each a join its index answers alone (a province has 100,000s of rows): the
    steps into ``awarded`` fired here, and the paper answers of this level recorded below it. No
    step is both (one is at this authority, the other below it)."""
    step = ProposalTransition
    decided_here = and_(step.authority_id == authority.id,
                        or_(step.event == Event.DECIDE,
                            and_(step.event == Event.RECORD_OUTCOME, step.from_state != State.FORWARDED)))
    out = _counter()
    _count_awards(session, out, year, decided_here)
    below = sorted(subtree_ids(session, authority.id) - {authority.id}) if authority.kind != AuthorityKind.COMMUNE else []
    if below:
        # the paper answer of this level, recorded by the lower authority that sent the proposal
        paper_below = and_(step.event == Event.RECORD_OUTCOME, step.from_state == State.FORWARDED,
                           step.authority_id.in_(below), Proposal.deciding_level == authority.kind)
        _count_awards(session, out, year, paper_below)
    return out


def _count_awards(session: Session, out: dict, year: int, which_steps) -> None:
    """Add to ``out`` the awarded proposals of ``year`` with a step into ``awarded`` matching
    ``which_steps``, one per such step, by award code and nominee kind."""
    step = ProposalTransition
    rows = session.execute(
        select(Proposal.award_type_code, Nominee.kind, func.count(Proposal.id))
        .join(step, and_(step.proposal_id == Proposal.id, step.to_state == State.AWARDED))
        .join(Round, Proposal.round_id == Round.id)
        .join(Nominee, Proposal.nominee_id == Nominee.id)
        .where(which_steps, Round.year == year, Proposal.state == State.AWARDED, _counted())
        .group_by(Proposal.award_type_code, Nominee.kind)).all()
    for award, kind, count in rows:
        out[award][kind] += count


def _catalogue(session: Session, authority: Authority, year: int, codes: set[str]) -> dict[str, dict]:
    """code → {position, name, name_en, kind}: the rule set in force for ``authority`` at the end of
    ``year`` gives the order and the names; a code it lacks takes any loaded type's, after it."""
    out: dict[str, dict] = {}
    try:
        rule_set_id = rule_set_for(session, authority, date(year, 12, 31)).id
    except NotFound:
        types = []
    else:  # the four columns it shows, not every type's whole configuration
        types = session.execute(select(AwardType.code, AwardType.name_vi, AwardType.name_en, AwardType.kind)
                                .where(AwardType.rule_set_id == rule_set_id).order_by(AwardType.position)).all()
    for position, t in enumerate(types):
        out.setdefault(t.code, {"position": position, "name": t.name_vi, "name_en": t.name_en, "kind": t.kind})
    missing = codes - set(out)
    if missing:
        for t in session.scalars(select(AwardType).where(AwardType.code.in_(missing)).order_by(AwardType.id.desc())):
            out.setdefault(t.code, {"position": len(types), "name": t.name_vi, "name_en": t.name_en, "kind": t.kind})
    return out


def _rows(counter: dict, catalogue: dict) -> list[dict]:
    def key(code: str):
        return catalogue.get(code, {}).get("position", 10_000), code

    rows = []
    for code in sorted(counter, key=key):
        counts = {k: counter[code][k] for k in KINDS}
        info = catalogue.get(code, {})
        rows.append({"award_type": code, **counts, "total": sum(counts.values()),
                     "name": info.get("name", code), "name_en": info.get("name_en", code),
                     "kind": info.get("kind", "commendation")})
    return rows
