"""``tdkt bench year`` cases of the spreadsheet import and export (issue 11, items 2 and 3).

- ``import_5000``: a secretary imports a 5,000-row XLSX of staff (``org.importing.import_file``:
  read in read-only mode, every row checked against the file and the database loaded once, written
  in one transaction); 5,000 nominees already registered at the commune make the duplicate check
  do real work. Target ≤ 10 s.
- ``export_10000``: the XLSX export of 10,000 proposals (``reports.exports.proposals_xlsx``, the
  list's own query read in chunks, written in write-only mode) over the province dataset of
  ``tdkt bench http``. Target ≤ 5 s.

The ``rows`` argument lets a test run a case on a tiny size. ``cpu_seconds`` (this process's CPU
time, SQLite included) is printed beside the wall-clock seconds: on a shared machine the two differ.
"""

from __future__ import annotations

import io
import time

from workflow.benchmark.year import case

IMPORT_ROWS = 5_000
EXPORT_ROWS = 10_000


# the benchmark's own accounts, in a throwaway database dropped after the run
BENCH_PASSWORD = "Bench-io-2025!x"  # nosec B105

def _secretary_commune(session):
    from workflow.org import services

    actor = services.system_actor()
    commune = services.create_authority(session, actor, code="XB-IO", name="UBND xã Bench nhập", kind="commune")
    units = [services.create_unit(session, actor, code=f"XB-IO-{i}", name=f"Đơn vị {i}", kind="school",
                                  authority_code=commune.code) for i in range(10)]
    secretary = services.create_user(session, actor, username="bench_io_thuky", password=BENCH_PASSWORD,
                                     full_name="Thư ký bench", roles=[{"role": "secretary",
                                                                       "authority_code": commune.code}])
    session.commit()  # the set-up's own unit of work: the services only flush
    return commune, units, secretary


def _staff_xlsx(rows: int, units, offset: int = 0) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["Họ và tên", "Năm sinh", "Giới tính", "Chức vụ", "Mã đơn vị"])
    for i in range(offset, offset + rows):
        sheet.append([f"Nông Văn Bench {i}", 1960 + i % 40, "Nam" if i % 2 else "Nữ", "Giáo viên",
                      units[i % len(units)].code])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@case("import_5000", "import of a 5,000-row XLSX of staff", 10.0, ("sqlite", "postgresql"))
def import_staff(app, rows: int = IMPORT_ROWS) -> dict:
    from sqlalchemy import func, select

    from workflow.extensions import db
    from workflow.org import importing
    from workflow.org.models import Nominee

    with app.test_request_context():
        commune, units, secretary = _secretary_commune(db.session)
        # as many already registered (other names): the duplicate check compares against them
        importing.import_file(db.session, secretary, content=_staff_xlsx(rows, units, offset=rows),
                              authority_code=commune.code)
        content = _staff_xlsx(rows, units)
        start, cpu = time.perf_counter(), time.process_time()
        result = importing.import_file(db.session, secretary, content=content, authority_code=commune.code)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        total = db.session.scalar(select(func.count()).select_from(Nominee))
    if result["imported"] != rows or total != 2 * rows:
        raise RuntimeError(f"the import wrote {result['imported']} of {rows} rows ({total} nominees in all)")
    return {"seconds": seconds, "cpu_seconds": round(cpu, 3), "rows": rows, "file_bytes": len(content),
            "nominees_before": rows}


@case("export_10000", "XLSX export of 10,000 proposals", 5.0, ("sqlite", "postgresql"))
def export_proposals(app, rows: int = EXPORT_ROWS) -> dict:
    from openpyxl import load_workbook

    from workflow.benchmark import province
    from workflow.extensions import db
    from workflow.org import services
    from workflow.reports import exports

    with app.test_request_context():
        province.build(db.session, rows, secret_key=app.config["SECRET_KEY"])
        admin = services.create_user(db.session, services.system_actor(), username="bench_io_admin",
                                     password=BENCH_PASSWORD, full_name="Quản trị bench",
                                     roles=[{"role": "admin"}])
        start, cpu = time.perf_counter(), time.process_time()
        filename, content = exports.proposals_xlsx(db.session, admin, {})
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    written = sum(1 for _row in sheet.iter_rows(min_row=2, values_only=True))
    if written != rows:
        raise RuntimeError(f"the export wrote {written} of {rows} rows")
    return {"seconds": seconds, "cpu_seconds": round(cpu, 3), "rows": written, "file_bytes": len(content)}
