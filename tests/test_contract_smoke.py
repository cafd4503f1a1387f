"""The outside client of ../shared/contract/smoke.py drives a whole year through the stable API
contract against a real HTTP server on an empty database — the way acceptance tests do."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import need, serve_in_thread

pytestmark = pytest.mark.commits  # the app served in a thread: real commits

SMOKE = Path(__file__).resolve().parents[2] / "shared" / "contract" / "smoke.py"


@pytest.fixture
def server(app):
    from workflow.extensions import db
    from workflow.org.services import create_user

    with app.app_context():
        create_user(db.session, None, username="smoke_admin", password="Smoke-admin-2024",
                    full_name="Quản trị", roles=[{"role": "admin"}])
        db.session.commit()  # as `tdkt user create` does at the end of its unit of work
        db.session.remove()
    with serve_in_thread(app) as url:
        yield url


def test_smoke_contract(server, app):
    need(SMOKE.exists(), f"{SMOKE} is missing: the contract smoke test needs ../shared beside the repository")
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    result = subprocess.run([sys.executable, str(SMOKE), server, "smoke_admin", "Smoke-admin-2024"],
                            capture_output=True, text=True, timeout=120, cwd=SMOKE.parent,
                            env={**os.environ, "PYTHONPATH": str(SMOKE.parent)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smoke: the contract answered every step" in result.stdout
    assert "'awarded'" in result.stdout
    print(result.stdout)
