"""The demo's 2023: Định Biên's year played through the workflow reproduces section 4 of its report.

One module-wide load per database (the year is ~700 proposals through every service): the tests
below read it. The expected table is transcribed from
``shared/reference/bao-cao-thi-dua-khen-thuong-2023-xa-dinh-bien.txt``, section 4.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, inspect, select

from workflow.council.models import Attendance, BallotReceipt, BallotTally, Meeting, Recusal, SealedBallot
from workflow.decisions.models import Decision, Submission, SubmissionItem
from workflow.demo import load_demo
from workflow.org.models import Authority, AwardRecord, Nominee, User
from workflow.proposals.models import Proposal, ProposalTransition, Round
from workflow.reports.services import annual_report

# Section 4 of the reference, line by line: (level, award type, nominee kind) → count
EXPECTED_PROPOSED = {
    # "4.1. Đề nghị cấp tỉnh khen thưởng:"
    # "- Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh; 01 cá nhân"
    ("province", "BK_TINH", "individual"): 1,
    # "4.2. Đề nghị cấp huyện khen thưởng:"
    # "- Đề nghị chiến sỹ thi đua cơ sở: 4 đồng chí"
    ("district", "CSTDCS", "individual"): 4,
    # "- Đề nghị Chủ tịch UBND huyện khen nhiệm vụ công tác: 1 đồng chí"
    ("district", "GK_HUYEN", "individual"): 1,
}
EXPECTED_AWARDED_HERE = {
    # "4.3. Khen thưởng cấp xã:"
    # "- Tặng danh hiệu lao động tiên tiến: 25 cán bộ, công chức"
    ("LDTT", "individual"): 25,
    # "- Khen thưởng thực hiện nhiệm vụ công tác: 13 tập thể, 26 cá nhân"
    ("GK_XA", "collective"): 13,
    ("GK_XA", "individual"): 26,
    # "- Khen thưởng gia đình văn hóa tiêu biểu: 78 gia đình"
    ("GDVH_TIEU_BIEU", "household"): 78,
}


@pytest.fixture(scope="module")
def year(request, database_url, tmp_path_factory):
    """The demo loaded once into an empty database of this backend; what the tests read."""
    from sqlalchemy.orm import Session

    from tests.conftest import _wipe
    from workflow import create_app
    from workflow.extensions import db

    app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
                      "SECRET_KEY": "test-secret-key-not-for-production", "CELERY_ALWAYS_EAGER": True,
                      "BROKER_URL": "memory://", "RATELIMIT_STORAGE_URL": "memory://"})
    with app.app_context():
        from workflow.cash.services import load_base_salary
        from workflow.catalog.services import load_rule_sets

        _wipe(db.engine)
        load_rule_sets(db.session)
        load_base_salary(db.session)
        db.session.commit()
        session = Session(db.engine)
        first = load_demo(session)
        yield {"app": app, "session": session, "first": first}
        session.close()
        db.session.remove()
        _wipe(db.engine)
        db.engine.dispose()


def _report(year) -> dict:
    session = year["session"]
    secretary = session.scalar(select(User).where(User.username == "thuky"))
    return annual_report(session, secretary, "DB", 2023)


def test_the_2023_report_reproduces_section_4(year):
    report = _report(year)
    proposed = {(group["level"], item["award_type"], kind): item[kind]
                for group in report["proposed_to"] for item in group["items"]
                for kind in ("individual", "collective", "household") if item[kind]}
    awarded = {(item["award_type"], kind): item[kind] for item in report["awarded_here"]
               for kind in ("individual", "collective", "household") if item[kind]}
    assert proposed == EXPECTED_PROPOSED
    assert awarded == EXPECTED_AWARDED_HERE
    # the levels in the order of the report: the province first (4.1), then the district (4.2)
    assert {g["level"] for g in report["proposed_to"]} == {"province", "district"}


def test_the_year_ran_under_vn_2017_on_the_3_tier_tree(year):
    session = year["session"]
    commune = session.scalar(select(Authority).where(Authority.code == "DB"))
    round_ = session.scalar(select(Round).where(Round.authority_id == commune.id, Round.year == 2023))
    rule_sets = set(session.scalars(select(Proposal.rule_set_code).where(Proposal.round_id == round_.id)))
    assert rule_sets == {"vn-2017"}
    # what did not go through: the fifth CSTĐCS, cut by the cap at the council's close
    states = Counter(session.scalars(select(Proposal.state).where(Proposal.round_id == round_.id)))
    assert states == {"awarded": sum(states.values()) - 1, "not_recommended": 1}
    capped = session.scalar(select(Proposal).where(Proposal.round_id == round_.id,
                                                   Proposal.state == "not_recommended"))
    assert capped.award_type_code == "CSTDCS"
    # after the year, the 2025 reorganisation: the commune under the province, the district gone
    assert commune.parent.code == "TN" and commune.parent_on(date(2023, 12, 1)).code == "DH"
    # the submissions went to the district (2023) and from it to the province
    routes = {(s.from_authority.code, s.to_authority.code) for s in session.scalars(select(Submission))}
    assert routes == {("DB", "DH"), ("DH", "TN")}


def test_the_council_voted_by_secret_ballot(year):
    session = year["session"]
    commune = session.scalar(select(Authority).where(Authority.code == "DB"))
    meeting = session.scalar(select(Meeting).where(Meeting.authority_id == commune.id))
    assert meeting.status == "closed" and meeting.scheduled_at.date() == date(2023, 12, 18)
    present = [a for a in meeting.attendance if a.present]
    assert (len(meeting.attendance), len(present)) == (9, 8)
    items = {i.id: i for i in meeting.items}
    award_types = Counter(i.proposal.award_type_code for i in items.values())
    assert award_types == {"LDTT": 25, "CSTDCS": 5, "GK_HUYEN": 1, "BK_TINH": 1, "GK_XA": 39}
    present_ids = {a.user_id for a in present}
    recused = {(r.agenda_item_id, r.user_id) for r in session.scalars(
        select(Recusal).where(Recusal.agenda_item_id.in_(items))) if r.user_id in present_ids}
    assert recused  # council members proposed themselves sat out their own item
    # one receipt per member present and item, minus recusals: every member voted on every item
    receipts = session.execute(select(BallotReceipt.agenda_item_id, BallotReceipt.user_id)
                               .where(BallotReceipt.agenda_item_id.in_(items))).all()
    assert len(receipts) == len(set(receipts)) == len(items) * len(present) - len(recused)
    # secret: what was voted is a count per item, never linked to a member — no user column in the
    # tally or the (counted, then deleted) sealed ballots; the receipts say who voted, not how
    for model in (BallotTally, SealedBallot):
        assert "user_id" not in {c.name for c in inspect(model).columns}
    assert session.scalar(select(func.count()).select_from(SealedBallot)) == 0
    tallies = {t.agenda_item_id: t for t in session.scalars(select(BallotTally).where(
        BallotTally.agenda_item_id.in_(items)))}
    votes_per_item = Counter(item_id for item_id, _user in receipts)
    assert all(t.yes + t.no == votes_per_item[i] for i, t in tallies.items())
    assert any(t.no for t in tallies.values())  # not a rubber stamp: some members voted no
    # results: each item's tally against more than half of all 9 members
    results = {r["proposal_id"]: r for r in meeting.results["items"]}
    assert all(r["denominator"] == 9 for r in results.values())
    assert [r for r in results.values() if r["capped"]] == [
        r for r in results.values() if not r["passed"]]
    assert session.scalar(select(func.count(Attendance.id)).where(Attendance.counter.is_(True))) == 2


def test_the_decisions_are_issued_with_numbers_and_write_the_history(year):
    session = year["session"]
    commune = session.scalar(select(Authority).where(Authority.code == "DB"))
    decisions = {d.award_type_code: d for d in session.scalars(select(Decision).where(
        Decision.authority_id == commune.id))}
    assert {code: (d.status, d.number, d.signed_on) for code, d in decisions.items()} == {
        "GDVH": ("issued", "117/QĐ-UBND", date(2023, 11, 20)),
        "GDVH_TIEU_BIEU": ("issued", "119/QĐ-UBND", date(2023, 11, 22)),
        "LDTT": ("issued", "138/QĐ-UBND", date(2023, 12, 22)),
        "GK_XA": ("issued", "139/QĐ-UBND", date(2023, 12, 22)),
    }
    assert all(d.signer.username == "chutich" and d.year == 2023 for d in decisions.values())
    # LĐTT: 0.3 × the base salary of 22/12/2023 (1,800,000 VND), rounded up to 10,000 → 540,000 each
    assert decisions["LDTT"].cash_total == 25 * 540_000
    # the decisions wrote the award history that eligibility reads
    history = Counter(session.execute(select(AwardRecord.award_type_code, AwardRecord.source).where(
        AwardRecord.year == 2023)).all())
    assert history[("LDTT", "decision")] == 25 and history[("GDVH_TIEU_BIEU", "decision")] == 78
    households = session.scalar(select(func.count(Nominee.id)).where(Nominee.kind == "household"))
    gdvh = history[("GDVH", "decision")]
    # the GĐVH of 2023 went through too (reported as a rate, not in section 4): ≥ 520 for the cap
    assert 520 <= gdvh < households and 78 <= 0.15 * gdvh
    # LĐTT decided elsewhere that the CSTĐCS cap counted: hand-entered
    assert history[("LDTT", "manual")] == 2


def test_the_submissions_have_their_outcomes(year):
    session = year["session"]
    items = session.scalars(select(SubmissionItem)).all()
    outcomes = {(i.submission.number, i.proposal.award_type_code, i.outcome, i.decision_number) for i in items}
    assert outcomes == {
        ("52/TTr-UBND", "CSTDCS", "approved", "3412/QĐ-UBND"),
        ("52/TTr-UBND", "GK_HUYEN", "approved", "3413/QĐ-UBND"),
        ("52/TTr-UBND", "BK_TINH", None, None),  # sent on by the district: answered there
        ("287/TTr-UBND", "BK_TINH", "approved", "4125/QĐ-UBND"),
    }
    assert Counter(i.proposal.award_type_code for i in items if i.submission.number == "52/TTr-UBND") == {
        "CSTDCS": 4, "GK_HUYEN": 1, "BK_TINH": 1}
    for s in session.scalars(select(Submission)):
        assert s.status == "sent" and s.year == 2023 and s.sent_on == date(2023, 12, s.sent_on.day)
    # the hamlets' meeting evidence is on every household proposal, with its posted list
    household_proposals = session.scalars(select(Proposal).join(Nominee).where(Nominee.kind == "household")).all()
    assert household_proposals and all(p.evidence["meeting"]["present"] * 2 > p.evidence["meeting"]["invited"]
                                       for p in household_proposals)
    # every state change went through transition(): a history row for each
    moves = session.scalar(select(func.count(ProposalTransition.id)))
    assert moves >= 4 * len(household_proposals)


def test_a_second_load_changes_nothing_and_the_year_is_not_played_again(year):
    from tests.test_demo import _snapshot

    session = year["session"]
    before = _snapshot(session)
    second = load_demo(session)
    assert second.created == 0 and second.year_2023 is None
    assert _snapshot(session) == before
    assert year["first"].year_2023.proposals == len(before["proposal"])
