"""The bulk screens end to end with Flask's test client: a hamlet's households proposed for GĐVH in
one form (eligible ones ticked, the others with the reason, the meeting entered once), then the
list's bulk actions — submit, accept, return with a reason, skip the council, a meeting's agenda, a
draft decision — each with its page of what was done and what was refused and why."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.council.helpers import Council
from tests.proposals.helpers import World
from tests.proposals.test_bulk import EVIDENCE, households
from tests.proposals.test_views import csrf_of, web
from workflow.council.models import AgendaItem
from workflow.decisions.models import DecisionItem
from workflow.proposals.models import Proposal

YEARS = (2021, 2022, 2023)  # three GĐVH years running, this year included, for a 2023 round
FORM_EVIDENCE = {"held_on": "2025-11-05", "invited": "30", "present": "28", "agreed": "27",
                 "notice_from": "2025-11-06", "notice_to": "2025-11-15"}


@pytest.fixture
def w(client, session):
    return World(client, session)


def page_of(browser, url):
    response = browser.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def ticked(html: str) -> set[int]:
    return {int(m) for m in re.findall(r'name="nominee_ids" value="(\d+)"[^>]*\bchecked\b', html)}


def states_of(session, ids) -> list[str]:
    session.expire_all()
    found = dict(session.execute(select(Proposal.id, Proposal.state).where(Proposal.id.in_(ids))).all())
    return [found[i] for i in ids]


def bulk_post(browser, list_url: str, ids, action: str, **extra):
    html = page_of(browser, list_url)
    assert 'id="bulk-form"' in html and f'value="{action}"' in html
    data = {"csrf_token": csrf_of(html), "action": action, "proposal_ids": [str(i) for i in ids],
            "back": "proposals.index", **extra}
    return browser.post("/ho-so/hang-loat/thao-tac", data=data)


def test_a_hamlet_proposes_its_households_for_gdvh_in_one_form(app, w, session):
    houses = households(w, 20)
    done_before = w.propose(houses[0], award="GDVH", evidence=EVIDENCE)["id"]  # already proposed
    browser = web(app, "nominator", w)
    url = f"/ho-so/hang-loat?round={w.round['id']}&unit=DB-NATO"

    html = page_of(browser, url)
    assert "Gia đình văn hóa" in html and "cả thôn" in html  # Vietnamese first
    assert ticked(html) == set(houses[1:])  # the eligible ones are ticked
    assert f'data-testid="reason-{houses[0]}"' in html and "Đã được đề nghị" in html  # and why not
    assert 'name="held_on"' in html  # the meeting and its posted list, once

    # without the meeting: refused, nothing created
    before = session.scalar(select(func.count(Proposal.id)))
    response = browser.post(url, data={"csrf_token": csrf_of(html), "nominee_ids": [str(h) for h in houses[1:]],
                                       "achievements": "Gia đình văn hóa"})
    assert response.status_code == 200 and 'data-testid="form-error"' in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Proposal.id))) == before
    # a nominee that is not the hamlet's: a crafted form, refused whole
    response = browser.post(url, data={"csrf_token": csrf_of(html), "nominee_ids": ["999999"], **FORM_EVIDENCE})
    assert response.status_code == 400

    # all the eligible ones, plus the one already proposed (a crafted form: its box is disabled)
    response = browser.post(url, data={"csrf_token": csrf_of(html), "nominee_ids": [str(h) for h in houses],
                                       "achievements": "Gia đình văn hóa", **FORM_EVIDENCE})
    report = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="report-created"' in report
    assert "19 hồ sơ nháp được tạo, 1 bị từ chối" in report.replace("&nbsp;", " ")
    assert 'data-testid="report-refused"' in report and f"/ho-so/{done_before}" in report
    session.expire_all()
    made = session.scalars(select(Proposal).where(Proposal.nominee_id.in_(houses[1:]))).all()
    assert len(made) == 19
    assert {(p.state, p.award_type_code) for p in made} == {("draft", "GDVH")}
    assert all(p.evidence["meeting"] == {"held_on": "2025-11-05", "invited": 30, "present": 28, "agreed": 27}
               and p.evidence["notice"] == {"from": "2025-11-06", "to": "2025-11-15"} for p in made)
    # the form page now says all of them are proposed
    assert ticked(page_of(browser, url)) == set()


def test_a_unit_proposes_its_staff_for_ldtt(app, w, session):
    school = f.unit(session, w.org["commune"], "DB-THCS", kind="school", name="Trường THCS Định Biên")
    staff = [f.nominee(session, w.org["commune"], school, name=name) for name in ("Hoàng Thị Lan", "La Văn Minh")]
    browser = web(app, "secretary", w)
    url = f"/ho-so/hang-loat?round={w.round['id']}&unit=DB-THCS"
    html = page_of(browser, url)
    assert "Lao động tiên tiến" in html and ticked(html) == {s.id for s in staff}
    assert 'name="held_on"' not in html  # LĐTT asks no hamlet meeting
    response = browser.post(url, data={"csrf_token": csrf_of(html), "nominee_ids": [str(s.id) for s in staff],
                                       "achievements": "Hoàn thành xuất sắc nhiệm vụ."})
    assert 'data-testid="report-created"' in response.get_data(as_text=True)
    session.expire_all()
    assert set(session.scalars(select(Proposal.award_type_code).where(Proposal.unit_id == school.id))) == {"LDTT"}


def test_a_unit_out_of_scope_is_not_found(app, w, session):
    f.unit(session, w.org["commune"], "DB-DONGDAU", name="Xóm Đồng Đau")
    browser = web(app, "nominator", w)
    assert browser.get(f"/ho-so/hang-loat?round={w.round['id']}&unit=DB-DONGDAU").status_code == 404


def test_prerequisites_untick_the_household_and_say_why(app, session):
    """vn-2017's “Gia đình văn hóa tiêu biểu” needs three GĐVH years: a household without them is
    listed unticked with the rule's reason; one with them is ticked."""
    from datetime import date

    from workflow.org import services as org
    from workflow.proposals import services

    province = f.authority(session, "T-OLD", "province")
    commune = f.authority(session, "X-OLD", "commune", f.authority(session, "H-OLD", "district", province),
                          rule_set="vn-2017")
    hamlet = f.unit(session, commune, "OLD-1", name="Xóm Cũ")
    secretary = f.user(session, "secretary", commune, username="thuky_cu")
    good = f.nominee(session, commune, hamlet, kind="household", name="Hộ ông Mạc Văn Đủ")
    short = f.nominee(session, commune, hamlet, kind="household", name="Hộ ông Mạc Văn Thiếu")
    for year in YEARS:
        org.add_past_award(session, secretary, good.id, award_type_code="GDVH", year=year,
                           decision_number=f"{year}/QĐ-UBND")
    org.add_past_award(session, secretary, short.id, award_type_code="GDVH", year=YEARS[-1],
                       decision_number="99/QĐ-UBND")
    round_ = services.create_round(session, secretary, authority_code="X-OLD", year=2023, kind="annual",
                                   title="Tổng kết 2023", nomination_deadline=date(2023, 12, 15))
    html = page_of(web(app, "thuky_cu"), f"/ho-so/hang-loat?round={round_.id}&unit=OLD-1&award=GDVH_TIEU_BIEU")
    assert ticked(html) == {good.id}
    reason = re.search(rf'data-testid="reason-{short.id}">([^<]+)', html).group(1)
    assert str(YEARS[0]) in reason and str(YEARS[1]) in reason


