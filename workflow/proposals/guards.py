"""Data guards of the machine (``states.TRANSITIONS`` names them). Each takes the Context and
returns True, or raises GuardFailed with the reason; routing guards (several destinations for one
event) return False to let the next transition try."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from workflow.catalog.schema import NOTICE_DAYS_MAX
from workflow.dates import show_date
from workflow.proposals import eligibility
from workflow.proposals.power import award_rule_in_force, deciding_authority
from workflow.proposals.snapshot import AwardRule
from workflow.proposals.states import Context, GuardFailed


def _rule(ctx: Context) -> AwardRule:
    """The rule governing the proposal: its snapshot, else (before it is received) the one in force."""
    raw = award_rule_in_force(ctx.checks.session, ctx.proposal)
    if raw is ctx.proposal.award_rule:  # the snapshot: typed once per row (``proposal.rule``), not per guard
        return ctx.proposal.rule
    return AwardRule.read(raw) or AwardRule()


def required_fields(ctx: Context) -> bool:
    proposal, details = ctx.proposal, {}
    if not (proposal.achievements or "").strip():
        details["achievements"] = _("Describe the achievements.")
    if _rule(ctx).evidence and not proposal.evidence:
        details["evidence"] = _("Record the hamlet meeting and its notice before submitting.")
    if details:
        raise GuardFailed(_("Some required fields are empty."), details=details)
    return True


def has_missing_items(ctx: Context) -> bool:
    items = ctx.data.get("items") or ctx.data.get("missing_items")
    if not isinstance(items, list) or not items:
        raise GuardFailed(_("List everything that is missing (at least one item)."),
                          details={"items": _("required")})
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not (item.get("doc_type") or item.get("field")):
            raise GuardFailed(_("Each item names a document type or a field."), details={f"items.{i}": _("invalid")})
        if not str(item.get("message") or "").strip():
            raise GuardFailed(_("Each item needs a message."), details={f"items.{i}.message": _("required")})
    return True


def items_addressed(ctx: Context) -> bool:
    proposal = ctx.proposal
    returned_at = ctx.checks.returned_at()
    uploaded = {a.doc_type for a in proposal.attachments if returned_at is None or a.created_at >= returned_at}
    received = {r.doc_type for r in proposal.paper_receipts}
    changed = set(proposal.fields_changed or [])
    open_items = []
    for item in proposal.missing_items or []:
        if item.get("doc_type") and item["doc_type"] not in uploaded | received:
            open_items.append(item)
        elif item.get("field") and not item.get("doc_type") and item["field"] not in changed:
            open_items.append(item)
    if open_items:
        raise GuardFailed(_("Some returned items are not addressed yet."),
                          details={(i.get("doc_type") or i.get("field")): i.get("message") for i in open_items})
    return True


def hard_rules_pass(ctx: Context) -> bool:
    report = eligibility.evaluate(ctx.checks.session, ctx.proposal, mode="accept")
    failures = [c for c in report.failures if c.hard]
    if failures:
        raise GuardFailed(_("The proposal fails a rule: %(reason)s", reason=failures[0].message),
                          details={f"{c.rule}": c.message for c in failures})
    return True


def has_reason(ctx: Context) -> bool:
    if not str(ctx.data.get("reason") or "").strip():
        raise GuardFailed(_("Give the reason."), details={"reason": _("required")})
    return True


def notice_period(ctx: Context) -> bool:
    """The notice runs for the rule's days or more (the data may ask for longer, up to the
    catalogue's ceiling)."""
    required = int(_rule(ctx).notice_days or 0)
    days = ctx.data.get("days") or required
    if not isinstance(days, int) or days <= 0:
        raise GuardFailed(_("Give the number of notice days."), details={"days": _("must be at least 1")})
    if not max(required, 1) <= days <= NOTICE_DAYS_MAX:
        raise GuardFailed(_("The notice runs from %(low)d to %(high)d days.", low=max(required, 1),
                            high=NOTICE_DAYS_MAX), details={"days": _("from %(low)d to %(high)d",
                                                                      low=max(required, 1), high=NOTICE_DAYS_MAX)})
    ctx.data["days"] = days
    return True


def notice_over(ctx: Context) -> bool:
    until = ctx.proposal.notice_until
    if until is not None and ctx.checks.today() <= until:
        raise GuardFailed(_("The notice runs until %(date)s.", date=show_date(until)),
                          details={"notice_until": until.isoformat()})
    return True


