"""Read-side selects for the council screens. Never a member's choice: what a member's ballot
page knows is *whether* they have voted on an item (their receipts), never how."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, defaultload, joinedload, lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from workflow.council.models import AgendaItem, BallotReceipt, Meeting
from workflow.org.models import CouncilMember
from workflow.org.vocab import Role
from workflow.proposals.models import Proposal
from workflow.proposals.vocab import State

MEETING_ROLES = {Role.SECRETARY, Role.CHAIR, Role.COUNCIL_MEMBER, Role.ADMIN}


def meetings_query(user, *, status: str | None = None, year: int | None = None):
    """The select of the meetings ``user`` may see (policies.can_view), newest first; ``year``
    the calendar year they are held in (Vietnam's time)."""
    from datetime import datetime

    from workflow.vntime import VN_TZ

    query = _visible(user, select(Meeting).options(selectinload(Meeting.items), joinedload(Meeting.authority)))
    if status:
        query = query.where(Meeting.status == status)
    if year:
        query = query.where(Meeting.scheduled_at >= datetime(year, 1, 1, tzinfo=VN_TZ),
                            Meeting.scheduled_at < datetime(year + 1, 1, 1, tzinfo=VN_TZ))
    return query


def meetings_for(session: Session, user, limit: int = 100) -> list[Meeting]:
    """The newest ``limit`` meetings ``user`` may see (the screen pages ``meetings_query``)."""
    return list(session.scalars(meetings_query(user).limit(limit)))


def _visible(user, query):
    """``query`` (of meetings) cut to those ``user`` may see, newest first."""
    query = query.order_by(Meeting.scheduled_at.desc(), Meeting.id.desc())
    if not user.is_deployment_admin:
        ids = {r.authority_id for r in user.roles if r.role in MEETING_ROLES and r.authority_id}
        query = query.where(Meeting.authority_id.in_(ids))
    return query


def scheduled_meetings_at(session: Session, user, authority_ids, limit: int = 100) -> list[Meeting]:
    """The scheduled meetings at ``authority_ids`` among the newest ``limit`` ``user`` may see (those
    of ``meetings_for``), newest first, without their agenda items (a list's bulk form names them only)."""
    newest = _visible(user, select(Meeting.id)).limit(limit).subquery()
    return list(session.scalars(_visible(user, select(Meeting)).where(
        Meeting.id.in_(select(newest.c.id)), Meeting.status == "scheduled", Meeting.authority_id.in_(authority_ids))))


def seat_of(session: Session, user, authority_id: int) -> CouncilMember | None:
    # the seat's user is ``user``: not joined again (that reloaded the user's roles, one more select)
    return session.scalar(select(CouncilMember).options(lazyload(CouncilMember.user)).where(
        CouncilMember.authority_id == authority_id, CouncilMember.user_id == user.id))


def secretary_authorities(user) -> list:
    """Authorities where ``user`` is the council's secretary (where they may create meetings)."""
    seen, out = set(), []
    for r in user.roles:
        if r.role == Role.SECRETARY and r.authority is not None and r.authority_id not in seen:
            seen.add(r.authority_id)
            out.append(r.authority)
    return out


def eligible_proposals(session: Session, meeting: Meeting) -> list[Proposal]:
    """Proposals the secretary may put on the agenda: under review at the meeting's authority, of an
    award type that needs a council vote (the accepted rule snapshot says so), not on it yet."""
    on_agenda = select(AgendaItem.proposal_id).where(AgendaItem.meeting_id == meeting.id)
    rows = session.scalars(select(Proposal).where(
        Proposal.current_authority_id == meeting.authority_id, Proposal.state == State.UNDER_REVIEW,
        Proposal.id.not_in(on_agenda)).order_by(Proposal.award_type_code, Proposal.id))
    return [p for p in rows if p.rule is not None and p.rule.council_vote]


def takes_written_votes(item: AgendaItem) -> bool:
    return item.proposal.rule is not None and item.proposal.rule.takes_written_votes


def decided_by_hands(item: AgendaItem) -> bool:
    """This agenda item is decided by a show of hands counted in the room (not by ballot)."""
    return item.proposal.rule is not None and item.proposal.rule.show_of_hands


@dataclass
class BallotLine:
    """One agenda item on a member's ballot page: ``open`` (to vote), ``voted``, ``recused`` or
    ``show_of_hands`` (counted in the room, not on the ballot)."""

    item: AgendaItem
    status: str
    reason: str | None = None


# what a member's ballot never shows of a proposal: not read for its items
NOT_ON_BALLOT = (defaultload(AgendaItem.proposal).defer(Proposal.achievements).defer(Proposal.evidence)
                 .defer(Proposal.missing_items).defer(Proposal.fields_changed).defer(Proposal.reason),)


def load_agenda(session: Session, meeting: Meeting, options: tuple = ()) -> list[AgendaItem]:
    """The meeting's items with their recusals, proposals, nominees and units in three selects
    (the ballot, the meeting page and the results read all of them; one by one it was ~100).
    ``options``: more loader options (``NOT_ON_BALLOT`` for the ballot)."""
    items = list(session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
        .options(selectinload(AgendaItem.recusals),
                 joinedload(AgendaItem.proposal).joinedload(Proposal.nominee),
                 joinedload(AgendaItem.proposal).joinedload(Proposal.unit), *options)
        .order_by(AgendaItem.position, AgendaItem.id)))
    # the meeting keeps these very objects (the session holds them weakly: dropped, they would be
    # loaded again one by one through ``meeting.items``)
    set_committed_value(meeting, "items", items)
    return items


def ballot_lines(session: Session, meeting: Meeting, user) -> list[BallotLine]:
    if "items" in inspect(meeting).unloaded:
        load_agenda(session, meeting)
    voted = set(session.scalars(select(BallotReceipt.agenda_item_id).where(
        BallotReceipt.user_id == user.id,
        BallotReceipt.agenda_item_id.in_([i.id for i in meeting.items]))))
    lines = []
    for item in meeting.items:
        recusal = next((r for r in item.recusals if r.user_id == user.id), None)
        method = item.proposal.rule.ballot_method if item.proposal.rule else "secret"
        if recusal is not None:
            lines.append(BallotLine(item, "recused", recusal.reason))
        elif item.id in voted:
            lines.append(BallotLine(item, "voted"))
        elif method == "show_of_hands":
            lines.append(BallotLine(item, "show_of_hands"))
        else:
            lines.append(BallotLine(item, "open"))
    return lines

