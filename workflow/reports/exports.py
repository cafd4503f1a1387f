"""Lists exported to XLSX (xuất Excel): proposals, nominees, decisions, submissions, rounds.

Each export reads its rows through the very query function its list (screen and API) uses, with
the same filters and the same scoping, but every matching row rather than one page: proposals
and nominees are read a page of :data:`CHUNK` at a time, so a 10,000-row export never holds more
than one chunk of ORM objects, and written with ``spreadsheets.write_table`` (write-only mode).
Headers go through gettext: Vietnamese, or English when the user reads the screens in English.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from workflow import vntime
from workflow.documents.spreadsheets import Column, add_table_sheet, save, write_table
from workflow.org.labels import NOMINEE_KIND_LABELS
from workflow.org.models import AwardRecord, Nominee, Unit
from workflow.org.services import list_nominees
from workflow.proposals import queries
from workflow.proposals.models import Proposal
from workflow.proposals.screen import award_names
from workflow.proposals.snapshot import AwardRule, keep_typed
from workflow.proposals.states import state_label

CHUNK = 1000  # rows read per select while exporting

STATUS_LABELS = {"draft": _l("Draft"), "issued": _l("Issued"), "sent": _l("Sent up")}
GENDER_LABELS = {"male": _l("Male"), "female": _l("Female"), "other": _l("Other")}


def _name(stem: str) -> str:
    return f"{stem}-{vntime.today().isoformat()}.xlsx"


def _local_day(moment):
    return vntime.local_date(moment) if moment is not None else None


# --- proposals ------------------------------------------------------------------------------------

def proposal_rows(session: Session, user, filters: dict, options: tuple = ()) -> Iterator:
    """Every proposal ``proposals.queries.list_proposals`` gives ``user`` for ``filters``, a chunk
    at a time (the list's own order: last changed first); ``options``: its loader options."""
    page = 1
    while True:
        items, total = queries.list_proposals(session, user, **filters, page=page, per_page=CHUNK,
                                              options=options)
        yield from items
        if not items or page * CHUNK >= total:
            return
        page += 1


def proposals_xlsx(session: Session, user, filters: dict) -> tuple[str, bytes]:
    """``(file name, XLSX)`` of the proposals list with ``filters`` (those of ``GET /proposals``)."""
    from sqlalchemy.orm import defer, joinedload

    columns = [Column(_("Proposal no."), 10, "int"), Column(_("Nominee"), 30), Column(_("Nominee kind"), 14),
               Column(_("Birth year"), 10, "int"), Column(_("Unit"), 26), Column(_("Award"), 34),
               Column(_("Award code"), 14), Column(_("Year"), 8, "int"), Column(_("Round"), 30),
               Column(_("State"), 24), Column(_("Handled by"), 26), Column(_("Created on"), 12, "date"),
               Column(_("Last changed"), 12, "date")]

    kinds = {kind: str(label) for kind, label in NOMINEE_KIND_LABELS.items()}
    states: dict[tuple, str] = {}  # the label of a state, per state and council vote (looked up once)

    def state(p) -> str:
        key = (p.state, p.rule.council_vote if p.rule is not None else None)
        if key not in states:
            states[key] = str(state_label(p.state, p.rule))
        return states[key]

    in_force: dict = {}  # the rule set in force per authority, looked up once for the whole export
    # the JSON and text columns no cell shows are not read (nor decoded) for 10,000 rows; the award
    # snapshot is read as text by _with_award_rules, each distinct one decoded once
    unread = (defer(Proposal.evidence), defer(Proposal.missing_items), defer(Proposal.fields_changed),
              defer(Proposal.achievements), defer(Proposal.award_rule),
              joinedload(Proposal.nominee).load_only(Nominee.name, Nominee.kind, Nominee.birth_year),
              joinedload(Proposal.unit).load_only(Unit.name))
    snapshots: dict[str, tuple] = {}

    def cells(chunk):
        _with_award_rules(session, chunk, snapshots)
        return _proposal_cells(session, chunk, award_names(session, chunk, in_force), kinds, state)

    def rows():
        chunk: list = []
        for proposal in proposal_rows(session, user, filters, unread):
            chunk.append(proposal)
            if len(chunk) == CHUNK:
                yield from cells(chunk)
                chunk = []
        if chunk:
            yield from cells(chunk)

    return _name("ho-so-de-nghi"), write_table(_("Proposals"), columns, rows())


def _with_award_rules(session: Session, chunk: list, snapshots: dict[str, tuple]) -> None:
    """Give the proposals of ``chunk`` (loaded with ``award_rule`` deferred) their award snapshot,
    as loaded values, from one select of the column as text: the proposals of one award mostly
    share one snapshot, so each distinct text is decoded (and typed) once (``snapshots``: text →
    (value, AwardRule), kept for the whole export; the export only reads them)."""
    import json

    from sqlalchemy import Text, cast, select
    from sqlalchemy.orm.attributes import set_committed_value

    texts = dict(session.execute(select(Proposal.id, cast(Proposal.award_rule, Text))
                                 .where(Proposal.id.in_([p.id for p in chunk]))).all())
    for proposal in chunk:
        text = texts.get(proposal.id)
        if text is None or text == "null":
            value, typed = None, None
        else:
            if text not in snapshots:
                raw = json.loads(text)
                snapshots[text] = (raw, AwardRule.read(raw))
            value, typed = snapshots[text]
        set_committed_value(proposal, "award_rule", value)
        keep_typed(proposal, typed)


def _proposal_cells(session, chunk, names, kinds, state):
    for p in chunk:
        yield (p.id, p.nominee.name, kinds[p.nominee.kind], p.nominee.birth_year, p.unit.name, names[p.id],
               p.award_type_code, p.round.year, p.round.title, state(p), p.current_authority.name,
               _local_day(p.created_at), _local_day(p.updated_at))


# --- nominees -------------------------------------------------------------------------------------

def nominees_xlsx(session: Session, user, filters: dict) -> tuple[str, bytes]:
    """``(file name, XLSX)`` of the nominees list (``org.services.list_nominees`` with the
    filters ``org.queries.parse_nominee_filters`` read)."""
    columns = [Column(_("Nominee ID"), 12, "int"), Column(_("Name"), 30), Column(_("Nominee kind"), 14),
               Column(_("Head of household"), 26), Column(_("Birth year"), 10, "int"), Column(_("Gender"), 10),
               Column(_("Position"), 24), Column(_("Unit code"), 14), Column(_("Unit"), 26),
               Column(_("Authority"), 26), Column(_("Awards received"), 10, "int")]

    def rows():
        page = 1
        while True:
            items, total = list_nominees(session, user, **filters, page=page, per_page=CHUNK)
            awards = _award_counts(session, [n.id for n in items])
            for n in items:
                yield (n.id, n.name, str(NOMINEE_KIND_LABELS[n.kind]), n.head_name, n.birth_year,
                       str(GENDER_LABELS[n.gender]) if n.gender else None, n.position,
                       n.unit.code if n.unit else None, n.unit.name if n.unit else None, n.authority.name,
                       awards.get(n.id, 0))
            if not items or page * CHUNK >= total:
                return
            page += 1

    return _name("doi-tuong"), write_table(_("Nominees"), columns, rows())


def _award_counts(session: Session, ids: list[int]) -> dict[int, int]:
    """``{nominee id: awards in its history}`` for one chunk, in one select."""
    from sqlalchemy import func, select

    if not ids:
        return {}
    return dict(session.execute(select(AwardRecord.nominee_id, func.count()).where(
        AwardRecord.nominee_id.in_(ids), AwardRecord.revoked_at.is_(None)).group_by(AwardRecord.nominee_id)).all())


# --- decisions and submissions --------------------------------------------------------------------

def decisions_xlsx(decisions) -> tuple[str, bytes]:
    """``(file name, XLSX)`` of ``decisions`` (the screen's query, every page): one sheet of
    decisions, one of their awardees with each cash amount."""
    from openpyxl import Workbook

    decisions = list(decisions)
    workbook = Workbook(write_only=True)
    add_table_sheet(workbook, _("Decisions"), [
        Column(_("Decision no."), 18), Column(_("Signed on"), 12, "date"), Column(_("Authority"), 26),
        Column(_("Award code"), 14), Column(_("Status"), 12), Column(_("Awardees"), 10, "int"),
        Column(_("Cash total (VND)"), 16, "money")],
        ((d.number, d.signed_on, d.authority.name, d.award_type_code, str(STATUS_LABELS.get(d.status, d.status)),
          len(d.items), d.cash_total or 0) for d in decisions))
    add_table_sheet(workbook, _("Awardees"), [
        Column(_("Decision no."), 18), Column(_("Signed on"), 12, "date"), Column(_("Proposal no."), 10, "int"),
        Column(_("Nominee"), 30), Column(_("Nominee kind"), 14), Column(_("Award code"), 14),
        Column(_("Cash amount (VND)"), 16, "money")],
        ((d.number, d.signed_on, i.proposal_id, i.proposal.nominee.name,
          str(NOMINEE_KIND_LABELS[i.proposal.nominee.kind]), i.proposal.award_type_code, i.cash_amount or 0)
         for d in decisions for i in d.items))
    return _name("quyet-dinh"), save(workbook)


def submissions_xlsx(submissions) -> tuple[str, bytes]:
    """``(file name, XLSX)`` of ``submissions`` (the screen's query, every page): one row per
    proposal submitted, with the outcome the higher level recorded."""
    outcomes = {"approved": _("Approved"), "returned": _("Returned"), "rejected": _("Rejected")}
    rows = ((s.number, s.sent_on, s.from_authority.name, s.to_authority.name,
             str(STATUS_LABELS.get(s.status, s.status)), i.proposal_id, i.proposal.nominee.name,
             i.proposal.award_type_code, str(state_label(i.proposal.state, i.proposal.rule)),
             outcomes.get(i.outcome or "", ""), i.decision_number, i.decision_date)
            for s in submissions for i in s.items)
    columns = [Column(_("Submission no."), 18), Column(_("Sent on"), 12, "date"), Column(_("From"), 26),
               Column(_("To"), 26), Column(_("Status"), 10), Column(_("Proposal no."), 10, "int"),
               Column(_("Nominee"), 30), Column(_("Award code"), 14), Column(_("State"), 24),
               Column(_("Outcome"), 12), Column(_("Decision no."), 18), Column(_("Decision date"), 12, "date")]
    return _name("to-trinh"), write_table(_("Submissions"), columns, rows)


def rounds_xlsx(rounds) -> tuple[str, bytes]:
    """``(file name, XLSX)`` of ``rounds`` (the screen's query, every page)."""
    kinds = {"annual": _("Annual"), "campaign": _("Campaign"), "ad_hoc": _("Ad hoc")}
    columns = [Column(_("Year"), 8, "int"), Column(_("Title"), 40), Column(_("Kind"), 14),
               Column(_("Authority"), 26), Column(_("Nomination deadline"), 14, "date"),
               Column(_("Closed on"), 12, "date")]
    rows = ((r.year, r.title, kinds.get(r.kind, r.kind), r.authority.name, r.nomination_deadline,
             _local_day(r.closed_at)) for r in rounds)
    return _name("dot-thi-dua"), write_table(_("Rounds"), columns, rows)
