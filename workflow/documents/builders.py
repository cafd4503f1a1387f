"""What is on the page of a decision, a submission and the certificates (layout blocks).

Builders read the rows they are given and the wording; they query nothing. ``services`` gathers
what they need (award names, legal bases, the chair, council results) and checks who may read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from workflow import vntime
from workflow.documents import wording as w
from workflow.documents.layout import (
    Document,
    Group,
    Header,
    PageBreak,
    Para,
    Rule,
    Run,
    Signatory,
    Signature,
    Spacer,
    Table,
)
from workflow.org.vocab import NomineeKind

Wording = w.Wording
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


@dataclass
class Facts:
    """What the builders need beyond the rows: gathered by ``documents.services``."""

    award_names: dict[str, tuple[str, str]]  # code → (Vietnamese name, kind: title/commendation)
    legal_bases: list[str] = field(default_factory=list)
    chair_name: str = ""
    meeting_date: date | None = None
    votes: dict[int, dict] = field(default_factory=dict)  # proposal id → the council's result row
    deputy_signs: bool = False  # a vice chairman signed: "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"

    def signature_lines(self, text: Wording, values: dict) -> list[str]:
        key = "signature_deputy" if self.deputy_signs and text.get("signature_deputy") else "signature"
        return text.lines(key, **values)

    def award_name(self, code: str) -> str:
        return self.award_names.get(code, (code, "commendation"))[0]

    def award_kind(self, code: str) -> str:
        return self.award_names.get(code, (code, "commendation"))[1]


def forms(authority) -> dict[str, str]:
    values = w.authority_forms(authority)
    values["authority_short_upper"] = values["authority_short"].upper()
    return values


def header(authority, text: Wording, number_line: str | None, day: date | None,
           lines: list[tuple[str, bool]] | None = None) -> Header:
    values = forms(authority)
    lines = lines or [(values["authority_line1"], True)] + (
        [(values["authority_line2"], True)] if values["authority_line2"] else [])
    motto = tuple(text.lines("motto")) if len(text.get("motto", [])) == 2 else Header.motto
    return Header(lines, number_line, w.place_date(values["place"], day), motto)


def counts(text: Wording, proposals_or_counts) -> str:
    """``13 tập thể, 26 cá nhân`` in the template's words."""
    numbers = proposals_or_counts if isinstance(proposals_or_counts, dict) else counts_of(proposals_or_counts)
    return w.count_phrase(numbers, text.get("kind_words"))


def article(text: Wording, n: int, sentence: str) -> Para:
    return Para([Run(text.text("article", n=n) + " ", bold=True), Run(sentence)], indent=True)


def foot(text: Wording, signatory: Signatory, values: dict) -> Signature:
    return Signature(signatory, recipients=text.lines("recipients", **values),
                     recipients_label=text.get("recipients_label", "Nơi nhận:"))


def title_block(title: str, subtitle: str | None) -> list:
    blocks = [Para.text(title, bold=True, align="center", space_after=0, space_before=6)]
    if subtitle:
        blocks.append(Para.text(subtitle, bold=True, align="center", space_after=0))
    blocks.append(Rule(0.22))
    return blocks


def bases(text: Wording, legal: list[str], values: dict) -> list[Para]:
    lines = list(text.lines("extra_bases", **values))
    lines += [text.text("basis", **values, basis=b.rstrip(";. ")) for b in legal]
    return [Para.text(line, italic=True, indent=True, space_after=2) for line in lines]


def number_or_blank(number: str | None, symbol: str) -> str:
    return number or f"{' ' * 8}/{symbol}"


def nominee_label(nominee, wording: Wording | None = None) -> str:
    """An individual with the honorific (``Ông Ma Văn Thử``); households and collectives by name."""
    if nominee.kind != NomineeKind.INDIVIDUAL:
        return nominee.name
    honorific = {"male": "Ông", "female": "Bà"}.get(nominee.gender or "", "")
    if wording is not None:
        honorific = wording.get({"male": "male", "female": "female"}.get(nominee.gender or "", "unknown"),
                                honorific)
    return f"{honorific} {nominee.name}".strip()


