"""The council's minutes (biên bản họp và kiểm phiếu) and the annual report section, as layout blocks.

The minutes read the results stored on the meeting when its vote closed (``Meeting.results``) and
the meeting's rows (attendance, seats, recusals); they never read a ballot.
"""

from __future__ import annotations

from workflow.documents import wording as w
from workflow.documents.builders import Facts, foot, forms, header, title_block
from workflow.documents.layout import Document, Group, Para, Signatory, Signature, Spacer, Table
from workflow.org.vocab import AuthorityKind, NomineeKind
from workflow.vntime import VN_TZ

LOCAL = VN_TZ  # the meeting happens on Vietnam's clock


def _share(value) -> str:
    return f"{float(value):.2f}".rstrip("0").rstrip(".").replace(".", ",")


# Stays whole (long or radon D+): the minutes (biên bản) laid out in the order of the paper document.
def minutes(meeting, seats, facts: Facts, text: w.Wording) -> Document:
    """``seats``: the council's CouncilMember rows (user, position) at the close."""
    authority, results = meeting.authority, meeting.results or {}
    values = forms(authority)
    local = meeting.scheduled_at.astimezone(LOCAL)
    day = local.date()
    header_lines = [(line, i > 0) for i, line in enumerate(text.lines("header", **values))]
    doc = Document(f"Biên bản họp Hội đồng Thi đua - Khen thưởng {w.short_date(day)}",
                   author=values["authority_name"])
    doc.add(header(authority, text, text.text("number_line", **values), day, lines=header_lines))
    doc.add(*title_block(text["title"], text.text("subtitle", **values)))
    by_user = {s.user_id: s for s in seats}
    present = [a for a in meeting.attendance if a.present]
    absent = [a for a in meeting.attendance if not a.present]
    written = [a for a in absent if a.written_vote]
    secretary = next((s.user.full_name for s in seats if s.position == "secretary"), text["not_recorded"])
    presiding = meeting.presiding.full_name if meeting.presiding else text["not_recorded"]

    def person(user_id, user) -> str:
        seat = by_user.get(user_id)
        position = text.get("positions", {}).get(seat.position if seat else "", "")
        return f"{user.full_name} ({position})" if position else user.full_name

    body = [
        text.text("time", time=f"{local.hour:02d} giờ {local.minute:02d} phút", date=w.long_date(day)),
        text.text("venue", venue=meeting.place),
        text.text("presiding", presiding=presiding),
        text.text("secretary", secretary=secretary),
        text.text("attendance", present=len(present), members=results.get("members") or len(seats),
                  names="; ".join(person(a.user_id, a.user) for a in present)),
        text.text("absent", names="; ".join(person(a.user_id, a.user) for a in absent)) if absent
        else text["nobody_absent"],
    ]
    if written:
        body.append(text.text("written", names="; ".join(a.user.full_name for a in written)))
    counters = [a for a in present if getattr(a, "counter", False)]
    if counters:
        body.append(text.text("counting_committee", names="; ".join(person(a.user_id, a.user) for a in counters)))
    doc.add(*[Para.text(line, indent=True, space_after=2) for line in body])
    doc.add(Para.text(text["content_heading"], bold=True, align="center", space_before=6))
    rows = results.get("items", [])
    doc.add(Para.text(text.text("agenda", n=w.padded(len(rows))), indent=True))
    for row in rows:
        for recusal in row.get("recused", []):
            doc.add(Para.text(text.text("recusal", member=recusal["member"], nominee=row["nominee"],
                                        reason=recusal["reason"], presiding=row.get("presiding") or presiding),
                              italic=True, indent=True, space_after=2))
    table_rows: list = []
    for n, row in enumerate(rows, start=1):
        outcome = text["passed"] if row["passed"] else (text["capped"] if row.get("capped") else text["failed"])
        subject = f"{row['nominee']} — {facts.award_name(row['award_type_code'])}"
        if row.get("method") == "show_of_hands":
            subject += " " + text["show_of_hands"]
        table_rows.append([str(n), subject, str(row["ballots_issued"]), str(row["valid"]), str(row["yes"]),
                           str(row["no"]), text.text("share", share=_share(row["share"]),
                                                     denominator=row["denominator"]), outcome])
    for row in rows:
        if "in_person" not in row:  # results stored before the counts were kept
            continue
        basis = text["basis_total"] if row.get("basis") == "total_members" else text["basis_present"]
        doc.add(Para.text(text.text("count_line", nominee=row["nominee"], denominator=row["denominator"],
                                    basis=basis, in_person=row["in_person"], in_writing=row["in_writing"],
                                    recused=row["recused_count"], source=row.get("rule_source") or "verify"),
                          indent=True, space_after=2))
    doc.add(Table(text["table_headers"], table_rows, [0.8, 4.2, 1.2, 1.2, 1.1, 1.2, 1.7, 1.6],
                  ["center", "left", "center", "center", "center", "center", "center", "center"], size=11))
    doc.add(Para.text(text["conclusion_heading"], bold=True, align="center", space_before=4))
    passed = [r for r in rows if r["passed"]]
    failed = [r for r in rows if not r["passed"]]

    def names(items) -> str:
        return "; ".join(f"{r['nominee']} ({facts.award_name(r['award_type_code'])})" for r in items)

    if passed:
        doc.add(Para.text(text.text("conclusion_passed", n=w.padded(len(passed)), names=names(passed)),
                          indent=True))
    else:
        doc.add(Para.text(text["conclusion_none"], indent=True))
    if failed:
        doc.add(Para.text(text.text("conclusion_failed", n=w.padded(len(failed)), names=names(failed)),
                          indent=True))
    doc.add(Para.text(text["closing"], indent=True))
    secretary_name = secretary if secretary != text["not_recorded"] else ""
    doc.add(Signature(Signatory(text.lines("signature_right", **values),
                                presiding if presiding != text["not_recorded"] else ""),
                      left=Signatory(text.lines("signature_left", **values), secretary_name)))
    return doc


