"""API fuzzing (issue 13): schemathesis generates requests for every operation of
``/api/v1/openapi.json`` — bodies, path ids, query values the schema allows and many it does not —
and sends each one signed in as the deployment's admin, the commune's secretary and a hamlet's
nominator. No answer may be a server error, and every answer must match what the document says
(the error body's schema included). Bounded: a few examples per operation, derandomized, so the
run is the same on every machine.

The world behind it is a commune with a round, a nominee and a proposal, so ids 1, 2, 3 exist and
the generated requests reach real objects as well as unknown ones."""

from __future__ import annotations

import os

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is a dev extra (pip install -e '.[dev]')")
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.proposals.helpers import World

EXAMPLES = int(os.environ.get("TDKT_FUZZ_EXAMPLES", "6"))
ROLES = ("admin", "secretary", "nominator")
# operations whose success changes who may call the rest (they would sign the fuzzer out)
SKIP = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/password")}


@pytest.fixture
def fuzz_world(app, client, session):
    app.config["LOGIN_RATE_LIMIT"] = "100000 per minute"
    app.config["TDKT_LOGIN_DELAY_AFTER"] = 0
    world = World(client, session)
    nominee = world.person("Ma Văn Thử")
    world.propose(nominee, "LDTT")
    tokens = {role: world.auth(role) for role in ROLES}
    return app, tokens


@pytest.fixture
def api_schema(fuzz_world):
    app, _tokens = fuzz_world
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _fuzz(operation, tokens) -> list[str]:
    """Run the operation's generated cases; the failures, each with the request that caused it."""
    failures: list[str] = []

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        for role in ROLES:
            try:
                case.call_and_validate(headers=tokens[role], checks=[not_a_server_error, status_code_conformance,
                                                                         response_schema_conformance])
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001  (collected, reported below)
                failures.append(f"{operation.label} as {role}: {type(exc).__name__}: {str(exc)[:600]}")
                return

    run()
    return failures


def test_no_server_error_and_every_answer_as_documented(api_schema, fuzz_world):
    _app, tokens = fuzz_world
    failures: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.full_path) in SKIP:
            continue
        failures += _fuzz(operation, tokens)
    assert not failures, f"{len(failures)} failing operations:\n" + "\n\n".join(failures)


def test_the_fuzzer_sees_every_operation(api_schema):
    """A new endpoint is fuzzed without anyone listing it: the document has them all."""
    labels = {result.ok().label for result in api_schema.get_all_operations()}
    assert {"GET /api/v1/proposals", "POST /api/v1/proposals/{proposal_id}/events",
            "POST /api/v1/auth/token"} <= labels
