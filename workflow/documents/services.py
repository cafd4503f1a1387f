"""Rendering official documents for a caller: load the object in the caller's scope (404 outside),
gather the facts the builders need, render DOCX or PDF.

Each function answers a ``Rendered`` (file name, MIME type, bytes). They write nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import vntime
from workflow.catalog.models import AwardType, RuleSet
from workflow.catalog.services import rule_set_for
from workflow.council import services as council
from workflow.council.models import AgendaItem, Meeting
from workflow.decisions.services import get_decision, get_submission
from workflow.documents import builders, layout, minutes, render_docx, render_pdf, wording
from workflow.documents.builders import Facts
from workflow.errors import Conflict, NotFound, field_error
from workflow.org.models import CouncilMember, RoleAssignment, User
from workflow.org.services import authority_by_code
from workflow.org.vocab import Role
from workflow.reports.services import annual_report

FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass
class Rendered:
    filename: str
    mimetype: str
    content: bytes


def check_format(fmt: str | None, allowed: tuple[str, ...] = ("pdf", "docx")) -> str:
    fmt = (fmt or "pdf").lower()
    if fmt not in allowed:
        raise field_error("format", _("The format is one of: %(values)s.", values=", ".join(allowed)))
    return fmt


def render(doc, fmt: str, stem: str) -> Rendered:
    """Every document is rendered here: the rule files' working notes ("(cần xác minh)",
    "(verify)") are stripped from its text first, so no issued document prints them."""
    doc = layout.clean(doc)
    content = render_pdf.render(doc) if fmt == "pdf" else render_docx.render(doc)
    return Rendered(f"{slug(stem)}.{fmt}", FORMATS[fmt], content)


def slug(text: str) -> str:
    """An ASCII file name: ``Quyết định 12/QĐ-UBND`` → ``quyet-dinh-12-qd-ubnd``."""
    text = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "van-ban"


# --- facts ------------------------------------------------------------------------------------------

def award_names(session: Session, proposals, authority=None, on: date | None = None) -> dict[str, tuple[str, str]]:
    """Award code → (Vietnamese name, kind), from the proposals' rule snapshots, then the catalogue."""
    names: dict[str, tuple[str, str]] = {}
    for p in proposals:
        rule = p.rule
        if rule is not None and rule.name_vi:
            names.setdefault(p.award_type_code, (rule.name_vi, rule.kind or "commendation"))
    if authority is not None:
        try:
            for t in rule_set_for(session, authority, on or vntime.today()).award_types:
                names.setdefault(t.code, (t.name_vi, t.kind))
        except NotFound:  # no rule set in force that day: any loaded type below will do
            pass
    for t in session.scalars(select(AwardType).order_by(AwardType.id.desc())):
        names.setdefault(t.code, (t.name_vi, t.kind))
    return names


def legal_bases(session: Session, proposals, authority, on: date | None) -> list[str]:
    """The legal bases (Căn cứ…) of the rule set governing the proposals (the one in force at
    ``accept``), else of the rule set in force for the authority on the document's date."""
    code = next((p.rule_set_code for p in proposals if p.rule_set_code), None)
    rule_set = session.scalar(select(RuleSet).where(RuleSet.code == code)) if code else None
    if rule_set is None:
        rule_set = rule_set_for(session, authority, on or vntime.today())
    lines = list(rule_set.content.get("legal_basis", []))
    for p in proposals:  # an award's own bases (GĐVH: Decree 86/2023), once each
        lines += [b for b in (p.rule.legal_basis if p.rule else []) if b not in lines]
    return lines


def chair_name(session: Session, authority_id: int) -> str:
    user = session.scalar(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id).where(
        RoleAssignment.authority_id == authority_id, RoleAssignment.role == Role.CHAIR).order_by(User.id))
    return user.full_name if user else ""


def signs_as_deputy(session: Session, authority_id: int, signer_id: int | None) -> bool:
    """Whether the signer is a vice chairman: the ``chair`` role gives the right to sign, the council
    seat ``vice_chair`` (and not ``chair``) says he signs on the chairman's behalf (KT. CHỦ TỊCH)."""
    if signer_id is None:
        return False

    position = session.scalar(select(CouncilMember.position).where(CouncilMember.authority_id == authority_id,
                                                                   CouncilMember.user_id == signer_id))
    return position == "vice_chair"


def council_votes(session: Session, proposal_ids: list[int], authority_id: int) -> tuple[dict[int, dict], date | None]:
    """Each proposal's row in the results of the last closed meeting that voted on it at
    ``authority_id``, and the date of the latest such meeting."""
    if not proposal_ids:
        return {}, None
    meetings = session.scalars(select(Meeting).join(AgendaItem, AgendaItem.meeting_id == Meeting.id).where(
        AgendaItem.proposal_id.in_(proposal_ids), Meeting.authority_id == authority_id,
        Meeting.status == "closed").order_by(Meeting.closed_at)).unique().all()
    votes, last = {}, None
    for meeting in meetings:
        for row in (meeting.results or {}).get("items", []):
            if row["proposal_id"] in proposal_ids:
                votes[row["proposal_id"]] = row
        last = vntime.local_date(meeting.scheduled_at)
    return votes, last


