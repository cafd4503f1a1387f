"""Decisions, submissions and the per-authority, per-year document counters that number them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.db import Base, UTCDateTime, enum_check, utcnow
from workflow.org.models import Authority, User
from workflow.proposals.models import Proposal

DECISION_STATUSES = ("draft", "issued")
SUBMISSION_STATUSES = ("draft", "sent")
OUTCOMES = ("approved", "returned", "rejected")


class DocumentCounter(Base):
    """The last number given to a kind of document (QĐ, TTr) of an authority in a year. Claimed with
    an UPDATE … RETURNING, so two documents issued at once get consecutive numbers, never the same."""

    __tablename__ = "document_counter"

    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Decision(Base):
    """Decision (quyết định khen thưởng) of an authority: drafted by the secretary, issued by the chair."""

    __tablename__ = "decision"
    __table_args__ = (
        CheckConstraint(enum_check("status", DECISION_STATUSES), name="status"),
        CheckConstraint("status <> 'issued' OR (number IS NOT NULL AND signed_on IS NOT NULL "
                        "AND signer_id IS NOT NULL)", name="issued_fields"),
        # numbers restart every year (1/QĐ-UBND of 2025 and of 2026 are two decisions)
        UniqueConstraint("authority_id", "year", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id", ondelete="RESTRICT"), index=True)
    # the award type of a single-type decision; None when its list groups several types
    award_type_code: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    number: Mapped[str | None] = mapped_column(String(40))
    year: Mapped[int | None] = mapped_column(Integer)
    signed_on: Mapped[date | None] = mapped_column(Date)
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    cash_total: Mapped[float] = mapped_column(Numeric(14, 0), default=0)
    # the legal bases (Căn cứ…) the secretary set on the draft; None = the rule set's
    legal_bases: Mapped[list | None] = mapped_column(JSON)
    # the base salary (VND) that priced the items: the one in force on the decision date
    base_salary_vnd: Mapped[int | None] = mapped_column(BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    authority: Mapped[Authority] = relationship()
    signer: Mapped[User | None] = relationship(foreign_keys=[signer_id])
    items: Mapped[list[DecisionItem]] = relationship(back_populates="decision", order_by="DecisionItem.id",
                                                     cascade="all, delete-orphan")


class DecisionItem(Base):
    __tablename__ = "decision_item"
    # a proposal is in at most one decision
    __table_args__ = (UniqueConstraint("proposal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="RESTRICT"))
    # what this item pays (VND), fixed at issue: a later base-salary edit does not change it
    cash_amount: Mapped[float] = mapped_column(Numeric(14, 0), default=0)
    # the award's own amount; above cash_amount when the nominee was already paid for another
    # title of the same year (cash_paid_before, under the decisions cash_paid_under)
    cash_full: Mapped[float | None] = mapped_column(Numeric(14, 0))
    cash_paid_before: Mapped[float | None] = mapped_column(Numeric(14, 0))
    cash_paid_under: Mapped[str | None] = mapped_column(String(300))

    decision: Mapped[Decision] = relationship(back_populates="items")
    proposal: Mapped[Proposal] = relationship()


class Submission(Base):
    """Submission (tờ trình) from an authority to its parent, carrying proposals above its power."""

    __tablename__ = "submission"
    __table_args__ = (
        CheckConstraint(enum_check("status", SUBMISSION_STATUSES), name="status"),
        CheckConstraint("status <> 'sent' OR (number IS NOT NULL AND sent_on IS NOT NULL)", name="sent_fields"),
        UniqueConstraint("from_authority_id", "year", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id", ondelete="RESTRICT"), index=True)
    to_authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    number: Mapped[str | None] = mapped_column(String(40))
    year: Mapped[int | None] = mapped_column(Integer)
    sent_on: Mapped[date | None] = mapped_column(Date)
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    legal_bases: Mapped[list | None] = mapped_column(JSON)  # set on the draft; None = the rule set's
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    from_authority: Mapped[Authority] = relationship(foreign_keys=[from_authority_id])
    to_authority: Mapped[Authority] = relationship(foreign_keys=[to_authority_id])
    signer: Mapped[User | None] = relationship(foreign_keys=[signer_id])
    items: Mapped[list[SubmissionItem]] = relationship(back_populates="submission", order_by="SubmissionItem.id",
                                                       cascade="all, delete-orphan")


class SubmissionItem(Base):
    __tablename__ = "submission_item"
    __table_args__ = (
        UniqueConstraint("submission_id", "proposal_id"),
        CheckConstraint(f"outcome IS NULL OR {enum_check('outcome', OUTCOMES)}", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="RESTRICT"), index=True)
    outcome: Mapped[str | None] = mapped_column(String(10))
    decision_number: Mapped[str | None] = mapped_column(String(60))
    decision_date: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    submission: Mapped[Submission] = relationship(back_populates="items")
    proposal: Mapped[Proposal] = relationship()


class DossierImport(Base):
    """A dossier package received at an authority: recorded once, so a package — or another export
    of the same submission — is never imported twice (the unique keys decide, also under
    concurrency)."""

    __tablename__ = "dossier_import"
    __table_args__ = (
        # named by hand: the generated name passes PostgreSQL's 63 characters
        UniqueConstraint("authority_id", "from_authority_code", "submission_number",
                         name="uq_dossier_import_submission"),
        UniqueConstraint("authority_id", "package_id"),
        UniqueConstraint("package_sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id", ondelete="RESTRICT"), index=True)
    from_authority_code: Mapped[str] = mapped_column(String(40))
    submission_number: Mapped[str] = mapped_column(String(40))
    package_id: Mapped[str] = mapped_column(String(64))
    package_sha256: Mapped[str] = mapped_column(String(64))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id", ondelete="SET NULL"))
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
