"""Fixtures for the decision tests: the commune desk of ``helpers.Desk``."""

from __future__ import annotations

import pytest

from tests.decisions.helpers import Desk


@pytest.fixture
def d(app, client, session):
    # a test signs in a dozen people from one address: lift the sign-in rate limit
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    return Desk(client, session)
