"""Fixtures for reminder tests: a commune on the time-travel helper, a mailer that records."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from tests.reminders.timeline import Commune, at


class RecordingMailer:
    """Collects messages instead of sending them; can be told to fail."""

    channel = "email"

    def __init__(self):
        self.sent = []
        self.fail_with: Exception | None = None
        self.lock = threading.Lock()

    def send(self, msg) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        with self.lock:
            self.sent.append(msg)

    def close(self) -> None:
        pass


@pytest.fixture
def commune(app, session):
    return Commune(session)


@pytest.fixture
def mailer():
    return RecordingMailer()


# a moment three days before a round's nomination deadline of Friday 31 October 2025
DEADLINE = date(2025, 10, 31)
NOW = at(date(2025, 10, 28), 8)
