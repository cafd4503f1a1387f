"""Rounds and proposals, and ``transition`` — the only writer of ``Proposal.state``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from workflow import vntime
from workflow.audit import services as audit
from workflow.db import is_disconnect, utcnow
from workflow.errors import Conflict, Forbidden, Invalid, NotFound, field_error
from workflow.org.labels import NOMINEE_KIND_LABELS
from workflow.org.models import Authority, AwardRecord, RoleAssignment, Unit
from workflow.org.services import authority_by_code, get_nominee, unit_by_code
from workflow.org.vocab import Role
from workflow.proposals import eligibility, event_data, machine, policies, states
from workflow.proposals.models import ROUND_KINDS, Proposal, ProposalTransition, Round
from workflow.proposals.vocab import Event, State
from workflow.reminders import events as notify
from workflow.reminders.services import cancel_pending as cancel_pending_reminders
from workflow.validation import check_id

EDITABLE_FIELDS = ("achievements", "evidence")
# what a transition reads of a proposal's many-to-one neighbours (eligibility, notices, the answer)
# — and its answer: the history and objections read before the audit entry locks the chain
TRANSITION_LOADS = (joinedload(Proposal.round), joinedload(Proposal.nominee), joinedload(Proposal.unit),
                    joinedload(Proposal.current_authority).joinedload(Authority.parent),
                    selectinload(Proposal.history), selectinload(Proposal.objections))
WARNED_EVENTS = (Event.SUBMIT, Event.RESUBMIT, Event.ACCEPT)


# --- rounds ---------------------------------------------------------------------------------------

def create_round(session: Session, actor, *, authority_code: str, year: int, kind: str, title: str,
                 nomination_deadline: date) -> Round:
    """Open a round (đợt xét) of an authority: annual, campaign or ad hoc."""
    authority = authority_by_code(session, authority_code)
    if not policies.can_create_round(actor, authority.id):
        raise field_error("authority_code", _("Unknown authority: %(code)s.", code=authority_code))
    _check_round_fields(kind, title or "")
    if not 1946 <= year <= vntime.today().year + 1:
        raise field_error("year", _("The year must lie between 1946 and %(y)d.", y=vntime.today().year + 1))
    round_ = Round(authority=authority, year=year, kind=kind, title=title.strip(),
                   nomination_deadline=nomination_deadline, created_by_id=actor.id)
    session.add(round_)
    session.flush()
    audit.record(session, chain=authority.code, actor=actor, action="round.create", object_type="round",
                 object_id=round_.id, data={"year": year, "kind": kind, "title": round_.title})
    session.flush()
    return round_


def _check_round_fields(kind: str | None, title: str | None) -> None:
    if kind is not None and kind not in ROUND_KINDS:
        raise field_error("kind", _("Must be one of: %(values)s.", values=", ".join(ROUND_KINDS)))
    if title is not None and not title.strip():
        raise field_error("title", _("A title is required."))


def _managed_round(session: Session, actor, round_id: int) -> Round:
    """A round ``actor`` may manage (its authority's secretary or admin); 404 otherwise."""
    round_ = session.get(Round, round_id)
    if round_ is None or not policies.can_create_round(actor, round_.authority_id):
        raise NotFound(_("Unknown round: %(id)s.", id=round_id))
    return round_


def update_round(session: Session, actor, round_id: int, *, title: str | None = None, kind: str | None = None,
                 nomination_deadline: date | None = None) -> Round:
    """Edit an open round's title, kind or nomination deadline (secretary). 409 once closed."""
    round_ = _managed_round(session, actor, round_id)
    if not round_.is_open:
        raise Conflict(_("This round is closed: reopen it first."), code="round_closed")
    _check_round_fields(kind, title)
    changes = {}
    for name, value in (("title", title.strip() if title else None), ("kind", kind),
                        ("nomination_deadline", nomination_deadline)):
        if value is not None and getattr(round_, name) != value:
            changes[name] = str(value)
            setattr(round_, name, value)
    if changes:
        audit.record(session, chain=round_.authority.code, actor=actor, action="round.update", object_type="round",
                     object_id=round_.id, data=changes)
    session.flush()
    return round_


def set_round_open(session: Session, actor, round_id: int, open_: bool) -> Round:
    """Close a round (no new proposals; those it has go on) or reopen it (secretary)."""
    round_ = _managed_round(session, actor, round_id)
    if round_.is_open == open_:
        raise Conflict(_("This round is already open.") if open_ else _("This round is already closed."),
                       code="round_state")
    round_.closed_at, round_.closed_by_id = (None, None) if open_ else (utcnow(), actor.id)
    audit.record(session, chain=round_.authority.code, actor=actor,
                 action="round.reopen" if open_ else "round.close", object_type="round", object_id=round_.id,
                 data={"title": round_.title})
    session.flush()
    return round_


def get_round(session: Session, actor, round_id: int, field: str = "round_id") -> Round:
    round_ = session.get(Round, round_id)
    if round_ is None or not _sees_authority(session, actor, round_.authority_id):
        raise field_error(field, _("Unknown round: %(id)s.", id=round_id))
    return round_


def _sees_authority(session: Session, actor, authority_id: int) -> bool:
    from workflow.org.policies import scope_authority_ids

    ids = scope_authority_ids(session, actor)
    if ids is None or authority_id in ids:
        return True
    return any(r.role == Role.NOMINATOR and r.unit and r.unit.authority_id == authority_id for r in actor.roles)


# --- proposals ------------------------------------------------------------------------------------

def get_proposal(session: Session, actor, proposal_id: int, options=()) -> Proposal:
    """The proposal if ``actor`` may see it; 404 otherwise. ``options``: loader options for the
    caller's next reads (``transition`` takes its many-to-one neighbours in the same SELECT)."""
    proposal = session.get(Proposal, proposal_id, options=options)
    if proposal is None or not policies.can_view(session, actor, proposal):
        raise NotFound(_("Unknown proposal: %(id)s.", id=proposal_id))
    return proposal


@dataclass
class Nomination:
    """What a new proposal's round, unit and award type resolve to. A bulk nomination resolves it
    once for every row; the single create resolves it for its one row. Plain ids and codes, so a
    commit between rows (which expires the ORM objects) costs no reload."""

    round_id: int
    round_is_open: bool
    authority_id: int
    authority_code: str
    unit_id: int
    award_type_code: str
    nominee_kinds: tuple[str, ...]


def nomination_target(session: Session, actor, *, round_id: int, award_type_code: str, unit_code: str,
                      linked_proposal_id: int | None = None) -> Nomination:
    """The checks of a new proposal that do not depend on its nominee: the round (422 unknown or out
    of scope, 409 closed), the unit (422 unknown, of another authority, or not the actor's to
    propose for) and the award type in the rule set in force (422)."""
    round_ = get_round(session, actor, round_id)
    if not round_.is_open and not _lower_reproposal(session, linked_proposal_id, round_.id):
        raise Conflict(_("The round “%(title)s” is closed: it takes no new proposals.", title=round_.title),
                       code="round_closed", details={"round_id": round_.id})
    unit = unit_by_code(session, unit_code)
    if unit.authority_id != round_.authority_id:
        raise field_error("unit_code", _("Unit %(unit)s does not belong to that authority.", unit=unit.code))
    if not policies.can_propose(actor, round_.authority_id, unit.id):
        raise field_error("unit_code", _("Unknown unit: %(code)s.", code=unit_code))
    from workflow.catalog.services import rule_set_for

    rule_set = rule_set_for(session, round_.authority, vntime.today())
    award_type = next((t for t in rule_set.award_types if t.code == award_type_code), None)
    if award_type is None:
        raise field_error("award_type_code", _("Unknown award type: %(code)s.", code=award_type_code))
    return Nomination(round_id=round_.id, round_is_open=round_.is_open, authority_id=round_.authority_id,
                      authority_code=round_.authority.code, unit_id=unit.id, award_type_code=award_type.code,
                      nominee_kinds=tuple(award_type.nominee_kinds))


def create_proposal(session: Session, actor, *, round_id: int, nominee_id: int, award_type_code: str,
                    unit_code: str, achievements: str = "", evidence: dict | None = None,
                    linked_proposal_id: int | None = None) -> Proposal:
    """A draft proposal: one nominee × one award type × one round. 409 on a duplicate, 422 when the
    nominee's kind may not receive the award."""
    target = nomination_target(session, actor, round_id=round_id, award_type_code=award_type_code,
                               unit_code=unit_code, linked_proposal_id=linked_proposal_id)
    proposal = nominate(session, actor, target, nominee_id, achievements=achievements, evidence=evidence,
                        linked_proposal_id=linked_proposal_id)
    return proposal


def nominate(session: Session, actor, target: Nomination, nominee_id: int, *, achievements: str = "",
             evidence: dict | None = None, linked_proposal_id: int | None = None,
             proposed: dict[int, int] | None = None, audit_entries: list | None = None) -> Proposal:
    """The nominee's checks of a new proposal (422 unknown or out of scope, of another authority,
    of a kind the award does not take; 409 already proposed), then the draft and its audit entry.
    Every check reads before anything is written, so a refusal leaves no trace; flushes, the caller
    commits (``create_proposal`` for one, ``bulk.nominate_many`` once for all, a savepoint per row).

    A bulk passes what it read once for every row: ``proposed`` — ``{nominee id: proposal id}`` of
    the target's round and award, instead of one select per row (a proposal created since is still
    refused, by the unique key at the flush) — and ``audit_entries``, a list the row's audit entry
    is appended to (after its draft is flushed) for ``audit.record_many``, instead of being
    chained here."""
    try:
        nominee = get_nominee(session, actor, nominee_id)
    except NotFound as exc:
        raise field_error("nominee_id", _("Unknown nominee: %(id)s.", id=nominee_id)) from exc
    if nominee.authority_id != target.authority_id:
        raise field_error("nominee_id", _("The nominee belongs to another authority."))
    if nominee.kind not in target.nominee_kinds:
        raise field_error("award_type_code", _("This award cannot be given to a %(kind)s.", kind=NOMINEE_KIND_LABELS[nominee.kind]))
    if linked_proposal_id is not None:
        _check_linked(session, actor, linked_proposal_id, nominee.id, round_id=target.round_id,
                      award_code=target.award_type_code)
    if proposed is not None:
        duplicate = proposed.get(nominee.id)
    else:
        duplicate = session.scalar(select(Proposal.id).where(
            Proposal.round_id == target.round_id, Proposal.nominee_id == nominee.id,
            Proposal.award_type_code == target.award_type_code))
    if duplicate:
        raise Conflict(_("This nominee is already proposed for this award in this round (proposal %(id)d).",
                         id=duplicate), code="duplicate", details={"proposal_id": duplicate})
    proposal = Proposal(round_id=target.round_id, nominee=nominee, award_type_code=target.award_type_code,
                        unit_id=target.unit_id, origin_authority_id=target.authority_id,
                        current_authority_id=target.authority_id, state=State.DRAFT, version=1,
                        achievements=(achievements or "").strip(), evidence=evidence,
                        linked_proposal_id=linked_proposal_id, created_by_id=actor.id)
    session.add(proposal)
    try:
        session.flush()
    except IntegrityError as exc:
        # a concurrent create won the unique key: undo what this row began — its savepoint when a
        # bulk gave it one (the bulk rolls that back), else the whole transaction
        if not session.in_nested_transaction():
            session.rollback()
        raise Conflict(_("This nominee is already proposed for this award in this round."),
                       code="duplicate") from exc
    entry = ("proposal.create", "proposal", proposal.id,
             {"nominee": nominee.id, "award": target.award_type_code, "round": target.round_id})
    if audit_entries is not None:
        audit_entries.append(entry)
    else:
        audit.record_many(session, chain=target.authority_code, actor=actor, entries=[entry])
    return proposal


def _check_linked(session: Session, actor, linked_id: int, nominee_id: int, *, round_id: int | None = None,
                  award_code: str | None = None) -> None:
    """A linked proposal (the one this re-proposes, e.g. for a lower award) exists, is in the
    actor's scope and is about the same nominee; 422 naming ``linked_proposal_id`` otherwise
    (the same answer for unknown and out of scope)."""
    check_id("linked_proposal_id", linked_id)
    linked = session.get(Proposal, linked_id)
    if linked is None or not policies.can_view(session, actor, linked):
        raise field_error("linked_proposal_id", _("Unknown proposal: %(id)s.", id=linked_id))
    if linked.nominee_id != nominee_id:
        raise field_error("linked_proposal_id", _("The linked proposal is about another nominee."))
    if award_code is not None and _lower_reproposal(session, linked_id, round_id):
        from workflow.locales import award_name
        from workflow.proposals.choices import lower_award_types, rule_of, rules_in_force

        in_force = rules_in_force(session, linked.round.authority)
        failed = rule_of(linked, in_force) or {"code": linked.award_type_code}
        lower = lower_award_types(in_force, failed, linked.nominee.kind)
        if award_code not in {rule["code"] for rule in lower}:
            raise field_error("award_type_code", _(
                "A proposal the council did not recommend is re-proposed for a lower award only: %(awards)s.",
                awards=", ".join(award_name(rule, rule["code"]) for rule in lower)
                or _("none in the rules in force")))


def _lower_reproposal(session: Session, linked_id: int | None, round_id: int) -> bool:
    """Is this the re-proposal of a not-recommended proposal of the same round for a lower award
    (SPEC §4)? It may be made after the round closed: the council met after the deadline."""
    if linked_id is None or not isinstance(linked_id, int) or isinstance(linked_id, bool):
        return False
    linked = session.get(Proposal, linked_id)
    return linked is not None and linked.round_id == round_id and linked.state == State.NOT_RECOMMENDED


def edit_proposal(session: Session, actor, proposal_id: int, *, version: int, **changes) -> Proposal:
    """Edit a draft or returned proposal. ``version`` must be the one the editor saw (else 409)."""
    proposal = get_proposal(session, actor, proposal_id)
    if not policies.can_edit(actor, proposal):
        if proposal.state not in (State.DRAFT, State.RETURNED):
            raise Conflict(_("Only a draft or returned proposal can be edited."), code="invalid_transition",
                           details={"state": proposal.state})
        raise Forbidden(_("You may not edit this proposal."))
    values = {k: v for k, v in changes.items() if k in EDITABLE_FIELDS and v is not None}
    if "achievements" in values:
        values["achievements"] = values["achievements"].strip()
    changed = [k for k, v in values.items() if getattr(proposal, k) != v]
    if proposal.state == State.RETURNED:
        values["fields_changed"] = sorted(set(proposal.fields_changed or []) | set(changed))
    values.update(version=proposal.version + 1, updated_at=utcnow())
    result = session.execute(update(Proposal).where(
        Proposal.id == proposal.id, Proposal.version == version, Proposal.state == proposal.state,
    ).values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.rollback()  # lost race: the unit fails anyway; ending the stale snapshot lets _conflict read the winner
        raise _conflict(session, proposal_id, _("The proposal was changed by someone else; reload it."))
    audit.record(session, chain=proposal.current_authority.code, actor=actor, action="proposal.edit",
                 object_type="proposal", object_id=proposal.id, data={"fields": changed})
    session.flush()
    session.refresh(proposal)
    return proposal


def _conflict(session: Session, proposal_id: int, message: str) -> Conflict:
    current = session.execute(select(Proposal.state, Proposal.version).where(Proposal.id == proposal_id)).first()
    return Conflict(message, code="conflict",
                    details={"state": current.state if current else None,
                             "version": current.version if current else None})


# --- the one writer of state ----------------------------------------------------------------------

class _Checks:
    """Read helpers the guards need, bound to the session."""

    def __init__(self, session: Session, proposal: Proposal, today: date):
        self.session, self.proposal, self._today = session, proposal, today

    def today(self) -> date:
        return self._today

    def returned_at(self):
        return self.session.scalar(select(func.max(ProposalTransition.created_at)).where(
            ProposalTransition.proposal_id == self.proposal.id, ProposalTransition.to_state == State.RETURNED))

    def parent_in_system(self) -> bool:
        parent = self.proposal.current_authority.parent
        if parent is None:
            return False
        return bool(self.session.scalar(select(func.count(RoleAssignment.id)).where(
            RoleAssignment.authority_id == parent.id,
            RoleAssignment.role.in_((Role.SECRETARY, Role.HIGHER_REVIEWER)))))


# Stays whole (long or radon D+): the one writer of proposal state, its checks in the order their
# refusals answer (404, 422, 403, 409), then the claim and everything written with it in one place.
def transition(session: Session, proposal_id: int, event: str, actor, *, comment: str | None = None,
               data: dict | None = None, internal: dict | None = None, expected_version: int | None = None,
               today: date | None = None) -> Proposal:
    """Fire ``event`` on a proposal as ``actor``.

    Checks scope (404), the event name (422), the actor's role (403), the state (409
    ``invalid_transition``), the shape of ``data`` and ``comment`` against the event's model
    (422 naming the field, see ``event_data``), then the machine's data guards (422 ``guard_failed``). Claims the
    row with a compare-and-set update on (state, version): a concurrent change makes this one a
    409 ``conflict`` carrying the current state. Writes the history row and the audit entry and
    flushes; the caller's unit of work commits (a meeting close or a decision batches several
    proposals in it). ``internal`` carries what only services may pass (meeting, decision or
    submission ids).
    """
    # loaded here, its history is the database's (an object already in the session keeps what it had)
    history_read_here = session.identity_map.get(identity_key(Proposal, proposal_id)) is None
    proposal = get_proposal(session, actor, proposal_id, options=TRANSITION_LOADS)
    if event not in states.EVENTS:
        raise Invalid(_("Unknown event: %(event)s.", event=event), code="unknown_event",
                      details={"event": _("one of: %(events)s", events=", ".join(states.EVENTS))})
    if not policies.can_fire(actor, proposal, event):
        raise Forbidden(_("Your role may not do this to this proposal."), details={"event": event})
    if expected_version is not None and expected_version != proposal.version:
        raise _conflict(session, proposal.id, _("The proposal was changed by someone else; reload it."))
    if event not in states.allowed_events(proposal.state):
        raise Conflict(_("This cannot be done while the proposal is “%(state)s”.",
                         state=states.STATE_LABELS[proposal.state]), code="invalid_transition",
                       details={"state": proposal.state, "event": event,
                                "allowed": states.allowed_events(proposal.state)})
    today = today or vntime.today()
    data = event_data.validate(event, data, comment)  # one typed model per event, no free keys
    old_state, old_version, at = proposal.state, proposal.version, proposal.current_authority
    context = states.Context(proposal=proposal, actor=actor, data=data, internal=dict(internal or {}),
                             checks=_Checks(session, proposal, today), state=old_state)
    new_state = machine.fire(event, context)
    if new_state is None:
        raise states.GuardFailed(_("No rule allows this event with these data."), details={"event": event})
    values = _effects(session, proposal, event, new_state, context, today)
    values.update(state=new_state, version=old_version + 1, updated_at=utcnow())
    try:
        claimed = session.execute(update(Proposal).where(
            Proposal.id == proposal.id, Proposal.state == old_state, Proposal.version == old_version,
        ).values(**values).execution_options(synchronize_session=False)).rowcount
    except OperationalError as exc:  # SQLite: the other writer holds the lock past the timeout
        if is_disconnect(exc):  # the database went away: a 503 for the error handler, not a conflict
            raise
        session.rollback()  # lost race: the unit fails anyway; ending the stale snapshot lets _conflict read the winner
        raise _conflict(session, proposal_id, _("Someone else changed this proposal just now.")) from exc
    if claimed != 1:
        session.rollback()  # lost race: the unit fails anyway; ending the stale snapshot lets _conflict read the winner
        raise _conflict(session, proposal_id, _("Someone else changed this proposal just now."))
    cancel_pending_reminders(session, "proposal", proposal.id)  # it moved on: same transaction
    history_data = {k: v for k, v in data.items() if k != "password"}
    if event in WARNED_EVENTS:
        # declared items are never a silent pass: what is missing is said on the event itself
        report = eligibility.evaluate(session, proposal, mode="accept")
        warnings = [{"rule": c.rule, "message": c.message, **c.details} for c in report.warnings]
        if warnings:
            history_data["warnings"] = warnings
    if values.get("current_authority_id", at.id) != at.id:
        history_data["to_authority"] = session.get(Authority, values["current_authority_id"]).code
    row = ProposalTransition(
        proposal_id=proposal.id, event=event, from_state=old_state, to_state=new_state, actor_id=actor.id,
        actor_name=actor.username, authority_id=at.id, comment=comment, data=history_data)
    session.add(row)
    _write_awards(session, proposal, event, new_state, data, internal or {}, actor, today)
    session.flush()
    notify.proposal_event(session, proposal, row, actor, at)  # same transaction: a rollback tells no one
    audit.record(session, chain=at.code, actor=actor, action=f"proposal.{event}", object_type="proposal",
                 object_id=proposal.id, data={"from": old_state, "to": new_state, "comment": comment,
                                              **history_data})
    session.flush()
    _claimed_values(session, proposal, values, row if history_read_here else None)
    return proposal


def _claimed_values(session: Session, proposal: Proposal, values: dict, row: ProposalTransition | None) -> None:
    """The claim wrote ``values`` with a Core UPDATE (the compare-and-set), behind the ORM's back:
    make them the loaded object's committed state — what a refresh would read back — without a
    refresh, which would reload the row and expire every relationship the guards, the eligibility
    check and the caller's answer read (round, nominee, unit, documents: six reloads a transition).
    The history read with the proposal gets the new ``row`` at its end (ordered by id, it is the
    newest; ``row`` None: the history came from before this call, so it is reloaded); what else the
    update can make stale is expired: the holder when it moved, the columns the database computes
    from a new rule snapshot."""
    for key, value in values.items():
        set_committed_value(proposal, key, value.value if isinstance(value, Enum) else value)
    stale = []
    if row is not None and "history" in proposal.__dict__:
        set_committed_value(proposal, "history", [*proposal.history, row])
    else:
        stale.append("history")
    if "current_authority_id" in values:
        stale.append("current_authority")
    if "award_rule" in values:
        stale += ["deciding_level", "in_annual_report"]
    if stale:
        session.expire(proposal, stale)


# Stays whole (long or radon D+): one branch per event that changes columns besides the state; read
# side by side they are the table of what each event writes.
def _effects(session: Session, proposal: Proposal, event: str, new_state: str, context, today: date) -> dict:
    """Column changes that go with an event (besides state and version)."""
    data = context.data
    if event in (Event.SUBMIT, Event.RESUBMIT):
        values = {"missing_items": None, "fields_changed": None}
        if event == Event.SUBMIT and proposal.rule_set_code is None:
            # the rules in force the day the dossier was received (its first submit) judge it
            code, rule = eligibility.award_rule(session, proposal, today)
            values.update(rule_set_code=code, award_rule=rule)
        return values
    if event == Event.RETURN_FOR_CHANGES:
        items = [{k: str(v) for k, v in item.items() if k in ("doc_type", "field", "message")}
                 for item in data.get("items") or data.get("missing_items")]
        return {"missing_items": items, "fields_changed": []}
    if event == Event.ACCEPT and proposal.rule_set_code is None:
        # a proposal submitted before the snapshot moved to the first submit takes it now
        code, rule = eligibility.award_rule(session, proposal, today)
        return {"rule_set_code": code, "award_rule": rule}
    if event in (Event.REJECT, Event.REVOKE) or (event == Event.RECORD_OUTCOME and new_state == State.REJECTED):
        return {"reason": str(data.get("reason")).strip()}
    if event == Event.PUBLISH:
        return {"notice_from": today, "notice_until": today + timedelta(days=int(data["days"]) - 1),
                "notice_done": False}
    if event == Event.CLOSE_NOTICE:
        return {"notice_done": True}
    if event == Event.RECORD_OUTCOME and new_state == State.RECOMMENDED and context.internal.get("answer_from_authority_id"):
        # returned by the parent in-system: back to the authority that sent it, to fix and send again
        return {"current_authority_id": context.internal["answer_from_authority_id"]}
    if event == Event.FORWARD and new_state == State.SUBMITTED:
        return {"current_authority_id": proposal.current_authority.parent_id}
    return {}


def _write_awards(session: Session, proposal: Proposal, event: str, new_state: str, data: dict,
                  internal: dict, actor, today: date) -> None:
    """Awarding writes the award history that eligibility reads; revoking takes it out."""
    if new_state == State.AWARDED:
        number = internal.get("decision_number") or data.get("decision_number")
        raw_date = internal.get("decision_date") or data.get("decision_date")
        decided_on = date.fromisoformat(str(raw_date)) if raw_date else today
        session.add(AwardRecord(nominee_id=proposal.nominee_id, award_type_code=proposal.award_type_code,
                                year=proposal.round.year, decision_number=str(number), decision_date=decided_on,
                                source="decision" if event == Event.DECIDE else "outcome",
                                recorded_by_id=actor.id, proposal_id=proposal.id))
    elif event == Event.REVOKE:
        session.execute(update(AwardRecord).where(AwardRecord.proposal_id == proposal.id,
                                                  AwardRecord.revoked_at.is_(None)).values(revoked_at=utcnow()))


def receive_imported(session: Session, actor, *, round_: Round, nominee, unit: Unit, award_type_code: str,
                     at: Authority, achievements: str, evidence: dict | None, rule_set_code: str | None,
                     award_rule: dict | None, history: list[dict], receipt: dict) -> Proposal:
    """An incoming proposal from a dossier package (``decisions.importing``): the one creator of a
    proposal in a state other than ``draft`` — ``transition`` stays the only writer of a state
    change. Inserts it ``submitted`` at ``at`` (the receiving authority) with version 1, copies the
    sending system's history (each row marked ``imported``), writes the ``forward`` row that records
    the receipt — as an in-system forward would have — and one audit entry for the proposal.
    Flushes only: the import commits once for the whole package."""
    proposal = Proposal(round=round_, nominee=nominee, award_type_code=award_type_code, unit=unit,
                        origin_authority_id=round_.authority_id, current_authority_id=at.id, state=State.SUBMITTED,
                        version=1, achievements=achievements or "", evidence=evidence, rule_set_code=rule_set_code,
                        award_rule=award_rule, created_by_id=actor.id)
    session.add(proposal)
    session.flush()
    for row in history:
        row = dict(row)
        extra = row.pop("data", {})
        session.add(ProposalTransition(proposal_id=proposal.id, actor_id=None, authority_id=round_.authority_id,
                                       data={"imported": True, **extra}, **row))
    receipt = dict(receipt)
    comment = receipt.pop("comment", None)
    session.add(ProposalTransition(
        proposal_id=proposal.id, event=Event.FORWARD, from_state=State.RECOMMENDED, to_state=State.SUBMITTED,
        actor_id=actor.id, actor_name=actor.username, authority_id=round_.authority_id,
        comment=comment, data={"to_authority": at.code, "imported": True, **receipt}))
    session.flush()
    audit.record(session, chain=at.code, actor=actor, action="proposal.import", object_type="proposal",
                 object_id=proposal.id, data={"to": State.SUBMITTED, "from_authority": round_.authority.code,
                                              "nominee": nominee.name, "award_type": award_type_code,
                                              "package_id": receipt.get("package_id"),
                                              "submission_number": receipt.get("submission_number")})
    return proposal


def eligibility_report(session: Session, actor, proposal_id: int, mode: str = "accept") -> dict:
    proposal = get_proposal(session, actor, proposal_id)
    return eligibility.evaluate(session, proposal, mode).as_dict()


def units_for(session: Session, actor, authority: Authority) -> list[Unit]:
    """The units ``actor`` may propose for at ``authority``."""
    units = session.scalars(select(Unit).where(Unit.authority_id == authority.id).order_by(Unit.name)).all()
    return [u for u in units if policies.can_propose(actor, authority.id, u.id)]


def newer_rule_set(session: Session, proposal: Proposal, today: date | None = None):
    """The rule set in force today for the proposal's authority when it is newer than the one that
    judges the proposal (a new period began before the decision), else None."""
    from workflow.catalog.models import RuleSet
    from workflow.catalog.services import rule_set_for

    if not proposal.rule_set_code or proposal.state not in states.BEFORE_DECISION:
        return None
    current = session.scalar(select(RuleSet).where(RuleSet.code == proposal.rule_set_code))
    in_force = rule_set_for(session, proposal.current_authority, today or vntime.today())
    if current is None or in_force.code == current.code or in_force.effective_from <= current.effective_from:
        return None
    return in_force


def apply_rule_set(session: Session, actor, proposal_id: int, rule_set_code: str, *, comment: str | None = None,
                   today: date | None = None) -> Proposal:
    """The secretary applies the newer rule set in force to a proposal not yet decided, when it
    favours the nominee (NĐ 152/2025 Art 60(3)): a recorded act — a history row and an audit entry
    say who chose which set. 422 when the set is not the one in force now, or not newer; 409 after
    the decision or on a concurrent change. The state does not change."""
    from workflow.catalog.services import rule_set_for

    proposal = get_proposal(session, actor, proposal_id)
    if not policies.can_screen(actor, proposal):
        raise Forbidden(_("Only the secretary screening the proposal chooses its rule set."))
    if proposal.state not in states.BEFORE_DECISION or proposal.state == State.DRAFT:
        raise Conflict(_("The rule set can be changed only between the dossier's receipt and the decision."),
                       code="invalid_transition", details={"state": proposal.state})
    today = today or vntime.today()
    newer = newer_rule_set(session, proposal, today)
    in_force = rule_set_for(session, proposal.current_authority, today)
    if newer is None or newer.code != rule_set_code:
        reason = (_("%(code)s is not the rule set in force today (%(in_force)s).", code=rule_set_code,
                    in_force=in_force.code) if rule_set_code != in_force.code else
                  _("%(code)s is not newer than the rule set that judges this proposal (%(current)s).",
                    code=rule_set_code, current=proposal.rule_set_code))
        raise field_error("rule_set", reason)
    award_type = next((t for t in newer.award_types if t.code == proposal.award_type_code), None)
    if award_type is None:
        raise field_error("rule_set", _("The award type %(code)s is not in %(rule_set)s.",
                                        code=proposal.award_type_code, rule_set=newer.code))
    old_code, old_version, at = proposal.rule_set_code, proposal.version, proposal.current_authority
    claimed = session.execute(update(Proposal).where(
        Proposal.id == proposal.id, Proposal.version == old_version, Proposal.state == proposal.state,
    ).values(rule_set_code=newer.code, award_rule=eligibility.snapshot(award_type, newer), version=old_version + 1,
             updated_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        session.rollback()  # lost race: the unit fails anyway; ending the stale snapshot lets _conflict read the winner
        raise _conflict(session, proposal_id, _("Someone else changed this proposal just now."))
    data = {"from_rule_set": old_code, "to_rule_set": newer.code}
    session.add(ProposalTransition(proposal_id=proposal.id, event="apply_rule_set", from_state=proposal.state,
                                   to_state=proposal.state, actor_id=actor.id, actor_name=actor.username,
                                   authority_id=at.id, comment=comment, data=data))
    audit.record(session, chain=at.code, actor=actor, action="proposal.apply_rule_set", object_type="proposal",
                 object_id=proposal.id, data={**data, "comment": comment})
    session.flush()
    session.refresh(proposal)
    return proposal
