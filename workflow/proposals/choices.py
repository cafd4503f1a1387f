"""Read-side helpers for the proposal screens: what a form may offer (nominees of a unit, the award
types a nominee kind may receive, document types) and how a proposal's data reads on a page.

Nothing here writes; every query is scoped by the same policies the services apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow import vntime
from workflow.catalog.services import rule_set_for
from workflow.folding import name_matches
from workflow.locales import is_english
from workflow.org.models import Authority, Nominee, Unit
from workflow.org.vocab import AuthorityKind, NomineeKind
from workflow.proposals import eligibility, policies
from workflow.proposals.models import Proposal
from workflow.proposals.vocab import Event, State

NOMINEE_PAGE = 30  # nominees listed at once in the create form; a search narrows the rest


def rules_in_force(session: Session, authority: Authority, on: date | None = None) -> dict[str, dict]:
    """``{code: award-type snapshot}`` of the rule set governing ``authority`` on ``on``."""
    rule_set = rule_set_for(session, authority, on or vntime.today())
    return {t.code: eligibility.snapshot(t, rule_set) for t in rule_set.award_types}


def rule_of(proposal: Proposal, in_force: dict[str, dict]) -> dict | None:
    """The rule governing ``proposal``: its snapshot once accepted, else the one in force."""
    if proposal.rule_set_code and proposal.award_rule:  # the JSON itself: no need to type it here
        return proposal.award_rule
    return in_force.get(proposal.award_type_code)


def award_types_for_kind(in_force: dict[str, dict], kind: str | None) -> list[dict]:
    """The award types a nominee of ``kind`` may receive, in the rule set's order."""
    return [rule for rule in in_force.values() if kind in rule["nominee_kinds"]]


LEVELS = (AuthorityKind.COMMUNE, AuthorityKind.DISTRICT, AuthorityKind.PROVINCE, AuthorityKind.CENTRAL)  # lowest first, as the authority tree


def award_rank(rule: dict, kind: str) -> tuple[int, float]:
    """How high an award stands for a nominee of ``kind``: the level that decides it, then its cash
    coefficient (the law's own measure of an award's weight)."""
    level = rule.get("deciding_level")
    return (LEVELS.index(level) if level in LEVELS else 0,
            float((rule.get("cash_coefficient") or {}).get(kind, 0)))


def lower_award_types(in_force: dict[str, dict], rule: dict, kind: str) -> list[dict]:
    """The awards a not-recommended proposal may be re-proposed for (SPEC §4): those a nominee of
    ``kind`` may receive that rank below ``rule``, or that ``rule`` itself requires as a
    prerequisite (LĐTT below CSTĐCS), in the rule set's order. An award whose weight the rules do
    not state (no cash coefficient for ``kind``, e.g. a thematic award) is not called lower."""
    required = {code for pre in rule.get("prerequisites") or [] for code in pre.get("award", [])}
    rank = award_rank(rule, kind)
    return [other for other in award_types_for_kind(in_force, kind)
            if other["code"] != rule.get("code")
            and (other["code"] in required
                 or (kind in (other.get("cash_coefficient") or {}) and award_rank(other, kind) < rank))]


@dataclass
class NomineePage:
    items: list[Nominee]
    total: int


def nominees_of_unit(session: Session, actor, unit: Unit, kind: str, q: str | None = None,
                     limit: int = NOMINEE_PAGE) -> NomineePage:
    """Nominees of ``kind`` belonging to ``unit`` whose name (or household head) contains ``q``
    (accents and case aside); the first ``limit`` of them, and how many there are in all.
    Empty when ``actor`` may not propose for the unit."""
    if not policies.can_propose(actor, unit.authority_id, unit.id):
        return NomineePage([], 0)
    query = select(Nominee).where(Nominee.unit_id == unit.id, Nominee.kind == kind,
                                  Nominee.authority_id == unit.authority_id)
    if q and q.strip():  # the name or household head, with or without diacritics
        query = query.where(name_matches(Nominee.name_folded, q))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = list(session.scalars(query.order_by(Nominee.name, Nominee.id).limit(limit)))
    return NomineePage(items, total)


def document_types(rule: dict | None) -> list[tuple[str, str]]:
    """``(code, name)`` of the award type's required documents, in the current language."""
    english = is_english()
    return [(doc["code"], doc["name_en"] if english else doc["name_vi"])
            for doc in (rule or {}).get("required_documents", [])]


