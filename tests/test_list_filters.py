"""The filters of the lists (API and screens) and their pages.

Each filter narrows the list to the rows it names; a malformed value is a 422 (API) or a form
message (screen) and shows nothing; an authority, unit or round outside the user's scope answers
404, like any object out of scope; another commune's rows never appear. Every HTML list pages
(``TDKT_LIST_PER_PAGE`` makes a page two rows here), says its total, and keeps its filters on the
page links."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from tests import factories as f
from tests.proposals.helpers import World
from tests.proposals.test_views import web
from workflow.council.models import Meeting
from workflow.decisions.models import Decision, Submission

PER_PAGE = 2


@pytest.fixture
def w(app, client, session):
    """X-DB (World's commune) with a second hamlet, a 2024 round besides 2025, and a neighbour
    commune X-KHAC with its own round and proposal."""
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    world = World(client, session)
    world.khau = f.unit(session, world.org["commune"], "DB-KHAU", name="Xóm Khau")
    world.round_2024 = world.post("secretary", "/api/v1/rounds", {
        "authority_code": "X-DB", "year": 2024, "kind": "annual", "title": "Tổng kết năm 2024",
        "nomination_deadline": "2024-12-15"})
    other = f.authority(session, "X-KHAC", "commune", world.org["district"], name="UBND xã Khác")
    world.other_unit = f.unit(session, other, "KH-MOT", name="Thôn Một")
    f.user(session, "secretary", other, username="thuky_khac")
    other_round = world.post("thuky_khac", "/api/v1/rounds", {
        "authority_code": "X-KHAC", "year": 2025, "kind": "annual", "title": "Năm 2025 xã Khác",
        "nomination_deadline": "2025-12-15"})
    stranger = world.post("thuky_khac", "/api/v1/nominees", {
        "kind": "individual", "name": "Hoàng Văn Khác", "authority_code": "X-KHAC", "unit_code": "KH-MOT"})["id"]
    world.stranger = world.post("thuky_khac", "/api/v1/proposals", {
        "round_id": other_round["id"], "nominee_id": stranger, "award_type_code": "LDTT", "unit_code": "KH-MOT",
        "achievements": "Hoàn thành tốt."})["id"]
    return world


def _khau_person(w, name):
    return w.post("secretary", "/api/v1/nominees", {"kind": "individual", "name": name, "authority_code": "X-DB",
                                                    "unit_code": "DB-KHAU"})["id"]


@pytest.fixture
def rows(w):
    """Five proposals at X-DB: a 2025 LĐTT in Nà To submitted, two 2025 drafts (LĐTT, GK_XA) in
    Nà To, a 2025 LĐTT in Khau, a 2024 LĐTT in Nà To."""
    ids = {
        "submitted": w.propose(w.person("Hoàng Văn Một"))["id"],
        "draft": w.propose(w.person("Lò Thị Hai"))["id"],
        "gk": w.propose(w.person("Ma Văn Ba"), award="GK_XA")["id"],
        "khau": w.propose(_khau_person(w, "Đỗ Văn Bốn"), who="secretary", unit_code="DB-KHAU")["id"],
        "y2024": w.propose(w.person("Nông Thị Năm"), round_id=w.round_2024["id"])["id"],
    }
    w.event("nominator", ids["submitted"], "submit")
    return ids


def _ids(w, who="secretary", **filters) -> set[int]:
    response = w.client.get("/api/v1/proposals", query_string=filters, headers=w.auth(who))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total"] == len(body["items"]) and body["page"] == 1
    return {item["id"] for item in body["items"]}


def test_each_filter_narrows_the_api_list(w, rows):
    assert _ids(w) == set(rows.values())  # the neighbour's proposal never appears
    assert _ids(w, state="submitted") == {rows["submitted"]}
    assert _ids(w, state="draft,submitted") == set(rows.values())
    assert _ids(w, year=2024) == {rows["y2024"]}
    assert _ids(w, year=2025) == set(rows.values()) - {rows["y2024"]}
    assert _ids(w, award_type="GK_XA") == {rows["gk"]}
    assert _ids(w, unit="DB-KHAU") == {rows["khau"]}
    assert _ids(w, authority="X-DB") == set(rows.values())
    assert _ids(w, authority="H-DH") == set()  # the district, above: visible, nothing of ours is there yet
    assert _ids(w, round=w.round_2024["id"]) == {rows["y2024"]}
    assert _ids(w, q="hoang van") == {rows["submitted"]}  # not the neighbour's Hoàng Văn Khác
    # filters combine
    assert _ids(w, year=2025, award_type="LDTT", unit="DB-NATO") == {rows["submitted"], rows["draft"]}
    assert _ids(w, year=2025, state="submitted", q="lo thi") == set()


def test_pages_of_the_api_list(w, rows):
    first = w.client.get("/api/v1/proposals?per_page=2&page=1", headers=w.auth("secretary")).get_json()
    third = w.client.get("/api/v1/proposals?per_page=2&page=3", headers=w.auth("secretary")).get_json()
    assert (first["total"], len(first["items"]), first["page"]) == (5, 2, 1)
    assert (third["total"], len(third["items"]), third["page"]) == (5, 1, 3)


@pytest.mark.parametrize(("args", "field"), [
    ({"state": "bogus"}, "state"), ({"state": "draft,nope"}, "state"), ({"year": "abc"}, "year"),
    ({"year": "99999"}, "year"), ({"award_type": "NOPE"}, "award_type"), ({"q": "x" * 101}, "q"),
    ({"round": "abc"}, "round"), ({"page": "0"}, "page"), ({"per_page": "5000"}, "per_page"),
])
def test_a_malformed_filter_is_a_422_naming_it(w, args, field):
    response = w.client.get("/api/v1/proposals", query_string=args, headers=w.auth("secretary"))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]


@pytest.mark.parametrize("args", [{"authority": "X-KHAC"}, {"authority": "NOWHERE"}, {"unit": "KH-MOT"},
                                  {"unit": "NOPE"}, {"round": "999999"}])
def test_an_out_of_scope_filter_is_a_404(w, args):
    response = w.client.get("/api/v1/proposals", query_string=args, headers=w.auth("secretary"))
    assert response.status_code == 404, response.get_json()
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_nominator_filters_only_by_its_own_units(w, rows):
    assert _ids(w, "nominator", unit="DB-NATO") == {rows["submitted"], rows["draft"], rows["gk"], rows["y2024"]}
    response = w.client.get("/api/v1/proposals", query_string={"unit": "DB-KHAU"}, headers=w.auth("nominator"))
    assert response.status_code == 404


def test_the_district_filters_by_the_commune_it_came_from(w, rows):
    assert _ids(w, "higher_reviewer") == set()  # nothing sent up yet: a lower level's work is its own
    response = w.client.get("/api/v1/proposals", query_string={"authority": "X-KHAC"},
                            headers=w.auth("higher_reviewer"))
    assert response.status_code == 200  # the neighbour is in the district's subtree


# --- screens --------------------------------------------------------------------------------------

def _proposal_rows(html: str) -> set[int]:
    return {int(m) for m in re.findall(r'data-testid="proposal-(\d+)"', html)}


def test_the_proposal_list_filters_and_keeps_them_across_pages(app, w, rows):
    app.config["TDKT_LIST_PER_PAGE"] = PER_PAGE
    browser = web(app, "secretary", w)
    page = browser.get("/ho-so/?year=2025&award_type=LDTT").get_data(as_text=True)
    assert 'data-testid="filter-form"' in page and 'data-testid="clear-filters"' in page
    assert re.search(r'<option value="2025" selected', page)  # the form keeps its values
    first = _proposal_rows(page)
    assert len(first) == PER_PAGE
    assert "3 hồ sơ" in page or "3 proposal" in page  # the total: submitted, draft, khau
    links = re.findall(r'href="(/ho-so/\?[^"]*page=2[^"]*)"', page)
    assert links and all("year=2025" in link and "award_type=LDTT" in link for link in links)
    second = _proposal_rows(browser.get(links[0].replace("&amp;", "&")).get_data(as_text=True))
    assert len(second) == 1 and not first & second
    assert first | second == {rows["submitted"], rows["draft"], rows["khau"]}
    # unfiltered: every page together is the whole list, once
    seen = set()
    for n in (1, 2, 3):
        seen |= _proposal_rows(browser.get(f"/ho-so/?page={n}").get_data(as_text=True))
    assert seen == set(rows.values())


def test_the_screens_refuse_bad_filters(app, w, rows):
    browser = web(app, "secretary", w)
    bad = browser.get("/ho-so/?year=abc")
    assert bad.status_code == 400 and 'data-testid="filter-errors"' in bad.get_data(as_text=True)
    assert not _proposal_rows(bad.get_data(as_text=True))  # nothing rather than a wrong set
    assert browser.get("/ho-so/?authority=X-KHAC").status_code == 404
    assert browser.get("/ho-so/?unit=KH-MOT").status_code == 404
    assert browser.get("/ho-so/tiep-nhan?unit=KH-MOT").status_code == 404
    assert browser.get("/doi-tuong/?unit=KH-MOT").status_code == 404
    nominees = browser.get("/doi-tuong/?kind=bogus")
    assert nominees.status_code == 400 and 'data-testid="filter-errors"' in nominees.get_data(as_text=True)
    nominator = web(app, "nominator", w)
    assert nominator.get("/ho-so/don-vi?unit=DB-KHAU").status_code == 404


def test_my_units_list_and_the_inbox_page(app, w, rows):
    app.config["TDKT_LIST_PER_PAGE"] = PER_PAGE
    for name in ("Vi Văn Sáu", "Hà Thị Bảy"):
        w.event("nominator", w.propose(w.person(name))["id"], "submit")
    nominator = web(app, "nominator", w)
    seen = set()
    for n in (1, 2, 3):
        page = nominator.get(f"/ho-so/don-vi?page={n}").get_data(as_text=True)
        seen |= _proposal_rows(page)
    assert rows["khau"] not in seen and rows["submitted"] in seen and len(seen) == 6
    mine = nominator.get("/ho-so/don-vi?award_type=GK_XA").get_data(as_text=True)
    assert _proposal_rows(mine) == {rows["gk"]}

    secretary = web(app, "secretary", w)
    inbox = [secretary.get(f"/ho-so/tiep-nhan?page={n}").get_data(as_text=True) for n in (1, 2)]
    found = [set(map(int, re.findall(r'data-testid="inbox-row-(\d+)"', page))) for page in inbox]
    assert len(found[0]) == PER_PAGE and len(found[1]) == 1 and not found[0] & found[1]
    assert 'data-testid="pager"' in inbox[0]
    one = secretary.get("/ho-so/tiep-nhan?q=hoang+van").get_data(as_text=True)
    assert set(map(int, re.findall(r'data-testid="inbox-row-(\d+)"', one))) == {rows["submitted"]}


def test_the_nominee_list_filters_and_pages(app, w, rows):
    app.config["TDKT_LIST_PER_PAGE"] = PER_PAGE
    browser = web(app, "secretary", w)
    names = lambda html: re.findall(r'data-testid="nominee-row">\s*<td><a [^>]*>([^<]+)</a>', html)  # noqa: E731
    assert names(browser.get("/doi-tuong/?unit=DB-KHAU").get_data(as_text=True)) == ["Đỗ Văn Bốn"]
    everyone = []
    page = browser.get("/doi-tuong/?kind=individual").get_data(as_text=True)
    assert 'data-testid="pager"' in page and "kind=individual" in page.split('data-testid="pager"')[1]
    for n in (1, 2, 3):
        everyone += names(browser.get(f"/doi-tuong/?kind=individual&page={n}").get_data(as_text=True))
    assert sorted(everyone) == sorted(["Hoàng Văn Một", "Lò Thị Hai", "Ma Văn Ba", "Đỗ Văn Bốn", "Nông Thị Năm"])
    assert "Hoàng Văn Khác" not in everyone


def _count(html: str, pattern: str) -> int:
    return len(re.findall(pattern, html))


def test_rounds_and_meetings_page_with_their_filters(app, w, session):
    app.config["TDKT_LIST_PER_PAGE"] = PER_PAGE
    for year in (2022, 2023):
        w.post("secretary", "/api/v1/rounds", {"authority_code": "X-DB", "year": year, "kind": "campaign",
                                               "title": f"Đợt {year}", "nomination_deadline": f"{year}-06-30"})
    # the list reads meetings as they are; their making (a council first) is the council tests' business
    session.add_all([Meeting(authority_id=w.org["commune"].id, place=f"Hội trường {day}", status="scheduled",
                             scheduled_at=datetime(2025, 11, day, 1, 0, tzinfo=UTC)) for day in (1, 2, 3)])
    session.commit()
    browser = web(app, "secretary", w)
    rounds = [browser.get(f"/dot-xet/?page={n}").get_data(as_text=True) for n in (1, 2)]
    assert [_count(r, r'data-testid="round" ') for r in rounds] == [2, 2]  # 2025, 2024, 2023, 2022
    assert _count(browser.get("/dot-xet/?kind=campaign").get_data(as_text=True), r'data-testid="round" ') == 2
    assert _count(browser.get("/dot-xet/?year=2023").get_data(as_text=True), r'data-testid="round" ') == 1
    assert browser.get("/dot-xet/?year=abc").status_code == 400
    meetings = [browser.get(f"/hoi-dong/?page={n}").get_data(as_text=True) for n in (1, 2)]
    assert [_count(m, r'data-meeting="') for m in meetings] == [2, 1]
    assert _count(browser.get("/hoi-dong/?year=2024").get_data(as_text=True), r'data-meeting="') == 0
    filtered = browser.get("/hoi-dong/?status=scheduled&year=2025").get_data(as_text=True)
    assert re.search(r'data-testid="list-total">\D*3\D', filtered)
    assert re.search(r'href="/hoi-dong/\?[^"]*page=2[^"]*status=scheduled', filtered)
    assert browser.get("/hoi-dong/?status=bogus").status_code == 400


def test_decisions_and_submissions_page(app, w, session):
    app.config["TDKT_LIST_PER_PAGE"] = PER_PAGE
    commune, district = w.org["commune"], w.org["district"]
    session.add_all([Decision(authority_id=commune.id, status="draft", year=2025) for _ in range(3)])
    session.add_all([Submission(from_authority_id=commune.id, to_authority_id=district.id, status="sent",
                                number=f"{n}/TTr-UBND", year=2025, sent_on=date(2025, 11, n)) for n in (1, 2, 3)])
    session.commit()
    secretary = web(app, "secretary", w)
    decisions = [secretary.get(f"/quyet-dinh?page={n}").get_data(as_text=True) for n in (1, 2)]
    assert [_count(d, r'data-testid="decision-row-') for d in decisions] == [2, 1]
    assert _count(secretary.get("/quyet-dinh?status=issued").get_data(as_text=True), r'data-testid="decision-row-') == 0
    sent = [secretary.get(f"/to-trinh?page={n}").get_data(as_text=True) for n in (1, 2)]
    assert [_count(s, r'data-testid="tracking-row-') for s in sent] == [2, 1]
    district_view = web(app, "higher_reviewer", w)
    incoming = [district_view.get(f"/hop-thu-den?page={n}").get_data(as_text=True) for n in (1, 2)]
    assert [_count(i, r'data-testid="inbox-row-') for i in incoming] == [2, 1]
    assert _count(district_view.get("/hop-thu-den?year=2024").get_data(as_text=True), r'data-testid="inbox-row-') == 0


def test_public_notices_and_accounts_page(app, w):
    app.config["TDKT_LIST_PER_PAGE"] = PER_PAGE
    for name in ("Hoàng Văn Một", "Lò Thị Hai", "Ma Văn Ba"):
        pid = w.propose(w.person(name))["id"]
        w.event("nominator", pid, "submit")
        w.event("secretary", pid, "accept")
        w.event("secretary", pid, "publish", days=7)
    public = app.test_client()
    pages = [public.get(f"/cong-khai/X-DB?page={n}").get_data(as_text=True) for n in (1, 2)]
    assert [_count(p, r'data-testid="notice-\d+"') for p in pages] == [2, 1]
    assert _count(public.get("/cong-khai/X-DB?q=lo+thi").get_data(as_text=True), r'data-testid="notice-\d+"') == 1

    admin = web(app, "admin", w)
    accounts = [admin.get(f"/quan-tri/tai-khoan?page={n}").get_data(as_text=True) for n in (1, 2, 3, 4)]
    listed = [u for a in accounts for u in re.findall(r'data-username="([^"]+)"', a)]
    assert len(listed) == len(set(listed)) == 7  # World's six and the neighbour's secretary
    assert re.findall(r'data-username="([^"]+)"', admin.get("/quan-tri/tai-khoan?role=secretary").get_data(
        as_text=True)) == ["thuky", "thuky_khac"]
