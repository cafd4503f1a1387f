"""The annual report's counts kept as rows (issue 12): a province's report reads a few hundred of
these instead of every award step of its 100,000s of proposals."""

from __future__ import annotations

from sqlalchemy import DDL, CheckConstraint, Index, Integer, String, event, text
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base, enum_check
from workflow.reports import triggers

PARTS = ("proposed", "awarded", "paper")


class ReportCount(Base):
    """How many proposals of ``year`` (the round's) with this award type and nominee kind count in one
    part of the annual report, keyed by the authority where their step was taken (see
    ``reports.triggers`` for each part and ``level``). Derived data: written only by the database
    triggers of ``reports.triggers`` in the writer's own transaction, rebuilt from the rows by
    ``tdkt reports rebuild-counts``. No foreign key: a count holds no lock on the authority."""

    __tablename__ = "report_count"
    __table_args__ = (
        CheckConstraint(enum_check("part", PARTS), name="part"),
        # a higher level's report adds up the paper answers of its level recorded in its subtree: a
        # few rows per commune, read from this index alone (not a scan of every count of the table)
        Index("ix_report_count_paper", "year", "level", "authority_id", "award_type_code", "nominee_kind",
              "proposals", postgresql_where=text("part = 'paper'"), sqlite_where=text("part = 'paper'")),
    )

    authority_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    part: Mapped[str] = mapped_column(String(10), primary_key=True)
    # ``proposed``: the level it counts under ('' = the authority's parent, as it is when read);
    # ``paper``: the deciding level; ``awarded``: ''
    level: Mapped[str] = mapped_column(String(20), primary_key=True)
    award_type_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    nominee_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    proposals: Mapped[int] = mapped_column(Integer)


def _ddl(statements_of):
    def run(target, connection, **kw):
        for statement in statements_of(connection.dialect.name):
            connection.execute(DDL(statement.replace("%", "%%")))
    return run


# a schema made from the models (tests, the benchmarks) gets the triggers too, once every table exists
event.listen(Base.metadata, "after_create", _ddl(triggers.create_statements))
event.listen(Base.metadata, "before_drop", _ddl(triggers.drop_statements))
