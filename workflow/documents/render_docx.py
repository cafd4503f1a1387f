"""Lay a ``layout.Document`` out as DOCX (python-docx), in Times New Roman on A4.

Margins follow Decree 30/2020/NĐ-CP (top and bottom 20 mm, left 30 mm, right 15 mm). The header
and the signature are borderless two-column tables, as offices type them in Word.
"""

from __future__ import annotations

import io

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

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

FONT = "Times New Roman"
ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
         "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}


def render(doc: Document) -> bytes:
    out = new_docx()
    _base_style(out)
    _page(out.sections[0], doc.landscape)
    out.core_properties.title = nfc(doc.title)
    out.core_properties.author = nfc(doc.author)
    for index, block in enumerate(doc.blocks):
        if isinstance(block, Header):
            _header(out, block)
        elif isinstance(block, Para):
            _para(out, block)
        elif isinstance(block, Rule):
            _rule(out.add_paragraph(), block.width_ratio, _text_width(out))
        elif isinstance(block, Table):
            _table(out, block)
        elif isinstance(block, Signature):
            _signature(out, block)
        elif isinstance(block, Spacer):
            p = out.add_paragraph()
            p.paragraph_format.space_after = Pt(block.height)
            _font(p.add_run(""), 6)
        elif isinstance(block, PageBreak):
            if block.landscape is not None and block.landscape != _is_landscape(out.sections[-1]):
                section = out.add_section()
                _page(section, block.landscape)
            elif index < len(doc.blocks) - 1:
                out.add_page_break()
    if doc.frame:
        for section in out.sections:
            _page_border(section)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _base_style(out) -> None:
    style = out.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(14)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.space_before = Pt(0)


def _page(section, landscape: bool) -> None:
    width, height = Mm(210), Mm(297)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    if landscape:
        section.left_margin = section.right_margin = Mm(20)


def _is_landscape(section) -> bool:
    return section.orientation == WD_ORIENT.LANDSCAPE


def _text_width(out):
    section = out.sections[-1]
    return section.page_width - section.left_margin - section.right_margin


def _font(run, size: float, bold: bool = False, italic: bool = False, color=None) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    if color:
        run.font.color.rgb = RGBColor(*color)
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), FONT)


def _fill_para(p, block: Para) -> None:
    p.alignment = ALIGN[block.align]
    fmt = p.paragraph_format
    fmt.space_before, fmt.space_after = Pt(block.space_before), Pt(block.space_after)
    if block.indent:
        fmt.first_line_indent = Mm(10)
    for run in block.runs:
        _font(p.add_run(nfc(run.text)), block.size, run.bold, run.italic, block.color)


def _para(out, block: Para) -> None:
    _fill_para(out.add_paragraph(), block)


def _line(cell_or_doc, text: str, size: float, bold=False, italic=False, align="center", after=0.0):
    p = cell_or_doc.add_paragraph()
    p.alignment = ALIGN[align]
    p.paragraph_format.space_after = Pt(after)
    _font(p.add_run(nfc(text)), size, bold, italic)
    return p


def _rule(p, ratio: float, available) -> None:
    """A short centred line: a bottom border on an empty paragraph indented from both sides."""
    side = int(available * (1 - ratio) / 2)
    p.paragraph_format.left_indent = side
    p.paragraph_format.right_indent = side
    p.paragraph_format.space_after = Pt(4)
    _font(p.add_run(""), 2)
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    _insert_before(ppr, border, ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc",
                                 "w:rPr", "w:sectPr", "w:pPrChange"))


def _borderless(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    _insert_before(tbl_pr, borders, ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook"))


def _two_columns(out, left_share: float):
    table = out.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _borderless(table)
    width = _text_width(out)
    widths = (int(width * left_share), int(width * (1 - left_share)))
    _grid(table, widths)
    for cell, w in zip(table.rows[0].cells, widths, strict=True):
        cell.width = w
        cell.paragraphs[0].paragraph_format.space_after = Pt(0)
    return table.rows[0].cells, widths


def _grid(table, widths) -> None:
    """Column widths in the table grid too (LibreOffice reads the grid, Word the cells)."""
    for column, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        column.w = width


def _header(out, block: Header) -> None:
    (left, right), (left_w, right_w) = _two_columns(out, 0.4)
    first = True
    for text, bold in block.authority_lines:
        p = left.paragraphs[0] if first else left.add_paragraph()
        first = False
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(nfc(text)), 13, bold)
    _rule(left.add_paragraph(), 0.35, left_w)
    if block.number:
        _line(left, block.number, 13)
    p = right.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(block.motto[0]), 12.5, True)
    _line(right, block.motto[1], 13.5, bold=True)
    _rule(right.add_paragraph(), 0.6, right_w)
    if block.place_date:
        _line(right, block.place_date, 13.5, italic=True)
    out.add_paragraph().paragraph_format.space_after = Pt(6)


