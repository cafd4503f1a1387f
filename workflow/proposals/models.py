"""Rounds, proposals, their history, attachments, paper receipts and public-notice objections."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.db import Base, UTCDateTime, enum_check, utcnow
from workflow.org.models import Authority, Nominee, Unit, User
from workflow.proposals.snapshot import AwardRule, rule_of
from workflow.proposals.vocab import State

ROUND_KINDS = ("annual", "campaign", "ad_hoc")
STATES = State.values()  # the CHECK constraint's list; the names are in proposals.vocab
# the generated columns' expressions, the same text in the model and in migration 0013
DECIDING_LEVEL_SQL = "award_rule ->> 'deciding_level'"
IN_ANNUAL_REPORT_SQL = "COALESCE(CAST(award_rule ->> 'in_annual_report' AS TEXT), 'true') IN ('true', '1')"


class Round(Base):
    """Round (đợt xét): an annual review, a campaign or an ad-hoc award of one authority."""

    __tablename__ = "round"
    __table_args__ = (
        CheckConstraint(enum_check("kind", ROUND_KINDS), name="kind"),
        CheckConstraint("year > 1945 AND year < 2200", name="year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id", ondelete="RESTRICT"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    nomination_deadline: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # a closed round takes no new proposals; the ones it has go on through the workflow
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    authority: Mapped[Authority] = relationship()

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Proposal(Base):
    """One nominee × one award type × one round. ``state`` is written only by
    ``proposals.services.transition``; ``version`` grows with every change (optimistic locking)."""

    __tablename__ = "proposal"
    __table_args__ = (
        UniqueConstraint("round_id", "nominee_id", "award_type_code"),
        CheckConstraint(enum_check("state", STATES), name="state"),
        # a state needs the columns that explain it
        CheckConstraint("state <> 'returned' OR missing_items IS NOT NULL", name="returned_items"),
        CheckConstraint("state NOT IN ('rejected', 'revoked') OR reason IS NOT NULL", name="reason"),
        CheckConstraint("state <> 'public_notice' OR notice_until IS NOT NULL", name="notice_until"),
        CheckConstraint("state NOT IN ('under_review', 'public_notice', 'in_council', 'recommended', "
                        "'not_recommended', 'forwarded', 'awarded') OR rule_set_code IS NOT NULL",
                        name="rule_set"),
        # lists sort newest first and cut a page (a top-N read of this index at wide scopes)
        Index("ix_proposal_updated_at_id", "updated_at", "id"),
        # the annual report joins a province's award history rows to their proposals by id and reads
        # only these columns: an index-only probe instead of a read of the wide row (reports.services)
        Index("ix_proposal_awarded_report", "id", "round_id", "deciding_level", "award_type_code", "nominee_id",
              "in_annual_report", postgresql_where=text("state = 'awarded'"), sqlite_where=text("state = 'awarded'")),
        # a higher level reads what it decides: the award types of its level from its subtree
        # (proposals.queries.scope_clause); state and id ride along so PostgreSQL answers from the index
        Index("ix_proposal_award_type_origin", "award_type_code", "origin_authority_id",
              postgresql_include=["state", "id"]),
        # a list sorts its readable ids by updated_at: looked up here, not in the wide rows
        Index("ix_proposal_id_updated_at", "id", postgresql_include=["updated_at"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="RESTRICT"), index=True)
    nominee_id: Mapped[int] = mapped_column(ForeignKey("nominee.id", ondelete="RESTRICT"), index=True)
    award_type_code: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    origin_authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id", ondelete="RESTRICT"), index=True)
    current_authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id", ondelete="RESTRICT"),
                                                      index=True)
    state: Mapped[str] = mapped_column(String(20), default=State.DRAFT.value, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    achievements: Mapped[str] = mapped_column(Text, default="")
    # the hamlet/unit meeting and its notice, recorded before submission
    evidence: Mapped[dict | None] = mapped_column(JSON)
    # the rule set in force at `accept` and the award type as it then read (the transition rule)
    rule_set_code: Mapped[str | None] = mapped_column(String(40))
    award_rule: Mapped[dict | None] = mapped_column(JSON)
    # two keys of the snapshot the annual report filters on, computed by the database from
    # ``award_rule`` (so every writer of the snapshot keeps them right) and indexable; SQLite gives
    # a JSON true as 1, PostgreSQL as 'true', hence the two spellings. A snapshot without the key counts.
    deciding_level: Mapped[str | None] = mapped_column(String(20), Computed(DECIDING_LEVEL_SQL, persisted=True))
    in_annual_report: Mapped[bool | None] = mapped_column(Boolean, Computed(IN_ANNUAL_REPORT_SQL, persisted=True))
    missing_items: Mapped[list | None] = mapped_column(JSON)  # the open return's checklist
    fields_changed: Mapped[list | None] = mapped_column(JSON)  # fields edited since the return
    reason: Mapped[str | None] = mapped_column(Text)  # rejection / revocation
    notice_from: Mapped[date | None] = mapped_column(Date)
    notice_until: Mapped[date | None] = mapped_column(Date)
    notice_done: Mapped[bool] = mapped_column(default=False)
    linked_proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[Round] = relationship()
    nominee: Mapped[Nominee] = relationship()
    unit: Mapped[Unit] = relationship()
    origin_authority: Mapped[Authority] = relationship(foreign_keys=[origin_authority_id])
    current_authority: Mapped[Authority] = relationship(foreign_keys=[current_authority_id])
    history: Mapped[list[ProposalTransition]] = relationship(
        back_populates="proposal", order_by="ProposalTransition.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(back_populates="proposal", order_by="Attachment.id")
    paper_receipts: Mapped[list[PaperReceipt]] = relationship(back_populates="proposal")
    objections: Mapped[list[Objection]] = relationship(back_populates="proposal", order_by="Objection.id")

    @property
    def rule(self) -> AwardRule | None:
        """The award rule snapshot (``award_rule``) typed; None before the dossier is received."""
        return rule_of(self)


class ProposalTransition(Base):
    """One fired event: the history a proposal keeps across levels."""

    __tablename__ = "proposal_transition"
    # "handled at this authority" is one way into a reader's scope (proposals.queries.scope_clause)
    __table_args__ = (
        Index("ix_proposal_transition_authority_id_proposal_id", "authority_id", "proposal_id"),
        # the steps into ``awarded``, by where they were fired: the annual report's "awarded here"
        # (decided at an authority, or its paper answer recorded below it), read from the index alone
        Index("ix_proposal_transition_awarded", "authority_id", "event", "from_state", "proposal_id",
              postgresql_where=text("to_state = 'awarded'"), sqlite_where=text("to_state = 'awarded'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(80))
    authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    proposal: Mapped[Proposal] = relationship(back_populates="history")
    authority: Mapped[Authority] = relationship()
    actor: Mapped[User | None] = relationship()


class Attachment(Base):
    """An uploaded document, stored outside ``static/`` under a generated name."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    doc_type: Mapped[str] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="attachments")


class PaperReceipt(Base):
    """The secretary's tick that the paper copy of a required document was received."""

    __tablename__ = "paper_receipt"
    __table_args__ = (UniqueConstraint("proposal_id", "doc_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    doc_type: Mapped[str] = mapped_column(String(60))
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="paper_receipts")


class Objection(Base):
    """An objection (ý kiến phản ánh) filed by the public during the notice period."""

    __tablename__ = "objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposal: Mapped[Proposal] = relationship(back_populates="objections")
