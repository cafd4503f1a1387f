"""Importing nominees and past awards from XLSX/CSV (issue 11, item 2): all or nothing, every
bad row named by row and column, duplicates in the file and against the database, files that are
not spreadsheets, the size and row limits, and the templates round-tripped."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests import factories as f
from workflow.audit.models import AuditEntry
from workflow.org import importing
from workflow.org.models import AwardRecord, Nominee


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(text: str, bom: bool = False) -> bytes:
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


@pytest.fixture
def world(session):
    w = f.commune_setup(session)
    w["school"] = f.unit(session, w["commune"], "DB-THCS", kind="school", name="Trường THCS Định Biên")
    w["other"] = f.authority(session, "X-KH", "commune", w["district"], name="UBND xã Khác")
    w["other_hamlet"] = f.unit(session, w["other"], "KH-XOM", name="Xóm Khác")
    w["other_secretary"] = f.user(session, "secretary", w["other"], username="thuky_kh")
    return w


def post(client, who, content: bytes, name="danh-sach.xlsx", path="/api/v1/nominees/import", **form):
    data = {"file": (io.BytesIO(content), name), "authority_code": "X-DB", **form}
    return client.post(path, data=data, headers=f.token(client, who), content_type="multipart/form-data")


def count(session, model=Nominee) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


STAFF_HEADER = ["Họ và tên", "Năm sinh", "Giới tính", "Chức vụ", "Mã đơn vị"]


def test_staff_xlsx_imported_with_one_audit_entry(client, session, world):
    content = xlsx([STAFF_HEADER, ["Ma Văn Thành", 1985, "Nam", "Giáo viên", "DB-THCS"],
                    ["Hoàng Thị Lan", "1990", "Nữ", "Kế toán", "DB-THCS"], [None, None, None, None, None]])
    response = post(client, "thuky", content)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["imported"] == 2
    session.expire_all()
    rows = session.scalars(select(Nominee).order_by(Nominee.id)).all()
    assert [(n.name, n.birth_year, n.gender, n.position, n.unit.code, n.kind) for n in rows] == [
        ("Ma Văn Thành", 1985, "male", "Giáo viên", "DB-THCS", "individual"),
        ("Hoàng Thị Lan", 1990, "female", "Kế toán", "DB-THCS", "individual")]
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "nominee.import")).all()
    assert len(entries) == 1 and entries[0].data["count"] == 2
    assert sorted(entries[0].data["ids"]) == [n.id for n in rows]


def test_bad_rows_named_by_row_and_column_and_nothing_imported(client, session, world):
    content = xlsx([STAFF_HEADER,
                    ["Ma Văn Thành", 1985, "Nam", "", "DB-THCS"],
                    ["", 1980, "Nam", "", "DB-THCS"],  # row 3: no name
                    ["La Văn Bình", 1850, "Nam", "", "DB-THCS"],  # row 4: birth year
                    ["Đàm Thị Hoa", 1991, "Nữ", "", "KHONG-CO"],  # row 5: unknown unit
                    ["Mạc Văn Tú", 1992, "Trai", "", "KH-XOM"],  # row 6: gender; another commune's unit
                    ["ma  văn thành", 1985, "nam", "", "DB-THCS"]])  # row 7: same as row 2
    response = post(client, "thuky", content)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "import_rejected"
    found = {(r["row"], r["column"]) for r in error["details"]["rows"]}
    assert found == {(3, "Họ và tên"), (4, "Năm sinh"), (5, "Mã đơn vị"), (6, "Giới tính"), (6, "Mã đơn vị"),
                     (7, "Họ và tên")}
    assert all(r["message"] for r in error["details"]["rows"])
    assert count(session) == 0  # the good row 2 was not imported either


def test_duplicates_against_the_database(client, session, world):
    school = world["school"]
    from workflow.org import services

    existing = services.create_nominee(session, services.system_actor(), kind="individual", name="Ma Văn Thành",
                                       authority_code="X-DB", unit_code=school.code, birth_year=1985)
    f.nominee(session, world["commune"], world["hamlet"], kind="household", name="Hộ ông Hoàng Văn Lâm")
    staff = xlsx([STAFF_HEADER, ["Ma Văn Thành", 1985, "", "", "DB-THCS"],
                  ["Ma Văn Thành", 1986, "", "", "DB-THCS"]])  # another birth year: another person
    response = post(client, "thuky", staff)
    assert response.status_code == 422
    rows = response.get_json()["error"]["details"]["rows"]
    assert rows == [{"row": 2, "column": "Họ và tên", "message": rows[0]["message"]}]
    assert str(existing.id) in rows[0]["message"]
    households = csv_bytes("Chủ hộ;Mã thôn/xóm\nHoàng Văn Lâm;DB-NATO\nNông Văn Ba;DB-NATO\n")
    response = post(client, "thuky", households, name="ho.csv")
    assert response.status_code == 422
    # the existing household was registered by name only: its name still matches its head
    assert [(r["row"], r["column"]) for r in response.get_json()["error"]["details"]["rows"]] == [(2, "Chủ hộ")]
    assert count(session) == 2


def test_household_duplicates_in_the_file_and_wrong_unit_kind(client, session, world):
    content = csv_bytes("Chủ hộ,Giới tính chủ hộ,Mã thôn/xóm\nHoàng Văn Lâm,Nam,DB-NATO\n"
                        "Hoàng  Văn Lâm,Nam,DB-NATO\nLa Thị Mai,Nữ,DB-THCS\n")
    response = post(client, "thuky", content, name="ho.csv")
    assert response.status_code == 422
    rows = response.get_json()["error"]["details"]["rows"]
    assert [(r["row"], r["column"]) for r in rows] == [(3, "Chủ hộ"), (4, "Mã thôn/xóm")]
    assert "2" in rows[0]["message"]  # the same as row 2
    assert count(session) == 0


def test_households_csv_with_bom_and_semicolons_for_the_chosen_hamlet(client, session, world):
    content = csv_bytes("Chủ hộ;Giới tính chủ hộ\r\nHoàng Văn Lâm;Nam\r\nLa Thị Mai;Nữ\r\n", bom=True)
    response = post(client, "truongxom", content, name="ho.csv", unit_code="DB-NATO")
    assert response.status_code == 201, response.get_json()
    session.expire_all()
    rows = session.scalars(select(Nominee).order_by(Nominee.id)).all()
    assert [(n.kind, n.name, n.head_name, n.unit.code) for n in rows] == [
        ("household", "Hộ ông Hoàng Văn Lâm", "Hoàng Văn Lâm", "DB-NATO"),
        ("household", "Hộ bà La Thị Mai", "La Thị Mai", "DB-NATO")]


def test_excel_sep_line_and_tabs(client, session, world):
    content = csv_bytes("sep=;\r\nHọ và tên;Năm sinh;Mã đơn vị\r\nMa Văn A;1980;DB-THCS\r\nMa Văn B;19x0;DB-THCS\r\n")
    response = post(client, "thuky", content, name="a.csv")
    assert response.status_code == 422  # the row numbers are the file's own, the sep= line counted
    assert [(r["row"], r["column"]) for r in response.get_json()["error"]["details"]["rows"]] == [(4, "Năm sinh")]
    tabs = csv_bytes("Họ và tên\tNăm sinh\tMã đơn vị\nMa Văn A, con\t1980\tDB-THCS\n")
    assert post(client, "thuky", tabs, name="a.csv").status_code == 201
    session.expire_all()
    assert session.scalar(select(Nominee.name)) == "Ma Văn A, con"


def test_english_headers_and_collectives(client, session, world):
    content = csv_bytes("Collective name,Unit code\nTổ chuyên môn Toán,DB-THCS\n")
    response = post(client, "thuky", content, name="tap-the.csv")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["kind"] == "collective"
    staff = csv_bytes("Full name,Birth year,Unit code\nNông Văn Ba,1979,DB-THCS\n")
    assert post(client, "thuky", staff, name="staff.csv").get_json()["kind"] == "individual"
    assert count(session) == 2


def test_a_file_of_several_kinds_with_the_api_field_names(client, session, world):
    content = csv_bytes("kind,name,head_name,unit_code,birth_year,gender,position\n"
                        "individual,Ma Văn Thành,,DB-THCS,1985,male,Giáo viên\n"
                        "household,Hộ ông Hoàng Văn Lâm,Hoàng Văn Lâm,DB-NATO,,,\n"
                        "Tập thể,Tổ chuyên môn Toán,,DB-THCS,,,\n")
    response = post(client, "thuky", content, name="doi-tuong.csv")
    assert response.status_code == 201, response.get_json()
    session.expire_all()
    assert [(n.kind, n.name, n.head_name, n.unit.code) for n in session.scalars(select(Nominee).order_by(Nominee.id))] \
        == [("individual", "Ma Văn Thành", None, "DB-THCS"),
            ("household", "Hộ ông Hoàng Văn Lâm", "Hoàng Văn Lâm", "DB-NATO"),
            ("collective", "Tổ chuyên môn Toán", None, "DB-THCS")]
    bad = csv_bytes("kind,name,unit_code\nperson,Ma Văn B,DB-THCS\nhousehold,Hộ bà La Thị C,DB-THCS\n")
    response = post(client, "thuky", bad, name="x.csv")
    assert response.status_code == 422
    assert [(r["row"], r["column"]) for r in response.get_json()["error"]["details"]["rows"]] == [
        (2, "kind"), (3, "unit_code")]
    assert count(session) == 3


def test_wrong_and_missing_headers(client, session, world):
    response = post(client, "thuky", csv_bytes("Họ và tên,Quê quán\nMa Văn A,Định Hóa\n"), name="x.csv")
    assert response.status_code == 422
    assert [(r["row"], r["column"]) for r in response.get_json()["error"]["details"]["rows"]] == [(1, "Quê quán")]
    response = post(client, "thuky", csv_bytes("Giới tính chủ hộ\nNam\n"), name="x.csv", kind="household")
    assert response.status_code == 422
    columns = {r["column"] for r in response.get_json()["error"]["details"]["rows"]}
    assert columns == {"Chủ hộ", "Mã thôn/xóm"}
    assert count(session) == 0


def test_a_nominator_imports_only_for_its_own_unit(client, session, world):
    content = csv_bytes("Họ và tên,Mã đơn vị\nMa Văn A,DB-THCS\n")
    response = post(client, "truongxom", content, name="x.csv")
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["rows"][0]["column"] == "Mã đơn vị"
    assert post(client, "truongxom", content, name="x.csv", unit_code="DB-THCS").status_code == 422
    assert count(session) == 0


def test_authority_out_of_scope_is_404_and_a_council_member_403(client, session, world):
    content = csv_bytes("Họ và tên,Mã đơn vị\nMa Văn A,KH-XOM\n")
    assert post(client, "thuky", content, name="x.csv", authority_code="X-KH").status_code == 404
    assert post(client, "uyvien", content, name="x.csv").status_code == 403
    assert count(session) == 0


@pytest.mark.parametrize("content, name", [
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "anh.xlsx"),  # a picture renamed .xlsx
    (b"", "trong.xlsx"),  # empty
    (b"PK\x03\x04" + b"\x00" * 100, "hong.xlsx"),  # a broken archive
    ("Họ và tên\nMa Văn A\n".encode("utf-16"), "utf16.csv"),  # not UTF-8
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "cu.xls"),  # old Excel
])
def test_not_a_spreadsheet(client, session, world, content, name):
    response = post(client, "thuky", content, name=name)
    assert response.status_code == 422
    assert "file" in response.get_json()["error"]["details"]
    assert count(session) == 0


def test_a_zip_bomb_is_refused_unread(client, session, world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (80 * 1024 * 1024))
    response = post(client, "thuky", buffer.getvalue())
    assert response.status_code == 422 and "file" in response.get_json()["error"]["details"]


def test_over_the_upload_limit_is_413_before_parsing(app, client, session, world, monkeypatch):
    app.config["MAX_CONTENT_LENGTH"] = 32 * 1024
    called = []
    monkeypatch.setattr(importing.spreadsheets, "read_table", lambda *a, **k: called.append(1))
    response = post(client, "thuky", b"x" * (40 * 1024), name="to.csv")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert called == [] and count(session) == 0


def _import_directly(app, session, username: str, content: bytes):
    """The service itself (a file over ~500 KB through the test client leaves its spooled
    temporary file to the garbage collector, which pytest reports as a ResourceWarning)."""
    from workflow.errors import Invalid
    from workflow.org.models import User

    with app.test_request_context():
        actor = session.scalar(select(User).where(User.username == username))
        with pytest.raises(Invalid) as refused:
            importing.import_file(session, actor, content=content, authority_code="X-DB")
    session.rollback()
    return refused.value


def test_rows_beyond_the_cap_are_refused_without_reading_on(app, session, world, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 100)
    read = []

    def counting(text):
        for number, cells in original(text):
            read.append(number)
            yield number, cells

    original = importing.spreadsheets._csv_rows
    monkeypatch.setattr(importing.spreadsheets, "_csv_rows", counting)
    lines = "\n".join(f"Ma Văn {i},1980,DB-THCS" for i in range(50_000))
    refused = _import_directly(app, session, "thuky", csv_bytes("Họ và tên,Năm sinh,Mã đơn vị\n" + lines))
    rows = refused.details["rows"]
    assert len(rows) == 1 and rows[0]["row"] == 102 and "100" in rows[0]["message"]
    assert len(read) == 102  # the header, 100 rows and the one too many: no further
    assert count(session) == 0


def test_fifty_thousand_xlsx_rows_are_capped(app, session, world):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["Họ và tên", "Năm sinh", "Mã đơn vị"])
    for i in range(50_000):
        sheet.append([f"Ma Văn {i}", 1980, "DB-THCS"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    refused = _import_directly(app, session, "thuky", buffer.getvalue())
    rows = refused.details["rows"]
    assert len(rows) == 1 and rows[0]["row"] == importing.MAX_ROWS + 2
    assert count(session) == 0


def test_past_awards_by_name_and_by_id(client, session, world):
    from workflow.org import services

    actor = services.system_actor()
    thanh = services.create_nominee(session, actor, kind="individual", name="Ma Văn Thành", authority_code="X-DB",
                                    unit_code="DB-THCS", birth_year=1985)
    lam = services.create_nominee(session, actor, kind="household", name="Hộ ông Hoàng Văn Lâm",
                                  authority_code="X-DB", unit_code="DB-NATO", head_name="Hoàng Văn Lâm")
    content = xlsx([["Mã đối tượng", "Họ và tên", "Mã danh hiệu", "Năm", "Số quyết định", "Ngày quyết định"],
                    [None, "Ma Văn Thành", "LDTT", 2022, "125/QĐ-UBND", "20/12/2022"],
                    [lam.id, None, "GDVH", 2023, "200/QĐ-UBND", None]])
    response = post(client, "thuky", content, path="/api/v1/nominees/awards/import")
    assert response.status_code == 201, response.get_json()
    session.expire_all()
    records = session.scalars(select(AwardRecord).order_by(AwardRecord.id)).all()
    assert [(r.nominee_id, r.award_type_code, r.year, r.decision_number, str(r.decision_date), r.source)
            for r in records] == [(thanh.id, "LDTT", 2022, "125/QĐ-UBND", "2022-12-20", "manual"),
                                  (lam.id, "GDVH", 2023, "200/QĐ-UBND", "None", "manual")]
    # the same file again: every row is already in the history, nothing added
    response = post(client, "thuky", content, path="/api/v1/nominees/awards/import")
    assert response.status_code == 422
    assert [r["row"] for r in response.get_json()["error"]["details"]["rows"]] == [2, 3]
    assert count(session, AwardRecord) == 2


def test_past_awards_bad_rows(client, session, world):
    from workflow.org import services

    actor = services.system_actor()
    services.create_nominee(session, actor, kind="individual", name="Ma Văn Thành", authority_code="X-DB",
                            unit_code="DB-THCS", birth_year=1985)
    services.create_nominee(session, actor, kind="individual", name="Nông Văn Ba", authority_code="X-DB",
                            unit_code="DB-THCS", birth_year=1970)
    services.create_nominee(session, actor, kind="individual", name="Nông Văn Ba", authority_code="X-DB",
                            unit_code="DB-NATO", birth_year=1971)
    content = csv_bytes("Họ và tên;Mã danh hiệu;Năm;Số quyết định\n"
                        "Ma Văn Thành;LDTT;2022;1/QĐ\n"
                        "Ma Văn Thành;GDVH;2022;2/QĐ\n"  # 3: a household's award
                        "Không Có Ai;LDTT;2022;3/QĐ\n"  # 4: nobody of that name
                        "Nông Văn Ba;LDTT;2022;4/QĐ\n"  # 5: two of that name
                        "Ma Văn Thành;XYZ;1900;\n"  # 6: unknown award, bad year, no number
                        "Ma Văn Thành;LDTT;2022;1/QĐ\n")  # 7: same as row 2
    response = post(client, "thuky", content, name="kt.csv", kind="awards")
    assert response.status_code == 422
    found = {(r["row"], r["column"]) for r in response.get_json()["error"]["details"]["rows"]}
    assert found == {(3, "Mã danh hiệu"), (4, "Họ và tên"), (5, "Họ và tên"), (6, "Mã danh hiệu"), (6, "Năm"),
                     (6, "Số quyết định"), (7, "Số quyết định")}
    assert count(session, AwardRecord) == 0
    # a nominator does not enter award history
    assert post(client, "truongxom", content, name="kt.csv", kind="awards").status_code == 403


@pytest.mark.parametrize("kind", importing.KINDS)
def test_templates_download_and_round_trip(client, session, world, kind):
    from workflow.org import services

    if kind == "awards":
        services.create_nominee(session, services.system_actor(), kind="individual", name="Ma Văn Thành",
                                authority_code="X-DB", unit_code="DB-THCS", birth_year=1985)
    headers = f.token(client, "thuky")
    response = client.get(f"/api/v1/nominees/import/template?kind={kind}", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert [c.value.rstrip(" *") for c in sheet[1]] == [fld.vi for fld in importing.FIELDS[kind]]
    assert sheet.column_dimensions["A"].width > 8
    guide = workbook.worksheets[1]
    example = [c.value for c in guide["E"][1:]]
    for i, value in enumerate(example, start=1):  # fill the template with the guide's example row
        sheet.cell(row=2, column=i, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    answer = post(client, "thuky", buffer.getvalue(), **({"unit_code": "DB-NATO"} if kind == "household" else {}))
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json() == {"imported": 1, "kind": kind, "ids": answer.get_json()["ids"]}
    csv_template = client.get(f"/api/v1/nominees/import/template?kind={kind}&format=csv", headers=headers)
    assert csv_template.status_code == 200
    assert csv_template.data.decode("utf-8-sig").splitlines()[0].split(",") == [
        fld.vi for fld in importing.FIELDS[kind]]


def test_import_screen(app, session, world):
    from tests.proposals.test_views import csrf_of, web

    client = web(app, "thuky")
    page = client.get("/doi-tuong/nhap")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "/doi-tuong/mau-nhap?kind=individual&amp;format=xlsx" in text
    assert "/doi-tuong/mau-nhap?kind=household&amp;format=csv" in text
    bad = xlsx([STAFF_HEADER, ["", 1985, "", "", "DB-THCS"], ["La Văn Bình", 3000, "", "", "DB-THCS"]])
    token = csrf_of(text)
    answer = client.post("/doi-tuong/nhap", data={"csrf_token": token, "kind": "", "unit_code": "",
                                                 "file": (io.BytesIO(bad), "a.xlsx")},
                         content_type="multipart/form-data")
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert 'data-testid="import-errors"' in text and "Năm sinh" in text and ">3<" in text
    assert count(session) == 0
    good = xlsx([STAFF_HEADER, ["Ma Văn Thành", 1985, "", "", "DB-THCS"]])
    answer = client.post("/doi-tuong/nhap", data={"csrf_token": token, "kind": "", "unit_code": "",
                                                 "file": (io.BytesIO(good), "a.xlsx")},
                         content_type="multipart/form-data", follow_redirects=True)
    assert answer.status_code == 200
    assert count(session) == 1
    template = client.get("/doi-tuong/mau-nhap?kind=individual&format=xlsx")
    assert template.status_code == 200 and template.data.startswith(b"PK")


def test_the_benchmark_cases_run_on_a_tiny_size(backend):
    """Each case on a tiny size, in a throwaway SQLite file or a temporary schema of the test
    PostgreSQL (which must still find pg_trgm, installed in ``public``, for the name index)."""
    import os

    from workflow.benchmark import year, year_io

    url = os.environ["TDKT_TEST_DATABASE_URL"] if backend != "sqlite" else None
    assert {"import_5000", "export_10000"} <= set(year.load_cases())
    with year.throwaway_app(url) as bench_app:
        figures = year_io.import_staff(bench_app, rows=30)
    assert figures["rows"] == 30 and figures["seconds"] > 0
    with year.throwaway_app(url) as bench_app:
        figures = year_io.export_proposals(bench_app, rows=800)
    assert figures["rows"] == 800


def test_the_import_screen_refuses_a_file_over_the_limit_with_a_message(app, session, world):
    from tests.proposals.test_views import csrf_of, web

    app.config["MAX_CONTENT_LENGTH"] = 32 * 1024
    client = web(app, "thuky")
    token = csrf_of(client.get("/doi-tuong/nhap").get_data(as_text=True))
    answer = client.post("/doi-tuong/nhap", data={"csrf_token": token, "kind": "", "unit_code": "",
                                                 "file": (io.BytesIO(b"x" * 40 * 1024), "lon.csv")},
                         content_type="multipart/form-data", follow_redirects=True)
    assert answer.status_code == 200 and "20 MB" in answer.get_data(as_text=True)
    assert count(session) == 0
