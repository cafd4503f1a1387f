"""Configured calendar days: extra days off, or weekend days worked in compensation."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base, enum_check

DAY_KINDS = ("day_off", "working_day")


class CalendarDay(Base):
    __tablename__ = "calendar_day"
    __table_args__ = (CheckConstraint(enum_check("kind", DAY_KINDS), name="kind"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(200), default="")
