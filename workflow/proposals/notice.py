"""Public notice (công khai): the list anyone can read, objections and their resolutions."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from workflow import vntime
from workflow.audit import services as audit
from workflow.db import utcnow
from workflow.errors import Conflict, Forbidden, Invalid, NotFound, field_error
from workflow.folding import name_matches
from workflow.org.models import Authority, Nominee
from workflow.proposals import policies
from workflow.proposals.models import Objection, Proposal
from workflow.proposals.services import get_proposal
from workflow.proposals.vocab import State


def notice_authority(session: Session, code: str) -> Authority:
    authority = session.scalar(select(Authority).where(Authority.code == code))
    if authority is None:
        raise NotFound(_("Unknown authority: %(code)s.", code=code))
    return authority


def notice_index(session: Session) -> list[tuple[Authority, int]]:
    """Every authority in office with the number of proposals it has on notice (the public index,
    linked from the sign-in page): those with notices first, then by name."""
    counts = dict(session.execute(
        select(Proposal.current_authority_id, func.count()).where(Proposal.state == State.PUBLIC_NOTICE)
        .group_by(Proposal.current_authority_id)).all())
    today = vntime.today()
    authorities = [a for a in session.scalars(select(Authority).order_by(Authority.name)) if a.active_on(today)]
    return sorted(((a, counts.get(a.id, 0)) for a in authorities), key=lambda pair: pair[1] == 0)


def public_notices_query(authority: Authority, q: str | None = None):
    """The select of the proposals on notice at ``authority``; ``q`` the nominee's name, with or
    without diacritics (the public page pages it)."""
    query = (select(Proposal).where(Proposal.current_authority_id == authority.id, Proposal.state == State.PUBLIC_NOTICE)
             .options(selectinload(Proposal.nominee), selectinload(Proposal.unit)).order_by(Proposal.id))
    if q:
        query = query.where(Proposal.nominee_id.in_(select(Nominee.id).where(name_matches(Nominee.name_folded, q))))
    return query


def public_notices(session: Session, authority: Authority) -> list[Proposal]:
    """Proposals on notice at ``authority`` (no sign-in needed)."""
    return list(session.scalars(public_notices_query(authority)))


def file_objection(session: Session, authority_code: str, proposal_id: int, *, name: str, contact: str,
                   text: str) -> Objection:
    """A member of the public objects to a proposal on notice."""
    authority = notice_authority(session, authority_code)
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.current_authority_id != authority.id:
        raise NotFound(_("Unknown proposal: %(id)s.", id=proposal_id))
    if proposal.state != State.PUBLIC_NOTICE:
        raise Conflict(_("This proposal is not on public notice."), code="not_on_notice",
                       details={"state": proposal.state})
    details = {}
    name, contact, text = (name or "").strip(), (contact or "").strip(), (text or "").strip()
    if not name or len(name) > 200:
        details["name"] = _("Give your name (up to 200 characters).")
    if not contact or len(contact) > 200:
        details["contact"] = _("Give a phone number, e-mail or address (up to 200 characters).")
    if len(text) < 5 or len(text) > 5000:
        details["text"] = _("Write the objection (5 to 5000 characters).")
    if details:
        raise Invalid(_("Some fields are invalid: %(fields)s", fields=", ".join(details)), details=details)
    objection = Objection(proposal_id=proposal.id, name=name, contact=contact, text=text)
    session.add(objection)
    session.flush()
    audit.record(session, chain=authority.code, actor=None, action="objection.file", object_type="proposal",
                 object_id=proposal.id, data={"objection": objection.id})
    session.flush()
    return objection


def resolve_objection(session: Session, actor, objection_id: int, resolution: str) -> Objection:
    """The secretary records how an objection was settled (needed before ``close_notice``)."""
    objection = session.get(Objection, objection_id)
    if objection is None:
        raise NotFound(_("Unknown objection: %(id)s.", id=objection_id))
    proposal = get_proposal(session, actor, objection.proposal_id)
    if not policies.can_screen(actor, proposal):
        raise Forbidden(_("Only the secretary resolves objections."))
    if objection.resolution is not None:
        raise Conflict(_("This objection is already resolved."), code="already_resolved")
    if not (resolution or "").strip():
        raise field_error("resolution", _("Write the resolution."))
    objection.resolution = resolution.strip()
    objection.resolved_by_id = actor.id
    objection.resolved_at = utcnow()
    audit.record(session, chain=proposal.current_authority.code, actor=actor, action="objection.resolve",
                 object_type="proposal", object_id=proposal.id, data={"objection": objection.id})
    session.flush()
    return objection


def days_left(proposal: Proposal, today: date | None = None) -> int | None:
    if proposal.notice_until is None:
        return None
    return max(0, (proposal.notice_until - (today or vntime.today())).days + 1)
