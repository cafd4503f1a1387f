"""The annual report filters on two keys of the award rule snapshot through columns the database
computes from ``award_rule`` (migration 0013, indexable): they must read as the JSON does, on
SQLite and PostgreSQL alike, and follow a snapshot rewritten later (``apply_rule_set``)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from tests.reports.crafted import build
from workflow.proposals.models import Proposal


@pytest.mark.parametrize(("rule", "deciding_level", "counted"), [
    ({"deciding_level": "province", "in_annual_report": True}, "province", True),
    ({"deciding_level": "commune", "in_annual_report": False}, "commune", False),
    ({"deciding_level": "district"}, "district", True),  # a snapshot without the key counts
    ({}, None, True),
    (None, None, True),
])
def test_report_columns_read_the_snapshot(session, rule, deciding_level, counted):
    y = build(session)
    p = y.decided_here("LDTT")
    session.execute(update(Proposal).where(Proposal.id == p.id).values(award_rule=rule)
                    .execution_options(synchronize_session=False))
    row = session.execute(select(Proposal.deciding_level, Proposal.in_annual_report).where(Proposal.id == p.id)).one()
    assert (row.deciding_level, bool(row.in_annual_report)) == (deciding_level, counted)
