"""The eligibility engine: applies the proposal's rule set to it (SPEC §3).

Hard rules (nominee kind, prerequisites over the award history, ratio caps, meeting evidence) can
fail and then block ``accept`` and ``schedule``. Declared items (required documents) are warnings
until an upload or the secretary's "paper copy received" ticks them. A prerequisite that a
proposal of the same round may still satisfy is *pending* at ``accept`` and must be met at
``decide`` / ``forward``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from fractions import Fraction

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from workflow import vntime
from workflow.catalog.models import AwardType, RuleSet
from workflow.catalog.services import rule_set_for
from workflow.dates import show_date
from workflow.locales import current_locale, default_locale
from workflow.org.labels import NOMINEE_KIND_LABELS
from workflow.org.models import AwardRecord, Nominee
from workflow.proposals import evidence
from workflow.proposals.models import Proposal, Round
from workflow.proposals.snapshot import AwardRule, EvidenceRule, as_rule
from workflow.proposals.vocab import State

PASS, FAIL, PENDING, WARNING = "pass", "fail", "pending", "warning"
# proposals that still count (may yet be, or have been, awarded)
ALIVE = (State.SUBMITTED, State.RETURNED, State.UNDER_REVIEW, State.PUBLIC_NOTICE, State.IN_COUNCIL, State.RECOMMENDED, State.FORWARDED,
         State.AWARDED)


@dataclass
class Check:
    rule: str
    status: str
    message: str
    hard: bool = True
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    checks: list[Check]
    rule_set: str | None

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAIL]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if c.status == WARNING]

    def as_dict(self) -> dict:
        return {"rule_set": self.rule_set, "ok": not self.failures,
                "checks": [c.as_dict() for c in self.checks]}


def award_rule(session: Session, proposal: Proposal, on: date | None = None) -> tuple[str, dict] | None:
    """(rule-set code, award-type dict) governing ``proposal``: its snapshot once accepted, else the
    rule set in force for its authority today. None when the award type is not in that set."""
    if proposal.rule_set_code and proposal.award_rule:
        return proposal.rule_set_code, proposal.award_rule
    rule_set = rule_set_for(session, proposal.current_authority, on or vntime.today())
    award_type = next((t for t in rule_set.award_types if t.code == proposal.award_type_code), None)
    if award_type is None:
        return None
    return rule_set.code, snapshot(award_type, rule_set)


def snapshot(award_type: AwardType, rule_set) -> dict:
    """The award type as a plain dict, with the rule set's defaults filled in."""
    defaults = rule_set.content.get("defaults", {})
    rule = {"code": award_type.code, "name_vi": award_type.name_vi, "name_en": award_type.name_en,
            "kind": award_type.kind, "nominee_kinds": list(award_type.nominee_kinds),
            "deciding_level": award_type.deciding_level, "council_vote": award_type.council_vote,
            **award_type.config}
    if rule["council_vote"]:
        rule.setdefault("ballot", defaults.get("ballot"))
        rule.setdefault("quorum", defaults.get("quorum"))
    rule.setdefault("processing_days", defaults.get("processing_days"))
    rule["levels"] = rule_set.content.get("levels")
    return rule


def evaluate(session: Session, proposal: Proposal, mode: str = "accept") -> Report:
    """Every rule with its status. ``mode`` is accept, schedule, decide or forward (the last two
    turn a pending same-round prerequisite into a failure)."""
    found = award_rule(session, proposal)
    if found is None:
        return Report([Check("award_type", FAIL, _("The award type %(code)s is not in the rule set in force.",
                                                    code=proposal.award_type_code))], None)
    rule_set_code, rule = found[0], as_rule(found[1])
    year = proposal.round.year
    checks = [_nominee_kind(proposal, rule)]
    checks += [_prerequisite(session, proposal, pre, year, mode) for pre in rule.prerequisites]
    if rule.cap:
        checks.append(_cap(session, proposal, rule.cap, year, mode))
    if rule.evidence:
        checks.append(_evidence(proposal, rule.evidence))
    checks += _documents(proposal, rule)
    if rule.review_deadline:
        checks.append(_review_deadline(proposal, rule.review_deadline, year))
    return Report(checks, rule_set_code)