# --- documents --------------------------------------------------------------------------------------

def _facts(session: Session, proposals, authority, on: date | None, signer_id: int | None = None,
           own_bases: list[str] | None = None) -> Facts:
    """What a decision or submission document says about its proposals: award names, legal bases,
    the chair (or the vice chairman who signed), the council's votes."""
    votes, met = council_votes(session, [p.id for p in proposals], authority.id)
    bases = own_bases if own_bases is not None else legal_bases(session, proposals, authority, on)
    return Facts(award_names(session, proposals, authority, on), bases,
                 chair_name(session, authority.id), met, votes,
                 deputy_signs=signs_as_deputy(session, authority.id, signer_id))


def decision_document(session: Session, actor, decision_id: int, fmt: str, instance_path: str) -> Rendered:
    fmt = check_format(fmt)
    decision = get_decision(session, actor, decision_id)
    return _paper(session, decision, decision.authority, decision.signed_on, "decision", builders.decision,
                  fmt, instance_path, "quyet-dinh")


def submission_document(session: Session, actor, submission_id: int, fmt: str, instance_path: str) -> Rendered:
    fmt = check_format(fmt)
    submission = get_submission(session, actor, submission_id)
    return _paper(session, submission, submission.from_authority, submission.sent_on, "submission",
                  builders.submission, fmt, instance_path, "to-trinh")


def _paper(session: Session, row, authority, signed_on, kind: str, build, fmt: str, instance_path: str,
           stem: str) -> Rendered:
    """The document of a decision or a submission (``kind``): the facts of its proposals, its
    wording, a file name with the register's number once signed (else ``du-thao-`` and the id)."""
    facts = _facts(session, [i.proposal for i in row.items], authority, signed_on, row.signer_id, row.legal_bases)
    doc = build(row, facts, wording.load(kind, instance_path))
    return render(doc, fmt, f"{stem}-{row.number}" if row.number else f"du-thao-{stem}-{row.id}")


def certificates_document(session: Session, actor, decision_id: int, fmt: str, instance_path: str) -> Rendered:
    """Certificates exist once the decision is issued (409 before)."""
    fmt = check_format(fmt)
    decision = get_decision(session, actor, decision_id)
    if decision.status != "issued":
        raise Conflict(_("Certificates are printed once the decision is issued."), code="not_issued")
    proposals = [i.proposal for i in decision.items]
    facts = Facts(award_names(session, proposals, decision.authority, decision.signed_on),
                  chair_name=chair_name(session, decision.authority_id),
                  deputy_signs=signs_as_deputy(session, decision.authority_id, decision.signer_id))
    doc = builders.certificates(decision, facts, wording.load("certificate", instance_path))
    return render(doc, fmt, f"giay-khen-{decision.number}")


def minutes_document(session: Session, actor, meeting_id: int, fmt: str, instance_path: str) -> Rendered:
    """The minutes of a closed meeting (409 ``not_closed`` before: results are secret until then)."""
    fmt = check_format(fmt)
    council.results(session, actor, meeting_id)  # 404 out of scope, 409 before the close
    return render_minutes(session, council.get_meeting(session, actor, meeting_id), fmt, instance_path)


def render_minutes(session: Session, meeting, fmt: str, instance_path: str) -> Rendered:
    """The minutes of a closed meeting, for a caller already allowed to read them."""
    if meeting.status != "closed":
        raise Conflict(_("Results are available only after the vote closes."), code="not_closed")
    proposals = [i.proposal for i in meeting.items]
    facts = Facts(award_names(session, proposals, meeting.authority, vntime.local_date(meeting.scheduled_at)))
    doc = minutes.minutes(meeting, council.seats(session, meeting.authority_id), facts,
                          wording.load("minutes", instance_path))
    day = vntime.local_date(meeting.scheduled_at)
    return render(doc, fmt, f"bien-ban-hop-hoi-dong-{meeting.id}-{day.isoformat()}")


def annual_report_document(session: Session, actor, authority_code: str, year: int, fmt: str,
                           instance_path: str, lang: str = "vi") -> Rendered:
    """Section 4 of the yearly report as DOCX or PDF; ``lang`` "en" gives the English working
    translation (the interface language), any other value the Vietnamese report."""
    fmt = check_format(fmt)
    report = annual_report(session, actor, authority_code, year)  # readers: reports.policies (404 for anyone else)
    authority = authority_by_code(session, authority_code, "authority")
    facts = Facts(award_names(session, [], authority, date(year, 12, 31)))
    above, node = [], authority.parent
    while node is not None:
        above.append(node.kind)
        node = node.parent
    doc = minutes.annual_report(report, authority, facts,
                                wording.load("report_en" if lang == "en" else "report", instance_path),
                                chair_name(session, authority.id), levels_above=tuple(above))
    return render(doc, fmt, f"bao-cao-khen-thuong-{authority.code}-{year}")
