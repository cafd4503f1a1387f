"""The dossier import under attack (issue 15, items 8–9): zip bombs, encrypted members, unknown
compression and damaged deflate data are refused with 422 ``invalid_package`` naming the member,
without unpacking them; an import creates only what the importer may create, writes award
history only for nominees it creates and only what the sending authority vouches for, happens
once per package and submission, and audits each proposal."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import threading
import tracemalloc
import zipfile

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests import factories as f
from tests.decisions.test_exchange import _counts, _import, _manifest, _rezip
from workflow.audit.models import AuditEntry
from workflow.decisions.reading import PackageLimits
from workflow.extensions import db
from workflow.org.models import AwardRecord, Nominee

MB = 1024 * 1024


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _attachment_path(data: bytes) -> str:
    return _manifest(_members(data))["proposals"][0]["attachments"][0]["path"]


def _bomb(data: bytes, size: int) -> bytes:
    """The real package with one attachment replaced by a PDF header and ``size`` zero bytes —
    hash and size written into the manifest, so only the unpacking limit can refuse it."""
    files = _members(data)
    target = _attachment_path(data)
    digest, chunk = hashlib.sha256(b"%PDF-1.4\n"), bytes(MB)
    for _ in range(size // MB):
        digest.update(chunk)
    manifest = _manifest(files)
    entry = next(e for e in manifest["files"] if e["path"] == target)
    entry.update(sha256=digest.hexdigest(), size=len(b"%PDF-1.4\n") + size)
    files["manifest.json"] = json.dumps(manifest).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            if name != target:
                archive.writestr(name, content)
        with archive.open(target, "w", force_zip64=True) as stream:  # streamed: never 500 MB in memory
            stream.write(b"%PDF-1.4\n")
            for _ in range(size // MB):
                stream.write(chunk)
    return out.getvalue()


def _patched(data: bytes, member: str, *, flags: int | None = None, method: int | None = None,
             first_data_byte: int | None = None) -> bytes:
    """The ZIP with one member's header fields overwritten in the bytes (local and central)."""
    raw = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
        start = archive.start_dir
    local = info.header_offset
    name_len, extra_len = struct.unpack("<HH", raw[local + 26:local + 30])
    central = start  # walk the central directory to the member's entry
    while True:
        assert raw[central:central + 4] == b"PK\x01\x02"
        n, e, c = struct.unpack("<HHH", raw[central + 28:central + 34])
        if raw[central + 46:central + 46 + n] == member.encode():
            break
        central += 46 + n + e + c
    if flags is not None:
        for at in (local + 6, central + 8):
            raw[at:at + 2] = struct.pack("<H", struct.unpack("<H", raw[at:at + 2])[0] | flags)
    if method is not None:
        for at in (local + 8, central + 10):
            raw[at:at + 2] = struct.pack("<H", method)
    if first_data_byte is not None:
        raw[local + 30 + name_len + extra_len] = first_data_byte
    return bytes(raw)


