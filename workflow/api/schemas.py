"""Shapes of the API's answers and of its query strings and multipart forms, for the OpenAPI
document only (``workflow.api.spec``): the endpoints keep building their answers with the
serializers and parsing their queries and forms themselves, so nothing here validates a request.

Each answer model names the fields a client may rely on (those of the serializers it describes)
and allows more (``extra="allow"``): the API adds fields freely (SPEC §10), never renames them.
``tests/test_api_fuzz.py`` checks every answer against these shapes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

# ------------------------------------------------------------------ the error envelope


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable machine-readable code, e.g. not_found, invalid_transition.")
    message: str = Field(description="A sentence for people, in the caller's language.")
    details: dict[str, Any] = Field(description="The offending fields (name → problem), or other facts.")


class ErrorBody(BaseModel):
    """Every refusal: ``{"error": {"code", "message", "details"}}`` (workflow.api.core.error_response)."""

    error: ErrorDetail


# ------------------------------------------------------------------ answers


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class RoleScopeOut(Out):
    role: str
    authority_code: str | None
    unit_code: str | None


class UserOut(Out):
    id: int
    username: str
    full_name: str
    email: str | None
    active: bool
    must_change_password: bool
    roles: list[RoleScopeOut]


class TokenUserOut(Out):
    id: int
    username: str
    roles: list[str] = Field(description="The role names (SPEC §10); ``role_scopes`` has their scopes.")
    role_scopes: list[RoleScopeOut]


class TokenOut(Out):
    token: str
    expires_at: str
    user: TokenUserOut


class StatusMessageOut(Out):
    status: str
    message: str


class AuthorityOut(Out):
    id: int
    code: str
    name: str
    kind: str
    parent_code: str | None
    rule_set: str | None


class UnitOut(Out):
    id: int
    code: str
    name: str
    kind: str
    authority_code: str


class AwardRecordOut(Out):
    id: int
    award_type_code: str
    year: int
    decision_number: str | None
    decision_date: str | None
    source: str | None
    revoked: bool


class NomineeOut(Out):
    id: int
    kind: str
    name: str
    authority_code: str
    unit_code: str | None
    awards: list[AwardRecordOut] = []


class SeatOut(Out):
    username: str
    full_name: str
    position: str


class CouncilOut(Out):
    authority_code: str
    members: list[SeatOut]


class ImportOut(Out):
    imported: int
    kind: str | None = None
    ids: list[int] = []


class DayOut(Out):
    day: str
    kind: str | None
    note: str | None


class CalendarOut(Out):
    year: int
    working_days: int
    days: list[DayOut]


class SalaryStepOut(Out):
    from_: str = Field(alias="from")
    to: str | None
    amount_vnd: int
    source: str | None


class SalarySeriesOut(Out):
    steps: list[SalaryStepOut]
    edited: bool


class AwardTypeOut(Out):
    code: str
    name: str
    kind: str
    nominee_kinds: list[str]
    deciding_level: str
    council_vote: bool | None
    rule_set: str


class RuleSetOut(Out):
    code: str
    name: str
    effective_from: str
    effective_to: str | None


class RoundOut(Out):
    id: int
    authority_code: str
    year: int
    kind: str
    title: str
    nomination_deadline: str
    status: Literal["open", "closed"]


class AttachmentOut(Out):
    id: int
    doc_type: str
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: str
    url: str


class ObjectionOut(Out):
    id: int
    proposal_id: int
    text: str
    created_at: str
    resolved: bool


class NomineeRefOut(Out):
    id: int
    name: str
    kind: str


class ProposalOut(Out):
    id: int
    state: str
    state_label: str
    version: int
    round_id: int
    year: int
    nominee_id: int
    nominee: NomineeRefOut
    award_type_code: str
    unit_code: str
    authority_code: str
    origin_authority_code: str
    achievements: str | None
    evidence: dict[str, Any] | None
    rule_set: str | None
    notice_from: str | None
    notice_until: str | None
    linked_proposal_id: int | None
    created_at: str
    updated_at: str
    attachments: list[AttachmentOut] = Field(default=[], description="Only on a single proposal.")
    objections: list[ObjectionOut] = Field(default=[], description="Only on a single proposal.")
    allowed_events: list[str] = Field(default=[], description="The events the caller may fire now.")


class ProposalPageOut(Out):
    items: list[ProposalOut]
    total: int | None = Field(description="The filtered count; null on a page asked by a cursor other than "
                                          "the first (\"\"): keyset pages are not counted again.")
    page: int
    per_page: int
    next_cursor: str | None = Field(default=None, description="Only when the request sent cursor: the cursor "
                                                               "of the next page, null after the last one.")


class TransitionOut(Out):
    id: int
    event: str
    from_state: str | None
    to_state: str
    actor: str | None
    authority_code: str
    at: str
    comment: str | None
    data: dict[str, Any] | None


class BulkCreatedOut(Out):
    nominee_id: int
    id: int


class BulkRefusedOut(Out):
    error: ErrorDetail


class BulkProposalsOut(Out):
    created: list[BulkCreatedOut]
    refused: list[BulkRefusedOut]


class BulkEventsOut(Out):
    done: list[int]
    refused: list[BulkRefusedOut]


class NoticeAuthorityOut(Out):
    code: str
    name: str


class NoticeItemOut(Out):
    proposal_id: int
    nominee: str
    unit: str
    award_type_code: str
    notice_from: str
    notice_until: str


class PublicNoticesOut(Out):
    authority: NoticeAuthorityOut
    items: list[NoticeItemOut]


class MeetingOut(Out):
    id: int
    authority_code: str
    scheduled_at: str
    place: str
    status: str
    agenda: list[dict[str, Any]]
    attendance: list[dict[str, Any]]


class BallotOut(Out):
    accepted: int
    progress: Any = None


class HandsOut(Out):
    proposal_id: int
    recorded: bool


class DecisionItemOut(Out):
    proposal_id: int
    nominee: str
    cash_amount: int
    state: str


class DecisionOut(Out):
    id: int
    authority_code: str
    award_type_code: str | None
    status: str
    number: str | None
    date: str | None
    cash_total: int
    proposal_ids: list[int]
    items: list[DecisionItemOut]


class DecisionListOut(Out):
    items: list[DecisionOut]
    total: int


class SubmissionItemOut(Out):
    proposal_id: int
    nominee: str
    award_type_code: str
    state: str
    outcome: str | None


class SubmissionOut(Out):
    id: int
    from_authority_code: str
    to_authority_code: str
    status: str
    number: str | None
    date: str | None
    proposal_ids: list[int]
    items: list[SubmissionItemOut]


class SubmissionListOut(Out):
    items: list[SubmissionOut]
    total: int


class DossierImportOut(Out):
    authority_code: str
    from_authority_code: str
    round_id: int
    proposal_ids: list[int]


class LegalBasesOut(Out):
    lines: list[str]
    custom: bool


class NotificationOut(Out):
    id: int
    kind: str
    level: str | None
    title: str
    body: str
    created_at: str
    read: bool
    read_at: str | None


class NotificationPageOut(Out):
    items: list[NotificationOut]
    total: int
    page: int
    unread: int


class UpdatedOut(Out):
    updated: int


class PreferencesOut(Out):
    email: Literal["immediate", "digest", "off"]
    address: str | None


class ReportRowOut(Out):
    award_type: str
    individual: int
    collective: int
    household: int


class ReportLevelOut(Out):
    level: str
    items: list[ReportRowOut]


class AnnualReportOut(Out):
    authority: Any
    year: int
    proposed_to: list[ReportLevelOut]
    awarded_here: list[ReportRowOut]


class CheckOut(Out):
    rule: str
    status: str = Field(description="pass, fail, pending or warning")
    message: str
    hard: bool
    details: dict[str, Any]


class EligibilityOut(Out):
    rule_set: str | None
    ok: bool
    checks: list[CheckOut]


class ResultItemOut(Out):
    proposal_id: int
    yes: int
    no: int
    denominator: int
    passed: bool


class ResultsOut(Out):
    items: list[ResultItemOut]


class ReminderPoliciesOut(Out):
    delivery: dict[str, Any]
    policies: list[dict[str, Any]]


class AnyObject(RootModel[dict[str, Any]]):
    """A JSON object (its fields are described in the operation's summary)."""


# ------------------------------------------------------------------ query strings


class Query(BaseModel):
    model_config = ConfigDict(extra="allow")


class YearQuery(Query):
    year: int | None = Field(default=None, ge=1946, le=2200, description="Default: this year in Vietnam.")


class AwardTypesQuery(Query):
    authority: str | None = Field(default=None, description="An authority code the caller can see.")
    date: str | None = Field(default=None, description="YYYY-MM-DD; default: today.")
    rule_set: str | None = Field(default=None, description="A rule set code (then authority and date are ignored).")


class ProposalFiltersQuery(Query):
    state: str | None = Field(default=None, description="One state, or several separated by commas.")
    year: int | None = Field(default=None, ge=1946, le=2200)
    award_type: str | None = None
    unit: str | None = Field(default=None, description="A unit code.")
    authority: str | None = Field(default=None, description="An authority code: at it or from it.")
    q: str | None = Field(default=None, description="The nominee's name, with or without diacritics.")
    round: int | None = Field(default=None, description="A round id.")


class ProposalListQuery(ProposalFiltersQuery):
    page: int = Field(default=1, ge=1, le=100000)
    per_page: int = Field(default=50, ge=1, le=500)
    cursor: str | None = Field(default=None, max_length=100, description=(
        "Keyset paging instead of page: empty for the first page, then each answer's next_cursor. "
        "A page costs the same however deep; only the first is counted (total)."))


class EligibilityQuery(Query):
    mode: Literal["accept", "decide", "forward"] = "accept"


class SubmissionsQuery(Query):
    status: Literal["", "draft", "sent"] | None = None
    authority: str | None = Field(default=None, description="An authority code.")
    direction: Literal["", "outgoing", "incoming"] | None = None
    overdue: str | None = Field(default=None, description="1, true or yes: only those past the answer limit.")


class DecisionsQuery(Query):
    status: Literal["", "draft", "issued"] | None = None
    authority: str | None = Field(default=None, description="An authority code.")


class DocumentQuery(Query):
    format: Literal["pdf", "docx"] = "pdf"


class AnnualReportQuery(Query):
    authority: str = Field(description="The authority code.")
    year: int = Field(ge=1946, le=2200)


class AnnualDocumentQuery(AnnualReportQuery):
    format: Literal["docx", "pdf"] = "docx"


class ImportQuery(Query):
    kind: Literal["individual", "household", "collective", "awards"] | None = Field(
        default=None, description="Also accepted as a form field; else read from the header row.")


class TemplateQuery(Query):
    kind: Literal["individual", "household", "collective", "awards"] = "individual"
    format: Literal["xlsx", "csv"] = "xlsx"


class NotificationsQuery(Query):
    unread: str | None = Field(default=None, description="1, true or yes: unread ones only.")
    page: int = Field(default=1, ge=1, le=100000)
    per_page: int = Field(default=20, ge=1, le=200)


# ------------------------------------------------------------------ multipart forms


class UploadForm(BaseModel):
    file: bytes = Field(json_schema_extra={"format": "binary"}, description="The file.")


class AttachmentForm(UploadForm):
    doc_type: str = Field(description="The document type the award type declares (e.g. thanh_tich).")


class ImportForm(UploadForm):
    authority_code: str
    unit_code: str | None = None
    kind: Literal["individual", "household", "collective", "awards"] | None = None


class AwardsImportForm(UploadForm):
    authority_code: str
    unit_code: str | None = None


# ------------------------------------------------------------------ bodies the views read themselves


class SalaryStepIn(BaseModel):
    from_: str = Field(alias="from", description="YYYY-MM-DD")
    to: str | None = Field(default=None, description="YYYY-MM-DD; none for the step in force")
    amount_vnd: int
    source: str
    verify: bool = False


class SalarySeriesIn(BaseModel):
    """The whole series, checked whole (422 naming the step on a gap, an overlap or a bad amount)."""

    model_config = ConfigDict(extra="forbid")
    steps: list[SalaryStepIn]


class AwardTypeIn(BaseModel):
    """An award type as in the rule files (workflow/rules/*.toml); the service checks it."""

    model_config = ConfigDict(extra="allow")
    name_vi: str
    name_en: str
    kind: str
    nominee_kinds: list[str]
    deciding_level: str
    council_vote: bool


# ------------------------------------------------------------------ downloads

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
ZIP = "application/zip"
DOCUMENT = (PDF, DOCX)
UPLOADED = (PDF, DOCX, "image/jpeg", "image/png")
