"""The base of the typed vocabulary: string enums whose members carry their label.

A member *is* its string (``State.DRAFT == "draft"``, ``json.dumps`` writes ``"draft"``, a String
column stores ``draft``), so the database, the JSON API and the templates see exactly the values
they saw as literals; the code gets names a typo cannot slip past, and one place for each label
(as pretalx's ``TextChoices`` and Indico's ``RichIntEnum`` attach theirs).
"""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """``NAME = "value", lazy_label``: the value is stored, the (lazy) label is shown."""

    def __new__(cls, value: str, label=None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label if label is not None else value
        return member

    @property
    def label(self):
        """The label in the current language (a lazy string: render it with ``str()``)."""
        return self._label

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """The stored strings, in declaration order (CHECK constraints, ``one of`` messages)."""
        return tuple(member.value for member in cls)

    @classmethod
    def labels(cls) -> dict[str, object]:
        """``{member: label}`` in declaration order (choices of a form, a template's lookup)."""
        return {member: member.label for member in cls}
