"""Lay a ``layout.Document`` out as PDF (fpdf2) with the vendored Liberation Serif — metric-compatible
with Times New Roman, with every Vietnamese letter — so rendering needs nothing installed."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF, FontFace

from workflow.documents.layout import (
    Document,
    Group,
    Header,
    PageBreak,
    Para,
    Rule,
    Signatory,
    Signature,
    Spacer,
    Table,
    nfc,
)

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "LiberationSerif"
PT = 0.3528  # mm per point
ALIGN = {"left": "L", "center": "C", "right": "R", "justify": "J"}
# Decree 30/2020: top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm
PORTRAIT_MARGINS = (30, 20, 15, 20)  # left, top, right, bottom
LANDSCAPE_MARGINS = (20, 18, 20, 15)


class _PDF(FPDF):
    frame = False
    landscape = False  # the orientation of the current page (ours: fpdf2's own is an enum)

    def header(self):  # called by fpdf2 at every new page
        if self.frame:
            self.set_draw_color(178, 34, 34)
            self.set_line_width(1.2)
            self.rect(8, 8, self.w - 16, self.h - 16)
            self.set_line_width(0.4)
            self.rect(11, 11, self.w - 22, self.h - 22)
            self.set_draw_color(0, 0, 0)
            self.set_line_width(0.2)


def _line_height(size: float) -> float:
    return size * PT * 1.3


def render(doc: Document) -> bytes:
    pdf = _PDF(orientation="L" if doc.landscape else "P", unit="mm", format="A4")
    pdf.frame = doc.frame
    for style, name in (("", "Regular"), ("B", "Bold"), ("I", "Italic"), ("BI", "BoldItalic")):
        pdf.add_font(FAMILY, style, str(FONTS / f"LiberationSerif-{name}.ttf"))
    pdf.set_title(nfc(doc.title))
    pdf.set_author(nfc(doc.author))
    pdf.set_creator("TĐKT Workflow")
    pdf.set_lang("vi")
    _new_page(pdf, doc.landscape)
    for index, block in enumerate(doc.blocks):
        if isinstance(block, Header):
            _header(pdf, block)
        elif isinstance(block, Para):
            _para(pdf, block)
        elif isinstance(block, Rule):
            width = pdf.epw * block.width_ratio
            x = pdf.l_margin + (pdf.epw - width) / 2
            pdf.line(x, pdf.get_y() + 1.2, x + width, pdf.get_y() + 1.2)
            pdf.ln(4)
        elif isinstance(block, Table):
            _table(pdf, block)
        elif isinstance(block, Signature):
            _signature(pdf, block)
        elif isinstance(block, Spacer):
            pdf.ln(block.height * PT)
        elif isinstance(block, PageBreak) and index < len(doc.blocks) - 1:
            _new_page(pdf, block.landscape if block.landscape is not None else pdf.landscape)
    return bytes(pdf.output())


def _new_page(pdf: FPDF, landscape: bool) -> None:
    left, top, right, bottom = LANDSCAPE_MARGINS if landscape else PORTRAIT_MARGINS
    pdf.set_margins(left, top, right)
    pdf.set_auto_page_break(True, margin=bottom)
    pdf.landscape = landscape
    pdf.add_page(orientation="L" if landscape else "P")


def _font(pdf: FPDF, size: float, bold: bool = False, italic: bool = False) -> None:
    pdf.set_font(FAMILY, ("B" if bold else "") + ("I" if italic else ""), size)


def _para(pdf: FPDF, block: Para) -> None:
    if block.space_before:
        pdf.ln(block.space_before * PT)
    if block.color:
        pdf.set_text_color(*block.color)
    with pdf.text_columns(text_align=ALIGN[block.align], line_height=1.3) as columns:
        with columns.paragraph(first_line_indent=10 if block.indent else 0) as paragraph:
            for run in block.runs:
                _font(pdf, block.size, run.bold, run.italic)
                paragraph.write(nfc(run.text))
    pdf.set_text_color(0, 0, 0)
    pdf.ln(block.space_after * PT if block.space_after else 0)


def _column_lines(pdf: FPDF, x: float, y: float, width: float, lines: list[tuple[str, float, str]]) -> float:
    """Centred lines in a column from (x, y); each (text, size, style). Returns the y below them."""
    for text, size, style in lines:
        pdf.set_xy(x, y)
        pdf.set_font(FAMILY, style, size)
        pdf.multi_cell(width, _line_height(size), nfc(text), align="C", new_x="LEFT", new_y="NEXT")
        y = pdf.get_y()
    return y


def _underline(pdf: FPDF, x: float, width: float, y: float, length: float) -> None:
    start = x + (width - length) / 2
    pdf.line(start, y, start + length, y)


def _fitting(pdf: FPDF, text: str, style: str, width: float, size: float = 13, smallest: float = 12) -> float:
    """The largest size from ``size`` down to ``smallest`` at which ``text`` fits on one line (an
    authority's name is set in 12–13 pt and should not break)."""
    while size > smallest:
        pdf.set_font(FAMILY, style, size)
        if pdf.get_string_width(nfc(text)) <= width:
            break
        size -= 0.5
    return size


def _header(pdf: FPDF, block: Header) -> None:
    x0, top, full = pdf.l_margin, pdf.get_y(), pdf.epw
    left_w, right_w = full * 0.4, full * 0.6
    lines = [(t, _fitting(pdf, t, "B" if b else "", left_w - 2), "B" if b else "") for t, b in block.authority_lines]
    y_left = _column_lines(pdf, x0, top, left_w, lines)
    _underline(pdf, x0, left_w, y_left + 0.6, left_w * 0.35)
    y_right = _column_lines(pdf, x0 + left_w, top, right_w,
                            [(block.motto[0], 12.5, "B"), (block.motto[1], 13.5, "B")])
    pdf.set_font(FAMILY, "B", 13.5)
    _underline(pdf, x0 + left_w, right_w, y_right + 0.6, pdf.get_string_width(block.motto[1]))
    y = max(y_left, y_right) + 3
    end = y
    if block.number:
        end = max(end, _column_lines(pdf, x0, y, left_w, [(block.number, 13, "")]))
    if block.place_date:
        end = max(end, _column_lines(pdf, x0 + left_w, y, right_w, [(block.place_date, 13.5, "I")]))
    pdf.set_xy(x0, end + 5)


def _table(pdf: FPDF, block: Table) -> None:
    cols = len(block.headers)
    aligns = tuple(ALIGN[a][0] for a in (block.aligns or ["left"] * cols))
    pdf.set_font(FAMILY, "", block.size)
    with pdf.table(col_widths=tuple(block.widths), text_align=aligns, line_height=_line_height(block.size),
                   headings_style=FontFace(emphasis="BOLD"), first_row_as_headings=True, repeat_headings=1,
                   padding=(0.8, 1.2), width=pdf.epw) as table:
        heading = table.row()
        for text in block.headers:
            heading.cell(nfc(text), align="C")
        for row in block.rows:
            cells = table.row()
            if isinstance(row, Group):
                emphasis = ("BOLD" if row.bold else "") + (" ITALICS" if row.italic else "")
                cells.cell(nfc(row.text), colspan=cols, align="L",
                           style=FontFace(emphasis=emphasis.strip() or None))
                continue
            for text in row:
                cells.cell(nfc(text))
        if block.footer:
            cells = table.row()
            for text in block.footer:
                cells.cell(nfc(text), style=FontFace(emphasis="BOLD"))
    pdf.ln(3)


def _signatory_lines(signatory: Signatory) -> list[tuple[str, float, str]]:
    lines = [(signatory.above, 13.5, "I")] if signatory.above else []
    lines += [(line, 13.5, "B") for line in signatory.lines]
    if signatory.note:
        lines.append((signatory.note, 13, "I"))
    return lines


def _signature(pdf: FPDF, block: Signature) -> None:
    # keep the block on one page: the titles, room for the signature and seal, the name
    needed = len(block.right.lines) * _line_height(13.5) + (_line_height(13.5) if block.right.above else 0) + 30
    if block.recipients:
        needed = max(needed, (len(block.recipients) + 1) * _line_height(11.5) + 4)
    if pdf.get_y() + needed > pdf.h - pdf.b_margin:
        _new_page(pdf, pdf.landscape)
    pdf.ln(3)
    x0, top, full = pdf.l_margin, pdf.get_y(), pdf.epw
    left_w, right_w = full * 0.45, full * 0.55
    y_left = top
    if block.recipients is not None:
        pdf.set_xy(x0, top)
        _font(pdf, 12, True, True)
        pdf.cell(left_w, _line_height(12), nfc(block.recipients_label), new_x="LEFT", new_y="NEXT")
        _font(pdf, 11)
        for item in block.recipients:
            pdf.set_x(x0)
            pdf.multi_cell(left_w, _line_height(11), nfc(f"- {item}"), align="L", new_x="LEFT", new_y="NEXT")
        y_left = pdf.get_y()
    elif block.left is not None:
        y_left = _column_lines(pdf, x0, top, left_w, _signatory_lines(block.left)) + 20
        if block.left.name:
            y_left = _column_lines(pdf, x0, y_left, left_w, [(block.left.name, 14, "B")])
    elif block.left_lines:
        for line in block.left_lines:
            pdf.set_xy(x0, y_left)
            _font(pdf, 12, italic=True)
            pdf.multi_cell(left_w, _line_height(12), nfc(line), align="L", new_x="LEFT", new_y="NEXT")
            y_left = pdf.get_y()
    y_right = _column_lines(pdf, x0 + left_w, top, right_w, _signatory_lines(block.right)) + 20
    if block.right.name:
        y_right = _column_lines(pdf, x0 + left_w, y_right, right_w, [(block.right.name, 14, "B")])
    pdf.set_xy(x0, max(y_left, y_right) + 4)
