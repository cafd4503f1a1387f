"""Spreadsheets in and out (XLSX with openpyxl, CSV with the standard ``csv`` module).

Writing — one look for every exported list, the import templates and (later) the annual report:
a bold shaded header row, frozen, with an auto-filter; dates as real date cells shown dd/mm/yyyy;
money (VND) as integers shown ``#,##0``; column widths from the column definitions. Use
:func:`write_table` (write-only mode: a 10,000-row list streams, it is never held as cells) or,
for a sheet built cell by cell, :func:`style_header` / :data:`DATE_FORMAT` / :data:`MONEY_FORMAT`.

Reading — :func:`read_table` turns an uploaded file into ``(header, rows)`` of text cells without
trusting its name: an XLSX is checked as a sound, bounded Office package first (no zip bomb), then
read in read-only mode row by row, stopping past ``max_rows``; anything else must decode as UTF-8
text (with or without a BOM) and is read as CSV with ``,``, ``;`` or a tab as its delimiter.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
MONEY_FORMAT = "#,##0"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="8B1A1A")  # the product's dark red
HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)


@dataclass(frozen=True)
class Column:
    """One column of a written table: its header, width (characters) and kind of value
    (``text``, ``int``, ``date``, ``datetime``, ``money``)."""

    header: str
    width: int = 18
    kind: str = "text"


def style_header(cell) -> None:
    """The header look (bold white on dark red, wrapped) on a cell of a normal or write-only sheet."""
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = HEADER_ALIGNMENT


FORMATS = {"date": DATE_FORMAT, "datetime": DATETIME_FORMAT, "money": MONEY_FORMAT}


def _converter(sheet, column: Column):
    """A function turning a value of ``column`` into what the sheet takes. A formatted kind reuses
    one cell per column: a write-only sheet serialises each row as it is appended, so the next row
    may refill the same cell (a new styled cell per value costs more than the rest of the row)."""
    if column.kind not in FORMATS:
        if column.kind == "int":
            return lambda value: None if value is None or value == "" else int(value)
        return lambda value: None if value is None or value == "" else str(value)
    cell = WriteOnlyCell(sheet)
    cell.number_format = FORMATS[column.kind]

    def convert(value):
        if value is None or value == "":
            return None
        if column.kind == "date" and isinstance(value, datetime):
            value = value.date()
        elif column.kind == "datetime" and isinstance(value, datetime):
            value = value.replace(tzinfo=None)
        elif column.kind == "money":
            value = int(round(value))
        cell.value = value
        return cell

    return convert


def add_table_sheet(workbook: Workbook, title: str, columns: Sequence[Column], rows: Iterable[Sequence]) -> int:
    """Append a sheet ``title`` to a write-only ``workbook``: the header, then ``rows`` (values in
    the order of ``columns``); frozen header, auto-filter, widths. Returns the number of rows."""
    sheet = workbook.create_sheet(title=title[:31])
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        style_header(cell)
        header.append(cell)
    sheet.append(header)
    converters = [_converter(sheet, column) for column in columns]
    count = 0
    for row in rows:
        sheet.append([convert(value) for convert, value in zip(converters, row, strict=False)])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    return count


def write_table(title: str, columns: Sequence[Column], rows: Iterable[Sequence]) -> bytes:
    """An XLSX of one sheet ``title`` holding ``rows`` under ``columns`` (see the module doc)."""
    workbook = Workbook(write_only=True)
    add_table_sheet(workbook, title, columns, rows)
    return save(workbook)


def save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv(headers: Sequence[str], rows: Iterable[Sequence] = ()) -> bytes:
    """A CSV (UTF-8 with a BOM, so Excel shows Vietnamese right; ``,`` between fields)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- reading --------------------------------------------------------------------------------------

class NotASpreadsheet(ValueError):
    """The bytes are neither a sound XLSX nor UTF-8 CSV text (the message says which)."""


class TooManyRows(ValueError):
    """More data rows than the reader was allowed to take (it stopped reading there)."""

    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a year typed into Excel comes back as 1985.0
    return unicodedata.normalize("NFC", str(value)).strip()


def read_table(content: bytes, *, max_rows: int) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """``(header, [(row number, cells)])`` of the first sheet of an XLSX, or of a CSV; empty rows
    are skipped, row numbers are the file's own (the header is row 1 when it is the first row).
    Raises :class:`NotASpreadsheet` and :class:`TooManyRows` (after reading ``max_rows`` + 1 rows,
    never the whole file)."""
    from workflow.proposals.attachments import office_package

    if not content:
        raise NotASpreadsheet(_("The file is empty."))
    if content.startswith(b"PK\x03\x04"):
        if not office_package(content, XLSX_MIMETYPE):
            raise NotASpreadsheet(_("The file is not a readable XLSX workbook (or it unpacks to too much)."))
        return _rows(_xlsx_rows(content), max_rows)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise NotASpreadsheet(_("Old Excel (.xls) files are not read: save the file as XLSX or CSV."))
    if b"\x00" in content[:4096]:
        raise NotASpreadsheet(_("The file is not a spreadsheet: upload an XLSX or a CSV file."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotASpreadsheet(_("The CSV file is not UTF-8 text: save it as “CSV UTF-8”.")) from exc
    return _rows(_csv_rows(text), max_rows)


def _xlsx_rows(content: bytes):
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise NotASpreadsheet(_("The file is not a readable XLSX workbook (or it unpacks to too much).")) from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_text(v) for v in values]
    finally:
        workbook.close()


def _csv_rows(text: str):
    """The header line decides the delimiter: the most frequent of ``,``, ``;`` and tab (``,`` on a
    tie), unless the file starts with Excel's ``sep=;`` line."""
    first_line, offset = text.split("\n", 1)[0].rstrip("\r"), 0
    if first_line.lower().startswith("sep=") and len(first_line) == 5:
        delimiter, offset = first_line[4], 1
        text = text.split("\n", 1)[1] if "\n" in text else ""
    else:
        counts = {d: first_line.count(d) for d in (",", ";", "\t")}
        delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for number, values in enumerate(reader, start=1 + offset):
            yield number, [_text(v) for v in values]
    except csv.Error as exc:
        raise NotASpreadsheet(_("The CSV file cannot be read: %(error)s", error=str(exc))) from exc


def _rows(source, max_rows: int):
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, cells in source:
        while cells and cells[-1] == "":
            cells.pop()
        if not cells:
            continue
        if header is None:
            header = cells
            continue
        if len(rows) >= max_rows:
            raise TooManyRows(max_rows)
        rows.append((number, cells))
    if header is None:
        raise NotASpreadsheet(_("The file is empty."))
    return header, rows


def fold_header(text: str) -> str:
    """A header as compared: lower case, no diacritics (đ → d), no ``*``/``:``, single spaces."""
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("*", " ").replace(":", " ").replace("_", " ")
    return " ".join(text.casefold().split())
