"""The higher level's answer in-system: the parent's reviewer approves (with its decision number and
date), returns (with reasons; the commune sends it again) or rejects a submission it received — per
proposal or for the whole submission — by API and by screen; the paper answer still works."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests import factories as f
from tests.decisions.test_screens import post, sign_in
from workflow.org.models import Authority, AwardRecord


def _authority(session, code: str) -> Authority:
    session.expire_all()
    return session.scalar(select(Authority).where(Authority.code == code))


def _outcome(d, who: str, submission_id: int, expect=200, **body) -> dict:
    return d.post(who, f"/api/v1/submissions/{submission_id}/outcome", body, expect=expect)


def _item(submission: dict, pid: int) -> dict:
    return next(i for i in submission["items"] if i["proposal_id"] == pid)


def test_three_tier_the_district_reviewer_answers_by_api(d, session):
    # 3-tier rules for the province: GK_HUYEN is the district's, BK_TINH the province's
    _authority(session, "T-TN").rule_set_code = "vn-2024"
    session.commit()
    district_staff = d.add_staff("H-DH", "huyen")
    f.user(session, "higher_reviewer", _authority(session, "T-TN"), username="tinh_tdkt")
    gk, bk, weak = (d.accepted("Ma Văn Huyện", "GK_HUYEN"), d.accepted("Hoàng Thị Tỉnh", "BK_TINH"),
                    d.accepted("Nông Văn Yếu", "GK_HUYEN"))
    d.recommend([gk, bk, weak])
    sent = d.send(d.submission([gk, bk, weak])["id"])
    assert sent["to_authority_code"] == "H-DH"

    # the commune cannot answer for the district once the dossier is there
    denied = _outcome(d, "thuky", sent["id"], expect=403, proposal_id=gk, outcome="approved",
                      decision_number="12/QĐ-UBND")
    assert denied["error"]["code"] == "forbidden"
    # approval needs the decision number; nothing changes without it
    missing = _outcome(d, "huyen", sent["id"], expect=422, proposal_id=gk, outcome="approved")
    assert "decision_number" in missing["error"]["details"] and d.proposal(gk).state == "submitted"

    answered = _outcome(d, "huyen", sent["id"], proposal_id=gk, outcome="approved",
                        decision_number="12/QĐ-UBND", decision_date="2025-12-28")
    assert _item(answered, gk)["state"] == "awarded" and _item(answered, gk)["outcome"] == "approved"
    award = session.scalar(select(AwardRecord).where(AwardRecord.proposal_id == gk))
    assert (award.decision_number, award.decision_date.isoformat()) == ("12/QĐ-UBND", "2025-12-28")

    # the district has no power over a provincial Bằng khen: it cannot approve it
    above = _outcome(d, "huyen", sent["id"], expect=422, proposal_id=bk, outcome="approved",
                     decision_number="13/QĐ-UBND")
    assert above["error"]["code"] == "guard_failed" and d.proposal(bk).state == "submitted"
    # a return needs its reasons, then sends the proposal back down, recommended again
    _outcome(d, "huyen", sent["id"], expect=422, proposal_id=bk, outcome="returned")
    back = _outcome(d, "huyen", sent["id"], proposal_id=bk, outcome="returned",
                    reason="Bổ sung báo cáo thành tích có xác nhận của đơn vị.")
    assert _item(back, bk)["outcome"] == "returned"
    p = d.proposal(bk)
    assert (p.state, p.current_authority.code) == ("recommended", "X-DB")
    rejected = _outcome(d, "huyen", sent["id"], proposal_id=weak, outcome="rejected", reason="Chưa đủ tiêu chuẩn.")
    assert _item(rejected, weak)["state"] == "rejected" and d.proposal(weak).reason == "Chưa đủ tiêu chuẩn."
    assert d.get("thuky", f"/api/v1/submissions/{sent['id']}")["tracking"]["pending"] == 0
    again = _outcome(d, "huyen", sent["id"], expect=409, proposal_id=weak, outcome="approved",
                     decision_number="1/QĐ-UBND")
    assert again["error"]["code"] == "already_recorded"

    # the commune fixes it and forwards it again; the district sends it on to the province
    second = d.send(d.submission([bk])["id"])
    assert (d.proposal(bk).state, d.proposal(bk).current_authority.code) == ("submitted", "H-DH")
    d.event(district_staff["secretary"], bk, "accept")
    d.recommend([bk], code="H-DH")
    onward = d.send(d.submission([bk], code="H-DH")["id"], code="H-DH")
    assert onward["to_authority_code"] == "T-TN"
    # the commune's submission is answered where the proposal is now, not by the district
    moved = _outcome(d, "huyen", second["id"], expect=409, proposal_id=bk, outcome="rejected", reason="x")
    assert moved["error"]["code"] == "moved_on"
    final = _outcome(d, "tinh_tdkt", onward["id"], proposal_id=bk, outcome="approved",
                     decision_number="215/QĐ-UBND", decision_date="2026-01-15")
    assert _item(final, bk)["state"] == "awarded"
    # the province's reviewer reads the district's submission in its inbox, the district its own
    inbox = d.get("tinh_tdkt", "/api/v1/submissions?direction=incoming")
    assert [s["id"] for s in inbox["items"]] == [onward["id"]]


def test_two_tier_the_province_answers_the_whole_submission(d, session):
    commune = _authority(session, "X-DB")
    commune.parent_id = _authority(session, "T-TN").id
    session.commit()
    f.user(session, "higher_reviewer", _authority(session, "T-TN"), username="tinh_tdkt")
    f.user(session, "higher_reviewer", _authority(session, "H-DH"), username="huyen_cu")
    first = [d.accepted(f"Lường Văn Tỉnh {i}", "BK_TINH") for i in range(3)]
    d.recommend(first)
    sent = d.send(d.submission(first)["id"])
    assert sent["to_authority_code"] == "T-TN"
    path = f"/api/v1/submissions/{sent['id']}/outcomes"
    # the dissolved level and the commune have no say over it
    assert d.post("huyen_cu", path, {"outcome": "rejected", "reason": "x"}, expect=404)["error"]["code"] == "not_found"
    assert d.post("thuky", path, {"outcome": "rejected", "reason": "x"}, expect=403)["error"]["code"] == "forbidden"
    # one refusal refuses the whole answer: no reason, nothing rejected
    d.post("tinh_tdkt", path, {"outcome": "rejected"}, expect=422)
    assert {d.proposal(p).state for p in first} == {"submitted"}
    whole = d.post("tinh_tdkt", path, {"outcome": "rejected", "reason": "Hồ sơ gửi quá hạn."})
    assert {i["state"] for i in whole["items"]} == {"rejected"}
    assert {i["outcome"] for i in whole["items"]} == {"rejected"}
    assert d.post("tinh_tdkt", path, {"outcome": "rejected", "reason": "x"}, expect=409)["error"]["code"] == \
        "nothing_pending"

    # a second submission: the province approves every proposal with its decision
    second = [d.accepted(f"Đàm Thị Khen {i}", "BK_TINH") for i in range(2)]
    d.recommend(second)
    again = d.send(d.submission(second)["id"])
    approved = d.post("tinh_tdkt", f"/api/v1/submissions/{again['id']}/outcomes",
                      {"outcome": "approved", "decision_number": "1520/QĐ-UBND", "decision_date": "2026-01-20"})
    assert {i["state"] for i in approved["items"]} == {"awarded"}
    records = session.scalars(select(AwardRecord).where(AwardRecord.proposal_id.in_(second))).all()
    assert sorted(r.decision_number for r in records) == ["1520/QĐ-UBND"] * 2


def test_the_paper_answer_still_works_for_the_whole_submission(d, session):
    outside = f.authority(session, "H-NGOAI", "district", d.org["province"], name="UBND huyện Ngoài Hệ Thống")
    _authority(session, "X-DB").parent_id = outside.id
    session.commit()
    pids = [d.accepted(f"Ma Văn Giấy {i}", "BK_TINH") for i in range(2)]
    d.recommend(pids)
    sent = d.send(d.submission(pids)["id"])
    assert {d.proposal(p).state for p in pids} == {"forwarded"}
    done = d.post("thuky", f"/api/v1/submissions/{sent['id']}/outcomes",
                  {"outcome": "returned", "reason": "Bổ sung biên bản họp."})
    assert {i["state"] for i in done["items"]} == {"recommended"}


def test_the_district_reviewer_answers_by_screen(d, session, app):
    browser = app.test_client()
    _authority(session, "T-TN").rule_set_code = "vn-2024"
    session.commit()
    gk, bk, other = (d.accepted("Ma Văn Màn Hình", "GK_HUYEN"), d.accepted("Hoàng Thị Trả Lại", "BK_TINH"),
                     d.accepted("Nông Văn Cả Tờ", "GK_HUYEN"))
    d.recommend([gk, bk, other])
    sent = d.send(d.submission([gk, bk])["id"])
    sign_in(browser, "huyen")
    inbox = browser.get("/hop-thu-den").get_data(as_text=True)
    page = f"/to-trinh/{sent['id']}"
    assert f'data-testid="inbox-row-{sent["id"]}"' in inbox and f'href="{page}"' in inbox
    html = browser.get(page).get_data(as_text=True)
    # every proposal waiting at the district has an answer form; the way back leads to the inbox
    assert f'data-testid="outcome-{gk}"' in html and f'data-testid="outcome-{bk}"' in html
    assert 'href="/hop-thu-den"' in html and 'href="/to-trinh"' not in html
    assert 'data-testid="answer-all"' in html
    # every link of the inbox and the submission leads somewhere the reviewer may go
    links = {link for link in re.findall(r'href="(/[^"#]*)"', inbox + html)
             if not link.startswith(("/ngon-ngu/", "/dang-xuat", "/static/"))}
    assert f"/to-trinh/{sent['id']}/van-ban.pdf" in links
    for link in sorted(links):
        assert browser.get(link).status_code == 200, link
    response = post(browser, page, f"{page}/ket-qua", {"proposal_id": gk, "outcome": "approved",
                                                      "decision_number": "31/QĐ-UBND",
                                                      "decision_date": "2025-12-30"})
    assert response.status_code == 302
    assert d.proposal(gk).state == "awarded"
    # a return without reasons is refused with a message, and changes nothing
    refused = post(browser, page, f"{page}/ket-qua", {"proposal_id": bk, "outcome": "returned", "reason": ""})
    assert refused.status_code == 302 and d.proposal(bk).state == "submitted"
    assert "alert-danger" in browser.get(page).get_data(as_text=True)
    post(browser, page, f"{page}/ket-qua", {"proposal_id": bk, "outcome": "returned",
                                            "reason": "Thiếu bản xác nhận thành tích."})
    p = d.proposal(bk)
    assert (p.state, p.current_authority.code) == ("recommended", "X-DB")
    html = browser.get(page).get_data(as_text=True)
    assert "Thiếu bản xác nhận thành tích." in html and f'data-testid="outcome-{bk}"' not in html

    # the whole submission at once
    whole = d.send(d.submission([other])["id"])
    page = f"/to-trinh/{whole['id']}"
    response = post(browser, page, f"{page}/tra-loi", {"outcome": "rejected", "reason": "Không đủ điều kiện."})
    assert response.status_code == 302 and d.proposal(other).state == "rejected"
    # the commune's secretary sees the answer, with no form (the answer was the district's)
    commune = app.test_client()
    sign_in(commune, "thuky")
    html = commune.get(page).get_data(as_text=True)
    assert "Không đủ điều kiện." in html and 'data-testid="outcome-' not in html
    assert 'href="/to-trinh"' in html and commune.get("/to-trinh").status_code == 200


def test_the_parent_returns_a_proposal_its_own_review_recommended(d, session):
    _authority(session, "T-TN").rule_set_code = "vn-2024"
    session.commit()
    district = d.add_staff("H-DH", "huyen")
    pid = d.accepted("Đàm Văn Xét Lại", "GK_HUYEN")
    d.recommend([pid])
    sent = d.send(d.submission([pid])["id"])
    d.event(district["secretary"], pid, "accept")
    d.recommend([pid], code="H-DH")
    assert (d.proposal(pid).state, d.proposal(pid).current_authority.code) == ("recommended", "H-DH")
    # recommended there, returned to the commune: recommended again, but at the commune
    back = _outcome(d, "huyen", sent["id"], proposal_id=pid, outcome="returned", reason="Sai tên đơn vị.")
    assert _item(back, pid)["outcome"] == "returned"
    p = d.proposal(pid)
    assert (p.state, p.current_authority.code) == ("recommended", "X-DB")
    assert [(t.event, t.from_state, t.to_state) for t in p.history][-1] == ("record_outcome", "recommended",
                                                                           "recommended")