@dataclass
class _Candidate:
    """What the nominee-level checks read of a proposal, before there is one (a bulk screen)."""

    nominee: Nominee | None
    round_id: int
    evidence: dict | None = None
    id: None = None

    @property
    def nominee_id(self) -> int:
        return self.nominee.id


def preview(session: Session, nominee: Nominee, round_: Round, rule: AwardRule | dict) -> list[Check]:
    """The hard checks a nominee can be judged on before it is proposed — its kind and the
    prerequisites over its award history (a same-round proposal that may still meet one is
    *pending*, as at ``accept``) — by the same functions ``evaluate`` uses. The bulk screens
    pre-tick the nominees none of these fails, and say why for the others."""
    candidate, rule = _Candidate(nominee=nominee, round_id=round_.id), as_rule(rule)
    checks = [_nominee_kind(candidate, rule)]
    checks += [_prerequisite(session, candidate, pre, round_.year, "accept") for pre in rule.prerequisites]
    return checks


def evidence_check(evidence: dict | None, rule: AwardRule | dict) -> Check | None:
    """The meeting-evidence rule applied to evidence entered once for many proposals (None when
    the award type has no such rule)."""
    rule = as_rule(rule)
    if not rule.evidence:
        return None
    return _evidence(_Candidate(nominee=None, round_id=0, evidence=evidence), rule.evidence)


def _nominee_kind(proposal: Proposal, rule: AwardRule) -> Check:
    kind = proposal.nominee.kind
    if kind in rule.nominee_kinds:
        return Check("nominee_kind", PASS, _("This award can be given to this kind of nominee."))
    return Check("nominee_kind", FAIL, _("This award cannot be given to a %(kind)s.", kind=NOMINEE_KIND_LABELS[kind]))


def _held(session: Session, nominee_id: int, codes: list[str], year: int) -> bool:
    return bool(session.scalar(select(func.count(AwardRecord.id)).where(
        AwardRecord.nominee_id == nominee_id, AwardRecord.award_type_code.in_(codes),
        AwardRecord.year == year, AwardRecord.revoked_at.is_(None))))


def _same_round_pending(session: Session, proposal: Proposal, codes: list[str]) -> bool:
    return bool(session.scalar(select(func.count(Proposal.id)).where(
        Proposal.round_id == proposal.round_id, Proposal.nominee_id == proposal.nominee_id,
        Proposal.award_type_code.in_(codes), Proposal.id != proposal.id,
        Proposal.state.in_([s for s in ALIVE if s != State.AWARDED]))))


def _prerequisite(session: Session, proposal: Proposal, pre: dict, year: int, mode: str) -> Check:
    codes, needed = pre["award"], pre.get("years", 1)
    last = year if pre.get("ending", "same_year") == "same_year" else year - 1
    years = list(range(last - needed + 1, last + 1))
    missing, pending = [], []
    for y in years:
        if _held(session, proposal.nominee_id, codes, y):
            continue
        if y == year and _same_round_pending(session, proposal, codes):
            pending.append(y)
        else:
            missing.append(y)
    message = pre.get("message_en") if _locale() == "en" else pre.get("message_vi")
    message = message or _("Requires %(awards)s in %(years)s.", awards=", ".join(codes),
                           years=", ".join(map(str, years)))
    details = {"award": codes, "years": years, "missing_years": missing, "pending_years": pending}
    exclusive = pre.get("window_exclusive_of") or []
    overlapping = [y for y in years if exclusive and _held(session, proposal.nominee_id, exclusive, y)]
    if overlapping:
        details["overlapping_years"] = overlapping
        return Check("prerequisite", FAIL, message + " " + _(
            "These years already counted for an earlier award: %(years)s.",
            years=", ".join(map(str, overlapping))), details=details)
    if missing:
        return Check("prerequisite", FAIL, message + " " + _("Missing: %(years)s.",
                                                             years=", ".join(map(str, missing))), details=details)
    if pending:
        if mode in ("decide", "forward"):
            return Check("prerequisite", FAIL, message + " " + _(
                "The proposal of this round for it must be awarded first."), details=details)
        return Check("prerequisite", PENDING, message + " " + _(
            "Pending: a proposal of this round may still meet it."), details=details)
    return Check("prerequisite", PASS, message, details=details)


