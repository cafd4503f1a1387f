"""A document as a list of blocks, independent of the output format.

The builders (decision, submission, minutes, certificates, report) describe *what* is on the page
in these blocks; ``render_docx`` and ``render_pdf`` lay the same blocks out, so the two formats say
the same thing. Sizes are in points, as Decree 30/2020/NĐ-CP states them (body 13–14 pt).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, fields, is_dataclass

from workflow.validation import xml_safe


def nfc(text: str) -> str:
    """Composed Unicode (a combining accent typed separately becomes one precomposed letter),
    without the control characters XML refuses: python-docx raises on them, and one stray
    character in a nominee's name would fail the whole document."""
    return xml_safe(unicodedata.normalize("NFC", str(text or "")))


# A working note of the rule files: "(verify)", "*(verify)*", "(cần xác minh)", "(old rule; verify)",
# "(từ 01/10/2026, cần xác minh)", "[verify]" — a mark for the people who maintain the data, never
# text of an issued document
_WORKING_NOTE = re.compile(
    r"\s*\*?[(\[][^()\[\]]*?(?:\bverify\b|\bverified\b|xác minh|kiểm chứng|kiểm tra lại|\bTODO\b)[^()\[\]]*[)\]]\*?",
    re.IGNORECASE)


def without_working_notes(text: str) -> str:
    """``text`` without the verification marks of the rule files (and the space before them)."""
    if not text:
        return text
    return _WORKING_NOTE.sub("", unicodedata.normalize("NFC", text))


def clean(value):
    """Strip working notes from every string of a document, its blocks and their parts (in place
    for dataclasses; lists and tuples rebuilt). The one place issued text passes through before
    it is rendered, whatever builder made it."""
    if isinstance(value, str):
        return without_working_notes(value)
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, tuple):
        return tuple(clean(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            setattr(value, f.name, clean(getattr(value, f.name)))
    return value


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Para:
    """A paragraph of runs. ``indent`` indents the first line (the body of an administrative text)."""

    runs: list[Run]
    align: str = "justify"  # left, center, right, justify
    size: float = 14
    indent: bool = False
    space_before: float = 0
    space_after: float = 3
    color: tuple[int, int, int] | None = None

    @classmethod
    def text(cls, text: str, *, bold: bool = False, italic: bool = False, **kwargs) -> Para:
        return cls([Run(text, bold, italic)], **kwargs)


@dataclass
class Header:
    """The top of the first page: the issuing authority (left) and the national motto (right), then
    the number and symbol (left) and the place and date (right)."""

    authority_lines: list[tuple[str, bool]]  # (text, bold); the last line is underlined
    number: str | None
    place_date: str | None
    motto: tuple[str, str] = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


@dataclass
class Rule:
    """A short centred line under a title (a third of the text width by default)."""

    width_ratio: float = 0.3


@dataclass
class Table:
    """Rows of cells. A row given as ``Group`` spans every column (a heading inside the list)."""

    headers: list[str]
    rows: list[list[str] | Group]
    widths: list[float]  # relative widths
    aligns: list[str] | None = None  # per column: left, center, right
    size: float = 12
    footer: list[str] | None = None  # a bold last row (totals)


@dataclass
class Group:
    text: str
    bold: bool = True
    italic: bool = False


@dataclass
class Signatory:
    lines: list[str]  # e.g. ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"], bold
    name: str = ""  # printed under the space for the signature and seal
    note: str = ""  # italic, under the title (e.g. "(Đã ký)")
    above: str = ""  # italic, above the title (certificates: the place and date)


@dataclass
class Signature:
    """The foot: recipients (Nơi nhận) or a second signatory on the left, the signatory on the right."""

    right: Signatory
    recipients: list[str] | None = None
    left: Signatory | None = None
    left_lines: list[str] | None = None  # plain italic lines on the left (certificates: the decision)
    recipients_label: str = "Nơi nhận:"


@dataclass
class PageBreak:
    landscape: bool | None = None  # None: keep the orientation


@dataclass
class Spacer:
    height: float = 6  # points


Block = Para | Header | Rule | Table | Signature | PageBreak | Spacer


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)
    landscape: bool = False
    frame: bool = False  # a double border on every page (certificates)
    author: str = ""

    def add(self, *blocks: Block) -> Document:
        self.blocks.extend(blocks)
        return self
