"""Counting a closed vote: thresholds over total or present members, recusals, written votes,
ratio caps by ranking yes votes. Pure arithmetic over the stored counts; exact fractions."""

from __future__ import annotations

import math
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from workflow.council import sealing
from workflow.council.models import BallotReceipt, BallotTally, Meeting, SealedBallot
from workflow.errors import Conflict, field_error
from workflow.proposals.eligibility import awardees, rounds_of
from workflow.proposals.models import Proposal
from workflow.proposals.vocab import State


def passes(yes: int, denominator: int, threshold: Fraction, strict: bool) -> bool:
    """``yes`` out of ``denominator`` against the threshold (more than, or at least)."""
    if denominator <= 0:
        return False
    share = Fraction(yes, denominator)
    return share > threshold if strict else share >= threshold


# Stays whole (long or radon D+): one ballot rule's arithmetic (method, denominator, threshold) kept together
# to read against the rule.
def tally_item(meeting: Meeting, item, tally: BallotTally | None) -> dict:
    # the snapshot taken at accept carries the whole ballot rule (the rule set's default filled in)
    ballot = item.proposal.rule.ballot
    threshold, strict = Fraction(ballot.threshold), bool(ballot.strict)
    recused_ids = {r.user_id for r in item.recusals}
    present_ids = {a.user_id for a in meeting.attendance if a.present}
    written_ids = {a.user_id for a in meeting.attendance if a.written_vote} - recused_ids
    if ballot.method == "show_of_hands":
        yes, no = item.hands_yes or 0, item.hands_no or 0
    else:
        yes = (tally.yes if tally else 0) + item.written_yes
        no = (tally.no if tally else 0) + item.written_no
    size = meeting.council_size or 0
    took_written = bool(item.written_yes or item.written_no)
    if ballot.denominator == "present_members":
        # members who voted in writing take part in the vote: they count as present for it
        voting_ids = present_ids | (written_ids if took_written else set())
        denominator = len(voting_ids - recused_ids) if ballot.recused_out_of_denominator \
            else len(voting_ids)
    else:
        # a threshold over all members: every member is in the denominator, recused and absent
        # ones included — they are not "yes" (SPEC §3 "Council votes")
        denominator = size
    in_person = len(present_ids - recused_ids)
    issued = in_person + (len(written_ids) if took_written else 0)
    return {
        "proposal_id": item.proposal_id,
        "nominee": item.proposal.nominee.name,
        "award_type_code": item.proposal.award_type_code,
        "method": ballot.method,
        "ballots_issued": issued,
        "valid": yes + no,
        "yes": yes,
        "no": no,
        "denominator": denominator,
        "share": round(100 * yes / denominator, 2) if denominator else 0.0,
        "threshold": str(threshold),
        "strict": strict,
        "passed": passes(yes, denominator, threshold, strict),
        "capped": False,
        "basis": ballot.denominator,
        "in_person": in_person,
        "in_writing": item.written_yes + item.written_no if ballot.method != "show_of_hands" else 0,
        "recused_count": len(recused_ids),
        "rule_source": ballot.source or item.proposal.rule_set_code,
        "recused": [{"member": r.user.full_name, "username": r.user.username, "reason": r.reason}
                    for r in item.recusals],
        "presiding": item.presiding.full_name if item.presiding else None,
        "presiding_username": item.presiding.username if item.presiding else None,
    }


def _cap_room(session: Session, authority_id: int, award_code: str, cap: dict, year: int,
              meeting_rows: list[dict]) -> int:
    """Places left under the cap for ``award_code`` among proposals from ``authority_id`` (the
    authority whose awardees the cap counts; a district council may hold several communes' items).
    This meeting's items are not counted."""
    rounds = rounds_of(authority_id, year)
    in_meeting = {r["proposal_id"] for r in meeting_rows}
    awarded = awardees(session, authority_id, cap["of_award"], year)
    # the base award's proposals still under review do not count: only those recommended (here
    # or earlier, not yet decided) stand beside its awardees (SPEC §3 "Caps")
    base_alive = session.scalar(select(func.count(Proposal.id)).where(
        Proposal.round_id.in_(rounds), Proposal.award_type_code == cap["of_award"],
        Proposal.state.in_([State.RECOMMENDED, State.FORWARDED]), Proposal.id.not_in(in_meeting))) or 0
    # items of the capped-on award in this very meeting count when they pass
    base_meeting = sum(1 for r in meeting_rows if r["award_type_code"] == cap["of_award"] and r["passed"]
                       and r["origin_authority_id"] == authority_id)
    limit = math.floor(Fraction(cap["ratio"]) * (awarded + base_alive + base_meeting))
    taken = session.scalar(select(func.count(Proposal.id)).where(
        Proposal.round_id.in_(rounds), Proposal.award_type_code == award_code,
        Proposal.state.in_([State.RECOMMENDED, State.FORWARDED, State.AWARDED]), Proposal.id.not_in(in_meeting))) or 0
    return max(0, limit - taken)


