"""A probe row a Celery worker writes, proving that a real worker is consuming the queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base, UTCDateTime, utcnow


class WorkerProbe(Base):
    __tablename__ = "worker_probe"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    worker: Mapped[str] = mapped_column(String(200))
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
