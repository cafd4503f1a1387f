"""Attachments: the type comes from the content, the size is limited, the file lives outside
``static/`` under a generated name, and only users in scope download it (always as an attachment)."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

import workflow
from tests import factories as f
from tests.proposals.helpers import World
from workflow.errors import Invalid
from workflow.org.models import User
from workflow.proposals import attachments
from workflow.proposals.models import Attachment

STATIC = Path(workflow.__file__).resolve().parent / "static"


def pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def png() -> bytes:
    """A real 1×1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def jpeg() -> bytes:
    """JFIF header, a comment and the end marker (enough for a content sniffer)."""
    return (b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            + b"\xff\xfe" + struct.pack(">H", 6) + b"test" + b"\xff\xd9")


def docx() -> bytes:
    """A minimal Word document: the parts Word itself needs."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/'
            'word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
            'document.main+xml"/></Types>'))
        z.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'))
        z.writestr("word/document.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Báo cáo thành tích năm 2025</w:t></w:r></w:p>'
            '</w:body></w:document>'))
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("notes.txt", "không phải tài liệu Word")
    return buffer.getvalue()


@pytest.fixture
def w(client, session):
    return World(client, session)


@pytest.fixture
def draft(w):
    return w.propose(w.person())


def upload(w, pid, content: bytes, filename: str, doc_type="bao_cao_thanh_tich", who="nominator"):
    return w.client.post(f"/api/v1/proposals/{pid}/attachments", headers=w.auth(who),
                         data={"doc_type": doc_type, "file": (io.BytesIO(content), filename)})


def storage(app) -> Path:
    return Path(app.instance_path) / "attachments"


def stored_files(app) -> list[Path]:
    folder = storage(app)
    return sorted(folder.iterdir()) if folder.exists() else []


def attachment_count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(Attachment.id)))


@pytest.mark.parametrize(("maker", "filename", "content_type"), [
    (pdf, "bao-cao.pdf", "application/pdf"),
    (png, "anh-chup.png", "image/png"),
    (jpeg, "anh.jpg", "image/jpeg"),
    (docx, "bao-cao.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (pdf, "bao-cao-khong-duoi", "application/pdf"),  # the name does not matter
    (png, "anh.pdf", "image/png"),  # nor a lying extension: the content decides
])
def test_accepted_types(w, app, draft, maker, filename, content_type):
    content = maker()
    r = upload(w, draft["id"], content, filename)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["content_type"] == content_type and body["size"] == len(content)
    assert body["filename"] == filename
    import hashlib

    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    proposal = w.get("nominator", f"/api/v1/proposals/{draft['id']}")
    assert [a["id"] for a in proposal["attachments"]] == [body["id"]]


@pytest.mark.parametrize(("content", "filename"), [
    (b"Day la van ban thuong, khong phai PDF.\n", "bao-cao.pdf"),
    (plain_zip(), "bao-cao.docx"),  # a zip without word/document.xml
    (b"PK\x03\x04 not really a zip", "bao-cao.docx"),
    (b"<html><script>alert(1)</script></html>", "trang.pdf"),
    (b"GIF89a\x01\x00\x01\x00", "anh.png"),
])
def test_type_is_judged_from_the_content(w, app, session, draft, content, filename):
    r = upload(w, draft["id"], content, filename)
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["code"] == "validation_error" and "file" in r.get_json()["error"]["details"]
    assert attachment_count(session) == 0 and stored_files(app) == []


def test_empty_file_and_missing_doc_type_refused(w, app, session, draft):
    assert upload(w, draft["id"], b"", "rong.pdf").status_code == 422
    assert upload(w, draft["id"], pdf(), "bc.pdf", doc_type="").status_code == 422
    r = w.client.post(f"/api/v1/proposals/{draft['id']}/attachments", headers=w.auth("nominator"),
                      data={"doc_type": "bao_cao_thanh_tich"})
    assert r.status_code == 422 and "file" in r.get_json()["error"]["details"]
    assert attachment_count(session) == 0 and stored_files(app) == []


def test_over_the_request_limit_413_leaves_nothing(w, app, session, draft):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    r = upload(w, draft["id"], pdf() + b"0" * 8192, "lon.pdf")
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "too_large"
    assert attachment_count(session) == 0 and stored_files(app) == []
    # under the limit the same route takes it
    assert upload(w, draft["id"], pdf(), "nho.pdf").status_code == 201


def test_over_the_service_limit_413_leaves_nothing(w, app, session, draft):
    with app.app_context():
        actor = session.get(User, w.org["users"]["nominator"].id)
        with pytest.raises(attachments.TooLarge) as refused:
            attachments.add_attachment(session, actor, draft["id"], doc_type="bao_cao_thanh_tich",
                                       filename="lon.pdf", content=pdf() + b"0" * 2000, max_bytes=1024)
        assert refused.value.status == 413
        session.rollback()
        exact = pdf().ljust(1024, b" ")  # exactly at the limit is accepted
        attachments.add_attachment(session, actor, draft["id"], doc_type="bao_cao_thanh_tich", filename="ok.pdf",
                                   content=exact, max_bytes=1024)
    assert attachment_count(session) == 1 and len(stored_files(app)) == 1


def test_refused_type_through_the_service_writes_no_file(w, app, session, draft):
    with app.app_context():
        actor = session.get(User, w.org["users"]["nominator"].id)
        with pytest.raises(Invalid):
            attachments.add_attachment(session, actor, draft["id"], doc_type="x", filename="a.pdf",
                                       content=b"plain text", max_bytes=10_000)
    assert attachment_count(session) == 0 and stored_files(app) == []


def test_stored_outside_static_under_a_generated_name(w, app, session, draft):
    r = upload(w, draft["id"], pdf(), "../../static/Báo cáo <thành tích>.pdf")
    assert r.status_code == 201, r.get_json()
    row = session.get(Attachment, r.get_json()["id"])
    assert re.fullmatch(r"[0-9a-f]{32}", row.stored_name)
    assert "/" not in row.filename and ".." not in row.filename and row.filename.endswith(".pdf")
    path = storage(app) / row.stored_name
    assert path.read_bytes() == pdf()
    assert STATIC not in path.resolve().parents
    assert not any(STATIC.rglob(row.stored_name)) and not any(STATIC.rglob("*thành tích*"))
    # a second upload of the same bytes gets its own name
    again = upload(w, draft["id"], pdf(), "bc.pdf").get_json()
    assert session.get(Attachment, again["id"]).stored_name != row.stored_name


def test_download_in_scope_only_and_always_as_attachment(w, app, session, draft):
    body = upload(w, draft["id"], pdf(), "Báo cáo thành tích.pdf").get_json()
    # the district's reviewer does not read a commune's draft, nor its documents (issue 15, item 6:
    # this loop used to expect 200 for it); the deployment admin does
    assert w.call("higher_reviewer", "GET", body["url"]).status_code == 404
    for who in ("nominator", "secretary", "chair", "council_member", "admin"):
        r = w.call(who, "GET", body["url"])
        assert r.status_code == 200, (who, r.status_code)
        assert r.data == pdf() and r.mimetype == "application/pdf"
        disposition = r.headers["Content-Disposition"]
        assert disposition.startswith("attachment;"), disposition
        assert "B%C3%A1o%20c%C3%A1o" in disposition  # the Vietnamese name, RFC 5987-encoded
        r.close()
    # a secretary of another commune, and a nominator of another hamlet, see nothing
    other = f.authority(session, "X-KHAC", "commune", w.org["district"])
    f.user(session, "secretary", other, username="thuky_khac")
    hamlet2 = f.unit(session, w.org["commune"], "DB-DONGDAU", name="Xóm Đồng Đau")
    f.user(session, "nominator", w.org["commune"], hamlet2, username="xom_khac")
    for username in ("thuky_khac", "xom_khac"):
        r = w.client.get(body["url"], headers=f.token(w.client, username))
        assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
        up = w.client.post(f"/api/v1/proposals/{draft['id']}/attachments", headers=f.token(w.client, username),
                           data={"doc_type": "x", "file": (io.BytesIO(pdf()), "x.pdf")})
        assert up.status_code == 404
    assert w.client.get(body["url"]).status_code == 401
    assert w.call("secretary", "GET", "/api/v1/attachments/999999").status_code == 404


def test_docx_and_images_also_download_as_attachments(w, draft):
    for maker, name in ((docx, "bc.docx"), (png, "anh.png")):
        body = upload(w, draft["id"], maker(), name).get_json()
        r = w.call("secretary", "GET", body["url"])
        assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment")
        assert r.data == maker()
        r.close()


def test_nominator_may_not_attach_once_under_review(w, draft):
    w.event("nominator", draft["id"], "submit")
    assert upload(w, draft["id"], pdf(), "a.pdf").status_code == 201  # still allowed while submitted
    w.event("secretary", draft["id"], "accept")
    r = upload(w, draft["id"], pdf(), "b.pdf")
    assert r.status_code == 403
    assert upload(w, draft["id"], pdf(), "c.pdf", who="secretary").status_code == 201


# --- issue 15, item 12: polyglots, zip bombs, encrypted packages, hostile names, nosniff --------

def polyglot_pdf() -> bytes:
    """Starts like a PDF, but a browser sniffing it would find a page with a script."""
    return b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n" + pdf()[9:]


def _office(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


def zip_bomb_docx() -> bytes:
    """A valid-looking DOCX whose document part inflates to 80 MB from a few dozen KB."""
    with zipfile.ZipFile(io.BytesIO(docx())) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["word/media/bomb.bin"] = b"\0" * (80 * 1024 * 1024)
    return _office(parts)


def encrypted_docx() -> bytes:
    """A DOCX with the ZIP 'encrypted' flag set on its main part (in the local header and the
    central directory), as an archiver protecting it with a password writes it."""
    data = bytearray(docx())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        local = z.getinfo("word/document.xml").header_offset
    data[local + 6] |= 0x01  # general purpose flags, bit 0: encrypted
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        name_len = struct.unpack("<H", data[start + 28:start + 30])[0]
        if data[start + 46:start + 46 + name_len] == b"word/document.xml":
            data[start + 8] |= 0x01
        start += 4
    return bytes(data)


def no_content_types_docx() -> bytes:
    with zipfile.ZipFile(io.BytesIO(docx())) as z:
        return _office({n: z.read(n) for n in z.namelist() if n != "[Content_Types].xml"})


@pytest.mark.parametrize(("maker", "filename"), [
    (polyglot_pdf, "bao-cao.pdf"),
    (zip_bomb_docx, "bao-cao.docx"),
    (encrypted_docx, "bao-cao.docx"),
    (no_content_types_docx, "bao-cao.docx"),
])
def test_polyglots_bombs_and_encrypted_packages_are_refused(w, app, session, draft, maker, filename):
    r = upload(w, draft["id"], maker(), filename)
    assert r.status_code == 422, r.get_json()
    assert "file" in r.get_json()["error"]["details"]
    assert attachment_count(session) == 0 and stored_files(app) == []


def test_a_nul_in_the_file_name_is_refused(w, app, session, draft):
    for name in ("bao-cao\x00.html.pdf", "bao\r\ncao.pdf", "bao\x0bcao.pdf"):
        r = upload(w, draft["id"], pdf(), name)
        assert r.status_code == 422, (name, r.get_json())
        assert "file" in r.get_json()["error"]["details"]
    assert attachment_count(session) == 0 and stored_files(app) == []


@pytest.mark.parametrize(("name", "kept"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("/tmp/Báo cáo.pdf", "Báo cáo.pdf"),
])
def test_paths_in_the_file_name_are_cut_to_the_name(w, session, draft, name, kept):
    r = upload(w, draft["id"], pdf(), name)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["filename"] == kept


def test_safe_filename_keeps_vietnamese_letters_only_safe_characters():
    from workflow.documents.http import safe_filename

    assert safe_filename("C:\\Users\\Xã\\Biên bản \"họp\" <1>.pdf") == "Biên bản _họp_ _1_.pdf"
    assert safe_filename("..\\..\\.hidden.pdf") == "hidden.pdf"
    assert safe_filename("\x00\r\n") == "tai-lieu" and safe_filename("Ho\u0302\u0300ng.pdf") == "Hồng.pdf"


def test_every_download_is_nosniff_with_a_clean_name(w, app, session, draft):
    """Even a name stored before names were checked never reaches the header raw."""
    body = upload(w, draft["id"], pdf(), "bc.pdf").get_json()
    row = session.get(Attachment, body["id"])
    row.filename = "bao\x01cao\r\n.pdf"  # PostgreSQL cannot store a NUL
    session.commit()
    from tests.proposals.test_views import web

    browser = web(app, "secretary", w)
    for response in (w.call("secretary", "GET", body["url"]), browser.get(f"/ho-so/tai-lieu/{body['id']}")):
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and not re.search(r"[\x00-\x1f]", disposition)
        assert "baocao.pdf" in disposition
        response.close()
