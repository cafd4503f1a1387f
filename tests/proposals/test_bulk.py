"""Bulk nomination and bulk events through the API (SPEC §10 ``/proposals/bulk``, ``/proposals/events``):
a wrong body is refused whole and changes nothing; otherwise each row goes through the single path
and a refused row carries the very error the single call answers."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.proposals.helpers import World
from workflow.audit.models import AuditEntry
from workflow.org.models import Nominee
from workflow.proposals.bulk import MAX_ROWS
from workflow.proposals.models import Proposal, ProposalTransition
from workflow.reminders.models import Notification

EVIDENCE = {"meeting": {"held_on": "2025-11-05", "invited": 600, "present": 540, "agreed": 530},
            "notice": {"from": "2025-11-06", "to": "2025-11-15"}}


@pytest.fixture
def w(client, session):
    return World(client, session)


def households(w: World, n: int, unit=None, authority=None) -> list[int]:
    """``n`` households of the hamlet (plain rows: the nominee service is not what is tested)."""
    unit = unit or w.org["hamlet"]
    authority = authority or w.org["commune"]
    rows = [Nominee(kind="household", name=f"Hộ ông Ma Văn {i:03d}", head_name=f"Ma Văn {i:03d}",
                    authority_id=authority.id, unit_id=unit.id) for i in range(n)]
    w.session.add_all(rows)
    w.session.commit()
    return [r.id for r in rows]


def bulk_body(w: World, ids, **extra) -> dict:
    return {"round_id": w.round["id"], "award_type_code": "GDVH", "unit_code": "DB-NATO", "nominee_ids": ids,
            "achievements": "Chấp hành tốt chủ trương, chính sách; đoàn kết, tương trợ.", "evidence": EVIDENCE,
            **extra}


def single_error(w: World, who: str, nominee_id: int, body: dict) -> tuple[int, dict]:
    """What ``POST /api/v1/proposals`` answers for this nominee alone."""
    one = {k: v for k, v in body.items() if k != "nominee_ids"} | {"nominee_id": nominee_id}
    response = w.call(who, "POST", "/api/v1/proposals", one)
    return response.status_code, response.get_json()["error"]


def counts(session) -> tuple[int, int]:
    session.expire_all()
    return (session.scalar(select(func.count(Proposal.id))),
            session.scalar(select(func.count(AuditEntry.id))))


# --- bulk nomination ------------------------------------------------------------------------------

def test_bulk_gdvh_for_600_households_refuses_exactly_the_ineligible(w):
    houses = households(w, 600)
    already = houses[10:13]  # proposed this round already, one by one
    earlier = {h: w.propose(h, award="GDVH", evidence=EVIDENCE)["id"] for h in already}
    person = w.person()  # wrong kind: GĐVH is for households
    other_hamlet = f.unit(w.session, w.org["commune"], "DB-DONGDAU", name="Xóm Đồng Đau")
    outside = households(w, 1, unit=other_hamlet)[0]  # not the hamlet head's to see
    other_commune = f.authority(w.session, "X-KHAC", "commune", w.org["district"])
    far = households(w, 1, unit=f.unit(w.session, other_commune, "KH-1"), authority=other_commune)[0]
    ids = houses[:300] + [person, outside] + houses[300:] + [far, 999_999]
    body = bulk_body(w, ids)
    before = counts(w.session)

    answer = w.post("nominator", "/api/v1/proposals/bulk", body, expect=200)

    refused = {row["nominee_id"]: row["error"] for row in answer["refused"]}
    assert set(refused) == {*already, person, outside, far, 999_999}
    for nominee_id in already:
        assert refused[nominee_id]["code"] == "duplicate"
        assert refused[nominee_id]["details"] == {"proposal_id": earlier[nominee_id]}
    assert "award_type_code" in refused[person]["details"]  # the kind the award does not take
    for nominee_id in (outside, far, 999_999):  # unknown and out of scope answer the same
        assert refused[nominee_id]["code"] == "validation_error" and "nominee_id" in refused[nominee_id]["details"]
    # each refusal is exactly what the single call answers for that nominee
    for nominee_id in (already[0], person, outside, far):
        status, error = single_error(w, "nominator", nominee_id, body)
        assert error == refused[nominee_id], nominee_id
        assert status in (409, 422)

    created = answer["created"]
    assert [row["nominee_id"] for row in created] == [h for h in ids if h not in refused]  # in the order given
    assert len(created) == 597
    w.session.expire_all()
    rows = w.session.scalars(select(Proposal).where(Proposal.id.in_([r["id"] for r in created]))).all()
    assert len(rows) == 597
    assert {(p.nominee_id, p.id) for p in rows} == {(r["nominee_id"], r["id"]) for r in created}
    for p in rows:  # the hamlet meeting and its posted list, entered once, on every draft
        assert p.state == "draft" and p.version == 1 and p.evidence == EVIDENCE
        assert p.unit.code == "DB-NATO" and p.round_id == w.round["id"] and p.award_type_code == "GDVH"
    # one audit entry per created proposal, nothing for the refused
    proposals_after, audit_after = counts(w.session)
    assert proposals_after == before[0] + 597
    assert audit_after == before[1] + 597
    assert w.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "proposal.create", AuditEntry.object_id.in_([str(r["id"]) for r in created]))) == 597
    # the evidence meets the rule: the eligibility report of a bulk-made draft says so
    report = w.get("nominator", f"/api/v1/proposals/{created[0]['id']}/eligibility")
    assert {c["rule"]: c["status"] for c in report["checks"]}["evidence"] == "pass"


@pytest.mark.parametrize("change, status, field", [
    ({"round_id": 999_999}, 422, "round_id"),
    ({"award_type_code": "KHONG_CO"}, 422, "award_type_code"),
    ({"unit_code": "KHONG-CO"}, 422, "unit_code"),
    ({"nominee_ids": []}, 422, "nominee_ids"),
    ({"nominee_ids": list(range(1, MAX_ROWS + 2))}, 422, "nominee_ids"),
    ("twice", 422, "nominee_ids"),
    ({"evidence": {"meeting": {"held_on": "2025-11-05"}}}, 422, "evidence.meeting.invited"),
    ({"nominee_id": 1}, 422, "nominee_id"),  # an unknown field
])
def test_a_wrong_body_creates_nothing(w, change, status, field):
    houses = households(w, 5)
    body = bulk_body(w, houses)
    if change == "twice":
        body["nominee_ids"] = houses + houses[:1]
    else:
        body.update(change)
    before = counts(w.session)
    response = w.call("nominator", "POST", "/api/v1/proposals/bulk", body)
    assert response.status_code == status, response.get_json()
    assert field in response.get_json()["error"]["details"]
    assert counts(w.session) == before


def test_out_of_scope_round_or_unit_is_refused_whole(w):
    houses = households(w, 3)
    f.unit(w.session, w.org["commune"], "DB-DONGDAU", name="Xóm Đồng Đau")
    other = f.authority(w.session, "X-KHAC", "commune", w.org["district"])
    f.user(w.session, "secretary", other, username="thuky_khac")
    theirs = w.post("thuky_khac", "/api/v1/rounds", {
        "authority_code": "X-KHAC", "year": 2025, "kind": "annual", "title": "Đợt khác",
        "nomination_deadline": "2025-12-15"})
    before = counts(w.session)
    # the hamlet head proposes for another hamlet of the commune: not its unit
    response = w.call("nominator", "POST", "/api/v1/proposals/bulk", bulk_body(w, houses, unit_code="DB-DONGDAU"))
    assert response.status_code == 422 and "unit_code" in response.get_json()["error"]["details"]
    # another commune's round: unknown to this secretary (as the single create says)
    response = w.call("secretary", "POST", "/api/v1/proposals/bulk", bulk_body(w, houses, round_id=theirs["id"]))
    assert response.status_code == 422 and "round_id" in response.get_json()["error"]["details"]
    # a role that does not propose
    response = w.call("council_member", "POST", "/api/v1/proposals/bulk", bulk_body(w, houses))
    assert response.status_code == 422 and "unit_code" in response.get_json()["error"]["details"]
    assert counts(w.session) == before


def test_a_closed_round_takes_no_bulk(w):
    houses = households(w, 3)
    w.post("secretary", f"/api/v1/rounds/{w.round['id']}/close")
    before = counts(w.session)
    response = w.call("nominator", "POST", "/api/v1/proposals/bulk", bulk_body(w, houses))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "round_closed"
    assert counts(w.session) == before


def test_staff_for_ldtt_by_the_secretary(w):
    staff = [w.person(name) for name in ("Hoàng Văn An", "Nông Thị Bình", "Lường Văn Cường")]
    house = households(w, 1)[0]
    body = bulk_body(w, [*staff, house], award_type_code="LDTT", evidence=None)
    answer = w.post("secretary", "/api/v1/proposals/bulk", body, expect=200)
    assert [r["nominee_id"] for r in answer["created"]] == staff
    assert [r["nominee_id"] for r in answer["refused"]] == [house]
    # sending the same list again creates nothing more: each is a duplicate now
    again = w.post("secretary", "/api/v1/proposals/bulk", body, expect=200)
    assert again["created"] == []
    assert {r["error"]["code"] for r in again["refused"]} == {"duplicate", "validation_error"}


# --- bulk events ----------------------------------------------------------------------------------

def test_events_per_row_a_mix_of_allowed_and_refused(w):
    houses = households(w, 4)
    made = w.post("nominator", "/api/v1/proposals/bulk", bulk_body(w, houses), expect=200)["created"]
    drafts = [r["id"] for r in made]
    w.event("nominator", drafts[0], "submit")  # already submitted: a second submit is refused
    dong_dau = f.unit(w.session, w.org["commune"], "DB-DONGDAU", name="Xóm Đồng Đau")
    theirs = w.post("secretary", "/api/v1/proposals", {  # another hamlet's, not the hamlet head's to see
        "round_id": w.round["id"], "nominee_id": households(w, 1, unit=dong_dau)[0],
        "award_type_code": "GDVH", "unit_code": "DB-DONGDAU", "evidence": EVIDENCE})["id"]
    ids = [*drafts, theirs, 999_999]
    history_before = w.session.scalar(select(func.count(ProposalTransition.id)))

    response = w.call("nominator", "POST", "/api/v1/proposals/events", {"proposal_ids": ids, "event": "submit"})

    assert response.status_code == 200
    answer = response.get_json()
    assert answer["done"] == drafts[1:]
    refused = {r["id"]: r["error"] for r in answer["refused"]}
    assert list(refused) == [drafts[0], theirs, 999_999]
    assert refused[drafts[0]]["code"] == "invalid_transition"
    # an id the caller cannot see is "not found", exactly as an unknown one: no leak of existence
    assert refused[theirs]["code"] == refused[999_999]["code"] == "not_found"
    assert refused[theirs]["message"].replace(str(theirs), "N") == refused[999_999]["message"].replace("999999", "N")
    for pid in (drafts[0], theirs):  # the single call's own answer
        single = w.call("nominator", "POST", f"/api/v1/proposals/{pid}/events", {"event": "submit"})
        assert single.get_json()["error"] == refused[pid]
    w.session.expire_all()
    states = dict(w.session.execute(select(Proposal.id, Proposal.state).where(Proposal.id.in_(ids))).all())
    assert [states[pid] for pid in drafts] == ["submitted"] * 4 and states[theirs] == "draft"
    assert w.session.scalar(select(func.count(ProposalTransition.id))) == history_before + 3


def test_bulk_accept_and_return_with_their_guards_and_side_effects(w):
    houses = households(w, 3)
    made = [r["id"] for r in w.post("nominator", "/api/v1/proposals/bulk", bulk_body(w, houses))["created"]]
    weak = w.propose(w.household("Hộ ông Triệu Văn Yếu"), award="GDVH", evidence={
        "meeting": {"held_on": "2025-11-05", "invited": 100, "present": 20, "agreed": 20},
        "notice": {"from": "2025-11-06", "to": "2025-11-15"}})["id"]  # too few present: accept is refused
    w.post("nominator", "/api/v1/proposals/events", {"proposal_ids": [*made, weak], "event": "submit"})
    answer = w.post("secretary", "/api/v1/proposals/events", {"proposal_ids": [*made, weak], "event": "accept"})
    assert answer["done"] == made
    assert [(r["id"], r["error"]["code"]) for r in answer["refused"]] == [(weak, "guard_failed")]

    items = [{"field": "achievements", "message": "Ghi rõ thành tích của hộ."}]
    answer = w.post("secretary", "/api/v1/proposals/events", {
        "proposal_ids": made[:2], "event": "return_for_changes", "comment": "Bổ sung", "data": {"items": items}})
    assert answer == {"done": made[:2], "refused": []}
    # each row's side effects ran after its own commit: the hamlet head is told of each return
    w.session.expire_all()
    told = [n.params.get("proposal_id") for n in w.session.scalars(select(Notification).where(
        Notification.user_id == w.org["users"]["nominator"].id, Notification.kind == "proposal_returned"))]
    assert sorted(told) == sorted(made[:2])


@pytest.mark.parametrize("body, field", [
    ({"event": "explode"}, "event"),
    ({"event": "return_for_changes", "data": {"items": "all of it"}}, "items"),
    ({"event": "reject", "data": {"why": "no"}}, "why"),
    ({"event": "submit", "proposal_ids": []}, "proposal_ids"),
    ({"event": "submit", "proposal_ids": list(range(1, MAX_ROWS + 2))}, "proposal_ids"),
    ({"event": "submit", "twice": True}, "proposal_ids"),
])
def test_a_wrong_event_body_does_nothing(w, body, field):
    houses = households(w, 2)
    made = [r["id"] for r in w.post("nominator", "/api/v1/proposals/bulk", bulk_body(w, houses))["created"]]
    payload = {"proposal_ids": made, **body}
    if payload.pop("twice", False):
        payload["proposal_ids"] = made + made[:1]
    history_before = w.session.scalar(select(func.count(ProposalTransition.id)))
    response = w.call("secretary", "POST", "/api/v1/proposals/events", payload)
    assert response.status_code == 422, response.get_json()
    assert any(field in key for key in response.get_json()["error"]["details"]), response.get_json()
    assert w.session.scalar(select(func.count(ProposalTransition.id))) == history_before


def test_another_communes_secretary_sees_none_of_them(w):
    houses = households(w, 2)
    made = [r["id"] for r in w.post("nominator", "/api/v1/proposals/bulk", bulk_body(w, houses))["created"]]
    w.post("nominator", "/api/v1/proposals/events", {"proposal_ids": made, "event": "submit"})
    other = f.authority(w.session, "X-KHAC", "commune", w.org["district"])
    f.user(w.session, "secretary", other, username="thuky_khac")
    answer = w.post("thuky_khac", "/api/v1/proposals/events", {"proposal_ids": made, "event": "accept"})
    assert answer["done"] == []
    assert [r["error"]["code"] for r in answer["refused"]] == ["not_found", "not_found"]
    w.session.expire_all()
    assert set(w.session.scalars(select(Proposal.state).where(Proposal.id.in_(made)))) == {"submitted"}


def test_a_row_that_fails_after_its_insert_leaves_no_trace(w, monkeypatch):
    """The third row is refused after its draft was inserted (flushed): its savepoint takes the
    draft back, and its audit entry is never written; the other rows stay, chained."""
    from workflow.audit import services as audit
    from workflow.errors import Conflict
    from workflow.proposals import services

    houses = households(w, 5)
    real, inserted = services.nominate, []

    def flaky(session, *args, **kwargs):
        proposal = real(session, *args, **kwargs)
        inserted.append(proposal.id)
        if len(inserted) == 3:
            raise Conflict("busy", code="busy")
        return proposal

    monkeypatch.setattr(services, "nominate", flaky)
    answer = w.post("nominator", "/api/v1/proposals/bulk", bulk_body(w, houses), expect=200)
    assert [r["nominee_id"] for r in answer["refused"]] == [houses[2]]
    assert answer["refused"][0]["error"]["code"] == "busy"
    w.session.expire_all()
    kept = set(w.session.scalars(select(Proposal.nominee_id)))
    assert kept == set(houses) - {houses[2]}
    assert len(inserted) == 5 and inserted[2] is not None  # the refused row's draft was inserted
    logged = list(w.session.scalars(select(AuditEntry).where(AuditEntry.action == "proposal.create")))
    assert sorted(e.object_id for e in logged) == sorted(str(r["id"]) for r in answer["created"])
    assert houses[2] not in {e.data["nominee"] for e in logged}
    assert audit.verify(w.session)[1] is None


def test_a_bulk_chains_one_audit_entry_per_draft_in_order(w):
    """The drafts' entries are appended at once, yet each is linked to the one before it, in the
    order the nominees were given, after what the chain held; the chain verifies."""
    from workflow.audit import services as audit

    houses = households(w, 4)
    answer = w.post("nominator", "/api/v1/proposals/bulk", bulk_body(w, houses), expect=200)
    w.session.expire_all()
    entries = list(w.session.scalars(select(AuditEntry).where(AuditEntry.action == "proposal.create")
                                     .order_by(AuditEntry.chain, AuditEntry.seq)))
    assert [e.object_id for e in entries] == [str(r["id"]) for r in answer["created"]]
    assert len({e.chain for e in entries}) == 1
    assert [e.seq for e in entries] == list(range(entries[0].seq, entries[0].seq + 4))
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    checked, broken = audit.verify(w.session)
    assert broken is None and checked >= 4


def test_a_crash_half_way_creates_nothing(w, monkeypatch):
    """An unexpected failure (not a refusal) in the middle: one transaction, so nothing is kept —
    also on SQLite, where a savepoint outside a real transaction would have committed each row."""
    from workflow.proposals import services

    houses = households(w, 5)
    real, calls = services.nominate, []

    def crash(session, *args, **kwargs):
        calls.append(1)
        proposal = real(session, *args, **kwargs)
        if len(calls) == 4:
            raise RuntimeError("disk on fire")
        return proposal

    monkeypatch.setattr(services, "nominate", crash)
    before = counts(w.session)
    response = w.call("nominator", "POST", "/api/v1/proposals/bulk", bulk_body(w, houses))
    assert response.status_code == 500
    assert counts(w.session) == before