def objections_resolved(ctx: Context) -> bool:
    open_ = [o.id for o in ctx.proposal.objections if o.resolution is None]
    if open_:
        raise GuardFailed(_("%(n)d objection(s) still need a recorded resolution.", n=len(open_)),
                          details={"objections": open_})
    return True


def needs_council(ctx: Context) -> bool:
    if not _rule(ctx).council_vote:
        raise GuardFailed(_("This award type has no council vote: recommend it without one."),
                          details={"award_type_code": "no council vote"})
    return True


def no_council(ctx: Context) -> bool:
    if _rule(ctx).council_vote:
        raise GuardFailed(_("This award type needs a council vote."), details={"award_type_code": "council vote"})
    return True


def notice_done(ctx: Context) -> bool:
    if _rule(ctx).notice_days > 0 and not ctx.proposal.notice_done:
        raise GuardFailed(_("The public notice must run first."), details={"notice": _("required")})
    return True


def via_meeting(ctx: Context) -> bool:
    if not ctx.internal.get("meeting_id"):
        raise GuardFailed(_("This happens only through a council meeting."), details={"event": "meeting only"})
    return True


def via_decision(ctx: Context) -> bool:
    if not ctx.internal.get("decision_id"):
        raise GuardFailed(_("This happens only by issuing a decision."), details={"event": "decision only"})
    return True


def via_submission(ctx: Context) -> bool:
    if not ctx.internal.get("submission_id"):
        raise GuardFailed(_("This happens only by sending a submission."), details={"event": "submission only"})
    return True


def _deciding_authority(ctx: Context):
    return deciding_authority(ctx.checks.session, ctx.proposal)


def within_power(ctx: Context) -> bool:
    deciding = _deciding_authority(ctx)
    if deciding is None or deciding.id != ctx.proposal.current_authority_id:
        raise GuardFailed(_("This award is decided by a higher level: submit it there."),
                          details={"award_type_code": "above this authority"})
    return True


def above_power(ctx: Context) -> bool:
    deciding = _deciding_authority(ctx)
    if deciding is not None and deciding.id == ctx.proposal.current_authority_id:
        raise GuardFailed(_("This award is within this authority's power: issue a decision."),
                          details={"award_type_code": "within this authority"})
    if ctx.proposal.current_authority.parent is None:
        raise GuardFailed(_("This authority has no parent to submit to."), details={"authority": "root"})
    return True


def prerequisites_met(ctx: Context) -> bool:
    report = eligibility.evaluate(ctx.checks.session, ctx.proposal, mode="decide")
    failures = [c for c in report.failures if c.hard]
    if failures:
        raise GuardFailed(_("The proposal fails a rule: %(reason)s", reason=failures[0].message),
                          details={c.rule: c.message for c in failures})
    return True


def parent_in_system(ctx: Context) -> bool:
    """Routing: the parent authority works in this system (it has a secretary or a reviewer)."""
    return ctx.checks.parent_in_system()


def answers_submission(ctx: Context) -> bool:
    """In-system answer: only ``decisions.services.record_outcome`` passes the submission it answers."""
    if not ctx.internal.get("answer_from_authority_id"):
        raise GuardFailed(_("The higher level answers through the submission that carries the proposal."),
                          details={"event": "submission only"})
    return True


def _outcome(ctx: Context, wanted: str) -> bool:
    outcome = ctx.data.get("outcome")
    if outcome not in ("approved", "returned", "rejected"):
        raise GuardFailed(_("The outcome is approved, returned or rejected."), details={"outcome": _("invalid")})
    if outcome != wanted:
        return False
    if outcome == "approved" and not str(ctx.data.get("decision_number") or "").strip():
        raise GuardFailed(_("Give the higher level's decision number."), details={"decision_number": _("required")})
    if outcome in ("returned", "rejected") and not str(ctx.data.get("reason") or "").strip():
        raise GuardFailed(_("Give the reason."), details={"reason": _("required")})
    if outcome == "approved" and ctx.data.get("decision_date"):
        try:
            date.fromisoformat(str(ctx.data["decision_date"]))
        except ValueError as exc:
            raise GuardFailed(_("Write the date as YYYY-MM-DD."), details={"decision_date": _("invalid")}) from exc
    return True


def outcome_approved(ctx: Context) -> bool:
    return _outcome(ctx, "approved")


def outcome_returned(ctx: Context) -> bool:
    return _outcome(ctx, "returned")


def outcome_rejected(ctx: Context) -> bool:
    return _outcome(ctx, "rejected")
