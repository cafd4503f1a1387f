"""Fixtures of the report tests: the commune desk of tests/decisions (proposals moved by the API)."""

from __future__ import annotations

import pytest

from tests.decisions.helpers import Desk


@pytest.fixture
def d(app, client, session):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"  # a test signs in a dozen people
    return Desk(client, session)


@pytest.fixture(autouse=True)
def kept_counts_match_the_rows(session):
    """After every report test, whatever it wrote: the kept counts equal a count of the rows."""
    yield
    from workflow.reports.services import report_count_differences

    session.expire_all()
    assert report_count_differences(session) == 0