def test_list_bulk_actions_submit_accept_return_skip_and_decide(app, w, session):
    houses = households(w, 6)
    made = [r["id"] for r in w.post("nominator", "/api/v1/proposals/bulk", {
        "round_id": w.round["id"], "award_type_code": "GDVH", "unit_code": "DB-NATO", "nominee_ids": houses,
        "achievements": "Gia đình văn hóa", "evidence": EVIDENCE})["created"]]
    nominator = web(app, "nominator", w)

    # the hamlet head submits five of them from its list
    response = bulk_post(nominator, "/ho-so/don-vi", made[:5], "submit")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "5 hồ sơ đã thực hiện, 0 bị từ chối" in html
    assert states_of(session, made) == ["submitted"] * 5 + ["draft"]

    secretary = web(app, "secretary", w)
    # accept from the inbox: the draft is refused with the reason, the others pass
    response = bulk_post(secretary, "/ho-so/tiep-nhan", made, "accept")
    html = response.get_data(as_text=True)
    assert "5 hồ sơ đã thực hiện, 1 bị từ chối" in html and f'data-testid="refused-{made[5]}"' in html
    assert states_of(session, made) == ["under_review"] * 5 + ["draft"]

    # a return needs what is missing; then it goes with it, to each unit
    response = bulk_post(secretary, "/ho-so/", made[:1], "return_for_changes", reason="")
    assert 'data-testid="bulk-failure"' in response.get_data(as_text=True)
    assert states_of(session, made[:1]) == ["under_review"]
    response = bulk_post(secretary, "/ho-so/", made[:1], "return_for_changes", reason="Bổ sung biên bản họp xóm.",
                         return_field="evidence")
    assert "1 hồ sơ đã thực hiện, 0 bị từ chối" in response.get_data(as_text=True)
    session.expire_all()
    returned = session.get(Proposal, made[0])
    assert returned.state == "returned"
    assert returned.missing_items == [{"field": "evidence", "message": "Bổ sung biên bản họp xóm."}]

    # GĐVH has no council vote: recommended without one, then into one draft decision
    bulk_post(secretary, "/ho-so/", made[1:5], "skip_council")
    assert states_of(session, made[1:5]) == ["recommended"] * 4
    response = bulk_post(secretary, "/ho-so/", made[1:5], "decision")
    html = response.get_data(as_text=True)
    assert "4 hồ sơ đã thực hiện" in html and 'data-testid="bulk-link"' in html
    assert sorted(session.scalars(select(DecisionItem.proposal_id))) == sorted(made[1:5])
    # the same again: the decision service refuses the whole list, and says why
    response = bulk_post(secretary, "/ho-so/", made[1:5], "decision")
    assert 'data-testid="bulk-failure"' in response.get_data(as_text=True)
    assert session.scalar(select(func.count(DecisionItem.id))) == 4


