"""Fixtures of the report tests: the commune desk of tests/decisions (proposals moved by the API)."""

from __future__ import annotations

import pytest

from tests.decisions.helpers import Desk


@pytest.fixture
def d(app, client, session):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"  # a test signs in a dozen people
    return Desk(client, session)