# Stays whole (long or radon D+): the report's section laid out in the order of the paper document.
def annual_report(report: dict, authority, facts: Facts, text: w.Wording, chair_name: str = "",
                  levels_above: tuple[str, ...] = ()) -> Document:
    """Section 4 of the yearly report, as the reference commune report writes it:

        4. Kết quả công tác khen thưởng năm 2023:
        4.1. Đề nghị cấp tỉnh khen thưởng:
        - Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh; 01 cá nhân
        4.2. Đề nghị cấp huyện khen thưởng:
        - Đề nghị chiến sỹ thi đua cơ sở: 4 đồng chí
        4.3. Khen thưởng cấp xã:
        - Tặng danh hiệu lao động tiên tiến: 25 cán bộ, công chức
        - Khen thưởng thực hiện nhiệm vụ công tác: 13 tập thể, 26 cá nhân
        - Khen thưởng gia đình văn hóa tiêu biểu: 78 gia đình

    The higher levels come first, highest first (every level above this authority is named, with
    "Không có." when nothing went there), then the awards given here; within a level the award types
    keep the catalogue's order, as the reference lists them. Counts are zero-padded ("01 cá nhân"),
    collectives before individuals before households ("gia đình").

    Where the reference's wording needs data the system does not keep, the line says what it knows:
    "4 đồng chí" / "25 cán bộ, công chức" name the people's standing (party members, civil servants),
    which a nominee does not record, so individuals are "cá nhân"; "Khen thưởng thực hiện nhiệm vụ
    công tác" names the achievement behind a Giấy khen, which a proposal keeps only as free text,
    so the line names the award itself ("Tặng Giấy khen của Chủ tịch Ủy ban nhân dân xã: …").
    ``levels_above``: the kinds of the authority's ancestors (the tree), so an empty level still shows.
    """
    values = {**forms(authority), "year": report["year"], "section": text["section"], "symbol": text["symbol"]}
    level_words = text.get("levels", {})
    english = bool(text.get("english"))
    order = (AuthorityKind.CENTRAL, AuthorityKind.PROVINCE, AuthorityKind.DISTRICT, AuthorityKind.COMMUNE)
    groups = {g["level"]: g["items"] for g in report["proposed_to"]}
    shown = [lv for lv in order if lv in groups or lv in levels_above] + [lv for lv in groups if lv not in order]
    doc = Document(text.text("document_title", **values), author=values["authority_name"])
    doc.add(header(authority, text, text.text("number_line", **values), None))
    doc.add(*title_block(text["title"], text.text("subtitle", **values)))
    doc.add(Para.text(text.text("heading", **values), bold=True, space_after=3))
    index = 0
    table_rows: list = []
    counter = 0
    for level_kind in shown:
        index += 1
        level = level_words.get(level_kind, level_kind)
        doc.add(Para.text(text.text("proposed_heading", **values, index=index, level=level), bold=True,
                          italic=True, space_after=2))
        table_rows.append(Group(text.text("proposed_group", level=level)))
        items = groups.get(level_kind, [])
        if not items:
            doc.add(Para.text(text["nothing"], indent=True))
        for item in items:
            counter += 1
            doc.add(_report_line(text, values, item, "proposed", english))
            table_rows.append(_report_row(counter, item, english))
    index += 1
    here = level_words.get(authority.kind, authority.kind)
    doc.add(Para.text(text.text("awarded_heading", **values, index=index, level=here), bold=True, italic=True,
                      space_after=2))
    table_rows.append(Group(text.text("awarded_group", level=here)))
    if not report["awarded_here"]:
        doc.add(Para.text(text["nothing"], indent=True))
    for item in report["awarded_here"]:
        counter += 1
        doc.add(_report_line(text, values, item, "awarded", english))
        table_rows.append(_report_row(counter, item, english))
    doc.add(Spacer(6), Para.text(text.text("table_title", **values), bold=True, align="center"))
    doc.add(Table(text["table_headers"], table_rows, [0.7, 6.5, 1.4, 1.4, 1.6],
                  ["center", "left", "center", "center", "center"]))
    doc.add(Para.text(text.text("closing", **values), indent=True))
    doc.add(foot(text, Signatory(text.lines("signature", **values), chair_name), values))
    return doc