def test_put_on_a_meetings_agenda_from_the_list(app, client, session):
    c = Council(client, session)
    ids = c.under_review(3)
    mid = c.meeting()
    secretary = web(app, "secretary", c)
    response = bulk_post(secretary, "/ho-so/", ids, "agenda", meeting_id=str(mid))
    assert "3 hồ sơ đã thực hiện" in response.get_data(as_text=True)
    assert sorted(session.scalars(select(AgendaItem.proposal_id).where(AgendaItem.meeting_id == mid))) == sorted(ids)
    assert states_of(session, ids) == ["in_council"] * 3


def test_the_nominator_sees_only_submit_and_other_hamlets_ids_are_not_found(app, w, session):
    houses = households(w, 1)
    mine = w.post("nominator", "/api/v1/proposals/bulk", {
        "round_id": w.round["id"], "award_type_code": "GDVH", "unit_code": "DB-NATO", "nominee_ids": houses,
        "achievements": "Gia đình văn hóa", "evidence": EVIDENCE})["created"][0]["id"]
    dong_dau = f.unit(session, w.org["commune"], "DB-DONGDAU", name="Xóm Đồng Đau")
    theirs = w.post("secretary", "/api/v1/proposals", {
        "round_id": w.round["id"], "nominee_id": households(w, 1, unit=dong_dau)[0], "award_type_code": "GDVH",
        "unit_code": "DB-DONGDAU", "evidence": EVIDENCE})["id"]
    nominator = web(app, "nominator", w)
    html = page_of(nominator, "/ho-so/don-vi")
    assert 'value="submit"' in html and 'value="accept"' not in html and 'value="decision"' not in html
    response = bulk_post(nominator, "/ho-so/don-vi", [mine, theirs], "submit")
    html = response.get_data(as_text=True)
    assert "1 hồ sơ đã thực hiện, 1 bị từ chối" in html
    assert f'data-testid="refused-{theirs}"' in html and "Đồng Đau" not in html  # nothing of it shows
    assert states_of(session, [mine, theirs]) == ["submitted", "draft"]
    # an action the role does not have is not offered, and not taken
    html = page_of(nominator, "/ho-so/don-vi")
    response = nominator.post("/ho-so/hang-loat/thao-tac", data={
        "csrf_token": csrf_of(html), "action": "accept", "proposal_ids": [str(mine)]})
    assert response.status_code == 400
    assert states_of(session, [mine]) == ["submitted"]


def test_the_bulk_posts_need_the_csrf_token(app, w, session):
    houses = households(w, 2)
    browser = web(app, "nominator", w)
    response = browser.post(f"/ho-so/hang-loat?round={w.round['id']}&unit=DB-NATO",
                            data={"nominee_ids": [str(h) for h in houses], **FORM_EVIDENCE})
    assert response.status_code == 400
    assert session.scalar(select(func.count(Proposal.id))) == 0
