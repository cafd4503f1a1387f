"""Which rules judge a proposal: the set in force the day its dossier is received (its first
submit); when a newer period starts before the decision, the secretary may apply it when it favours
the nominee — a recorded act (history and audit say who chose what); a set not in force, or not
newer, is refused with the reason."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.proposals.helpers import screens_world
from tests.proposals.test_views import csrf_of, web
from workflow.audit.models import AuditEntry


@pytest.fixture
def w(app, client, session):
    return screens_world(app, client, session)


@pytest.fixture
def clock(monkeypatch):
    """``clock(y, m, d)``: Vietnam's working day (10:00 there) for every "today" of the domain."""
    def set_day(year, month, day):
        moment = datetime(year, month, day, 3, 0, tzinfo=UTC)
        monkeypatch.setattr(sys.modules["workflow.db"], "utcnow", lambda: moment)
    return set_day


def _submitted_cstdcs(w, name):
    person = w.person(name)
    w.post("secretary", f"/api/v1/nominees/{person}/awards", {"award_type_code": "LDTT", "year": 2025,
                                                              "decision_number": f"LĐTT-{person}/QĐ-UBND"})
    pid = w.propose(person, "CSTDCS")["id"]
    return w.event("nominator", pid, "submit")


def test_the_first_submit_fixes_the_rules_across_2025_07_01(w, clock, session):
    clock(2025, 6, 20)
    p = _submitted_cstdcs(w, "Ma Văn Tháng Sáu")
    assert p["rule_set"] == "vn-2024"
    clock(2025, 7, 2)  # the 2-tier period has begun; the dossier keeps the rules it was received under
    w.event("secretary", p["id"], "accept")
    assert w.get("secretary", f"/api/v1/proposals/{p['id']}")["rule_set"] == "vn-2024"
    # a dossier received today is judged by what is in force today
    q = _submitted_cstdcs(w, "Ma Văn Tháng Bảy")
    assert q["rule_set"] == "vn-2025-nd98"
    # a return and a resubmit do not change it
    w.event("secretary", q["id"], "return_for_changes", items=[{"field": "achievements", "message": "Bổ sung"}])
    w.call("nominator", "PATCH", f"/api/v1/proposals/{q['id']}",
           {"version": w.get("nominator", f"/api/v1/proposals/{q['id']}")["version"], "achievements": "Đã bổ sung"},
           expect=200)
    clock(2026, 1, 5)
    assert w.event("nominator", q["id"], "resubmit")["rule_set"] == "vn-2025-nd98"


def test_the_secretary_applies_the_newer_set_and_it_is_recorded(w, clock, session):
    clock(2025, 6, 20)
    p = _submitted_cstdcs(w, "Hoàng Văn Chọn")
    w.event("secretary", p["id"], "accept")
    clock(2025, 7, 2)
    # not the set in force, not newer, and not the nominator's to choose: refused with the reason
    for code in ("vn-2017", "vn-2026"):
        refused = w.call("secretary", "POST", f"/api/v1/proposals/{p['id']}/rule-set", {"rule_set": code},
                         expect=422).get_json()
        assert "rule_set" in refused["error"]["details"]
    assert w.call("nominator", "POST", f"/api/v1/proposals/{p['id']}/rule-set",
                  {"rule_set": "vn-2025-nd98"}, expect=403)
    assert w.get("secretary", f"/api/v1/proposals/{p['id']}")["rule_set"] == "vn-2024"
    # the screen offers it to the secretary
    secretary = web(app=w.client.application, who="secretary", w=w)
    page = secretary.get(f"/ho-so/{p['id']}").get_data(as_text=True)
    assert 'data-testid="newer-rule-set"' in page
    done = secretary.post(f"/ho-so/{p['id']}/bo-quy-tac", data={
        "csrf_token": csrf_of(page), "rule_set": "vn-2025-nd98",
        "comment": "Cấp xã quyết định từ 01/7/2025: có lợi cho người được đề nghị"})
    assert done.status_code == 302
    answer = w.get("secretary", f"/api/v1/proposals/{p['id']}")
    assert (answer["rule_set"], answer["state"]) == ("vn-2025-nd98", "under_review")
    history = w.get("secretary", f"/api/v1/proposals/{p['id']}/history")
    chosen = [h for h in (history if isinstance(history, list) else history["items"])
              if h["event"] == "apply_rule_set"]
    assert len(chosen) == 1 and chosen[0]["actor"] in ("thuky", w.org["users"]["secretary"].username)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "proposal.apply_rule_set"))
    assert entry.data["from_rule_set"] == "vn-2024" and entry.data["to_rule_set"] == "vn-2025-nd98"
    # the deciding level follows the chosen set: the commune decides CSTĐCS in the 2-tier period
    from workflow.proposals.models import Proposal

    session.expire_all()
    assert session.get(Proposal, p["id"]).award_rule["deciding_level"] == "commune"
    # applying it twice: nothing newer any more
    again = w.call("secretary", "POST", f"/api/v1/proposals/{p['id']}/rule-set", {"rule_set": "vn-2025-nd98"},
                   expect=422).get_json()
    assert "rule_set" in again["error"]["details"]


def test_across_2026_10_01_without_the_choice_the_old_set_stays(w, clock):
    clock(2026, 9, 20)
    p = _submitted_cstdcs(w, "Lường Văn Giữ")
    assert p["rule_set"] == "vn-2025"
    clock(2026, 10, 2)
    w.event("secretary", p["id"], "accept")
    assert w.get("secretary", f"/api/v1/proposals/{p['id']}")["rule_set"] == "vn-2025"
    chosen = w.post("secretary", f"/api/v1/proposals/{p['id']}/rule-set", {"rule_set": "vn-2026"})
    assert chosen["rule_set"] == "vn-2026"
