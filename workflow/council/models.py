"""Meetings and the secret ballot (bỏ phiếu kín).

Secrecy by construction, as a commitment scheme (SPEC §5: nothing stored links a member to a choice):

- ``BallotReceipt`` records only *that* a member voted on an item: (item, member), nothing else.
- ``SealedBallot`` holds one row per ballot and item, written in the same transaction as the
  receipt: ``(agenda_item_id, nonce, tag)`` where ``nonce`` is 16 random bytes and
  ``tag = HMAC-SHA256(meeting_key, item id, nonce, choice)``. ``meeting_key`` is
  HMAC-SHA256(SECRET_KEY, "ballot:" + ``Meeting.ballot_salt``), the salt drawn when the vote opens.
- ``BallotTally`` holds the counts per item. Its row is created (0, 0) when the vote opens and is
  written once, by the close: inside the locked close the application recomputes both candidate
  tags of every sealed row, counts, writes the counts and deletes the sealed rows. No counter
  depends on a choice while the vote is open.

What a database reader learns — with every column, the system columns (PostgreSQL ``xmin``,
``ctid``, dead row versions until VACUUM; SQLite ``rowid``) and the audit log, but without the
application's SECRET_KEY: who voted on which item, and in which order and at what time (receipts,
their physical order, the audit entries "member X cast a ballot on N items", the meeting's
``lock_version`` and the audit chain head rewritten by each ballot), the sealed rows of each
ballot transaction (the same xmin as its receipts, the same place in the insertion order), and
after the close the totals per item (written by the close's own transaction, with no receipt).
What they cannot learn: any member's choice. Every row written by a ballot transaction is the same
for a yes and a no except ``nonce`` and ``tag``, which are uniformly random to anyone without the
key (a fresh random nonce per row; HMAC is a pseudo-random function), so an order, a transaction id
or a time that ties a sealed row to a receipt ties it to noise. That is why the audit entry may
name the voter and the number of items: the receipt says as much already, and it carries nothing
about choices. (Totals, like any count, say what everyone chose when a vote is unanimous.)

What someone with the SECRET_KEY *and* the database (or its WAL, a backup, dead row versions)
could learn while the sealed rows exist — during the vote, and after the close until VACUUM
reclaims the deleted rows or the backup is destroyed: each sealed row's choice, and through the
shared ``xmin`` (or the order) the member who cast it. The key never lives in the database;
protect it like the database's password. A key changed during an open vote makes the sealed rows
uncountable: the close refuses (409 ``ballot_integrity``) instead of dropping ballots.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint, false
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
    # grows with every state-changing operation on the meeting: the compare-and-set "claim" that
    # queues concurrent operations on this row (see services._claimed)
    lock_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # random, drawn when the vote opens: with the SECRET_KEY it derives the key that seals ballots
    ballot_salt: Mapped[str | None] = mapped_column(String(64))

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
    # on the vote-counting committee (Ban kiểm phiếu), chosen from the members present
    counter: Mapped[bool] = mapped_column(default=False, server_default=false())

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


class SealedBallot(Base):
    """One member's choice on an item, sealed: ``tag`` = HMAC(meeting key, item, ``nonce``, choice).
    No member, no time; without the key a yes and a no look alike (see the module docstring).
    Counted and deleted by the close."""

    __tablename__ = "sealed_ballot"

    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"),
                                                primary_key=True)
    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)  # 16 random bytes, hex
    tag: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256, hex


class BallotTally(Base):
    """What was voted on an item, as counts only (secret ballot): created (0, 0) when the vote
    opens, written once by the close from the sealed ballots."""

    __tablename__ = "ballot_tally"
    __table_args__ = (CheckConstraint("yes >= 0 AND no >= 0", name="non_negative"),)

    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"),
                                                primary_key=True)
    yes: Mapped[int] = mapped_column(Integer, default=0)
    no: Mapped[int] = mapped_column(Integer, default=0)
