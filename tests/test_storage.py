"""Stored files (workflow/storage.py): both backends keep what they are given; with the database
backend an attachment uploaded through one web process is downloaded through another that has its
own instance folder (two machines without a shared disk); a refused upload leaves nothing behind."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.proposals.helpers import World
from tests.proposals.test_attachments import docx, pdf, upload
from tests.proposals.test_views import web
from workflow import create_app, storage
from workflow.extensions import db
from workflow.proposals.models import Attachment
from workflow.storage import DatabaseStorage, FileStorage, StorageError, StoredFile

pytestmark = pytest.mark.commits  # two apps (two 'machines') on their own engines share the database: real commits


@pytest.fixture(params=["filesystem", "database"])
def backend_store(request, app, session, tmp_path):
    if request.param == "filesystem":
        return FileStorage(tmp_path / "shared")
    return DatabaseStorage(session)


def test_each_backend_round_trips(backend_store, session):
    content = docx()
    assert not backend_store.exists("a1b2") and backend_store.get("a1b2") is None
    assert backend_store.open_stream("a1b2") is None
    backend_store.put("a1b2", content, "application/pdf")
    backend_store.put("c3d4", b"%PDF-1.4 other", "application/pdf")
    session.commit()
    assert backend_store.exists("a1b2") and backend_store.get("a1b2") == content
    with backend_store.open_stream("a1b2") as stream:
        assert stream.read() == content
    backend_store.delete("a1b2")
    session.commit()
    assert not backend_store.exists("a1b2") and backend_store.get("a1b2") is None
    assert backend_store.get("c3d4") == b"%PDF-1.4 other"  # the other one stays


@pytest.mark.parametrize("key", ["../secret_key", "a/b", "", ".hidden", "x" * 200, "a..b", "tên"])
def test_a_key_is_never_a_path(backend_store, key):
    with pytest.raises(StorageError):
        backend_store.put(key, b"x", "application/pdf")
    with pytest.raises(StorageError):
        backend_store.get(key)


def test_the_database_backend_commits_and_rolls_back_with_the_caller(session):
    files = DatabaseStorage(session)
    files.put("kept", b"one", "application/pdf")
    session.commit()
    files.put("dropped", b"two", "application/pdf")
    session.rollback()
    files.undo(["dropped"])
    assert files.exists("kept") and not files.exists("dropped")
    row = session.get(StoredFile, "kept")
    assert (row.size, row.content_type) == (3, "application/pdf")


def test_an_unknown_backend_is_refused(app):
    app.config["TDKT_STORAGE"] = "s3"
    with app.app_context(), pytest.raises(StorageError):
        storage.store(db.session)


def test_the_filesystem_directory_comes_from_the_setting(app, tmp_path):
    with app.app_context():
        assert storage.storage_dir() == Path(app.instance_path) / "attachments"
        app.config["TDKT_STORAGE_DIR"] = str(tmp_path / "nfs")
        assert storage.storage_dir() == tmp_path / "nfs"


@pytest.fixture
def second_machine(app, database_url, tmp_path):
    """Another web process on another machine: the same database, its own instance folder."""
    other = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "machine-2"),
                        "SECRET_KEY": app.config["SECRET_KEY"], "BROKER_URL": "memory://",
                        "RATELIMIT_STORAGE_URL": "memory://", "CELERY_ALWAYS_EAGER": True,
                        "STORAGE": app.config["TDKT_STORAGE"]})
    other.config["TESTING"] = True
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _two_machines(app, second_machine, backend: str):
    app.config["TDKT_STORAGE"] = second_machine.config["TDKT_STORAGE"] = backend
    assert app.instance_path != second_machine.instance_path


def test_an_upload_on_one_machine_downloads_on_another_with_the_database(app, session, second_machine):
    _two_machines(app, second_machine, "database")
    w = World(app.test_client(), session)
    draft = w.propose(w.person())
    content = pdf()
    body = upload(w, draft["id"], content, "Báo cáo thành tích.pdf").get_json()
    # the first machine wrote nothing to its own disk
    assert not (Path(app.instance_path) / "attachments").exists()
    row = session.get(Attachment, body["id"])
    assert session.get(StoredFile, row.stored_name).size == len(content)

    other = second_machine.test_client()
    by_api = other.get(f"/api/v1/attachments/{body['id']}", headers=w.auth("secretary"))
    assert by_api.status_code == 200 and by_api.data == content
    assert hashlib.sha256(by_api.data).hexdigest() == body["sha256"]
    assert by_api.headers["Content-Type"] == "application/pdf"
    assert by_api.headers["Content-Disposition"].startswith("attachment;")
    browser = web(second_machine, "secretary", w)
    by_screen = browser.get(f"/ho-so/tai-lieu/{body['id']}")
    assert by_screen.status_code == 200 and by_screen.data == content
    # scope still holds on the other machine
    assert other.get(f"/api/v1/attachments/{body['id']}", headers=w.auth("higher_reviewer")).status_code == 404


def test_without_shared_storage_the_other_machine_has_no_file(app, session, second_machine):
    """What the database backend is for: the filesystem backend on two disks loses the file."""
    _two_machines(app, second_machine, "filesystem")
    w = World(app.test_client(), session)
    draft = w.propose(w.person())
    body = upload(w, draft["id"], pdf(), "bc.pdf").get_json()
    assert app.test_client().get(f"/api/v1/attachments/{body['id']}", headers=w.auth("secretary")).status_code == 200
    missing = second_machine.test_client().get(f"/api/v1/attachments/{body['id']}", headers=w.auth("secretary"))
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_a_refused_upload_leaves_no_stored_file(app, session):
    app.config["TDKT_STORAGE"] = "database"
    w = World(app.test_client(), session)
    draft = w.propose(w.person())
    refused = w.client.post(f"/api/v1/proposals/{draft['id']}/attachments", headers=w.auth("nominator"),
                            data={"doc_type": "", "file": (io.BytesIO(pdf()), "bc.pdf")})
    assert refused.status_code == 422
    assert upload(w, draft["id"], b"plain text", "bc.pdf").status_code == 422
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert session.scalar(select(func.count()).select_from(Attachment)) == 0


@pytest.mark.parametrize("backend", ["filesystem", "database"])
def test_a_failure_after_the_file_is_stored_leaves_neither_row_nor_file(app, session, monkeypatch, backend):
    """The write fails after the bytes went to storage (here: the audit entry): no attachment row,
    no stored file — the database backend by the rollback itself, the filesystem by ``undo``."""
    from workflow.db import unit_of_work
    from workflow.org.models import User
    from workflow.proposals import attachments

    app.config["TDKT_STORAGE"] = backend
    w = World(app.test_client(), session)
    draft = w.propose(w.person())

    def broken(*_args, **_kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(attachments.audit, "record", broken)
    with app.app_context():
        actor = session.get(User, w.org["users"]["nominator"].id)
        # inside the unit of work a request or a task would give it: the failure rolls it back
        with pytest.raises(RuntimeError), unit_of_work(session):
            attachments.add_attachment(session, actor, draft["id"], doc_type="bao_cao_thanh_tich",
                                       filename="bc.pdf", content=pdf(), max_bytes=10_000)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert session.scalar(select(func.count()).select_from(Attachment)) == 0
    folder = Path(app.instance_path) / "attachments"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_tdkt_storage_copy_moves_the_files_into_the_database(app, session, database_url):
    """Switching an existing deployment to TDKT_STORAGE=database: `tdkt storage copy` first, and
    every attachment uploaded before downloads afterwards; a second run copies nothing again."""
    from click.testing import CliRunner

    from workflow.cli import main

    w = World(app.test_client(), session)
    draft = w.propose(w.person())
    kept = upload(w, draft["id"], pdf(), "bc.pdf").get_json()
    lost = upload(w, draft["id"], docx(), "bc.docx").get_json()
    (Path(app.instance_path) / "attachments" / session.get(Attachment, lost["id"]).stored_name).unlink()
    env = {"TDKT_DATABASE_URL": database_url, "TDKT_INSTANCE_PATH": app.instance_path, "TDKT_BROKER_URL": "memory://",
           "TDKT_SECRET_KEY": "cli-test-secret-key-not-for-production"}
    first = CliRunner().invoke(main, ["storage", "copy", "--from", "filesystem", "--to", "database"], env=env)
    assert first.exit_code == 1, first.output  # the missing file is reported, not skipped silently
    assert "copied 1, already there 0, missing from filesystem 1" in first.output

    app.config["TDKT_STORAGE"] = "database"
    got = w.client.get(f"/api/v1/attachments/{kept['id']}", headers=w.auth("secretary"))
    assert got.status_code == 200 and got.data == pdf()
    assert w.client.get(f"/api/v1/attachments/{lost['id']}", headers=w.auth("secretary")).status_code == 404
    again = CliRunner().invoke(main, ["storage", "copy"], env=env)
    assert "copied 0, already there 1, missing from filesystem 1" in again.output