def last_returned_at(proposal: Proposal):
    """When the proposal was last returned (from its loaded history), or None."""
    times = [row.created_at for row in proposal.history if row.to_state == State.RETURNED]
    return max(times) if times else None


def return_checklist(proposal: Proposal) -> list[dict]:
    """The open return's items, each marked ``addressed`` the way ``resubmit`` will judge it: a
    document uploaded since the return (or its paper copy received), a field edited since."""
    returned_at = last_returned_at(proposal)
    uploaded = {a.doc_type for a in proposal.attachments if returned_at is None or a.created_at >= returned_at}
    received = {r.doc_type for r in proposal.paper_receipts}
    changed = set(proposal.fields_changed or [])
    checklist = []
    for item in proposal.missing_items or []:
        if item.get("doc_type"):
            addressed = item["doc_type"] in uploaded | received
        else:
            addressed = item.get("field") in changed
        checklist.append({**item, "addressed": addressed})
    return checklist


def available_events(actor, proposal: Proposal, rule: dict | None = None) -> list[str]:
    """The events ``actor`` may fire on ``proposal`` now, from a screen: the machine allows them from
    this state, the role allows them, and no other service fires them (meetings, decisions…).
    With the governing ``rule``: ``skip_council`` only for an award type without a council vote."""
    events = policies.fireable_events(actor, proposal)
    if rule is not None and rule.get("council_vote"):
        events = [event for event in events if event != Event.SKIP_COUNCIL]
    return events


# the events a failing hard rule blocks (their guards read the eligibility report)
RULE_BLOCKED_EVENTS = {Event.ACCEPT, Event.SCHEDULE, Event.SKIP_COUNCIL, Event.DECIDE, Event.FORWARD}


def blocked_events(events: list[str], report: dict) -> dict[str, list[str]]:
    """``{event: [reason, …]}`` for the offered events a failing hard rule blocks: the screen shows
    their button disabled with the reasons instead of a button that can only be refused."""
    reasons = [c["message"] for c in report.get("checks", []) if c["status"] == "fail" and c.get("hard", True)]
    if not reasons:
        return {}
    return {event: reasons for event in events if event in RULE_BLOCKED_EVENTS}


# --- bulk nomination ------------------------------------------------------------------------------

def bulk_kind(unit: Unit) -> str:
    """Whom a unit proposes in bulk: a hamlet its households, any other unit its staff."""
    return NomineeKind.HOUSEHOLD if unit.kind == "hamlet" else NomineeKind.INDIVIDUAL


BULK_DEFAULT_AWARD = {NomineeKind.HOUSEHOLD: "GDVH", NomineeKind.INDIVIDUAL: "LDTT"}


@dataclass
class Candidate:
    """One row of a bulk nomination screen: the nominee, whether it is pre-ticked, and why not."""

    nominee: Nominee
    eligible: bool
    reasons: list[str]
    proposal_id: int | None = None  # the proposal of this round and award it already has


def bulk_candidates(session: Session, actor, round_, unit: Unit, rule: dict) -> list[Candidate]:
    """Every nominee of the unit the award may go to (households of a hamlet, staff of a unit), in
    name order, each judged by the eligibility engine's nominee-level checks and by whether it is
    already proposed for this award in this round (what the create would refuse). Empty when
    ``actor`` may not propose for the unit."""
    if not policies.can_propose(actor, unit.authority_id, unit.id):
        return []
    nominees = list(session.scalars(select(Nominee).where(
        Nominee.unit_id == unit.id, Nominee.kind == bulk_kind(unit), Nominee.authority_id == unit.authority_id)
        .order_by(Nominee.name, Nominee.id)))
    proposed = dict(session.execute(select(Proposal.nominee_id, Proposal.id).where(
        Proposal.round_id == round_.id, Proposal.award_type_code == rule["code"],
        Proposal.nominee_id.in_(select(Nominee.id).where(Nominee.unit_id == unit.id)))).all())
    rows = []
    for nominee in nominees:
        if nominee.id in proposed:
            rows.append(Candidate(nominee, False, [_("Already proposed for this award in this round.")],
                                  proposed[nominee.id]))
            continue
        failed = [c.message for c in eligibility.preview(session, nominee, round_, rule) if c.status == eligibility.FAIL]
        rows.append(Candidate(nominee, not failed, failed))
    return rows