def awardees(session: Session, authority_id: int, award_code: str, year: int) -> int:
    """Nominees of ``authority_id`` holding ``award_code`` in ``year`` (revoked awards do not count):
    the base a ratio cap is taken of."""
    return session.scalar(select(func.count(func.distinct(AwardRecord.nominee_id))).join(Nominee).where(
        AwardRecord.award_type_code == award_code, AwardRecord.year == year,
        AwardRecord.revoked_at.is_(None), Nominee.authority_id == authority_id)) or 0


def rounds_of(authority_id: int, year: int):
    """The ids of an authority's rounds of a year (a subquery)."""
    return select(Round.id).where(Round.authority_id == authority_id, Round.year == year)


def _sent_up(origin_id: int, *states: str):
    """Proposals in ``states``, or sent up from ``origin_id`` and still alive."""
    return or_(Proposal.state.in_(states), and_(Proposal.current_authority_id != origin_id,
                                                 Proposal.state.in_([s for s in ALIVE if s != State.AWARDED])))


def _cap(session: Session, proposal: Proposal, cap: dict, year: int, mode: str = "accept") -> Check:
    """A ratio cap. Hard where awards are chosen (``decide``/``forward``): the awarded and chosen
    ones of the capped award, this one included, against the base award's awardees and chosen ones.
    At ``accept``/``schedule`` only a warning with the current count — a proposal is never refused
    because others are pending; the council's close ranks them (SPEC §3 "Caps")."""
    ratio = Fraction(cap["ratio"])
    # the cap is over the awardees of the authority the proposals come from, wherever they now sit
    authority_id = proposal.origin_authority_id
    same_year_rounds = rounds_of(authority_id, year)
    awarded = awardees(session, authority_id, cap["of_award"], year)
    hard = mode in ("decide", "forward")
    base_of = select(func.count(Proposal.id)).where(
        Proposal.round_id.in_(same_year_rounds), Proposal.award_type_code == cap["of_award"])
    count_of = select(func.count(Proposal.id)).where(
        Proposal.round_id.in_(same_year_rounds), Proposal.award_type_code == proposal.award_type_code,
        Proposal.id != proposal.id)
    if hard:
        # the base: its awardees and those the council recommended; the count: the awarded and
        # sent-up ones — a recommended proposal not in this decision or submission does not count
        base = awarded + (session.scalar(base_of.where(_sent_up(authority_id, State.RECOMMENDED, State.FORWARDED))) or 0)
        count = session.scalar(count_of.where(_sent_up(authority_id, State.AWARDED, State.FORWARDED))) or 0
    else:
        base = awarded + (session.scalar(base_of.where(Proposal.state.in_([s for s in ALIVE if s != State.AWARDED])))
                          or 0)
        count = session.scalar(count_of.where(Proposal.state.in_(ALIVE))) or 0
    count += 1  # this one
    limit = ratio * base
    details = {"of_award": cap["of_award"], "ratio": str(ratio), "base": base, "count": count,
               "limit": float(limit)}
    if count <= limit:
        return Check("cap", PASS, _("Within the cap: %(count)d of at most %(limit)s.", count=count,
                                    limit=number(limit)), details=details)
    return Check("cap", FAIL if hard else WARNING,
                 _("Over the cap: %(count)d proposals, at most %(limit)s allowed "
                   "(%(ratio)s of %(base)d %(award)s).", count=count, limit=number(limit),
                   ratio=percent(ratio), base=base, award=award_type_name(session, proposal, cap["of_award"])),
                 hard=hard, details=details)


