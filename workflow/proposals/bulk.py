"""Bulk nomination and bulk events (đề nghị hàng loạt): many rows, each through the single path.

Semantics (SPEC §10 ``/proposals/bulk`` and ``/proposals/events``):

- **The body is checked as a whole first.** An empty list, more than :data:`MAX_ROWS` ids, an id
  listed twice, an unknown (or out-of-scope) round, unit or award type, a closed round, an unknown
  event or event data of the wrong shape: the whole request is refused (4xx) and nothing is written.
- **Then per row.** Every row goes through the very service the single call uses
  (``services.nominate`` — the nominee's half of ``create_proposal`` — or ``services.transition``);
  a row the service refuses is listed with the error object the single call would answer
  (``{code, message, details}``) and leaves no trace.
- **Nomination: one transaction, a savepoint per row.** The round's row is claimed first (an
  ``UPDATE``: two bulks of one round queue; on SQLite it also opens the real transaction the
  savepoints nest in — pysqlite opens one only before a write, and an outermost SAVEPOINT would
  commit on release). A refused row's checks read before anything is written and its savepoint is
  rolled back (also when a concurrent create wins the unique key at the insert). One commit at the
  end: 600 drafts cost one disk sync, not 600, and a crash half-way (the database gone) leaves
  nothing — send the same request again.
- **Events: one transaction per row.** ``fire_many`` commits each row itself (the deliberate
  exception to the request's one unit of work), so each row's side
  effects (notifications, reminders, tasks) are dispatched after its own commit, as one by one; a
  crash half-way leaves the rows before it done, and sending the request again is safe (an event
  already fired is refused as ``invalid_transition``).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workflow.audit import services as audit
from workflow.errors import Conflict, DomainError, Invalid, field_error
from workflow.org.models import Nominee
from workflow.proposals import event_data, services, states
from workflow.proposals.models import Proposal, Round

# at most this many ids in one request: a commune's whole year of households (Định Biên: 611) fits
# three times over, and one request stays within a few seconds
MAX_ROWS = 2000


def error_json(exc: DomainError) -> dict:
    """The ``error`` object the API answers for ``exc`` (one row's refusal)."""
    return {"code": exc.code, "message": exc.message, "details": exc.details or {}}


def check_ids(field: str, ids: list[int]) -> None:
    """A non-empty list of at most :data:`MAX_ROWS` distinct ids; 422 naming ``field`` otherwise."""
    if not ids:
        raise field_error(field, _("Choose at least one."))
    if len(ids) > MAX_ROWS:
        raise Invalid(_("At most %(max)d at once (%(n)d given).", max=MAX_ROWS, n=len(ids)),
                      details={field: _("at most %(max)d", max=MAX_ROWS)})
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1}) if len(ids) <= 200 else []
        raise field_error(field, _("An id is listed twice: %(ids)s.", ids=", ".join(map(str, twice)) or "…"))


def nominate_many(session: Session, actor, *, round_id: int, award_type_code: str, unit_code: str,
                  nominee_ids: list[int], achievements: str = "", evidence: dict | None = None) -> dict:
    """Propose every nominee of ``nominee_ids`` for one award in one round for one unit (nominator
    of the unit, or secretary). The round, unit and award type are checked once (422/409 for the
    whole body, nothing created); then each nominee gets the single create's own checks and, when
    they pass, its draft — with the same ``achievements`` and ``evidence`` (the hamlet meeting and
    its posted list, entered once) — in a savepoint of its own; then the created drafts' audit
    entries (one each, chained in order, one append); the caller's unit of work commits once.

    Returns ``{"created": [{nominee_id, id}], "refused": [{nominee_id, error}]}`` in the order given.
    """
    check_ids("nominee_ids", nominee_ids)
    target = services.nomination_target(session, actor, round_id=round_id, award_type_code=award_type_code,
                                        unit_code=unit_code)
    claimed = session.execute(update(Round).where(Round.id == target.round_id, Round.closed_at.is_(None))
                              .values(id=Round.id).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:  # closed since it was read: nothing was written yet, the boundary rolls back
        raise Conflict(_("The round is closed: it takes no new proposals."), code="round_closed",
                       details={"round_id": target.round_id})
    # one select for every nominee, and one for the proposals they already have for this award in
    # this round, instead of one of each per row: the rows' own lookups (and their scope checks)
    # then find the nominees in the session — held here, as the session only holds them weakly
    nominees, proposed = [], {}
    for start in range(0, len(nominee_ids), 500):
        chunk = nominee_ids[start:start + 500]
        nominees += session.scalars(select(Nominee).where(Nominee.id.in_(chunk))).all()
        proposed.update(session.execute(select(Proposal.nominee_id, Proposal.id).where(
            Proposal.round_id == target.round_id, Proposal.award_type_code == target.award_type_code,
            Proposal.nominee_id.in_(chunk))).all())
    created, refused, entries = [], [], []
    for nominee_id in nominee_ids:
        row, row_entries = session.begin_nested(), []
        try:
            proposal = services.nominate(session, actor, target, nominee_id, achievements=achievements,
                                         evidence=evidence, proposed=proposed, audit_entries=row_entries)
        except DomainError as exc:
            row.rollback()
            refused.append({"nominee_id": nominee_id, "error": error_json(exc)})
        else:
            row.commit()
            entries += row_entries  # only a kept row's entry
            created.append({"nominee_id": nominee_id, "id": proposal.id})
    # the created drafts' audit entries, one each, chained in the order given in one append
    # (the chain head is claimed once); in the same transaction as the drafts
    audit.record_many(session, chain=target.authority_code, actor=actor, entries=entries)
    session.flush()
    return {"created": created, "refused": refused}


def fire_many(session: Session, actor, proposal_ids: list[int], event: str, *, comment: str | None = None,
              data: dict | None = None) -> dict:
    """Fire ``event`` on each proposal of ``proposal_ids`` through ``services.transition`` — its scope
    (an id the actor cannot see is refused as ``not_found``, the same answer as an unknown one), role,
    state and guard checks and its side effects, one commit per row. The event's name and the shape
    of ``data``/``comment`` are the body's: checked once (422, nothing done).

    Returns ``{"done": [id], "refused": [{id, error}]}`` in the order given.
    """
    check_ids("proposal_ids", proposal_ids)
    if event not in states.EVENTS:
        raise Invalid(_("Unknown event: %(event)s.", event=event), code="unknown_event",
                      details={"event": _("one of: %(events)s", events=", ".join(states.EVENTS))})
    event_data.validate(event, data, comment)
    done, refused = [], []
    for proposal_id in proposal_ids:
        try:
            services.transition(session, proposal_id, event, actor, comment=comment, data=data)
        except DomainError as exc:
            session.rollback()  # this row alone: one transaction per row, the rows before it stay done
            refused.append({"id": proposal_id, "error": error_json(exc)})
        else:
            session.commit()  # one transaction per row: its side effects go after its own commit
            done.append(proposal_id)
    return {"done": done, "refused": refused}
