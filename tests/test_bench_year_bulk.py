"""The bulk-nomination bench case (``tdkt bench year --case bulk_gdvh_600``) runs, on a tiny hamlet:
it is registered, its request is answered, and the figures it prints are the request's. No timing
is asserted."""

from __future__ import annotations

from sqlalchemy import func, select

from workflow.benchmark import year, year_bulk
from workflow.proposals.models import Proposal


def test_the_case_is_registered():
    cases = year.load_cases()
    assert "bulk_gdvh_600" in cases
    assert cases["bulk_gdvh_600"].target_seconds == 5.0 and cases["bulk_gdvh_600"].databases == ("sqlite",)


def test_the_case_runs_on_a_tiny_hamlet(app, session):
    figures = year_bulk.nominate_hamlet(app, households=12)
    # 12 households and one person: the one proposed beforehand and the person are refused
    assert figures["nominees"] == 13 and figures["created"] == 11 and figures["refused"] == 2
    assert figures["seconds"] > 0
    assert session.scalar(select(func.count(Proposal.id)).where(Proposal.award_type_code == "GDVH")) == 12
