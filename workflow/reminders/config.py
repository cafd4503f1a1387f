"""Reminder policies as data: ``policies.toml`` holds the defaults, the ``reminder_policy`` table
the policies in force (an admin edits them through ``PUT /api/v1/reminder-policies``)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Literal

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.audit import services as audit
from workflow.db import insert_ignoring_duplicates, utcnow
from workflow.errors import Forbidden, Invalid
from workflow.proposals.vocab import State
from workflow.reminders.models import KINDS, ReminderPolicy

POLICY_FILE = Path(__file__).resolve().parent / "policies.toml"
DELIVERY_KEY = "delivery"

Role = Literal["nominator", "secretary", "chair", "admin", "council"]
Unit = Literal["days", "working_days", "hours"]

# who may receive each kind, and which kinds count in hours (their deadline is a moment, not a day)
ALLOWED_RECIPIENTS: dict[str, set[str]] = {
    "nomination_deadline": {"nominator"},
    "household_review_deadline": {"nominator"},
    "returned_not_resubmitted": {"nominator", "secretary"},
    "processing_limit": {"secretary", "chair", "admin"},
    "meeting_soon": {"council", "secretary", "chair"},
    "vote_pending": {"council"},
    "notice_over": {"secretary", "chair", "admin"},
    "awaiting_decision": {"chair", "secretary"},
    "submission_unanswered": {"secretary", "chair", "admin"},
}
HOURLY_KINDS = {"meeting_soon", "vote_pending"}
CLOCK_STATES = (State.SUBMITTED, State.UNDER_REVIEW, State.PUBLIC_NOTICE, State.IN_COUNCIL, State.RECOMMENDED)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Policy(_Strict):
    """One kind's offsets, recipients and escalation."""

    kind: Literal[KINDS]  # type: ignore[valid-type]
    enabled: bool = True
    unit: Unit = "days"
    before: list[int] = Field(default_factory=list)
    after: list[int] = Field(default_factory=list)
    recipients: list[Role] = Field(min_length=1)
    escalate_to: list[Role] = Field(default_factory=list)
    escalate_after: int | None = Field(default=None, ge=0, le=60)
    action: bool = True
    deadline_days: int | None = Field(default=None, ge=1, le=120)
    states: list[str] | None = None

    @model_validator(mode="after")
    def _consistent(self):
        limit = 24 * 30 if self.unit == "hours" else 365
        if any(not 0 <= o <= limit for o in self.before + self.after):
            raise ValueError(f"offsets lie between 0 and {limit}")
        if not self.before and not self.after:
            raise ValueError("give at least one offset in before or after")
        if self.unit == "hours" and self.kind not in HOURLY_KINDS:
            raise ValueError(f"hours count only for {', '.join(sorted(HOURLY_KINDS))}")
        allowed = ALLOWED_RECIPIENTS[self.kind]
        wrong = [r for r in self.recipients + self.escalate_to if r not in allowed]
        if wrong:
            raise ValueError(f"{self.kind} goes to {', '.join(sorted(allowed))}, not {', '.join(wrong)}")
        if bool(self.escalate_to) != (self.escalate_after is not None):
            raise ValueError("escalate_to and escalate_after go together")
        if self.states is not None:
            if self.kind != "processing_limit":
                raise ValueError("states apply to processing_limit only")
            if not self.states or any(s not in CLOCK_STATES for s in self.states):
                raise ValueError(f"states are some of {', '.join(CLOCK_STATES)}")
        if self.deadline_days is not None and self.kind != "awaiting_decision":
            raise ValueError("deadline_days applies to awaiting_decision only")
        self.before = sorted(set(self.before), reverse=True)
        self.after = sorted(set(self.after))
        return self


class Delivery(_Strict):
    batch_size: int = Field(default=20, ge=1, le=500)
    sending_timeout_seconds: int = Field(default=600, ge=1, le=86400)
    max_attempts: int = Field(default=8, ge=1, le=50)
    retry_base_seconds: int = Field(default=60, ge=1, le=3600)
    retry_max_seconds: int = Field(default=3600, ge=1, le=86400)
    digest_hour: int = Field(default=7, ge=0, le=23)


class PolicyFile(_Strict):
    delivery: Delivery
    policies: list[Policy]

    @model_validator(mode="after")
    def _every_kind_once(self):
        kinds = [p.kind for p in self.policies]
        missing = [k for k in KINDS if k not in kinds]
        duplicates = sorted({k for k in kinds if kinds.count(k) > 1})
        if missing or duplicates:
            raise ValueError(f"each kind once: missing {missing}, twice {duplicates}")
        return self


