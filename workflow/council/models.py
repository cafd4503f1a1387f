"""Meetings and the secret ballot.

Secrecy by construction: ``BallotReceipt`` records only *that* a member voted on an item;
``BallotTally`` holds only running counts per item. The two share no id, no timestamp and no
order, and no row anywhere holds one member's choice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.db import Base, UTCDateTime, enum_check
from workflow.org.models import Authority, User
from workflow.proposals.models import Proposal

MEETING_STATUSES = ("scheduled", "voting", "closed")


class Meeting(Base):
    __tablename__ = "meeting"
    __table_args__ = (CheckConstraint(enum_check("status", MEETING_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id", ondelete="RESTRICT"), index=True)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    presiding_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    council_size: Mapped[int | None] = mapped_column(Integer)  # seats when voting opened
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # the outcome computed at close: per item counts, denominators, thresholds, cap ranking
    results: Mapped[dict | None] = mapped_column(JSON)

    authority: Mapped[Authority] = relationship()
    presiding: Mapped[User | None] = relationship(foreign_keys=[presiding_user_id])
    items: Mapped[list[AgendaItem]] = relationship(back_populates="meeting", order_by="AgendaItem.position")
    attendance: Mapped[list[Attendance]] = relationship(back_populates="meeting")


class AgendaItem(Base):
    __tablename__ = "agenda_item"
    __table_args__ = (UniqueConstraint("meeting_id", "proposal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # who presides over this item (a vice-chair when the chair is recused)
    presiding_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    written_yes: Mapped[int] = mapped_column(Integer, default=0)
    written_no: Mapped[int] = mapped_column(Integer, default=0)
    hands_yes: Mapped[int | None] = mapped_column(Integer)  # show-of-hands items: counts only
    hands_no: Mapped[int | None] = mapped_column(Integer)

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    proposal: Mapped[Proposal] = relationship()
    presiding: Mapped[User | None] = relationship(foreign_keys=[presiding_user_id])
    recusals: Mapped[list[Recusal]] = relationship(back_populates="item")


class Attendance(Base):
    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    present: Mapped[bool] = mapped_column(default=True)
    written_vote: Mapped[bool] = mapped_column(default=False)  # absent, sent a sealed envelope

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    user: Mapped[User] = relationship()


class Recusal(Base):
    """A member who may not vote on an item (the nominee, or of the nominated unit or household)."""

    __tablename__ = "recusal"
    __table_args__ = (UniqueConstraint("agenda_item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text)

    item: Mapped[AgendaItem] = relationship(back_populates="recusals")
    user: Mapped[User] = relationship()


class BallotReceipt(Base):
    """That a member has voted on an item — never what. Unique: one ballot per member per item."""

    __tablename__ = "ballot_receipt"

    # a composite key: no surrogate id, no timestamp, nothing that orders receipts against counts
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"),
                                                primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), primary_key=True)


class BallotTally(Base):
    """What was voted on an item, as counts only (secret ballot)."""

    __tablename__ = "ballot_tally"
    __table_args__ = (CheckConstraint("yes >= 0 AND no >= 0", name="non_negative"),)

    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"),
                                                primary_key=True)
    yes: Mapped[int] = mapped_column(Integer, default=0)
    no: Mapped[int] = mapped_column(Integer, default=0)