def _deflated(data: bytes) -> bytes:
    """The package rewritten with every member deflated (the corruption needs a deflate stream)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in _members(data).items():
            archive.writestr(name, content)
    return out.getvalue()


def _post(client, username: str, data: bytes):
    """The import request, its multipart body built in memory (the test client spools bodies over
    500 KB to a temporary file it does not close)."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "ho-so.zip")})
    return client.post("/api/v1/dossiers/import", headers=f.token(client, username), data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def _refused(app, client, data: bytes, member: str) -> dict:
    before = _counts(app)
    response = _post(client, "huyen_admin", data)
    assert response.status_code == 422, response.get_data()[:500]
    error = response.get_json()["error"]
    assert error["code"] == "invalid_package" and error["details"]["path"] == member, error
    assert member in error["message"]
    assert _counts(app) == before
    return error


# --- item 8: unpacking --------------------------------------------------------------------------

def test_a_500_mb_member_is_refused_without_being_unpacked(package, district):
    app, client = district
    bomb = _bomb(package["zip"], 500 * MB)
    assert len(bomb) < 2 * MB  # the upload itself is small: only the unpacked size is the attack
    tracemalloc.start()
    try:
        error = _refused(app, client, bomb, _attachment_path(package["zip"]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * MB, peak  # it was read to the end: 1 GB more in the web process
    assert "reason" in error["details"]
    # the same package, honest, imports
    assert _import(client, "huyen_admin", package["zip"]).status_code == 201


def test_encrypted_unknown_compression_and_damaged_deflate_are_refused(package, district):
    app, client = district
    target = _attachment_path(package["zip"])
    deflated = _deflated(package["zip"])
    _refused(app, client, _patched(deflated, target, flags=0x1), target)  # it was a 500
    _refused(app, client, _patched(deflated, target, method=99), target)  # it was a 500
    _refused(app, client, _patched(deflated, target, first_data_byte=0xFF), target)  # invalid block: a 500
    _refused(app, client, _patched(deflated, "manifest.json", first_data_byte=0xFF), "manifest.json")
    assert _import(client, "huyen_admin", deflated).status_code == 201


def test_the_default_limits_are_sane(app, package):
    limits = PackageLimits.from_config(app.config)
    assert limits == PackageLimits()
    # a real package fits with room to spare; no upload may unpack past 100 MB, however large
    unpacked = sum(len(c) for c in _members(package["zip"]).values())
    assert limits.budget(len(package["zip"])) >= 10 * unpacked
    assert limits.budget(20 * MB) == limits.budget(10**9) == 100 * MB
    assert limits.budget(600 * 1024) == 16 * MB  # the 603 KB package of the audit: 16 MB, not 500
    assert 0 < limits.max_members <= 5000


# --- item 9: what an import writes ---------------------------------------------------------------

def _set_up_commune(app, nominee: str | None = None) -> None:
    """The district's admin registers the commune and its hamlet (and, optionally, a nominee
    already known here, without any award history)."""
    from workflow.org.models import Authority

    with app.app_context():
        parent = db.session.scalar(select(Authority).where(Authority.code == "H-NGOAI"))
        commune = f.authority(db.session, "X-DB", "commune", parent, name="UBND xã Định Biên")
        hamlet = f.unit(db.session, commune, "DB-NATO", name="Xóm Nà To")
        if nominee:
            f.nominee(db.session, commune, hamlet, name=nominee)
        db.session.remove()


def _awards_of(app, name: str) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(select(AwardRecord.award_type_code, AwardRecord.year, AwardRecord.decision_number)
                                  .join(Nominee, Nominee.id == AwardRecord.nominee_id)
                                  .where(Nominee.name == name).order_by(AwardRecord.year)).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def test_an_import_never_adds_to_a_known_nominees_history(package, district):
    app, client = district
    _set_up_commune(app, nominee="Nông Văn Chiến")

    def made_up(files: dict) -> None:
        manifest = _manifest(files)
        for p in manifest["proposals"]:
            p["nominee"]["awards"].append({"award_type_code": "CSTD_TINH", "year": 2024,
                                           "decision_number": "999/QĐ-BỊA", "authority_code": "X-DB"})
        files["manifest.json"] = json.dumps(manifest).encode()

    response = _import(client, "huyen_thuky", _rezip(package["zip"], made_up))
    assert response.status_code == 201, response.get_json()  # the commune is set up: the officer may import
    assert _awards_of(app, "Nông Văn Chiến") == []  # known here: its history is not the package's to write
    # a nominee the import creates gets the history its own commune records (and vouches for)
    assert _awards_of(app, "Hoàng Thị Bằng") == [("CSTD_TINH", 2024, "999/QĐ-BỊA")]


def test_another_authoritys_awards_are_not_written(package, district):
    app, client = district
    _set_up_commune(app)

    def foreign(files: dict) -> None:
        manifest = _manifest(files)
        for p in manifest["proposals"]:
            for award in p["nominee"]["awards"]:
                award["authority_code"] = "H-KHAC"  # another district's decisions
            p["nominee"]["awards"].append({"award_type_code": "CSTDCS", "year": 2022, "decision_number": "1/QĐ"})
        files["manifest.json"] = json.dumps(manifest).encode()

    assert _import(client, "huyen_thuky", _rezip(package["zip"], foreign)).status_code == 201
    assert _awards_of(app, "Nông Văn Chiến") == []  # the made-up history of the package: none written


def _report(client) -> dict:
    response = client.get("/api/v1/reports/annual?authority=X-DB&year=2025", headers=f.token(client, "huyen_admin"))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_package_imports_once_and_the_report_does_not_grow(package, district):
    app, client = district
    _set_up_commune(app)
    first = _import(client, "huyen_thuky", package["zip"])
    assert first.status_code == 201
    report, before = _report(client), _counts(app)
    assert report["proposed_to"] and sum(i["individual"] for lvl in report["proposed_to"] for i in lvl["items"]) == 2

    def renamed(files: dict) -> None:  # a re-export of the same submission: new id, other wording
        manifest = _manifest(files)
        manifest["package_id"] = "f" * 32
        manifest["from_authority"]["name"] = "Ủy ban nhân dân xã Định Biên"
        files["manifest.json"] = json.dumps(manifest).encode()

    for data in (package["zip"], _rezip(package["zip"], renamed)):
        again = _import(client, "huyen_thuky", data)
        assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_imported"
        assert _counts(app) == before
        assert _report(client) == report


@pytest.mark.commits  # imports in threads
def test_two_imports_of_one_package_at_once_create_it_once(package, district):
    app, client = district
    _set_up_commune(app)
    tokens = [f.token(client, "huyen_thuky"), f.token(client, "huyen_admin")]
    barrier, answers = threading.Barrier(2), []

    def run(headers):
        local = app.test_client()
        barrier.wait()
        answers.append(local.post("/api/v1/dossiers/import", headers=headers,
                                  data={"file": (io.BytesIO(package["zip"]), "ho-so.zip")},
                                  content_type="multipart/form-data"))

    threads = [threading.Thread(target=run, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409], [a.get_json() for a in answers]
    loser = next(a for a in answers if a.status_code == 409)
    assert loser.get_json()["error"]["code"] in ("already_imported", "conflict")
    assert _counts(app)[0] == 2


def test_each_imported_proposal_is_audited(package, district):
    app, client = district
    _set_up_commune(app)
    ids = _import(client, "huyen_thuky", package["zip"]).get_json()["proposal_ids"]
    with app.app_context():
        audited = db.session.scalars(select(AuditEntry.object_id).where(
            AuditEntry.action == "proposal.import", AuditEntry.object_type == "proposal")).all()
        assert sorted(audited) == sorted(str(i) for i in ids)
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "dossier.import")) == 1
        db.session.remove()