def count_sealed_ballots(session: Session, meeting: Meeting) -> None:
    """Open the sealed ballots of a claimed meeting, write the counts into each item's tally row
    and delete the sealed rows (part of the close's transaction: a refused close keeps them).

    Every sealed row must open with the meeting's key, every item must have its tally row, and
    each item's sealed ballots must number its receipts from members present: otherwise 409
    ``ballot_integrity`` and nothing is written — a ballot is never silently dropped."""
    item_ids = [i.id for i in meeting.items]
    key = sealing.key_of(meeting)
    counts = {item_id: {"yes": 0, "no": 0} for item_id in item_ids}
    for row in session.scalars(select(SealedBallot).where(SealedBallot.agenda_item_id.in_(item_ids))):
        choice = sealing.unseal(key, row.agenda_item_id, row.nonce, row.tag)
        if choice is None:
            raise _integrity(meeting)
        counts[row.agenda_item_id][choice] += 1
    present_ids = [a.user_id for a in meeting.attendance if a.present]
    receipts = dict(session.execute(
        select(BallotReceipt.agenda_item_id, func.count()).where(
            BallotReceipt.agenda_item_id.in_(item_ids), BallotReceipt.user_id.in_(present_ids))
        .group_by(BallotReceipt.agenda_item_id)).all())
    # a tally holds (0, 0) from the opening — or the counts of a vote opened before ballots were sealed
    tallies = {t.agenda_item_id: (t.yes, t.no) for t in session.scalars(
        select(BallotTally).where(BallotTally.agenda_item_id.in_(item_ids))
        .execution_options(populate_existing=True))}
    for item_id, count in counts.items():
        if item_id not in tallies:  # an item without its tally row was never opened: refuse, never drop
            raise _integrity(meeting)
        yes, no = tallies[item_id][0] + count["yes"], tallies[item_id][1] + count["no"]
        if yes + no != receipts.get(item_id, 0):
            raise _integrity(meeting)
        written = session.execute(update(BallotTally).where(BallotTally.agenda_item_id == item_id)
                                  .values(yes=yes, no=no).execution_options(synchronize_session=False)).rowcount
        if written != 1:
            raise _integrity(meeting)
    session.execute(delete(SealedBallot).where(SealedBallot.agenda_item_id.in_(item_ids))
                    .execution_options(synchronize_session=False))


def _integrity(meeting: Meeting) -> Conflict:
    return Conflict(_("The ballots of this meeting cannot be counted; nothing was changed. Ask the administrator."),
                    code="ballot_integrity", details={"meeting_id": meeting.id})


# Stays whole (long or radon D+): the meeting's tally in one pass: items, caps per award, ties, the chair's
# tie-break, each step on the previous one's rows.
def tally_meeting(session: Session, meeting: Meeting, tie_break: list[int]) -> dict:
    tallies = {t.agenda_item_id: t for t in session.scalars(
        select(BallotTally).where(BallotTally.agenda_item_id.in_([i.id for i in meeting.items]))
        .execution_options(populate_existing=True))}
    rows = [tally_item(meeting, item, tallies.get(item.id)) for item in meeting.items]
    origin = {item.proposal_id: item.proposal.origin_authority_id for item in meeting.items}
    for row in rows:
        row["origin_authority_id"] = origin[row["proposal_id"]]
    caps = {}
    for item, row in zip(meeting.items, rows, strict=True):
        cap = item.proposal.rule.cap if item.proposal.rule else None
        if cap:
            caps.setdefault((row["award_type_code"], row["origin_authority_id"]), (cap, item.proposal.round.year))
    ties, settled = [], []
    for (code, authority_id), (cap, year) in caps.items():
        group = sorted((r for r in rows if r["award_type_code"] == code and r["passed"]
                        and r["origin_authority_id"] == authority_id), key=lambda r: -r["yes"])
        room = _cap_room(session, authority_id, code, cap, year, rows)
        if len(group) <= room:
            continue
        cutoff = group[room - 1]["yes"] if room > 0 else None
        sure = [r for r in group if cutoff is not None and r["yes"] > cutoff]
        tied = [r for r in group if cutoff is not None and r["yes"] == cutoff]
        if cutoff is not None and len(sure) + len(tied) > room:
            chosen = [r for r in tied if r["proposal_id"] in tie_break]
            if len(chosen) != room - len(sure):
                ties.append({"award_type_code": code, "places": room - len(sure),
                             "tied": [r["proposal_id"] for r in tied], "yes": cutoff})
                continue
            keep = {r["proposal_id"] for r in sure + chosen}
            settled.append([r["proposal_id"] for r in chosen])
        else:
            keep = {r["proposal_id"] for r in group[:room]}
        for r in group:
            if r["proposal_id"] not in keep:
                r["passed"], r["capped"] = False, True
    if ties:
        raise Conflict(_("A tie at the cap: the chair must choose which proposals take the remaining places."),
                       code="cap_tie", details={"ties": ties})
    if tie_break and not ties and not caps:
        raise field_error("tie_break", _("There is no tie to settle."))
    for row in rows:
        del row["origin_authority_id"]
    present = sum(1 for a in meeting.attendance if a.present)
    # the chair's choice at a tie is part of the record (results, minutes' source, audit)
    chosen = sorted({p for t in settled for p in t})
    return {"meeting_id": meeting.id, "members": meeting.council_size, "present": present, "items": rows,
            "tie_break": chosen}
