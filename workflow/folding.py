"""Folding of Vietnamese text for search without diacritics: the one place it is done.

"Hoàng Văn Đức" and "hoang van duc" fold to the same text, so a user who types without the
accents (or with them, in any case) finds the name. The folded text is stored next to the name
(``Nominee.name_folded``) and the typed query is folded the same way, so SQLite and PostgreSQL
compare plain lower-case ASCII-ish text with ``LIKE`` and return the same rows.
"""

from __future__ import annotations

import unicodedata

# đ/Đ is a letter of its own, not d with a combining mark: NFD leaves it whole
_LETTERS = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})


def fold(text: str | None) -> str:
    """``text`` without diacritics, đ as d, case-folded, runs of white space as one space."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_LETTERS))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(unicodedata.normalize("NFC", bare).casefold().split())


def fold_name(name: str | None, head_name: str | None = None) -> str:
    """The searchable text of a nominee: its name and, for a household, its head's name when the
    name does not already hold it (a search for the head finds the household)."""
    folded, head = fold(name), fold(head_name)
    if head and head not in folded:
        # a line break between them: a typed query (one line, spaces collapsed) never spans both
        folded = f"{folded}\n{head}"
    return folded[:400]


def name_matches(column_folded, q: str):
    """WHERE clause: the folded column contains the folded query (``Hoàng`` = ``hoang`` = ``HOANG``).
    Plain LIKE on both databases (case and accents are gone from both sides, ``%`` and ``_`` typed
    by the user are escaped); on PostgreSQL the trigram index on ``nominee.name_folded`` serves it."""
    return column_folded.contains(fold(q), autoescape=True)
