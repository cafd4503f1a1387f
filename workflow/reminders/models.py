"""Reminder policies, the outbox of due reminders, in-app notifications and e-mail preferences.

The outbox (hộp thư đi) is the single source of truth for reminders: a due event is a row with a
UNIQUE key (kind, subject, due date, recipient), so however many scans, beats or retried tasks
compute it, it exists once; delivery moves it ``pending → sending → sent`` with conditional
updates, and a sweeper puts rows stuck in ``sending`` back.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.db import Base, UTCDateTime, enum_check, utcnow
from workflow.org.models import User

KINDS = (
    "nomination_deadline", "returned_not_resubmitted", "processing_limit", "meeting_soon", "vote_pending",
    "notice_over", "awaiting_decision", "submission_unanswered", "household_review_deadline",
)
# what happened, told to the people concerned at once (``workflow.reminders.events``): written into
# the same outbox, in the transaction of the event itself, so a rollback leaves none and the unique
# key keeps each to one per event and recipient
EVENT_KINDS = (
    "proposal_returned", "proposal_accepted", "proposal_rejected", "proposal_awarded", "meeting_scheduled",
    "voting_opened", "submission_answered",
)
OUTBOX_KINDS = KINDS + EVENT_KINDS
# "transition": one row of a proposal's history (the event), so a proposal returned twice is told twice
SUBJECT_TYPES = ("round", "proposal", "meeting", "submission", "transition")
LEVELS = ("remind", "escalate")
# pending → sending → sent; digest users: sending → digest → digesting → sent
STATUSES = ("pending", "sending", "digest", "digesting", "sent", "cancelled", "failed")
EMAIL_MODES = ("immediate", "digest", "off")


class ReminderPolicy(Base):
    """One reminder policy (or the ``delivery`` settings), loaded from ``policies.toml``."""

    __tablename__ = "reminder_policy"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    config: Mapped[dict] = mapped_column(JSON)
    # True once an admin changed it: a newer policies.toml then leaves it alone
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reminder(Base):
    """A due reminder in the outbox: one recipient, one subject, one due date."""

    __tablename__ = "reminder_outbox"
    __table_args__ = (
        UniqueConstraint("kind", "subject_type", "subject_id", "due_on", "recipient_id",
                         name="uq_reminder_outbox_due_event"),
        CheckConstraint(enum_check("kind", OUTBOX_KINDS), name="kind"),
        CheckConstraint(enum_check("subject_type", SUBJECT_TYPES), name="subject_type"),
        CheckConstraint(enum_check("level", LEVELS), name="level"),
        CheckConstraint(enum_check("status", STATUSES), name="status"),
        CheckConstraint("status NOT IN ('sending', 'digesting') OR claimed_at IS NOT NULL", name="claimed"),
        # the delivery task's claim: pending rows in due order
        Index("ix_reminder_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        # cancelling a subject's pending reminders when it moves on
        Index("ix_reminder_outbox_subject", "subject_type", "subject_id", "status"),
        Index("ix_reminder_outbox_recipient_status", "recipient_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(10), default="remind")
    action: Mapped[bool] = mapped_column(Boolean, default=True)
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authority.id", ondelete="SET NULL"))
    # what the message says (names, dates), kept as of the scan; rendered in the reader's language
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channel: Mapped[str | None] = mapped_column(String(10))  # email, log, digest, none
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recipient: Mapped[User] = relationship()


class Notification(Base):
    """An in-app notification (thông báo) shown under the bell."""

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint(enum_check("level", LEVELS), name="level"),
        Index("ix_notification_user_id_read_at", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    # one notification per outbox row, however often its delivery is retried
    reminder_id: Mapped[int | None] = mapped_column(ForeignKey("reminder_outbox.id", ondelete="SET NULL"),
                                                    unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(10), default="remind")
    action: Mapped[bool] = mapped_column(Boolean, default=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReminderPreference(Base):
    """How a user wants reminder e-mails: each at once, one daily digest, or none (in-app only)."""

    __tablename__ = "reminder_preference"
    __table_args__ = (CheckConstraint(enum_check("email_mode", EMAIL_MODES), name="email_mode"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    email_mode: Mapped[str] = mapped_column(String(10), default="immediate")
    last_digest_on: Mapped[date | None] = mapped_column(Date)  # claimed per day: one digest a day
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
