"""The award rule a proposal keeps (``proposal.award_rule``): its award type as the rule set in
force read when the dossier was received, with the rule set's defaults filled in
(``eligibility.snapshot`` writes it).

``AwardRule`` is the one way to read it. It only reads: the stored JSON keeps the shape
``eligibility.snapshot`` writes, so old rows read as before. Every field is optional with the
default the code assumed when a key was missing, and unknown keys are kept (a snapshot taken
under an older catalogue schema still reads).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class BallotSnapshot(_Part):
    """How the council votes on the award (the rule set's default ballot when the type has none)."""

    method: str = "secret"  # or "show_of_hands"
    threshold: str | int | float = "1/2"
    strict: bool = True
    denominator: str = "total_members"
    written_votes_of_absentees: bool = False
    recused_out_of_denominator: bool = True
    source: str | None = None


class EvidenceRule(_Part):
    """The thresholds of the hamlet (or unit) meeting and its notice."""

    min_present_ratio: str | int | float = "0"
    min_agree_ratio: str | int | float = "0"
    notice_days: int = 0


class AwardRule(_Part):
    """A proposal's award rule snapshot, typed."""

    code: str = ""
    name_vi: str | None = None
    name_en: str | None = None
    kind: str | None = None  # "title" or "commendation"
    nominee_kinds: list[str] = []
    deciding_level: str | None = None
    council_vote: bool = True
    ballot: BallotSnapshot | None = None
    quorum: str | int | float | None = None
    notice_days: int = 0
    prerequisites: list[dict] = []
    cap: dict | None = None
    evidence: EvidenceRule | None = None
    required_documents: list[dict] = []
    processing_days: int | None = None
    decide_within_days: int | None = None
    review_deadline: dict | None = None
    cash_coefficient: dict[str, float | int] = {}
    in_annual_report: bool = True
    legal_basis: list[str] = []
    levels: list[str] | None = None

    @classmethod
    def read(cls, raw: dict | None) -> AwardRule | None:
        """The snapshot ``raw`` (a proposal's ``award_rule`` JSON) typed; None when there is none."""
        return None if not raw else cls.model_validate(raw)

    @property
    def show_of_hands(self) -> bool:
        """The council votes by a show of hands (no secret ballot) on this award."""
        return self.ballot is not None and self.ballot.method == "show_of_hands"

    @property
    def ballot_method(self) -> str:
        return self.ballot.method if self.ballot is not None else "secret"

    @property
    def takes_written_votes(self) -> bool:
        """Absent members may vote in writing (their votes count with the meeting's)."""
        return self.ballot is not None and self.ballot.written_votes_of_absentees


def as_rule(rule: AwardRule | dict | None) -> AwardRule | None:
    """``rule`` typed: an award type of the rule set in force (``eligibility.snapshot``'s dict, the
    same shape as a stored snapshot) or an already typed one."""
    return AwardRule.read(rule) if isinstance(rule, dict) or rule is None else rule


def rule_of(proposal) -> AwardRule | None:
    """The accessor: ``proposal``'s award rule snapshot, typed (None before the dossier is received).
    Decoded once per loaded row and kept on it while the JSON stays the same object."""
    raw = proposal.award_rule
    cached = proposal.__dict__.get("_award_rule_typed")
    if cached is not None and cached[0] is raw:
        return cached[1]
    rule = AwardRule.read(raw)
    keep_typed(proposal, rule)
    return rule


def keep_typed(proposal, rule: AwardRule | None) -> None:
    """Remember ``rule`` as the typed form of ``proposal``'s current snapshot (an export that
    decodes each distinct snapshot once hands the typed one to every proposal sharing it)."""
    proposal.__dict__["_award_rule_typed"] = (proposal.award_rule, rule)