def position_and_unit(proposal) -> str:
    nominee = proposal.nominee
    unit = nominee.unit or proposal.unit
    if nominee.kind == NomineeKind.INDIVIDUAL:
        parts = [nominee.position, unit.name if unit else None]
    elif nominee.kind == NomineeKind.HOUSEHOLD:
        parts = [unit.name if unit else None]
    else:
        parts = [unit.name if unit and unit.name != nominee.name else None]
    return ", ".join(p for p in parts if p)


def counts_of(proposals) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in proposals:
        counts[p.nominee.kind] = counts.get(p.nominee.kind, 0) + 1
    return counts


def grouped(proposals) -> list[tuple[str, list[tuple[str, list]]]]:
    """[(award code, [(nominee kind, [proposal…])…])…] in the order of first appearance, kinds in the
    order the reference report lists them (collectives, individuals, households)."""
    by_award: dict[str, dict[str, list]] = {}
    for p in proposals:
        by_award.setdefault(p.award_type_code, {}).setdefault(p.nominee.kind, []).append(p)
    return [(code, [(k, kinds[k]) for k in w.KIND_ORDER if k in kinds]) for code, kinds in by_award.items()]


# --- decision -------------------------------------------------------------------------------------

# Stays whole (long or radon D+): the decision and its list laid out in the order of the paper document.
def decision(decision, facts: Facts, text: Wording) -> Document:
    """Quyết định khen thưởng with its attached list, grouped by award type then nominee kind."""
    authority = decision.authority
    items = list(decision.items)
    proposals = [i.proposal for i in items]
    year = proposals[0].round.year if proposals else (decision.year or vntime.today().year)
    number = number_or_blank(decision.number, text["symbol"])
    codes = list(dict.fromkeys(p.award_type_code for p in proposals)) or [decision.award_type_code]
    values = {**forms(authority), "year": year, "number": number, "short_date": w.short_date(decision.signed_on),
              "counts": counts(text, proposals), "cash_total": w.money(decision.cash_total),
              "cash_words": w.amount_in_words(decision.cash_total),
              "meeting_date": w.long_date(facts.meeting_date) if facts.meeting_date else ""}
    doc = Document(f"Quyết định {number}", author=values["authority_name"])
    if decision.status != "issued":
        doc.add(Para.text(text["draft_mark"], bold=True, italic=True, align="right", size=12, space_after=0))
    doc.add(header(authority, text, text.text("number_line", **values), decision.signed_on))
    if len(codes) == 1:
        code = codes[0]
        values["award_phrase"] = w.award_phrase(facts.award_name(code))
        key = "subtitle_title" if facts.award_kind(code) == "title" else "subtitle_commendation"
        subtitle = text.text(key, **values)
    else:
        subtitle = text.text("subtitle_several", **values)
    doc.add(*title_block(text["title"], subtitle))
    doc.add(Para.text(text.text("issuer", **values), bold=True, align="center", space_after=6))
    doc.add(*bases(text, facts.legal_bases, values))
    if facts.meeting_date:
        doc.add(Para.text(text.text("council_basis", **values), italic=True, indent=True, space_after=2))
    meetings = hamlet_meetings(proposals)
    if meetings and text.get("hamlet_basis"):
        doc.add(Para.text(text.text("hamlet_basis", **values, meetings="; ".join(meetings)), italic=True,
                          indent=True, space_after=2))
    doc.add(Para.text(text.text("proposal_basis", **values), italic=True, indent=True))
    doc.add(Para.text(text["decides"], bold=True, align="center", space_before=4, space_after=4))
    n = 1
    for code, kinds in grouped(proposals):
        rows = [p for _k, ps in kinds for p in ps]
        key = "article_1_title" if facts.award_kind(code) == "title" else "article_1_commendation"
        sentence = text.text(key, **{**values, "award_phrase": w.award_phrase(facts.award_name(code)),
                                     "counts": counts(text, rows)})
        doc.add(article(text, n, sentence))
        n += 1
    cash = text.text("article_2_cash" if int(decision.cash_total or 0) else "article_2_no_cash", **values)
    doc.add(article(text, n, cash))
    doc.add(article(text, n + 1, text.text("article_3", **values)))
    signer = decision.signer.full_name if decision.signer else facts.chair_name
    doc.add(foot(text, Signatory(facts.signature_lines(text, values), signer), values))
    doc.add(PageBreak())
    doc.add(*_list_heading(text, values))
    if int(decision.cash_total or 0) or any(int(i.cash_full or 0) for i in items):
        by_proposal = {i.proposal_id: i for i in items}
        doc.add(_list_table(text, facts, proposals, lambda p: cash_cell(text, by_proposal[p.id]),
                            footer_value=w.money(decision.cash_total)))
    else:  # no cash award (GĐVH…): no cash column
        doc.add(_list_table(text, facts, proposals, None, footer_value=""))
    return doc


