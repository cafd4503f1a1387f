"""The shape of a rule-set data file (``workflow/rules/*.toml``), validated with pydantic.

Every legal number lives in these files: thresholds, quorum, caps, days, coefficients.
Ratios are written as fractions ("a/b") so they compare exactly.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

AuthorityKind = Literal["commune", "district", "province", "central"]
NomineeKind = Literal["individual", "collective", "household"]


def _to_fraction(value) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise ValueError("a ratio is a fraction like \"a/b\"")
    try:
        result = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"not a ratio: {value!r} (write it as \"a/b\")") from exc
    if not 0 <= result <= 1:
        raise ValueError(f"a ratio must lie between 0 and 1, not {value!r}")
    return result


Ratio = Annotated[Fraction, BeforeValidator(_to_fraction), PlainSerializer(str, return_type=str)]


# the longest public notice a rule set may ask for, and a secretary may publish
NOTICE_DAYS_MAX = 60


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BallotRule(_Strict):
    """How the council votes on an award type and what passes."""

    method: Literal["secret", "show_of_hands"]
    threshold: Ratio
    # strict: more than the threshold ("more than half"); not strict: at least the threshold
    strict: bool
    denominator: Literal["total_members", "present_members"]
    written_votes_of_absentees: bool = False
    # over present members only: recused members leave the denominator (they cannot vote on that
    # item). Over all members every member stays in it, whatever this says.
    recused_out_of_denominator: bool = True
    source: str | None = None  # document and article, or "verify"


class Prerequisite(_Strict):
    """An award the nominee must hold in N consecutive years ending this year or last year."""

    award: list[str] = Field(min_length=1)  # any of these codes counts
    years: int = Field(default=1, ge=1, le=20)
    ending: Literal["same_year", "previous_year"] = "same_year"
    message_vi: str | None = None
    message_en: str | None = None
    # the window of consecutive years may not contain a year in which one of these awards was
    # received (GĐVH tiêu biểu: a new three-year run after the last "tiêu biểu")
    window_exclusive_of: list[str] = []
    source: str | None = None


class RatioCap(_Strict):
    """At most ``ratio`` × (awardees of ``of_award`` at the authority that year)."""

    of_award: str
    ratio: Ratio
    source: str | None = None


class MeetingEvidence(_Strict):
    """The hamlet or unit meeting recorded on a proposal before submission."""

    min_present_ratio: Ratio  # of invited
    min_agree_ratio: Ratio  # of present
    notice_days: int = Field(ge=0, le=NOTICE_DAYS_MAX)
    source: str | None = None


class RequiredDocument(_Strict):
    code: str = Field(pattern=r"^[a-z0-9_]+$")
    name_vi: str
    name_en: str


class DayOfYear(_Strict):
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)


class AwardTypeDef(_Strict):
    code: str = Field(pattern=r"^[A-Z0-9_]+$", max_length=40)
    name_vi: str
    name_en: str
    kind: Literal["title", "commendation"]
    nominee_kinds: list[NomineeKind] = Field(min_length=1)
    deciding_level: AuthorityKind
    council_vote: bool = True
    ballot: BallotRule | None = None  # None with council_vote → the rule set's default ballot
    quorum: Ratio | None = None  # None → the rule set's default
    notice_days: int = Field(default=0, ge=0, le=NOTICE_DAYS_MAX)
    prerequisites: list[Prerequisite] = []
    cap: RatioCap | None = None
    evidence: MeetingEvidence | None = None
    required_documents: list[RequiredDocument] = []
    processing_days: int | None = Field(default=None, ge=1, le=120)
    decide_within_days: int | None = Field(default=None, ge=1, le=120)
    review_deadline: DayOfYear | None = None
    # cash award = coefficient × base salary (lương cơ sở), per nominee kind
    cash_coefficient: dict[NomineeKind, float] = {}
    cash_source: str | None = None
    simplified: bool = False  # one-off awards without a council review
    annual: bool = True
    # criteria the system cannot compute, declared for the secretary (e.g. a recognised initiative)
    initiative_required: bool = False
    min_members_ratio: Ratio | None = None  # a collective title: share of members holding LĐTT
    min_members_strict: bool = False  # "more than" the share instead of "at least"
    no_discipline: bool = False  # nobody disciplined at "cảnh cáo" or above
    note_vi: str | None = None
    # False: the annual report's results of commendation work (the reference's section 4) leave it
    # out, because the commune reports it as a rate of its movement instead (vn-2017: GĐVH and xóm
    # văn hóa, "gia đình văn hóa đạt 92,66%, xóm văn hóa đạt 100%", reference §2.1.2)
    in_annual_report: bool = True
    # legal bases a decision on this award cites besides the rule set's (Decree 86/2023 for GĐVH)
    legal_basis: list[str] = []
    # the legal basis of this award type in this period (document and article, or "verify")
    source: str | None = None


class Defaults(_Strict):
    quorum: Ratio
    quorum_source: str | None = None
    ballot: BallotRule
    processing_days: int = Field(ge=1, le=120)
    submission_answer_days: int = Field(ge=1, le=180)
    returned_reminder_days: int = Field(ge=1, le=60)
    source: str | None = None


# Stays whole (long or radon D+): the rule-set file's schema with its cross-field checks: kept in one class,
# it reads as the file format's documentation.
class RuleSetFile(_Strict):
    # a national period; a province's overlay on a period ("vn-2025+bac-ninh"); or a national
    # transition inside a period (the old criteria kept for provinces without their own rule)
    code: str = Field(pattern=r"^[a-z0-9+-]+$")
    kind: Literal["period", "overlay", "transition"] = "period"
    extends: str | None = None  # what it was built on (resolved at load; required for overlays)
    province: str | None = None  # an overlay's province
    source: str | None = None  # an overlay's or transition's own legal basis
    name: str
    effective_from: date
    effective_to: date | None = None
    # the administrative levels of this period, bottom-up (3-tier or 2-tier)
    levels: list[AuthorityKind] = Field(min_length=2)
    legal_basis: list[str] = Field(min_length=1)
    defaults: Defaults
    award_types: list[AwardTypeDef] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self):
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        if self.kind != "period" and not self.extends:
            raise ValueError(f"an {self.kind} must extend a period (extends = \"vn-…\")")
        if self.kind == "overlay" and not self.province:
            raise ValueError("an overlay names its province (province = \"…\")")
        codes = [t.code for t in self.award_types]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"award type codes appear twice: {', '.join(duplicates)}")
        known = set(codes)
        for t in self.award_types:
            for pre in t.prerequisites:
                missing = [c for c in pre.award if c not in known]
                if missing:
                    raise ValueError(f"{t.code}: prerequisite names unknown award {', '.join(missing)}")
            if t.cap and t.cap.of_award not in known:
                raise ValueError(f"{t.code}: cap counts unknown award {t.cap.of_award}")
            if t.deciding_level not in self.levels and t.deciding_level != "central":
                raise ValueError(f"{t.code}: deciding level {t.deciding_level} is not one of {self.levels}")
        return self
