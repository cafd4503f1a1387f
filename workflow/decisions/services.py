"""Drafting and issuing decisions; drafting and sending submissions; recording outcomes.

Issuing and sending need a fresh sign-in (the chair signs). Numbers come from a per-authority,
per-year counter claimed inside the same transaction, so they never repeat and never skip.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from workflow import vntime
from workflow.audit import services as audit
from workflow.cash import services as cash
from workflow.dates import show_date
from workflow.db import insert_ignoring_duplicates, is_disconnect, utcnow
from workflow.decisions import policies
from workflow.decisions.models import (
    Decision,
    DecisionItem,
    DocumentCounter,
    Submission,
    SubmissionItem,
)
from workflow.errors import Conflict, Forbidden, NotFound, Unauthorized, field_error
from workflow.org.models import Authority
from workflow.org.services import authority_by_code
from workflow.proposals import services as proposals
from workflow.proposals.models import Proposal
from workflow.proposals.power import deciding_power
from workflow.proposals.vocab import Event, State
from workflow.validation import check_date, check_id

DECISION_SUFFIX = "QĐ-UBND"
SUBMISSION_SUFFIX = "TTr-UBND"


def require_fresh(signed_in_at: datetime | None, minutes: int) -> None:
    """The chair signs only within ``minutes`` of signing in (401 ``reauth_required`` otherwise)."""
    if signed_in_at is None or utcnow() - signed_in_at > timedelta(minutes=minutes):
        raise Unauthorized(_("Sign in again to sign: the last sign-in was more than %(n)d minutes ago.", n=minutes),
                           code="reauth_required")


def next_number(session: Session, authority_id: int, kind: str, year: int) -> int:
    """Claim the next number of ``kind`` for the authority and year (locks the counter row)."""
    insert_ignoring_duplicates(session, DocumentCounter,
                               [{"authority_id": authority_id, "kind": kind, "year": year, "last": 0}])
    return session.execute(update(DocumentCounter).where(
        DocumentCounter.authority_id == authority_id, DocumentCounter.kind == kind, DocumentCounter.year == year,
    ).values(last=DocumentCounter.last + 1).returning(DocumentCounter.last)).scalar_one()


# Decree 30/2020/NĐ-CP, Appendix I, part I, section II.3: a document's number is written in Arabic
# digits from 01 on 1 January, numbers below 10 with a leading zero ("05/QĐ-UBND")
NUMBER_WIDTH = 2
_NUMBER = re.compile(r"^\s*0*(\d+)\s*/\s*(.+?)\s*$")


def format_number(n: int, suffix: str) -> str:
    return f"{n:0{NUMBER_WIDTH}d}/{suffix}"


def _number_key(text: str) -> tuple[int, str] | str:
    """What makes two register numbers the same: ``5/QĐ-UBND`` and ``05/QĐ-UBND`` are one number."""
    match = _NUMBER.match(text or "")
    return (int(match.group(1)), match.group(2).upper()) if match else (text or "").strip().upper()


def _taken(session: Session, model, authority_column, authority_id: int, year: int, number: str) -> bool:
    used = session.scalars(select(model.number).where(authority_column == authority_id, model.year == year,
                                                      model.number.is_not(None))).all()
    return _number_key(number) in {_number_key(u) for u in used}


def _register_number(session: Session, model, authority_column, authority_id: int, kind: str, year: int,
                     suffix: str, number: str | None) -> str:
    """The number the office's register gave (typed at signing; 422 when the year already has it),
    else the next counter number in the Decree 30 form, skipping any typed by hand before."""
    if number:
        number = " ".join(number.split())
        if _taken(session, model, authority_column, authority_id, year, number):
            raise field_error("number", _("The number %(number)s is already used.", number=number))
        return number
    while True:
        number = format_number(next_number(session, authority_id, kind, year), suffix)
        if not _taken(session, model, authority_column, authority_id, year, number):
            return number


def _proposals_for(session: Session, actor, authority, proposal_ids: list[int]) -> list[Proposal]:
    if not proposal_ids:
        raise field_error("proposal_ids", _("Choose at least one proposal."))
    if len(set(proposal_ids)) != len(proposal_ids):
        raise field_error("proposal_ids", _("A proposal is listed twice."))
    rows = []
    for pid in proposal_ids:
        check_id("proposal_ids", pid)
        proposal = session.get(Proposal, pid)
        if proposal is None or proposal.current_authority_id != authority.id:
            raise field_error("proposal_ids", _("Unknown proposal: %(id)s.", id=pid))
        if proposal.state != State.RECOMMENDED:
            raise Conflict(_("Proposal %(id)d is not recommended (it is %(state)s).", id=pid, state=proposal.state),
                           code="invalid_state", details={"proposal_id": pid, "state": proposal.state})
        rows.append(proposal)
    return rows


def _power(session: Session, proposal: Proposal) -> str:
    """'within' when this authority decides the award, else 'above'."""
    return deciding_power(session, proposal)


def power(session: Session, proposal: Proposal) -> str:
    """'within' when the proposal's current authority decides its award, else 'above'."""
    return _power(session, proposal)


