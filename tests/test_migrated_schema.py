"""The schema the migrations build works, not only matches: ``tdkt db upgrade`` on a fresh
database, then a proposal created through the API and moved along its states on it.

Every other test runs on a schema made by ``Base.metadata.create_all`` (tests/conftest.py);
tests/test_migrations.py proves the two schemas hold the same tables, columns, indexes, keys and
CHECK constraints, and this module proves a real request path runs on the migrated one: the
proposal, its history and audit rows and an uploaded attachment written through the services, the
nominee's folded name (revision 0011) searched, a CHECK constraint enforced by the database.
"""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tests import factories as f
from tests.proposals.helpers import World
from tests.test_migrations import _fresh_url
from workflow import cli, create_app
from workflow.extensions import db

SECRET = "migrated-schema-secret-key-for-tests"


class MigratedWorld(World):
    """tests/proposals/helpers.World, its org set up through the services and committed by this
    test itself (whoever commits in the services, the API's requests must see the users)."""

    def __init__(self, client, session):
        self.client, self.session, self.tokens = client, session, {}
        self.org = f.commune_setup(session)
        session.commit()
        self.round = self.post("secretary", "/api/v1/rounds", {
            "authority_code": "X-DB", "year": 2025, "kind": "annual", "title": "Tổng kết năm 2025",
            "nomination_deadline": "2025-12-15"})


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_app(request, tmp_path, monkeypatch):
    url = _fresh_url(request.param, tmp_path, "migrated_schema")
    env = {"TDKT_DATABASE_URL": url, "TDKT_INSTANCE_PATH": str(tmp_path / "instance"),
           "TDKT_SECRET_KEY": SECRET, "TDKT_BROKER_URL": "memory://"}
    made = []  # the command's own app (from the TDKT_* variables), to close its pool afterwards
    monkeypatch.setattr(cli, "_app", lambda: made.append(create_app()) or made[-1])
    result = CliRunner().invoke(cli.main, ["db", "upgrade"], env=env)
    for command_app in made:
        with command_app.app_context():
            db.engine.dispose()
    assert made and result.exit_code == 0, result.output
    assert "database at head" in result.output
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": SECRET,
                      "CELERY_ALWAYS_EAGER": True, "BROKER_URL": "memory://",
                      "RATELIMIT_STORAGE_URL": "memory://"})
    app.config["TESTING"] = True
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_proposal_lives_on_the_migrated_schema(migrated_app):
    from workflow.audit.models import AuditEntry
    from workflow.org.models import Nominee
    from workflow.proposals.models import Proposal, ProposalTransition

    with migrated_app.app_context():
        engine = db.engine
    client = migrated_app.test_client()
    with Session(engine) as session:
        w = MigratedWorld(client, session)  # users and authorities through the services, a round via the API
        nominee_id = w.person("Hoàng Văn Đức")
        p = w.propose(nominee_id)
        assert p["state"] == "draft"
        upload = client.post(f"/api/v1/proposals/{p['id']}/attachments", headers=w.auth("nominator"),
                             data={"doc_type": "bao_cao_thanh_tich",
                                   "file": (io.BytesIO(b"%PDF-1.4 migrated"), "bc.pdf")})
        assert upload.status_code == 201, upload.get_json()
        assert w.event("nominator", p["id"], "submit")["state"] == "submitted"
        assert w.event("secretary", p["id"], "accept")["state"] == "under_review"
        p = w.event("secretary", p["id"], "publish", days=7)
        assert p["state"] == "public_notice" and p["notice_until"]
        history = w.get("secretary", f"/api/v1/proposals/{p['id']}/history")
        steps = [(h["from_state"], h["to_state"]) for h in history]
        assert steps[-3:] == [("draft", "submitted"), ("submitted", "under_review"),
                              ("under_review", "public_notice")]
        found = w.get("secretary", "/api/v1/proposals?q=hoang van duc")  # the folded name (0011)
        assert [i["id"] for i in found["items"]] == [p["id"]]

        session.expire_all()
        stored = session.get(Proposal, p["id"])
        assert stored.state == "public_notice" and stored.version == p["version"]
        assert session.scalar(select(func.count()).select_from(ProposalTransition)
                              .where(ProposalTransition.proposal_id == p["id"])) == len(history)
        assert session.scalar(select(func.count()).select_from(AuditEntry)) > 0
        assert session.get(Nominee, nominee_id).name_folded == "hoang van duc"

        # and the database itself enforces the CHECK constraints the migrations made
        with pytest.raises(IntegrityError), session.begin_nested():
            session.execute(text("INSERT INTO calendar_day (day, kind, note) VALUES ('2025-01-01', 'holiday', '')"))
