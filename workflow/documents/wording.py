"""The wording of documents: templates as data files, and the Vietnamese forms of names, dates,
counts and amounts that administrative documents use.

Each document's wording lives in ``workflow/documents/templates/<name>.toml``. An administrator
replaces any of it by a file of the same name in ``<instance>/document_templates/``: its keys are
read first, the shipped file fills in the keys it does not set. Placeholders are ``{name}``; an
unknown one is left visible in the text (and logged) rather than failing the document.
"""

from __future__ import annotations

import logging
import re
import tomllib
from datetime import date
from pathlib import Path

from workflow import vntime
from workflow.documents.layout import nfc
from workflow.org.vocab import NomineeKind

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
OVERRIDE_DIRNAME = "document_templates"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
log = logging.getLogger("workflow.documents")


class Wording(dict):
    """A template's keys, with ``fill`` for its placeholders."""

    def text(self, key: str, **values) -> str:
        return fill(self.get(key, ""), values)

    def lines(self, key: str, **values) -> list[str]:
        return [fill(line, values) for line in self.get(key, [])]


def load(name: str, instance_path: str | Path | None = None) -> Wording:
    """The wording of document ``name``: ``common.toml`` then the document's file, each shipped file
    overlaid by the instance's copy of it when there is one."""
    merged: dict = {}
    for part in ("common", name):
        merged.update(tomllib.loads((TEMPLATES_DIR / f"{part}.toml").read_text(encoding="utf-8")))
        if instance_path:
            override = Path(instance_path) / OVERRIDE_DIRNAME / f"{part}.toml"
            if override.is_file():
                try:
                    merged.update(tomllib.loads(override.read_text(encoding="utf-8")))
                except tomllib.TOMLDecodeError:
                    # a broken override must not stop the office from printing: say so, use the default
                    log.exception("document template %s is not valid TOML; the shipped wording is used",
                                  override)
    return Wording(merged)


def fill(text: str, values: dict) -> str:
    def replace(match: re.Match) -> str:
        key = match.group(1)
        if key in values and values[key] is not None:
            return str(values[key])
        log.warning("document template: unknown placeholder {%s}", key)
        return match.group(0)

    return nfc(_PLACEHOLDER.sub(replace, str(text)))


# --- authorities ------------------------------------------------------------------------------------

_PREFIXES = (("Ủy ban nhân dân ", "ỦY BAN NHÂN DÂN"), ("Uỷ ban nhân dân ", "ỦY BAN NHÂN DÂN"),
             ("UBND ", "ỦY BAN NHÂN DÂN"))
_LEVEL_WORDS = ("xã ", "phường ", "thị trấn ", "huyện ", "quận ", "thị xã ", "thành phố ", "tỉnh ")


def authority_forms(authority) -> dict[str, str]:
    """Forms of an authority's name: ``UBND xã Định Biên`` gives the header lines
    (``ỦY BAN NHÂN DÂN`` / ``XÃ ĐỊNH BIÊN``), the full name (``Ủy ban nhân dân xã Định Biên``), the
    short part (``xã Định Biên``) and the place (``Định Biên``)."""
    name = nfc(authority.name).strip()
    body, head = name, None
    for prefix, upper in _PREFIXES:
        if name.lower().startswith(prefix.lower()):
            body, head = name[len(prefix):].strip(), upper
            break
    place = body
    for word in _LEVEL_WORDS:
        if place.lower().startswith(word):
            place = place[len(word):].strip()
            break
    full = f"Ủy ban nhân dân {body}" if head else name
    return {
        "authority_name": full,
        "authority_short": body,
        "authority_upper": (head + " " + body.upper()) if head else name.upper(),
        "authority_line1": head or name.upper(),
        "authority_line2": body.upper() if head else "",
        "authority_abbrev": f"UBND {body}" if head else name,
        "place": place,
    }


# --- dates, counts, money ---------------------------------------------------------------------------

def long_date(day: date | None, year_hint: int | None = None) -> str:
    """``ngày 05 tháng 02 năm 2026``; with no date, blanks for the hand to fill
    (``ngày     tháng     năm 2026``) as a draft carries them."""
    if day is None:
        year = year_hint or vntime.today().year
        return f"ngày {' ' * 5} tháng {' ' * 5} năm {year}"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)  # "tháng 01", "tháng 02" (Decree 30)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def short_date(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "…/…/……"


def place_date(place: str, day: date | None, year_hint: int | None = None) -> str:
    return f"{place}, {long_date(day, year_hint)}"


def padded(n: int) -> str:
    """Counts under ten are written with a leading zero in administrative texts (``01 cá nhân``)."""
    return f"{n:02d}" if 0 <= n < 10 else str(n)


KIND_WORDS = {NomineeKind.COLLECTIVE: "tập thể", NomineeKind.INDIVIDUAL: "cá nhân", NomineeKind.HOUSEHOLD: "hộ gia đình"}
KIND_ORDER = (NomineeKind.COLLECTIVE, NomineeKind.INDIVIDUAL, NomineeKind.HOUSEHOLD)  # as the reference report lists them


def count_phrase(counts: dict[str, int], words: dict[str, str] | None = None) -> str:
    """``13 tập thể, 26 cá nhân`` — kinds with no one are left out (``words``: the template's
    ``kind_words``)."""
    words = {**KIND_WORDS, **(words or {})}
    parts = [f"{padded(counts[k])} {words[k]}" for k in KIND_ORDER if counts.get(k)]
    return ", ".join(parts) if parts else "00"


def money(amount) -> str:
    """``1.800.000`` (dots between thousands)."""
    return f"{int(amount or 0):,}".replace(",", ".")


_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUPS = ("", " nghìn", " triệu", " tỷ", " nghìn tỷ", " triệu tỷ")


def _three(n: int, full: bool) -> str:
    """Words for 0–999; ``full`` when a higher group precedes (then hundreds and "lẻ" are spoken)."""
    hundreds, tens, ones = n // 100, n // 10 % 10, n % 10
    words = []
    if full or hundreds:
        words.append(f"{_DIGITS[hundreds]} trăm")
    if tens == 0:
        if ones and (full or hundreds):
            words.append("lẻ")
    elif tens == 1:
        words.append("mười")
    else:
        words.append(f"{_DIGITS[tens]} mươi")
    if ones:
        if ones == 1 and tens > 1:
            words.append("mốt")
        elif ones == 5 and tens > 0:
            words.append("lăm")
        elif ones == 4 and tens > 1:
            words.append("tư")
        else:
            words.append(_DIGITS[ones])
    return " ".join(words)


def amount_in_words(amount) -> str:
    """``Năm triệu bốn trăm nghìn đồng`` — the amount written out, as a decision states it."""
    n = int(amount or 0)
    if n == 0:
        return "Không đồng"
    groups = []
    while n:
        groups.append(n % 1000)
        n //= 1000
    words = []
    for index in range(len(groups) - 1, -1, -1):
        if groups[index]:
            words.append(_three(groups[index], index < len(groups) - 1) + _GROUPS[index])
    text = " ".join(words) + " đồng"
    return text[0].upper() + text[1:]


def award_phrase(name_vi: str) -> str:
    """An award's name inside a sentence: ``Danh hiệu “Lao động tiên tiến”`` → ``danh hiệu “…”``;
    ``Giấy khen của …`` keeps its capital (it is the name of a document)."""
    name = nfc(name_vi)
    if name.startswith("Danh hiệu"):
        return "d" + name[1:]
    return name