def _cell_text(cell, text: str, size: float, bold=False, italic=False, align="left") -> None:
    p = cell.paragraphs[0]
    p.alignment = ALIGN[align]
    _font(p.add_run(nfc(text)), size, bold, italic)


def _table(out, block: Table) -> None:
    cols = len(block.headers)
    table = out.add_table(rows=1, cols=cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    total = sum(block.widths)
    width = _text_width(out)
    widths = [int(width * w / total) for w in block.widths]
    _grid(table, widths)
    aligns = block.aligns or ["left"] * cols
    for cell, text, w in zip(table.rows[0].cells, block.headers, widths, strict=True):
        cell.width = w
        _cell_text(cell, text, block.size, bold=True, align="center")
    _repeat_header(table.rows[0])
    for row in block.rows:
        cells = table.add_row().cells
        if isinstance(row, Group):
            merged = cells[0].merge(cells[-1])
            _cell_text(merged, row.text, block.size, bold=row.bold, italic=row.italic)
            continue
        for cell, text, w, align in zip(cells, row, widths, aligns, strict=True):
            cell.width = w
            _cell_text(cell, text, block.size, align=align)
    if block.footer:
        cells = table.add_row().cells
        for cell, text, align in zip(cells, block.footer, aligns, strict=True):
            _cell_text(cell, text, block.size, bold=True, align=align)
    out.add_paragraph().paragraph_format.space_after = Pt(4)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    tr_pr.append(element)


def _signatory(cell, signatory: Signatory, first_paragraph: bool) -> None:
    if signatory.above:
        p = cell.paragraphs[0] if first_paragraph else cell.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(nfc(signatory.above)), 13.5, italic=True)
        first_paragraph = False
    for i, line in enumerate(signatory.lines):
        p = cell.paragraphs[0] if first_paragraph and i == 0 else cell.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(nfc(line)), 13.5, True)
    if signatory.note:
        _line(cell, signatory.note, 13, italic=True)
    for _ in range(4):  # room for the signature and the seal
        cell.add_paragraph()
    if signatory.name:
        _line(cell, signatory.name, 14, bold=True)


def _signature(out, block: Signature) -> None:
    out.add_paragraph().paragraph_format.space_after = Pt(6)
    (left, right), _widths = _two_columns(out, 0.45)
    # the signature block never breaks across two pages
    left._tc.getparent().get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    if block.recipients is not None:
        p = left.paragraphs[0]
        _font(p.add_run(nfc(block.recipients_label)), 12, True, True)
        for item in block.recipients:
            _line(left, f"- {item}", 11, align="left")
    elif block.left is not None:
        _signatory(left, block.left, True)
    elif block.left_lines:
        for i, line in enumerate(block.left_lines):
            p = left.paragraphs[0] if i == 0 else left.add_paragraph()
            _font(p.add_run(nfc(line)), 12, italic=True)
    _signatory(right, block.right, True)


def _page_border(section) -> None:
    """A double border around the page (certificates)."""
    sect_pr = section._sectPr
    borders = OxmlElement("w:pgBorders")
    borders.set(qn("w:offsetFrom"), "page")
    for edge in ("top", "left", "bottom", "right"):
        element = OxmlElement(f"w:{edge}")
        for key, value in (("w:val", "double"), ("w:sz", "18"), ("w:space", "24"), ("w:color", "B22222")):
            element.set(qn(key), value)
        borders.append(element)
    _insert_before(sect_pr, borders, ("w:lnNumType", "w:pgNumType", "w:cols", "w:formProt", "w:vAlign",
                                      "w:noEndnote", "w:titlePg", "w:textDirection", "w:bidi", "w:docGrid"))


def _insert_before(parent, child, successors: tuple[str, ...]) -> None:
    """Insert ``child`` where the schema wants it: before the first of ``successors`` present
    (Word refuses elements out of order)."""
    for tag in successors:
        found = parent.find(qn(tag))
        if found is not None:
            found.addprevious(child)
            return
    parent.append(child)
