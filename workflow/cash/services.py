"""The base salary series (lương cơ sở) and the cash each decision item pays.

Cash of an award = its coefficient for the nominee's kind (from the proposal's rule snapshot) ×
the base salary in force on the DECISION date, rounded UP to the next 10,000 VND (NĐ 152/2025
Art 49–55; the rounding in the same articles). Where one nominee receives several titles (danh
hiệu thi đua) for the same year's achievement, only the highest amount is paid: a later decision
pays the difference to what was already paid, possibly 0. A title and a commendation (hình thức
khen thưởng) are both paid: the rule is between titles only.

The arithmetic is Decimal from the coefficient's written form ("0.45"), never float.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workflow.audit import services as audit
from workflow.cash.models import BaseSalary
from workflow.dates import show_date
from workflow.decisions.models import Decision, DecisionItem
from workflow.errors import Forbidden, Invalid
from workflow.proposals.models import Proposal, Round

SERIES_FILE = Path(__file__).resolve().parent.parent / "rules" / "series" / "base-salary.toml"
ROUNDING_STEP = 10_000  # VND: amounts are rounded up to the next 10,000
MAX_AMOUNT = 1_000_000_000  # a monthly base salary above 1 billion VND is a typing error
MAX_STEPS = 200
STEP_KEYS = {"from", "to", "amount_vnd", "source", "verify"}


class SeriesError(Invalid):
    """A base-salary series that cannot be used; ``details`` names each bad step and key."""


@dataclass(frozen=True)
class Step:
    effective_from: date
    effective_to: date | None
    amount_vnd: int
    source: str
    verify: bool = False

    def as_dict(self) -> dict:
        return {"from": self.effective_from.isoformat(),
                "to": self.effective_to.isoformat() if self.effective_to else None,
                "amount_vnd": self.amount_vnd, "source": self.source, "verify": self.verify}


# --- reading and checking a series ----------------------------------------------------------------

def _date(value, where: str, key: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise SeriesError(_("%(where)s: “%(key)s” must be a date (YYYY-MM-DD).", where=where, key=key),
                      details={f"{where}.{key}": _("a date (YYYY-MM-DD)")})


def _step(raw, n: int) -> Step:
    where = _("step %(n)d", n=n)
    if not isinstance(raw, dict):
        raise SeriesError(_("%(where)s must be a table of from, to, amount_vnd, source.", where=where),
                          details={where: _("a table of from, to, amount_vnd, source")})
    unknown = sorted(set(raw) - STEP_KEYS)
    if unknown:
        raise SeriesError(_("%(where)s: unknown key “%(key)s”.", where=where, key=unknown[0]),
                          details={f"{where}.{unknown[0]}": _("unknown key")})
    for key in ("from", "amount_vnd", "source"):
        if key not in raw:
            raise SeriesError(_("%(where)s: “%(key)s” is missing.", where=where, key=key),
                              details={f"{where}.{key}": _("missing")})
    amount = raw["amount_vnd"]
    # an integer number of đồng: 1490000.5, "1490000", true are refused (bool is an int in Python)
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise SeriesError(_("%(where)s: the amount must be a whole number of đồng between 1 and %(max)s.",
                            where=where, max=f"{MAX_AMOUNT:,}".replace(",", ".")),
                          details={f"{where}.amount_vnd": _("a whole number of đồng")})
    source = raw["source"]
    if not isinstance(source, str) or not source.strip() or len(source) > 300:
        raise SeriesError(_("%(where)s: the source (document and article) is required, at most 300 characters.",
                            where=where), details={f"{where}.source": _("document and article")})
    verify = raw.get("verify", False)
    if not isinstance(verify, bool):
        raise SeriesError(_("%(where)s: “verify” is true or false.", where=where),
                          details={f"{where}.verify": _("true or false")})
    start = _date(raw["from"], where, "from")
    end = _date(raw["to"], where, "to") if raw.get("to") is not None else None
    if end is not None and end < start:
        raise SeriesError(_("%(where)s ends (%(to)s) before it starts (%(from)s).", where=where,
                            to=end.isoformat(), **{"from": start.isoformat()}),
                          details={f"{where}.to": _("before “from”")})
    return Step(start, end, amount, source.strip(), verify)


def check_series(raw_steps) -> list[Step]:
    """The steps of a series, in date order, or SeriesError naming the step: every step well
    formed, each one starting the day after the previous one ends (no gap, no overlap), only the
    newest open-ended."""
    if not isinstance(raw_steps, list) or not raw_steps:
        raise SeriesError(_("The series needs at least one step."), details={"steps": _("at least one step")})
    if len(raw_steps) > MAX_STEPS:
        raise SeriesError(_("At most %(n)d steps.", n=MAX_STEPS), details={"steps": _("too many")})
    steps = [_step(raw, n) for n, raw in enumerate(raw_steps, start=1)]
    order = sorted(range(len(steps)), key=lambda i: steps[i].effective_from)
    for before, after in zip(order, order[1:], strict=False):
        prev, step = steps[before], steps[after]
        where = _("step %(n)d", n=after + 1)
        label = {"where": where, "other": _("step %(n)d", n=before + 1), "from": step.effective_from.isoformat()}
        if prev.effective_to is None or step.effective_from <= prev.effective_to:
            raise SeriesError(_("%(where)s (from %(from)s) overlaps %(other)s.", **label),
                              details={f"{where}.from": _("overlaps %(other)s", other=label["other"])})
        if step.effective_from != prev.effective_to + timedelta(days=1):
            raise SeriesError(_("%(where)s (from %(from)s) leaves a gap after %(other)s, which ends on %(to)s.",
                                to=prev.effective_to.isoformat(), **label),
                              details={f"{where}.from": _("gap after %(other)s", other=label["other"])})
    return [steps[i] for i in order]


def read_series_file(path: Path | None = None) -> list[Step]:
    """The shipped (or given) series file, checked; SeriesError names the file and the step."""
    path = path or SERIES_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SeriesError(f"{path.name}: {exc}", details={"file": str(exc)}) from exc
    unknown = sorted(set(raw) - {"step"})
    if unknown:
        raise SeriesError(f"{path.name}: unknown key “{unknown[0]}”", details={unknown[0]: "unknown key"})
    try:
        return check_series(raw.get("step"))
    except SeriesError as exc:
        raise SeriesError(f"{path.name}: {exc.message}", details=exc.details) from exc


# --- the table ------------------------------------------------------------------------------------

def series(session: Session) -> list[BaseSalary]:
    return list(session.scalars(select(BaseSalary).order_by(BaseSalary.effective_from)))


def _write(session: Session, steps: list[Step], *, edited: bool) -> None:
    session.execute(delete(BaseSalary))
    for step in steps:
        session.add(BaseSalary(effective_from=step.effective_from, effective_to=step.effective_to,
                               amount_vnd=step.amount_vnd, source=step.source, verify=step.verify, edited=edited))
    session.flush()


def _as_steps(rows: list[BaseSalary]) -> list[Step]:
    return [Step(r.effective_from, r.effective_to, r.amount_vnd, r.source, r.verify) for r in rows]


def load_base_salary(session: Session, path: Path | None = None) -> bool:
    """Load the series file into the table (flushes; the caller commits). True when it changed.

    The whole file is checked before anything is written. A series an admin replaced is left
    alone (the admin's edit wins, as for an edited award type)."""
    steps = read_series_file(path)
    rows = series(session)
    if any(r.edited for r in rows) or _as_steps(rows) == steps:
        return False
    _write(session, steps, edited=False)
    return True


def replace_series(session: Session, actor, raw_steps) -> list[BaseSalary]:
    """Replace the whole series (deployment admin), checked whole; audited with before and after.

    Decisions already issued keep the amounts stored on their items: the series only prices
    decisions issued from now on."""
    if not getattr(actor, "is_deployment_admin", False):
        raise Forbidden(_("Only the deployment administrator edits the base salary."))
    steps = check_series(raw_steps)
    before = [s.as_dict() for s in _as_steps(series(session))]
    _write(session, steps, edited=True)
    audit.record(session, chain=None, actor=actor, action="base_salary.replace", object_type="base_salary",
                 object_id="series", data={"before": before, "after": [s.as_dict() for s in steps]})
    session.flush()
    return series(session)


def base_salary_on(session: Session, day: date) -> BaseSalary | None:
    return session.scalar(select(BaseSalary).where(
        BaseSalary.effective_from <= day,
        (BaseSalary.effective_to.is_(None)) | (BaseSalary.effective_to >= day)))


# --- amounts --------------------------------------------------------------------------------------

def round_up(amount: Decimal) -> int:
    """Up to the next multiple of 10,000 VND (447,000 → 450,000; 450,000 stays)."""
    return int((amount / ROUNDING_STEP).to_integral_value(rounding=ROUND_CEILING)) * ROUNDING_STEP


def coefficient(rule: dict | None, nominee_kind: str) -> Decimal:
    """The cash coefficient of the award for this kind of nominee (0 when the award pays none).
    ``str()`` first: Decimal(0.45) would carry the float's binary error."""
    value = ((rule or {}).get("cash_coefficient") or {}).get(nominee_kind) or 0
    return Decimal(str(value))


def full_amount(rule: dict | None, nominee_kind: str, base_vnd: int) -> int:
    return round_up(coefficient(rule, nominee_kind) * base_vnd)


def _is_title(proposal) -> bool:
    return proposal.rule is not None and proposal.rule.kind == "title"


def _paid_before(session: Session, proposal, decision_id: int | None) -> tuple[int, list[str]]:
    """What the nominee was already paid for titles of the same year, in issued decisions."""
    rows = session.execute(
        select(DecisionItem.cash_amount, Decision.number, Proposal)
        .join(Decision, Decision.id == DecisionItem.decision_id)
        .join(Proposal, Proposal.id == DecisionItem.proposal_id)
        .join(Round, Round.id == Proposal.round_id)
        .where(Decision.status == "issued", Proposal.nominee_id == proposal.nominee_id,
               Round.year == proposal.round.year, Proposal.id != proposal.id,
               Decision.id != (decision_id or 0))
        .order_by(Decision.signed_on, Decision.id)).all()
    paid, numbers = 0, []
    for amount, number, other in rows:
        if _is_title(other) and int(amount or 0):
            paid += int(amount)
            numbers.append(number)
    return paid, numbers


def price(session: Session, decision, on: date, *, strict: bool, number: str | None = None) -> None:
    """Set each item's cash (and the decision's total) for a decision dated ``on`` (numbered
    ``number``, which the notes of its own items cite).

    ``strict`` (at issue): no base salary in force that day is a 422. A draft is priced with
    today's base salary as a preview (0 when none is loaded); issuing prices it again."""
    step = base_salary_on(session, on)
    if step is None and strict:
        raise SeriesError(_("No base salary is in force on %(date)s: an administrator completes the series.",
                            date=show_date(on)), details={"date": on.isoformat()})
    base = step.amount_vnd if step else 0
    decision.base_salary_vnd = base or None
    paid_in_this: dict[tuple[int, int], int] = {}  # (nominee, year) → paid by earlier items of this decision
    for item in decision.items:
        proposal = item.proposal
        full = full_amount(proposal.award_rule, proposal.nominee.kind, base)
        paid, numbers = 0, []
        if _is_title(proposal):
            key = (proposal.nominee_id, proposal.round.year)
            paid, numbers = _paid_before(session, proposal, decision.id)
            if paid_in_this.get(key):
                paid += paid_in_this[key]
                numbers.append(number or "")  # an earlier item of this decision
            amount = max(0, full - paid)
            paid_in_this[key] = paid_in_this.get(key, 0) + amount
        else:
            amount = full
        item.cash_full = full
        item.cash_amount = amount
        item.cash_paid_before = paid or None
        item.cash_paid_under = ", ".join(dict.fromkeys(n for n in numbers if n)) or None
    decision.cash_total = sum(int(i.cash_amount or 0) for i in decision.items)


def note_values(item) -> dict | None:
    """What a decision list says of an item whose nominee was already paid for another title of
    the same year: None for an item paid in full."""
    if not item.cash_paid_before:
        return None
    return {"paid": int(item.cash_paid_before), "full": int(item.cash_full or 0), "amount": int(item.cash_amount or 0),
            "under": item.cash_paid_under or "", "year": item.proposal.round.year}


def cash_note(item) -> str | None:
    """The note of ``note_values`` in the reader's language (JSON, screens)."""
    values = note_values(item)
    if values is None:
        return None
    money = {k: f"{values[k]:,}".replace(",", ".") for k in ("paid", "full", "amount")}
    if values["amount"]:
        return _("Already paid %(paid)s VND for another title of %(year)d (decision %(under)s): pays the "
                 "difference of %(amount)s VND to this title's %(full)s VND.", year=values["year"],
                 under=values["under"], **money)
    return _("Already paid %(paid)s VND for another title of %(year)d (decision %(under)s), not less than this "
             "title's %(full)s VND: nothing more is paid.", year=values["year"], under=values["under"], **money)
