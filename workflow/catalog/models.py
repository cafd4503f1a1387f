"""Rule sets (one per legal period) and the award types they define."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.db import Base, UTCDateTime, enum_check, utcnow
from workflow.locales import award_name
from workflow.org.models import AUTHORITY_KINDS

AWARD_KINDS = ("title", "commendation")


class RuleSet(Base):
    """A legal period's rule set (bộ quy tắc), loaded from ``workflow/rules/<code>.toml``."""

    __tablename__ = "rule_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    # the resolved file (after `extends`), as loaded: defaults, levels, legal basis
    content: Mapped[dict] = mapped_column(JSON)
    checksum: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    award_types: Mapped[list[AwardType]] = relationship(
        back_populates="rule_set", order_by="AwardType.position", cascade="all, delete-orphan"
    )

    @property
    def kind(self) -> str:
        """period (national), overlay (a province's rule on a period) or transition."""
        return (self.content or {}).get("kind", "period")

    @property
    def extends(self) -> str | None:
        return (self.content or {}).get("extends")

    def covers(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


class AwardType(Base):
    """An award type (danh hiệu / hình thức khen thưởng) as one rule set defines it."""

    __tablename__ = "award_type"
    __table_args__ = (
        CheckConstraint(enum_check("kind", AWARD_KINDS), name="kind"),
        CheckConstraint(enum_check("deciding_level", AUTHORITY_KINDS), name="deciding_level"),
        UniqueConstraint("rule_set_id", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rule_set.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    nominee_kinds: Mapped[list] = mapped_column(JSON)
    deciding_level: Mapped[str] = mapped_column(String(20))
    council_vote: Mapped[bool] = mapped_column(default=True)
    # everything else of the rule (ballot, quorum, prerequisites, caps, documents, days, cash)
    config: Mapped[dict] = mapped_column(JSON)
    # True once an admin changed it: reloading the rule file then leaves it alone
    edited: Mapped[bool] = mapped_column(default=False)

    rule_set: Mapped[RuleSet] = relationship(back_populates="award_types")

    def name(self, locale: str | None = None) -> str:
        """The name in ``locale`` (the current one by default), see ``locales.award_name``."""
        return award_name({"name_vi": self.name_vi, "name_en": self.name_en}, self.name_vi, locale)
