"""Fixtures for the council tests: the commune with its council of nine (see helpers)."""

from __future__ import annotations

import pytest

from tests.council.helpers import Council


@pytest.fixture
def c(app, client, session):
    # a test signs in a dozen people from one address: lift the sign-in rate limit
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    return Council(client, session)
