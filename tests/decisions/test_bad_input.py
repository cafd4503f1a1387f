"""Bad input to decisions and submissions: each answers a clear 4xx and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import factories as f
from workflow.auth.models import ApiToken
from workflow.db import utcnow
from workflow.decisions.models import Decision, DocumentCounter, Submission, SubmissionItem
from workflow.org.models import AwardRecord
from workflow.proposals.models import ProposalTransition


def snapshot(session) -> tuple:
    """Everything a refused request must leave as it was."""
    session.expire_all()
    return (session.scalar(select(func.count(Decision.id))), session.scalar(select(func.count(Submission.id))),
            session.scalar(select(func.count(SubmissionItem.id))),
            session.scalar(select(func.count(ProposalTransition.id))),
            session.scalar(select(func.count(AwardRecord.id))),
            tuple(session.scalars(select(DocumentCounter.last).order_by(DocumentCounter.kind))),
            tuple(session.scalars(select(Decision.status).order_by(Decision.id))),
            tuple(session.scalars(select(Submission.status).order_by(Submission.id))))


@pytest.fixture
def ready(d):
    """Two recommended proposals within the commune's power, one above it."""
    within = [d.accepted("Ma Văn Một"), d.accepted("Ma Văn Hai")]
    above = d.accepted("Ma Văn Tỉnh", "BK_TINH")
    d.recommend(within + [above])
    return {"within": within, "above": above}


def test_a_proposal_not_recommended(d, session, ready):
    pending = d.accepted("Ma Văn Chưa")  # under review
    before = snapshot(session)
    err = d.decision([ready["within"][0], pending], expect=409)["error"]
    assert err["code"] == "invalid_state" and err["details"] == {"proposal_id": pending, "state": "under_review"}
    pending_bk = d.accepted("Ma Văn Chưa Tỉnh", "BK_TINH")
    before = snapshot(session)
    assert d.submission([pending_bk], expect=409)["error"]["code"] == "invalid_state"
    assert snapshot(session) == before


def test_a_proposal_of_another_authority(d, session, ready):
    other = f.authority(session, "X-KHAC", "commune", d.org["district"], name="UBND xã Khác")
    f.user(session, "secretary", other, username="thuky_khac")
    before = snapshot(session)
    err = d.post("thuky_khac", "/api/v1/decisions", {"authority_code": "X-KHAC", "award_type_code": "GK_XA",
                                                     "proposal_ids": ready["within"]}, expect=422)["error"]
    assert "proposal_ids" in err["details"]
    # nor may a secretary draft for an authority that is not hers
    err = d.post("thuky_khac", "/api/v1/decisions", {"authority_code": "X-DB", "award_type_code": "GK_XA",
                                                     "proposal_ids": ready["within"]}, expect=422)["error"]
    assert "authority_code" in err["details"]
    assert snapshot(session) == before


def test_already_in_another_decision_or_submission(d, session, ready):
    d.decision(ready["within"][:1])
    sub = d.submission([ready["above"]])
    before = snapshot(session)
    err = d.decision(ready["within"], expect=409)["error"]
    assert err["code"] == "in_decision" and err["details"]["proposal_id"] == ready["within"][0]
    err = d.submission([ready["above"]], expect=409)["error"]
    assert err["code"] == "in_submission"
    assert snapshot(session) == before
    # discarding the draft frees the proposal
    assert d.call("thuky", "DELETE", f"/api/v1/submissions/{sub['id']}").status_code == 204
    d.submission([ready["above"]])


def test_above_power_for_a_decision_within_power_for_a_submission(d, session, ready):
    before = snapshot(session)
    err = d.decision([ready["above"]], "BK_TINH", expect=422)["error"]
    assert "proposal_ids" in err["details"]
    err = d.submission(ready["within"], expect=422)["error"]
    assert "proposal_ids" in err["details"]
    # another award type than the decision's is refused too
    assert d.decision(ready["within"], "LDTT", expect=422)["error"]["details"]["proposal_ids"]
    assert snapshot(session) == before


def test_issuing_without_a_fresh_sign_in(d, session, ready):
    decision = d.decision(ready["within"])
    sub = d.submission([ready["above"]])
    d.auth("chutich")  # the token is issued now …
    session.execute(ApiToken.__table__.update().values(created_at=utcnow() - timedelta(minutes=16)))
    session.commit()  # … and is 16 minutes old
    before = snapshot(session)
    for path in (f"/api/v1/decisions/{decision['id']}/issue", f"/api/v1/submissions/{sub['id']}/send"):
        err = d.post("chutich", path, {}, expect=401)["error"]
        assert err["code"] == "reauth_required"
    assert snapshot(session) == before
    assert {d.proposal(pid).state for pid in ready["within"]} == {"recommended"}
    # a new token is a fresh sign-in
    d.tokens.pop("chutich")
    assert d.issue(decision["id"])["number"] == "01/QĐ-UBND"


def test_only_the_chair_signs_and_only_once(d, session, ready):
    decision = d.decision(ready["within"])
    before = snapshot(session)
    assert d.post("thuky", f"/api/v1/decisions/{decision['id']}/issue", {}, expect=403)["error"]["code"] == "forbidden"
    assert snapshot(session) == before
    d.issue(decision["id"])
    before = snapshot(session)
    assert d.issue(decision["id"], expect=409)["error"]["code"] == "already_issued"
    assert d.call("thuky", "DELETE", f"/api/v1/decisions/{decision['id']}").status_code == 409
    assert snapshot(session) == before


def test_recording_an_outcome_twice_or_for_a_proposal_not_in_it(d, session):
    outside = f.authority(session, "H-NGOAI", "district", d.org["province"], name="UBND huyện Ngoài")
    commune = d.org["commune"]
    session.merge(commune).parent_id = outside.id
    session.commit()
    pid = d.accepted("Hoàng Văn Ngoài", "BK_TINH")
    d.recommend([pid])
    sub = d.send(d.submission([pid])["id"])
    path = f"/api/v1/submissions/{sub['id']}/outcome"
    before = snapshot(session)
    assert d.post("thuky", path, {"proposal_id": pid, "outcome": "approved"}, expect=422)["error"]["details"]
    assert d.post("thuky", path, {"proposal_id": pid, "outcome": "rejected"}, expect=422)
    assert d.post("thuky", path, {"proposal_id": 999, "outcome": "rejected", "reason": "x"}, expect=422)
    assert d.post("thuky", path, {"proposal_id": pid, "outcome": "maybe"}, expect=422)
    assert d.post("nominator", path, {"proposal_id": pid, "outcome": "rejected", "reason": "x"}, expect=404)
    assert snapshot(session) == before
    d.post("thuky", path, {"proposal_id": pid, "outcome": "approved", "decision_number": "12/QĐ-UBND",
                           "decision_date": "2026-03-01"})
    before = snapshot(session)
    err = d.post("thuky", path, {"proposal_id": pid, "outcome": "approved", "decision_number": "12/QĐ-UBND"},
                 expect=409)["error"]
    assert err["code"] == "already_recorded"
    assert snapshot(session) == before


def test_an_outcome_or_a_package_before_sending(d, session, ready):
    sub = d.submission([ready["above"]])
    before = snapshot(session)
    err = d.post("thuky", f"/api/v1/submissions/{sub['id']}/outcome",
                 {"proposal_id": ready["above"], "outcome": "rejected", "reason": "x"}, expect=409)["error"]
    assert err["code"] == "not_sent"
    assert d.download("thuky", f"/api/v1/submissions/{sub['id']}/package", expect=409)
    assert snapshot(session) == before