# --- decisions ------------------------------------------------------------------------------------

def get_decision(session: Session, actor, decision_id: int) -> Decision:
    decision = session.get(Decision, decision_id)
    if decision is None or not policies.can_view_authority(actor, decision.authority_id):
        raise NotFound(_("Unknown decision: %(id)s.", id=decision_id))
    return decision


def list_decisions(session: Session, actor, *, status: str | None = None,
                   authority_code: str | None = None) -> list[Decision]:
    """Decisions of the authorities where ``actor`` holds a role that sees them, newest first."""
    query = select(Decision).order_by(Decision.id.desc())
    if not actor.is_deployment_admin:
        ids = {r.authority_id for r in actor.roles if r.authority_id is not None
               and policies.can_view_authority(actor, r.authority_id)}
        query = query.where(Decision.authority_id.in_(ids))
    if status:
        query = query.where(Decision.status == status)
    if authority_code:
        query = query.join(Decision.authority).where(Authority.code == authority_code)
    return list(session.scalars(query))


def create_decision(session: Session, actor, *, authority_code: str, award_type_code: str | None,
                    proposal_ids: list[int]) -> Decision:
    """Draft a decision from recommended proposals within this authority's power (secretary).

    With ``award_type_code`` every proposal must be of that type; without it the decision may cover
    several types, its attached list grouped by type."""
    authority = authority_by_code(session, authority_code)
    if not policies.is_secretary(actor, authority.id):
        raise field_error("authority_code", _("Unknown authority: %(code)s.", code=authority_code))
    rows = _proposals_for(session, actor, authority, proposal_ids)
    for proposal in rows:
        if award_type_code and proposal.award_type_code != award_type_code:
            raise field_error("proposal_ids", _("Proposal %(id)d is for another award type.", id=proposal.id))
        if _power(session, proposal) != "within":
            raise field_error("proposal_ids", _("Proposal %(id)d is above this authority's power: submit it.",
                                                id=proposal.id))
        if session.scalar(select(DecisionItem.id).where(DecisionItem.proposal_id == proposal.id)):
            raise Conflict(_("Proposal %(id)d is already in another decision.", id=proposal.id), code="in_decision",
                           details={"proposal_id": proposal.id})
    codes = {p.award_type_code for p in rows}
    single = codes.pop() if len(codes) == 1 else None
    decision = Decision(authority=authority, award_type_code=single, status="draft",
                        created_by_id=actor.id)
    for proposal in rows:
        decision.items.append(DecisionItem(proposal_id=proposal.id, proposal=proposal))
    cash.price(session, decision, vntime.today(), strict=False)  # a preview: issuing prices it again
    session.add(decision)
    try:
        session.flush()
    except (IntegrityError, OperationalError) as exc:  # OperationalError: SQLite's lock, same race
        if is_disconnect(exc):  # the database went away: a 503 for the error handler, not a conflict
            raise
        # a concurrent draft took a proposal between the check above and this insert: the unique
        # key on decision_item.proposal_id keeps a proposal in one decision, this draft loses (the
        # request's boundary rolls it back)
        raise Conflict(_("A proposal of this list was just put in another decision."), code="in_decision",
                       details={"proposal_ids": proposal_ids}) from exc
    audit.record(session, chain=authority.code, actor=actor, action="decision.draft", object_type="decision",
                 object_id=decision.id, data={"award": decision.award_type_code, "proposals": proposal_ids})
    session.flush()
    return decision