def hamlet_meetings(proposals) -> list[str]:
    """``Xóm Nà To ngày 05/11/2026``: the unit meetings that reviewed the proposals of awards without
    a council vote (the evidence recorded on them), once per unit and day."""
    seen: list[str] = []
    for p in proposals:
        if p.rule is None or p.rule.council_vote:
            continue
        meeting = (p.evidence or {}).get("meeting") or {}
        held = meeting.get("held_on")
        try:
            day = date.fromisoformat(str(held)) if held else None
        except ValueError:
            day = None
        line = f"{p.unit.name} ngày {w.short_date(day)}" if day else p.unit.name
        if line not in seen:
            seen.append(line)
    return seen


def cash_cell(text: Wording, item) -> str:
    """The list's cash cell: the amount paid, with a note where another title of the same year
    was already paid (only the highest is paid), or a dash for an award without cash."""
    from workflow.cash.services import note_values

    values = note_values(item)
    if values is not None:
        money = {k: w.money(values[k]) for k in ("paid", "full", "amount")}
        key = "cash_difference" if values["amount"] else "cash_no_difference"
        return text.text(key, **{**values, **money})
    if not int(item.cash_amount or 0) and not int(item.cash_full or 0):
        return text["cash_none"]
    return w.money(item.cash_amount)


def _list_heading(text: Wording, values: dict) -> list:
    blocks = [Para.text(text.text("list_title", **values), bold=True, align="center", space_after=0)]
    if text.get("list_subtitle"):
        blocks.append(Para.text(text.text("list_subtitle", **values), bold=True, align="center", space_after=0))
    blocks.append(Para.text(text.text("list_reference", **values), italic=True, align="center", size=13,
                            space_after=0))
    blocks += [Rule(0.22), Spacer(4)]
    return blocks


def _list_table(text: Wording, facts: Facts, proposals, last_column, footer_value: str | None = None,
                last_align: str = "right") -> Table:
    """The attached list; ``last_column`` None leaves the last column out (no cash award)."""
    kind_names = text.get("kind_groups", {})
    rows: list = []
    for index, (code, kinds) in enumerate(grouped(proposals)):
        rows.append(Group(f"{ROMAN[index % len(ROMAN)]}. {facts.award_name(code)}"))
        for sub, (kind, ps) in enumerate(kinds, start=1):
            rows.append(Group(f"{sub}. {kind_names.get(kind, kind)} ({w.padded(len(ps))})", bold=False,
                              italic=True))
            for n, p in enumerate(ps, start=1):
                rows.append([str(n), p.nominee.name, position_and_unit(p)]
                            + ([last_column(p)] if last_column else []))
    footer = [" ", text["list_total"], counts(text, proposals)] + ([footer_value] if last_column else []) \
        if footer_value is not None else None
    if last_column is None:
        return Table(text["list_headers"][:3], rows, [0.7, 5.2, 6.2], ["center", "left", "left"], footer=footer)
    return Table(text["list_headers"], rows, [0.7, 4.2, 4.6, 2.6], ["center", "left", "left", last_align],
                 footer=footer)


# --- submission -----------------------------------------------------------------------------------

