"""The annual report as a spreadsheet (SPEC §10 ``GET /reports/annual.xlsx``): one sheet laid out
as section 4 reads — the levels proposed to, highest first, then the awards given here — one row
per award type with its counts by nominee kind and the total. Vietnamese headers, the header row
frozen, counts as numbers (a secretary sums and filters them).

Kept small and local on purpose: a shared XLSX helper for every list export is being written
elsewhere; this module needs only a header style, widths and a frozen row.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from workflow.documents.services import slug
from workflow.org.vocab import AuthorityKind, NomineeKind
from workflow.reports.services import annual_report

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ["Nội dung", "Hình thức khen thưởng", "Tập thể", "Cá nhân", "Gia đình", "Tổng số", "Mã hình thức"]
WIDTHS = [34, 52, 10, 10, 10, 10, 18]
# the section's own words for each level ("4.1. Đề nghị cấp tỉnh khen thưởng", "4.3. Khen thưởng cấp xã")
LEVEL_WORDS = {AuthorityKind.CENTRAL: "cấp Trung ương", AuthorityKind.PROVINCE: "cấp tỉnh", AuthorityKind.DISTRICT: "cấp huyện", AuthorityKind.COMMUNE: "cấp xã"}


def report_rows(report: dict) -> list[list]:
    """The sheet's body: [what, award name, collective, individual, household, total, code]."""
    rows = []
    for group in report["proposed_to"]:
        what = f"Đề nghị {LEVEL_WORDS.get(group['level'], group['level'])} khen thưởng"
        rows += [_row(what, item) for item in group["items"]]
    here = f"Khen thưởng {LEVEL_WORDS.get(report.get('authority_kind'), '')}".strip()
    rows += [_row(here, item) for item in report["awarded_here"]]
    return rows


def _row(what: str, item: dict) -> list:
    counts = [item.get(k, 0) for k in (NomineeKind.COLLECTIVE, NomineeKind.INDIVIDUAL, NomineeKind.HOUSEHOLD)]
    return [what, item.get("name") or item["award_type"], *counts, sum(counts), item["award_type"]]


def workbook_bytes(report: dict) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = f"Khen thưởng {report['year']}"
    book.properties.title = f"Kết quả công tác khen thưởng năm {report['year']} — {report.get('authority_name', '')}"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE4EE")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in report_rows(report):
        sheet.append(row)
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    if sheet.max_row > 1:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{sheet.max_row}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def annual_report_xlsx(session: Session, actor, authority_code: str, year: int) -> tuple[str, bytes]:
    """(file name, XLSX bytes) of the report; the same readers and 404 as the JSON."""
    report = annual_report(session, actor, authority_code, year)
    stem = slug(f"bao-cao-khen-thuong-{report['authority']}-{year}")
    return f"{stem}.xlsx", workbook_bytes(report)
