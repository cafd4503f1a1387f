"""The hamlet (or unit) meeting and its notice recorded on a proposal (``proposal.evidence``), in
one place: the API's body model, the JSON shape the column stores, and how a stored record reads.

Stored shape (unchanged): ``{"meeting": {"held_on", "invited", "present", "agreed"},
"notice": {"from", "to"}}`` with ISO dates. The screens' form adds its own cross-field checks
(present ≤ invited…) next to its fields; the eligibility engine judges the numbers either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from workflow.validation import Count, Day


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MeetingEvidence(_Body):
    held_on: Day
    invited: Count
    present: Count
    agreed: Count


class NoticeEvidence(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: Day = Field(alias="from")
    to: Day


class EvidenceIn(_Body):
    """The evidence as a request body gives it (POST/PATCH /proposals, bulk nomination)."""

    meeting: MeetingEvidence
    notice: NoticeEvidence

    def as_json(self) -> dict:
        return as_json(self.meeting.held_on, self.meeting.invited, self.meeting.present, self.meeting.agreed,
                       self.notice.from_, self.notice.to)


def as_json(held_on: date, invited: int, present: int, agreed: int, notice_from: date, notice_to: date) -> dict:
    """The stored shape of a meeting and its notice."""
    return {"meeting": {"held_on": held_on.isoformat(), "invited": invited, "present": present, "agreed": agreed},
            "notice": {"from": notice_from.isoformat(), "to": notice_to.isoformat()}}


@dataclass(frozen=True)
class Recorded:
    """A stored record as the eligibility engine and the edit form read it."""

    held_on: date | None
    invited: int
    present: int
    agreed: int
    notice_from: date
    notice_to: date

    @property
    def notice_days(self) -> int:
        """Days the notice was posted, both ends counted."""
        return (self.notice_to - self.notice_from).days + 1


def _day(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def read(stored: dict | None) -> Recorded | None:
    """``proposal.evidence`` read leniently (a row written by an older screen still reads); None
    when the counts or the notice's dates are missing or not numbers and dates."""
    stored = stored or {}
    meeting, notice = stored.get("meeting") or {}, stored.get("notice") or {}
    try:
        invited, present, agreed = int(meeting["invited"]), int(meeting["present"]), int(meeting["agreed"])
        notice_from, notice_to = date.fromisoformat(notice["from"]), date.fromisoformat(notice["to"])
    except (KeyError, TypeError, ValueError):
        return None
    return Recorded(_day(meeting.get("held_on")), invited, present, agreed, notice_from, notice_to)


def read_fields(stored: dict | None) -> dict:
    """The stored record's values by form field, each None when missing (the edit form's pre-fill)."""
    stored = stored or {}
    meeting, notice = stored.get("meeting") or {}, stored.get("notice") or {}
    return {"held_on": _day(meeting.get("held_on")), "invited": meeting.get("invited"),
            "present": meeting.get("present"), "agreed": meeting.get("agreed"),
            "notice_from": _day(notice.get("from")), "notice_to": _day(notice.get("to"))}