def submission(submission, facts: Facts, text: Wording) -> Document:
    """Tờ trình to the parent authority, with the list of proposals and the council's votes."""
    authority, parent = submission.from_authority, submission.to_authority
    proposals = [i.proposal for i in submission.items]
    year = proposals[0].round.year if proposals else (submission.year or vntime.today().year)
    number = number_or_blank(submission.number, text["symbol"])
    to = forms(parent)
    values = {**forms(authority), "year": year, "number": number, "short_date": w.short_date(submission.sent_on),
              "counts": counts(text, proposals), "to_authority_name": to["authority_name"],
              "to_authority_abbrev": to["authority_abbrev"],
              "meeting_date": w.long_date(facts.meeting_date) if facts.meeting_date else ""}
    doc = Document(f"Tờ trình {number}", author=values["authority_name"])
    if submission.status != "sent":
        doc.add(Para.text(text["draft_mark"], bold=True, italic=True, align="right", size=12, space_after=0))
    doc.add(header(authority, text, text.text("number_line", **values), submission.sent_on))
    doc.add(*title_block(text["title"], text.text("subtitle", **values)))
    doc.add(Para.text(text.text("addressee", **values), align="center", space_after=6))
    doc.add(*bases(text, facts.legal_bases, values))
    if facts.meeting_date:
        doc.add(Para.text(text.text("council_basis", **values), italic=True, indent=True, space_after=2))
    doc.add(Para.text(text.text("intro", **values), indent=True))
    for code, kinds in grouped(proposals):
        rows = [p for _k, ps in kinds for p in ps]
        doc.add(Para.text(text.text("line", **{**values, "award_phrase": w.award_phrase(facts.award_name(code)),
                                                "counts": counts(text, rows)}), indent=True,
                          space_after=1))
    doc.add(Para.text(text.text("attached", **values), italic=True, indent=True))
    doc.add(Para.text(text.text("closing", **values), indent=True))
    signer = submission.signer.full_name if submission.signer else facts.chair_name
    doc.add(foot(text, Signatory(facts.signature_lines(text, values), signer), values))
    doc.add(PageBreak())
    doc.add(*_list_heading(text, values))

    def vote(p) -> str:
        row = facts.votes.get(p.id)
        if not row:
            return text["no_vote"]
        share = f"{row['share']:g}".replace(".", ",")
        return text.text("vote", yes=row["yes"], denominator=row["denominator"], share=share)

    doc.add(_list_table(text, facts, proposals, vote, last_align="center"))
    return doc


# --- certificates ---------------------------------------------------------------------------------

def certificates(decision, facts: Facts, text: Wording) -> Document:
    """One A4 landscape page per awardee: Giấy khen for commendations, Giấy chứng nhận for titles."""
    authority = decision.authority
    values = {**forms(authority), "number": decision.number or "", "short_date": w.short_date(decision.signed_on),
              "date": w.long_date(decision.signed_on)}
    doc = Document(f"{text.get('document_title', 'Giấy khen')} — Quyết định {decision.number}", landscape=True, frame=True,
                   author=values["authority_name"])
    signer = decision.signer.full_name if decision.signer else facts.chair_name
    for index, item in enumerate(decision.items):
        p = item.proposal
        kind = "title" if facts.award_kind(p.award_type_code) == "title" else "commendation"
        part = Wording(text.get(kind, {}))
        local = {**values, "year": p.round.year, "award_phrase": w.award_phrase(facts.award_name(p.award_type_code))}
        if index:
            doc.add(PageBreak())
        motto = text.lines("motto")
        doc.add(Para.text(motto[0], bold=True, align="center", size=14, space_after=0),
                Para.text(motto[-1], bold=True, align="center", size=14, space_after=0),
                Rule(0.2),
                Para.text(text.text("heading", **local), bold=True, align="center", size=17, space_before=14,
                          space_after=2))
        if part.get("verb"):  # Giấy khen: "TẶNG / GIẤY KHEN"; a title: "CHỨNG NHẬN"
            doc.add(Para.text(part.text("verb", **local), bold=True, align="center", size=16, space_after=2))
        if part.get("name"):
            doc.add(Para.text(part.text("name", **local), bold=True, align="center", size=40, space_after=4,
                              color=(178, 34, 34)))
        doc.add(Para.text(nominee_label(p.nominee, text), bold=True, italic=True, align="center", size=26,
                          space_after=2, color=(120, 20, 20)))
        detail = position_and_unit(p)
        if detail:
            doc.add(Para.text(detail, align="center", size=16, space_after=2))
        doc.add(Para.text(part.text("reason", **local), italic=True, align="center", size=17, space_after=14))
        doc.add(Signature(Signatory(facts.signature_lines(text, local), signer,
                                    above=w.place_date(values["place"], decision.signed_on)),
                          left_lines=[text.text("decision_line", **local), text.text("register_line", **local)]))
    return doc
