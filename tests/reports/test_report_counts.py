"""The kept counts (``report_count``, kept by the triggers of ``reports.triggers``) give the same
annual reports as counting the proposals and their history, whatever wrote them: rows inserted in
bulk, the compare-and-set updates of the transition service, reversals (revoked, withdrawn after
forwarding, sent back and sent again), a new rule snapshot, an imported dossier, an authority
moved to another parent. (tests/reports/conftest.py also checks every other report test's data.)"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select, text, update

from tests import factories as f
from tests.reports.crafted import YEAR, build
from workflow.org.models import Authority, Nominee
from workflow.proposals.models import Proposal, ProposalTransition
from workflow.proposals.services import receive_imported
from workflow.reports.models import ReportCount
from workflow.reports.services import annual_report, rebuild_report_counts, report_count_differences

YEARS = (YEAR - 1, YEAR, YEAR + 1)


def all_reports(session, actor, from_rows: bool) -> dict:
    codes = session.scalars(select(Authority.code).order_by(Authority.code)).all()
    return {(code, y): annual_report(session, actor, code, y, from_rows=from_rows) for code in codes for y in YEARS}


def assert_kept_equal_rows(session, admin) -> dict:
    session.expire_all()
    kept = all_reports(session, admin, from_rows=False)
    assert kept == all_reports(session, admin, from_rows=True)
    assert report_count_differences(session) == 0
    return kept


def _random_history(y, rng: random.Random) -> None:
    """Proposals along random paths of the workflow, the rows written in bulk (crafted.py)."""
    c, d, o = y.commune, y.district, y.other
    for _ in range(60):
        at = rng.choice([c, o])
        award = rng.choice(["LDTT", "GK_XA", "BK_TINH", "CSTDCS", "GK_HUYEN", "GDVH_TIEU_BIEU"])
        kind = "household" if award == "GDVH_TIEU_BIEU" else rng.choice(["individual", "collective"])
        steps = y.recommended(at)
        current = at
        path = rng.choice(["decide", "paper", "paper_back", "up", "up_decided", "up_answered", "resent", "stay"])
        if path == "decide":
            steps += [("decide", "awarded", at)]
        elif path in ("paper", "paper_back"):
            steps += [("forward", "forwarded", at)]
            steps += [("record_outcome", rng.choice(["awarded", "rejected"]), at)] if path == "paper" else []
        elif path in ("up", "up_decided", "up_answered"):
            steps += [("forward", "submitted", at)]
            current = d
            if path == "up_decided":
                steps += [("accept", "under_review", d), ("skip_council", "recommended", d), ("decide", "awarded", d)]
            elif path == "up_answered":
                steps += [("record_outcome", "awarded", d)]
        elif path == "resent":  # sent, sent back for changes, sent again: one proposal, counted once
            steps += [("forward", "submitted", at), ("record_outcome", "recommended", d), ("forward", "submitted", at)]
            current = d
        y.make(award, steps, kind=kind, authority=at, current=current, year=rng.choice(YEARS))


@pytest.mark.parametrize("seed", [1, 2])
def test_kept_counts_equal_the_rows_over_varied_histories(app, session, seed):
    rng = random.Random(seed)  # nosec B311 (reproducible test data)
    y = build(session)
    admin = y.users["tinh_admin"]
    _random_history(y, rng)
    session.commit()
    before = assert_kept_equal_rows(session, admin)
    assert any(r["awarded_here"] for r in before.values()) and any(r["proposed_to"] for r in before.values())

    pending = session.scalars(select(Proposal).where(Proposal.state.in_(("submitted", "forwarded")))).all()
    awarded = session.scalars(select(Proposal).where(Proposal.state == "awarded")).all()
    # the transition service's kind of write: a compare-and-set Core UPDATE, then the history row
    for p in rng.sample(awarded, 8):  # revoked
        session.execute(update(Proposal).where(Proposal.id == p.id, Proposal.state == "awarded")
                        .values(state="revoked", reason="Kê khai không trung thực", version=Proposal.version + 1))
        session.add(ProposalTransition(proposal_id=p.id, event="revoke", from_state="awarded", to_state="revoked",
                                       actor_name="t", authority_id=p.current_authority_id, data={}))
    for p in rng.sample(pending, min(6, len(pending))):  # withdrawn upstairs, or decided there
        if rng.random() < 0.5:
            session.execute(update(Proposal).where(Proposal.id == p.id).values(state="withdrawn"))
        else:
            session.execute(update(Proposal).where(Proposal.id == p.id).values(state="awarded"))
            session.add(ProposalTransition(proposal_id=p.id, event="decide", from_state=p.state, to_state="awarded",
                                           actor_name="t", authority_id=p.current_authority_id, data={}))
    # a newer rule snapshot (apply_rule_set): another deciding level, none (the holder's level
    # counts, or the parent's when it is back home), or left out of the report
    sent = session.scalars(select(Proposal).where(Proposal.id.in_(
        select(ProposalTransition.proposal_id).where(ProposalTransition.event == "forward")))).all()
    for p, change in zip(rng.sample(sent, 12), [{"deciding_level": "province"}, {"in_annual_report": False},
                                                 {"deciding_level": None}] * 4, strict=True):
        session.execute(update(Proposal).where(Proposal.id == p.id).values(award_rule={**(p.award_rule or {}),
                                                                                      **change}))
    # one forwarded twice from the same commune in one statement: still one proposal
    fresh = y.make("BK_TINH", y.recommended(y.commune), current=y.district)
    session.execute(ProposalTransition.__table__.insert(), [
        {"proposal_id": fresh.id, "event": "forward", "from_state": "recommended", "to_state": "submitted",
         "actor_name": "t", "authority_id": y.commune.id, "data": {}, "created_at": fresh.created_at}
        for _ in range(2)])
    session.execute(update(Proposal).where(Proposal.id == fresh.id).values(state="submitted"))
    session.commit()
    assert_kept_equal_rows(session, admin)

    # the district dissolves: its communes go to the province (the subtree is the tree as read)
    session.execute(update(Authority).where(Authority.parent_id == y.district.id).values(parent_id=y.province.id))
    session.commit()
    assert_kept_equal_rows(session, admin)


def test_an_imported_dossier_counts_as_its_rows_say(app, session):
    y = build(session)
    admin = y.users["tinh_admin"]
    outside = f.authority(session, "X-NGOAI", "commune", y.district, name="UBND xã Ngoài")
    unit = f.unit(session, outside, "NG-XOM")
    session.commit()
    sender_round = y.round(outside)
    for award, history in [
        ("CSTDCS", [("submit", "draft", "submitted"), ("accept", "submitted", "under_review"),
                    ("skip_council", "under_review", "recommended")]),
        ("GK_HUYEN", [("submit", "draft", "submitted"), ("forward", "recommended", "forwarded")]),
    ]:
        nominee = Nominee(kind="individual", name=f"Người {award}", authority_id=outside.id, unit_id=unit.id)
        session.add(nominee)
        session.flush()
        receive_imported(session, y.users["huyen_thuky"], round_=sender_round, nominee=nominee, unit=unit,
                         award_type_code=award, at=y.district, achievements="", evidence=None,
                         rule_set_code="vn-2017", award_rule=y.rules[award],
                         history=[{"event": e, "from_state": a, "to_state": b, "actor_name": "x"}
                                  for e, a, b in history],
                         receipt={"comment": "Nhận hồ sơ", "package_id": "p-1"})
    session.commit()
    reports = assert_kept_equal_rows(session, admin)
    proposed = {g["level"]: {i["award_type"]: i["individual"] for i in g["items"]}
                for g in reports[("X-NGOAI", YEAR)]["proposed_to"]}
    assert proposed == {"district": {"CSTDCS": 1, "GK_HUYEN": 1}}


def test_the_rebuild_repairs_counts_and_says_how_many_differed(app, session):
    y = build(session)
    admin = y.users["tinh_admin"]
    session.execute(update(ReportCount).where(ReportCount.part == "awarded").values(proposals=ReportCount.proposals + 5))
    session.execute(text("DELETE FROM report_count WHERE part = 'proposed'"))
    wrong = report_count_differences(session)
    assert wrong > 0
    assert annual_report(session, admin, "X-DB", YEAR) != annual_report(session, admin, "X-DB", YEAR, from_rows=True)
    assert rebuild_report_counts(session) == wrong
    assert_kept_equal_rows(session, admin)
    assert rebuild_report_counts(session) == 0


def _writes(session, statement) -> int:
    """Rows ``statement`` wrote to ``report_count`` (PostgreSQL: rows with a new xmin; SQLite: the
    changes the statement's triggers made besides the statement's own)."""
    if session.get_bind().dialect.name == "postgresql":
        versions = dict(session.execute(text("SELECT ctid::text, xmin::text FROM report_count")).all())
        session.execute(statement)
        return len(set(session.execute(text("SELECT ctid::text, xmin::text FROM report_count")).all())
                   - set(versions.items()))
    before = session.execute(text("SELECT total_changes()")).scalar()
    own = session.execute(statement).rowcount
    return session.execute(text("SELECT total_changes()")).scalar() - before - own


def test_a_step_that_changes_no_count_writes_no_count(app, session):
    """Accepting at the district a proposal a commune forwarded changes no count: no kept row is
    written (or locked: the commune's other transitions never wait for it); a rejection is one write."""
    y = build(session)
    p = y.forwarded_in_system("CSTDCS")
    session.commit()
    accept = update(Proposal).where(Proposal.id == p.id).values(state="under_review")
    assert _writes(session, accept) == 0
    assert _writes(session, update(Proposal).where(Proposal.id == p.id).values(state="rejected", reason="x")) == 1
    assert report_count_differences(session) == 0