def _details(exc: ValidationError) -> dict:
    return {".".join(str(p) for p in err["loc"]) or "body": err["msg"] for err in exc.errors()}


@lru_cache(maxsize=4)
def _read_file(path: Path, mtime: float) -> PolicyFile:
    return PolicyFile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))


def file_defaults(path: Path = POLICY_FILE) -> PolicyFile:
    """The validated defaults of ``policies.toml`` (re-read when the file changes)."""
    return _read_file(path, path.stat().st_mtime)


def _file_rows(defaults: PolicyFile) -> dict[str, dict]:
    rows = {p.kind: p.model_dump(mode="json") for p in defaults.policies}
    rows[DELIVERY_KEY] = defaults.delivery.model_dump(mode="json")
    return rows


def ensure_policies(session: Session) -> None:
    """Load the file's defaults into the table: add missing rows, refresh rows no admin edited.
    Cheap (a dozen rows), so every scan calls it; flushes, the caller commits."""
    wanted = _file_rows(file_defaults())
    existing = {row.key: row for row in session.scalars(select(ReminderPolicy))}
    missing = [key for key in wanted if key not in existing]
    if missing:
        insert_ignoring_duplicates(session, ReminderPolicy, [
            {"key": key, "config": wanted[key], "edited": False, "updated_at": utcnow()} for key in missing],
            ["key"])
    for key, row in existing.items():
        if key in wanted and not row.edited and row.config != wanted[key]:
            row.config, row.updated_at = wanted[key], utcnow()
    session.flush()


class Loaded:
    """The policies in force, read once per scan or delivery run."""

    def __init__(self, policies: dict[str, Policy], delivery: Delivery):
        self.policies, self.delivery = policies, delivery

    def enabled(self) -> list[Policy]:
        return [self.policies[k] for k in KINDS if k in self.policies and self.policies[k].enabled]


def load(session: Session) -> Loaded:
    """The policies in the table, over the file's defaults for anything missing or unreadable."""
    defaults = file_defaults()
    policies = {p.kind: p for p in defaults.policies}
    delivery = defaults.delivery
    for row in session.scalars(select(ReminderPolicy)):
        try:
            if row.key == DELIVERY_KEY:
                delivery = Delivery.model_validate(row.config)
            elif row.key in policies:
                policies[row.key] = Policy.model_validate(row.config)
        except ValidationError:  # a row written by an older version: the file's default holds
            continue
    return Loaded(policies, delivery)


def as_json(loaded: Loaded, session: Session) -> dict:
    edited = {row.key for row in session.scalars(select(ReminderPolicy).where(ReminderPolicy.edited.is_(True)))}
    return {
        "delivery": {**loaded.delivery.model_dump(mode="json"), "edited": DELIVERY_KEY in edited},
        "policies": [{**loaded.policies[k].model_dump(mode="json"), "edited": k in edited} for k in KINDS],
    }


def update_policies(session: Session, actor, *, policies: list[dict] | None = None,
                    delivery: dict | None = None) -> Loaded:
    """Replace the given kinds' policies and/or the delivery settings (deployment admin). Everything
    is validated before anything is written; 422 names the bad fields."""
    if actor is not None and not actor.is_deployment_admin:
        raise Forbidden(_("Only the deployment's administrator changes reminder policies."))
    ensure_policies(session)
    updates: dict[str, dict] = {}
    details: dict = {}
    for i, raw in enumerate(policies or []):
        try:
            policy = Policy.model_validate(raw)
        except ValidationError as exc:
            details.update({f"policies.{i}.{k}": v for k, v in _details(exc).items()})
            continue
        if policy.kind in updates:
            details[f"policies.{i}.kind"] = _("This kind is listed twice.")
        updates[policy.kind] = policy.model_dump(mode="json")
    if delivery is not None:
        try:
            updates[DELIVERY_KEY] = Delivery.model_validate(delivery).model_dump(mode="json")
        except ValidationError as exc:
            details.update({f"delivery.{k}": v for k, v in _details(exc).items()})
    if details:
        raise Invalid(_("Some fields are invalid: %(fields)s", fields=", ".join(details)), details=details)
    rows = {row.key: row for row in session.scalars(select(ReminderPolicy).where(
        ReminderPolicy.key.in_(list(updates))))}
    for key, config in updates.items():
        row = rows[key]
        row.config, row.edited, row.updated_at = config, True, utcnow()
        row.updated_by_id = actor.id if actor is not None else None
    if actor is not None:
        audit.record(session, chain=None, actor=actor, action="reminder_policy.update",
                     object_type="reminder_policy", object_id=",".join(sorted(updates)), data={"keys": sorted(updates)})
    session.flush()
    return load(session)
