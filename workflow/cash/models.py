"""The base salary (lương cơ sở) as a dated series of its own, independent of the rule periods."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base, UTCDateTime, utcnow


class BaseSalary(Base):
    """One step of the base salary (mức lương cơ sở), in force from ``effective_from`` to
    ``effective_to`` (inclusive; None: until further notice). The steps of the series touch end to
    end: the services refuse a gap or an overlap before anything is written."""

    __tablename__ = "base_salary"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        CheckConstraint("effective_to IS NULL OR effective_to >= effective_from", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    effective_to: Mapped[date | None] = mapped_column(Date)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    # the document and article that set the amount ("Nghị định 73/2024/NĐ-CP, Điều 3(2)")
    source: Mapped[str] = mapped_column(String(300))
    # the amount was not read in the law's own text
    verify: Mapped[bool] = mapped_column(default=False)
    # True once an admin replaced the series: loading the shipped file then leaves it alone
    edited: Mapped[bool] = mapped_column(default=False)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