def number(value) -> str:
    """A number as the reader writes it ("0,6" in Vietnamese, "0.6" in English), at most 2 decimals."""
    return format_decimal(round(float(value), 2), format="#,##0.##")


def percent(ratio) -> str:
    return f"{number(float(Fraction(ratio)) * 100)}%"


def award_type_name(session: Session, proposal: Proposal, code: str) -> str:
    """An award type's full name in the current language, from the proposal's rule set (else the
    set in force at its authority); the code when neither has it."""
    rule_set = proposal.rule_set_code
    query = select(AwardType).where(AwardType.code == code)
    if rule_set:
        query = query.join(RuleSet).where(RuleSet.code == rule_set)
    else:
        query = query.where(AwardType.rule_set_id == rule_set_for(session, proposal.current_authority,
                                                                   vntime.today()).id)
    found = session.scalars(query.limit(1)).first()
    return found.name(current_locale()) if found else code


def _evidence(proposal: Proposal, rule: EvidenceRule) -> Check:
    recorded = evidence.read(proposal.evidence)
    if recorded is None:
        return Check("evidence", FAIL, _("The meeting (invited, present, agreed) and its notice (from, to) "
                                         "must be recorded."))
    invited, present, agreed = recorded.invited, recorded.present, recorded.agreed
    problems = []
    if invited <= 0 or Fraction(present, invited) < Fraction(rule.min_present_ratio):
        problems.append(_("%(present)d of %(invited)d invited households were present; at least %(ratio)s needed.",
                          present=present, invited=invited,
                          ratio=percent(rule.min_present_ratio)))
    if present <= 0 or Fraction(agreed, present) < Fraction(rule.min_agree_ratio):
        problems.append(_("%(agreed)d of %(present)d present agreed; at least %(ratio)s needed.",
                          agreed=agreed, present=present,
                          ratio=percent(rule.min_agree_ratio)))
    days = recorded.notice_days
    if days < rule.notice_days:
        problems.append(_("The notice lasted %(days)d days; %(needed)d needed.", days=days,
                          needed=rule.notice_days))
    details = {"invited": invited, "present": present, "agreed": agreed, "notice_days": days}
    if problems:
        return Check("evidence", FAIL, " ".join(problems), details=details)
    return Check("evidence", PASS, _("The meeting and its notice meet the thresholds."), details=details)


def _documents(proposal: Proposal, rule: AwardRule) -> list[Check]:
    uploaded = {a.doc_type for a in proposal.attachments}
    received = {r.doc_type for r in proposal.paper_receipts}
    checks = []
    for doc in rule.required_documents:
        name = doc["name_en"] if _locale() == "en" else doc["name_vi"]
        if doc["code"] in uploaded:
            checks.append(Check("document", PASS, _("%(doc)s: uploaded.", doc=name), hard=False,
                                details={"doc_type": doc["code"]}))
        elif doc["code"] in received:
            checks.append(Check("document", PASS, _("%(doc)s: paper copy received.", doc=name), hard=False,
                                details={"doc_type": doc["code"]}))
        else:
            checks.append(Check("document", WARNING, _("%(doc)s: missing (upload it, or tick the paper copy).",
                                                       doc=name), hard=False, details={"doc_type": doc["code"]}))
    return checks


def _review_deadline(proposal: Proposal, deadline: dict, year: int) -> Check:
    due = date(year, deadline["month"], deadline["day"])
    if vntime.today() <= due:
        return Check("review_deadline", PASS, _("The review must finish by %(date)s.", date=show_date(due)),
                     hard=False)
    return Check("review_deadline", WARNING, _("The review deadline %(date)s has passed.",
                                               date=show_date(due)), hard=False)


def _locale() -> str:
    from flask import has_request_context

    if not has_request_context():
        return default_locale()
    return current_locale()