_DOCUMENT_AWARDS = ("Giấy khen", "Bằng khen", "Huân chương", "Huy chương", "Kỷ niệm chương", "Cờ thi đua")


def report_counts(item: dict, text: w.Wording, english: bool = False) -> str:
    """``13 tập thể, 26 cá nhân`` / ``78 gia đình`` (the template's ``kind_words``), collectives
    first; in English ``13 collectives, 26 individuals`` without the padding."""
    words = text.get("kind_words") or {}
    if english:
        singular = text.get("kind_word_one") or {}
        parts = [f"{item[k]} {(singular if item[k] == 1 else words).get(k, k)}" for k in w.KIND_ORDER if item.get(k)]
        return ", ".join(parts) or "0"
    return w.count_phrase({k: item.get(k, 0) for k in w.KIND_ORDER}, words)


def report_line_text(item: dict, text: w.Wording, values: dict, half: str, english: bool = False) -> str:
    """One line of the section: ``- Đề nghị tặng Bằng khen …: 01 cá nhân`` (``half`` = proposed or
    awarded). Awarded here, a title or a document award (Giấy khen, Bằng khen…) is "Tặng …"; another
    commendation is "Khen thưởng …" ("Khen thưởng gia đình văn hóa tiêu biểu: 78 gia đình")."""
    counts = report_counts(item, text, english)
    if english:
        name = item.get("name_en") or item["award_type"]
        return text.text(f"{half}_line", **values, award_phrase=name, counts=counts)
    name = item.get("name") or item["award_type"]
    phrase = w.award_phrase(name)
    key = f"{half}_line"
    if half == "awarded" and item.get("kind") != "title" and not name.startswith(_DOCUMENT_AWARDS):
        key, phrase = "awarded_line_other", phrase[:1].lower() + phrase[1:]
    return text.text(key, **values, award_phrase=phrase, counts=counts)


def _report_line(text: w.Wording, values: dict, item: dict, half: str, english: bool) -> Para:
    return Para.text(report_line_text(item, text, values, half, english), indent=True, space_after=1)


def _report_row(n: int, item: dict, english: bool) -> list[str]:
    name = (item.get("name_en") if english else item.get("name")) or item["award_type"]
    return [str(n), name, *(w.padded(item.get(k, 0)) if item.get(k) else "-"
                            for k in (NomineeKind.COLLECTIVE, NomineeKind.INDIVIDUAL, NomineeKind.HOUSEHOLD))]