def _may_sign(actor, authority_id: int, already_signed: bool, signed_in_at: datetime | None, fresh_minutes: int,
              *, not_chair: str, signed: str, code: str) -> None:
    """The chair of ``authority_id`` signs a draft: Forbidden (``not_chair``) for anyone else,
    Conflict ``code`` once signed, then the fresh sign-in (``require_fresh``)."""
    if not policies.is_chair(actor, authority_id):
        raise Forbidden(not_chair)
    if already_signed:
        raise Conflict(signed, code=code)
    require_fresh(signed_in_at, fresh_minutes)


def issue_decision(session: Session, actor, decision_id: int, *, signed_in_at: datetime | None,
                   fresh_minutes: int, number: str | None = None, signed_on: date | None = None) -> Decision:
    """Issue (sign) a decision: number it, award every listed proposal, write the award history."""
    decision = get_decision(session, actor, decision_id)
    _may_sign(actor, decision.authority_id, decision.status == "issued", signed_in_at, fresh_minutes,
              not_chair=_("Only the chair signs decisions."),
              signed=_("This decision is already issued (%(number)s).", number=decision.number), code="already_issued")
    signed_on = check_date("date", signed_on) or vntime.today()
    number = _register_number(session, Decision, Decision.authority_id, decision.authority_id, "QD",
                              signed_on.year, DECISION_SUFFIX, number)
    claimed = session.execute(update(Decision).where(Decision.id == decision.id, Decision.status == "draft")
                              .values(status="issued", number=number, year=signed_on.year, signed_on=signed_on,
                                      signer_id=actor.id, issued_at=utcnow())
                              .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise Conflict(_("This decision is already issued."), code="already_issued")
    # priced on the decision date and stored on the items, once: later edits of the base
    # salary series never change an issued decision
    cash.price(session, decision, signed_on, strict=True, number=number)
    for item in decision.items:
        proposals.transition(session, item.proposal_id, Event.DECIDE, actor,
                             internal={"decision_id": decision.id, "decision_number": number,
                                       "decision_date": signed_on.isoformat()},
                             comment=_("Decision %(number)s", number=number))
    audit.record(session, chain=decision.authority.code, actor=actor, action="decision.issue",
                 object_type="decision", object_id=decision.id,
                 data={"number": number, "date": signed_on.isoformat(), "cash_total": str(decision.cash_total)})
    session.flush()
    session.refresh(decision)
    return decision


# --- submissions ----------------------------------------------------------------------------------

def get_submission(session: Session, actor, submission_id: int) -> Submission:
    submission = session.get(Submission, submission_id)
    # the parent sees a submission once it is sent; a draft is the lower authority's own
    if submission is None or not (policies.can_view_authority(actor, submission.from_authority_id)
                                  or (submission.status == "sent"
                                      and policies.can_view_authority(actor, submission.to_authority_id))):
        raise NotFound(_("Unknown submission: %(id)s.", id=submission_id))
    return submission


def _parent_exists(parent: Authority, day: date) -> None:
    """A submission never goes to an authority that no longer exists (the districts dissolved on
    2025-07-01): 409 ``authority_dissolved`` naming it and the day."""
    if not parent.active_on(day):
        raise Conflict(_("%(name)s no longer exists (dissolved on %(date)s): the administrative tree must be "
                         "updated before submitting.", name=parent.name,
                         date=show_date(parent.dissolved_on)),
                       code="authority_dissolved",
                       details={"authority": parent.code, "dissolved_on": parent.dissolved_on.isoformat()})


def create_submission(session: Session, actor, *, from_authority_code: str, proposal_ids: list[int]) -> Submission:
    """Draft a submission to the parent from recommended proposals above this authority's power."""
    authority = authority_by_code(session, from_authority_code, "from_authority_code")
    if not policies.is_secretary(actor, authority.id):
        raise field_error("from_authority_code", _("Unknown authority: %(code)s.", code=from_authority_code))
    if authority.parent is None:
        raise field_error("from_authority_code", _("This authority has no parent to submit to."))
    _parent_exists(authority.parent, vntime.today())
    rows = _proposals_for(session, actor, authority, proposal_ids)
    for proposal in rows:
        if _power(session, proposal) != "above":
            raise field_error("proposal_ids", _("Proposal %(id)d is within this authority's power: decide it.",
                                                id=proposal.id))
        open_item = session.scalar(select(SubmissionItem.id).join(Submission).where(
            SubmissionItem.proposal_id == proposal.id, Submission.status == "draft"))
        if open_item:
            raise Conflict(_("Proposal %(id)d is already in another submission.", id=proposal.id),
                           code="in_submission", details={"proposal_id": proposal.id})
    submission = Submission(from_authority=authority, to_authority=authority.parent, status="draft",
                            created_by_id=actor.id)
    submission.items = [SubmissionItem(proposal_id=p.id) for p in rows]
    session.add(submission)
    session.flush()
    audit.record(session, chain=authority.code, actor=actor, action="submission.draft", object_type="submission",
                 object_id=submission.id, data={"proposals": proposal_ids, "to": authority.parent.code})
    session.flush()
    return submission


def send_submission(session: Session, actor, submission_id: int, *, signed_in_at: datetime | None,
                    fresh_minutes: int, sent_on: date | None = None, number: str | None = None) -> Submission:
    """Sign and send (chair): number it (``number`` from the office's register, else the next one)
    and fire ``forward`` for every proposal in it."""
    submission = get_submission(session, actor, submission_id)
    _may_sign(actor, submission.from_authority_id, submission.status == "sent", signed_in_at, fresh_minutes,
              not_chair=_("Only the chair signs submissions."),
              signed=_("This submission is already sent (%(number)s).", number=submission.number), code="already_sent")
    sent_on = check_date("date", sent_on) or vntime.today()
    _parent_exists(submission.to_authority, max(sent_on, vntime.today()))
    number = _register_number(session, Submission, Submission.from_authority_id, submission.from_authority_id,
                              "TTr", sent_on.year, SUBMISSION_SUFFIX, number)
    claimed = session.execute(update(Submission).where(Submission.id == submission.id,
                                                       Submission.status == "draft")
                              .values(status="sent", number=number, year=sent_on.year, sent_on=sent_on,
                                      signer_id=actor.id, sent_at=utcnow())
                              .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise Conflict(_("This submission is already sent."), code="already_sent")
    for item in submission.items:
        proposals.transition(session, item.proposal_id, Event.FORWARD, actor,
                             internal={"submission_id": submission.id},
                             data={"submission_number": number},
                             comment=_("Submission %(number)s", number=number))
    audit.record(session, chain=submission.from_authority.code, actor=actor, action="submission.send",
                 object_type="submission", object_id=submission.id, data={"number": number})
    session.flush()
    session.refresh(submission)
    return submission


def _answer(session: Session, actor, submission: Submission, item: SubmissionItem, *, outcome: str,
            decision_number: str | None, decision_date: date | None, reason: str | None) -> None:
    """Fire ``record_outcome`` for one item (flushes). In-system (the proposal sits at the
    receiving authority) the answer is the parent's own; on paper the proposal waits in
    ``forwarded`` at the sender."""
    # once answered, an item stays answered: a returned proposal sent again travels in a new
    # submission, and its answer is recorded there (never on this stale item)
    if item.outcome is not None:
        raise Conflict(_("The outcome of this proposal is already recorded."), code="already_recorded",
                       details={"outcome": item.outcome, "proposal_id": item.proposal_id})
    internal = {}
    proposal = item.proposal
    if proposal.current_authority_id == submission.to_authority_id:
        internal["answer_from_authority_id"] = submission.from_authority_id
    elif proposal.current_authority_id != submission.from_authority_id:
        # forwarded on by the parent: the answer belongs to the submission that carries it now
        raise Conflict(_("Proposal %(id)d has moved on to %(authority)s; it is answered there.", id=proposal.id,
                         authority=proposal.current_authority.name), code="moved_on",
                       details={"proposal_id": proposal.id, "authority": proposal.current_authority.code})
    data = {"outcome": outcome, "decision_number": decision_number, "reason": reason,
            "decision_date": decision_date.isoformat() if decision_date else None}
    proposals.transition(session, item.proposal_id, Event.RECORD_OUTCOME, actor,
                         data={k: v for k, v in data.items() if v is not None}, internal=internal,
                         comment=_("Outcome of submission %(number)s", number=submission.number))
    item.outcome, item.decision_number, item.decision_date = outcome, decision_number, decision_date
    item.reason, item.recorded_at = reason, utcnow()


def _sent(session: Session, actor, submission_id: int) -> Submission:
    submission = get_submission(session, actor, submission_id)
    if submission.status != "sent":
        raise Conflict(_("The submission has not been sent."), code="not_sent")
    return submission


def record_outcome(session: Session, actor, submission_id: int, *, proposal_id: int, outcome: str,
                   decision_number: str | None = None, decision_date: date | None = None,
                   reason: str | None = None) -> SubmissionItem:
    """The higher level's answer for one proposal: by the parent's reviewer or secretary when it
    works in the system (approve with its decision number and date, return with reasons, reject),
    or entered from the paper answer by the sender's secretary.

    403 for a role that may not answer; 409 ``already_recorded``, ``moved_on`` or a state conflict;
    422 for a missing decision number or reason, or an approval the parent has no power to give."""
    check_date("decision_date", decision_date)
    check_id("proposal_id", proposal_id)
    submission = _sent(session, actor, submission_id)
    item = next((i for i in submission.items if i.proposal_id == proposal_id), None)
    if item is None:
        raise field_error("proposal_id", _("Proposal %(id)s is not in this submission.", id=proposal_id))
    _answer(session, actor, submission, item, outcome=outcome, decision_number=decision_number,
            decision_date=decision_date, reason=reason)
    session.flush()
    return item


def answer_submission(session: Session, actor, submission_id: int, *, outcome: str,
                      decision_number: str | None = None, decision_date: date | None = None,
                      reason: str | None = None) -> list[SubmissionItem]:
    """One answer for every proposal of the submission still waiting (the whole submission), in one
    transaction: one refusal refuses all, nothing is half-answered. 409 ``nothing_pending`` when
    every item is answered."""
    check_date("decision_date", decision_date)
    submission = _sent(session, actor, submission_id)
    if not (policies.is_receiver(actor, submission) or policies.is_secretary(actor, submission.from_authority_id)):
        raise Forbidden(_("Your role may not answer this submission."))
    ids = policies.answerable_items(actor, submission)
    waiting = [i for i in submission.items if i.proposal_id in ids]
    if not waiting and not policies.is_receiver(actor, submission) and any(
            i.outcome is None and i.proposal.current_authority_id == submission.to_authority_id
            for i in submission.items):
        # the sender's secretary: the answer is the parent's, in the system
        raise Forbidden(_("The higher level answers this submission in the system."))
    if not waiting:
        raise Conflict(_("No proposal of this submission is waiting for an answer."), code="nothing_pending")
    for item in waiting:
        _answer(session, actor, submission, item, outcome=outcome, decision_number=decision_number,
                decision_date=decision_date, reason=reason)
    session.flush()
    return waiting


# --- discarding drafts ----------------------------------------------------------------------------

def _delete_draft(session: Session, actor, draft, authority, kind: str, *, not_secretary: str,
                  not_draft: str, code: str) -> None:
    """Delete a draft decision or submission of ``authority``: its secretary only (else Forbidden),
    a draft only (else Conflict ``code``); audited with the proposals it held."""
    if not policies.is_secretary(actor, authority.id):
        raise Forbidden(not_secretary)
    if draft.status != "draft":
        raise Conflict(not_draft, code=code)
    audit.record(session, chain=authority.code, actor=actor, action=f"{kind}.discard",
                 object_type=kind, object_id=draft.id, data={"proposals": [i.proposal_id for i in draft.items]})
    session.delete(draft)


def discard_decision(session: Session, actor, decision_id: int) -> None:
    """Delete a draft decision (secretary), freeing its proposals for another draft."""
    decision = get_decision(session, actor, decision_id)
    _delete_draft(session, actor, decision, decision.authority, "decision",
                  not_secretary=_("Only the secretary discards a draft decision."),
                  not_draft=_("An issued decision cannot be discarded."), code="already_issued")
    session.flush()


def discard_submission(session: Session, actor, submission_id: int) -> None:
    """Delete a draft submission (secretary of the sending authority)."""
    submission = get_submission(session, actor, submission_id)
    _delete_draft(session, actor, submission, submission.from_authority, "submission",
                  not_secretary=_("Only the secretary discards a draft submission."),
                  not_draft=_("A sent submission cannot be discarded."), code="already_sent")
    session.flush()
