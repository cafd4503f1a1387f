"""The proposal screens through Flask's test client: each role's pages render, scope answers 404,
only the actions a user may take are offered, a stale edit changes nothing, the public notice page
needs no sign-in and takes objections (validated, rate-limited)."""

from __future__ import annotations

import io
import re

import pytest

from tests import factories as f
from tests.proposals.helpers import World

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROLES = ("admin", "secretary", "chair", "nominator", "council_member", "higher_reviewer")


@pytest.fixture
def w(client, session):
    return World(client, session)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


def web(app, who, w: World | None = None):
    """A test client signed in through the sign-in form as one of World's users (or a username)."""
    username = w.org["users"][who].username if w is not None else who
    browser = app.test_client()
    token = csrf_of(browser.get("/dang-nhap").get_data(as_text=True))
    response = browser.post("/dang-nhap", data={"username": username, "password": f.PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return browser


def post_form(browser, page_url: str, action_url: str, data: dict, **kwargs):
    """POST like a browser: take the CSRF token from the page the form is on."""
    token = csrf_of(browser.get(page_url).get_data(as_text=True))
    return browser.post(action_url, data={"csrf_token": token, **data}, **kwargs)


def submitted(w: World) -> dict:
    p = w.propose(w.person())
    return w.event("nominator", p["id"], "submit")


def on_notice(w: World) -> dict:
    p = submitted(w)
    w.event("secretary", p["id"], "accept")
    return w.event("secretary", p["id"], "publish", days=7)


def state_of(w: World, pid: int) -> dict:
    return w.get("secretary", f"/api/v1/proposals/{pid}")


# --- every role's pages ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_pages_render_for_each_role(app, w, role):
    p = submitted(w)
    browser = web(app, role, w)
    assert browser.get("/ho-so/").status_code == 200
    detail = browser.get(f"/ho-so/{p['id']}")
    if role == "higher_reviewer":
        # the district's reviewer: a commune's proposal not sent up is out of its scope (issue 15,
        # item 6; this test used to expect 200)
        assert detail.status_code == 404
    else:
        assert detail.status_code == 200
        assert 'data-testid="eligibility"' in detail.get_data(as_text=True)
    mine = browser.get("/ho-so/don-vi")
    assert mine.status_code == (200 if role == "nominator" else 302)
    expected = {"secretary": 200, "admin": 302}.get(role, 403)  # the deployment admin goes to the full list
    assert browser.get("/ho-so/tiep-nhan").status_code == expected
    assert browser.get("/ho-so/moi").status_code == (200 if role in ("nominator", "secretary", "admin") else 403)
    home = browser.get("/").get_data(as_text=True)
    if role == "nominator":
        assert 'href="/ho-so/don-vi"' in home and 'href="/ho-so/tiep-nhan"' not in home
    if role == "secretary":
        assert 'href="/ho-so/tiep-nhan"' in home


def test_screens_need_sign_in(client, w):
    p = submitted(w)
    for url in ("/ho-so/", "/ho-so/don-vi", "/ho-so/tiep-nhan", "/ho-so/moi", f"/ho-so/{p['id']}"):
        response = client.get(url)
        assert response.status_code == 302 and "/dang-nhap" in response.headers["Location"], url


def test_nominator_list_groups_by_state_with_labels(app, w):
    submitted(w)
    w.propose(w.person("Hoàng Thị Hai"))
    html = web(app, "nominator", w).get("/ho-so/don-vi").get_data(as_text=True)
    assert 'data-testid="group-draft"' in html and 'data-testid="group-submitted"' in html
    assert "Ma Văn Thử" in html and "Hoàng Thị Hai" in html


def test_inbox_shows_the_clock(app, w):
    p = submitted(w)
    html = web(app, "secretary", w).get("/ho-so/tiep-nhan").get_data(as_text=True)
    assert f'data-testid="inbox-row-{p["id"]}"' in html
    clock = re.search(rf'data-testid="clock-{p["id"]}"[^>]*>([^<]+)<', html).group(1)
    assert "20" in clock  # the limit of the rule set in force (processing_days)


# --- scope ----------------------------------------------------------------------------------------

def test_out_of_scope_proposal_is_404(app, w, session):
    p = submitted(w)
    other = f.authority(session, "X-KHAC", "commune", w.org["district"])
    other_hamlet = f.unit(session, other, "KHAC-XOM")
    f.user(session, "nominator", other, other_hamlet, username="xom_khac")
    f.user(session, "secretary", other, username="thuky_khac")
    sibling = f.unit(session, w.org["commune"], "DB-NONGNIA")
    f.user(session, "nominator", w.org["commune"], sibling, username="xom_nongnia")
    for username in ("xom_khac", "thuky_khac", "xom_nongnia"):
        browser = web(app, username)
        assert browser.get(f"/ho-so/{p['id']}").status_code == 404, username
        assert browser.get(f"/ho-so/{p['id']}/sua").status_code == 404, username
        assert browser.get(f"/ho-so/{p['id']}/tra-lai").status_code == 404, username
        token = csrf_of(browser.get("/ho-so/").get_data(as_text=True))
        fired = browser.post(f"/ho-so/{p['id']}/thao-tac", data={"csrf_token": token, "event": "withdraw"})
        assert fired.status_code == 404, username
        assert f"/ho-so/{p['id']}\"" not in browser.get("/ho-so/").get_data(as_text=True)
    assert state_of(w, p["id"])["state"] == "submitted"


def test_download_is_an_attachment_and_scoped(app, w, client, session):
    p = w.propose(w.person())
    uploaded = client.post(f"/api/v1/proposals/{p['id']}/attachments", headers=w.auth("nominator"),
                           data={"doc_type": "bao_cao_thanh_tich", "file": (io.BytesIO(PDF), "bao-cao.pdf")})
    assert uploaded.status_code == 201
    aid = uploaded.get_json()["id"]
    with web(app, "secretary", w).get(f"/ho-so/tai-lieu/{aid}") as response:
        assert response.status_code == 200 and response.data == PDF
        assert response.headers["Content-Disposition"].startswith("attachment")
    sibling = f.unit(session, w.org["commune"], "DB-NONGNIA")
    f.user(session, "nominator", w.org["commune"], sibling, username="xom_nongnia")
    assert web(app, "xom_nongnia").get(f"/ho-so/tai-lieu/{aid}").status_code == 404


# --- actions --------------------------------------------------------------------------------------

def test_nominator_does_not_see_the_secretarys_actions(app, w):
    p = submitted(w)
    nominator = web(app, "nominator", w).get(f"/ho-so/{p['id']}").get_data(as_text=True)
    secretary = web(app, "secretary", w).get(f"/ho-so/{p['id']}").get_data(as_text=True)
    for event in ("accept", "return_for_changes", "reject"):
        assert f'data-testid="action-{event}"' not in nominator
        assert f'data-testid="action-{event}"' in secretary or f'data-testid="open-{event}"' in secretary
    assert 'data-testid="action-withdraw"' in nominator
    assert 'data-testid="action-submit"' not in nominator  # already submitted
    assert "paper-bao_cao_thanh_tich" in secretary and "paper-bao_cao_thanh_tich" not in nominator


def test_submit_warns_of_missing_documents(app, w):
    p = w.propose(w.person())
    browser = web(app, "nominator", w)
    response = post_form(browser, f"/ho-so/{p['id']}", f"/ho-so/{p['id']}/thao-tac",
                         {"event": "submit", "version": p["version"]}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert 'data-testid="flash-success"' in html and 'data-testid="flash-warning"' in html
    assert state_of(w, p["id"])["state"] == "submitted"


def test_skip_council_only_for_an_award_without_a_council_vote(app, w):
    ldtt = submitted(w)
    w.event("secretary", ldtt["id"], "accept")
    # GĐVH: no council vote (the hamlet meeting's evidence instead)
    house = w.propose(w.household(), award="GDVH", evidence={
        "meeting": {"held_on": "2025-11-12", "invited": 40, "present": 30, "agreed": 28},
        "notice": {"from": "2025-11-13", "to": "2025-11-22"}})
    w.event("nominator", house["id"], "submit")
    w.event("secretary", house["id"], "accept")
    browser = web(app, "secretary", w)
    assert 'data-testid="action-skip_council"' not in browser.get(f"/ho-so/{ldtt['id']}").get_data(as_text=True)
    assert 'data-testid="action-skip_council"' in browser.get(f"/ho-so/{house['id']}").get_data(as_text=True)


def test_a_nominator_posting_accept_is_refused_and_nothing_changes(app, w):
    p = submitted(w)
    browser = web(app, "nominator", w)
    response = post_form(browser, f"/ho-so/{p['id']}", f"/ho-so/{p['id']}/thao-tac",
                         {"event": "accept", "version": p["version"]}, follow_redirects=True)
    assert 'data-testid="flash-danger"' in response.get_data(as_text=True)
    assert state_of(w, p["id"])["state"] == "submitted"


def test_refused_action_shows_the_services_message(app, w):
    p = on_notice(w)
    browser = web(app, "secretary", w)
    response = post_form(browser, f"/ho-so/{p['id']}", f"/ho-so/{p['id']}/thao-tac",
                         {"event": "close_notice", "version": p["version"]}, follow_redirects=True)
    html = response.get_data(as_text=True)
    flash = re.search(r'data-testid="flash-danger">\s*([^<]+)', html).group(1)
    assert p["notice_until"][8:10] in flash  # "The notice runs until dd/mm/yyyy."
    assert state_of(w, p["id"])["state"] == "public_notice"


def test_stale_version_is_a_conflict_not_a_second_action(app, w):
    p = submitted(w)
    browser = web(app, "secretary", w)
    page = f"/ho-so/{p['id']}"
    post_form(browser, page, f"/ho-so/{p['id']}/thao-tac", {"event": "accept", "version": p["version"]})
    again = post_form(browser, page, f"/ho-so/{p['id']}/thao-tac", {"event": "accept", "version": p["version"]},
                      follow_redirects=True)
    assert 'data-testid="flash-danger"' in again.get_data(as_text=True)
    assert len(w.get("secretary", f"/api/v1/proposals/{p['id']}/history")) == 2


def test_return_needs_an_item_and_lists_the_checklist(app, w):
    p = submitted(w)
    browser = web(app, "secretary", w)
    url = f"/ho-so/{p['id']}/tra-lai"
    html = browser.get(url).get_data(as_text=True)
    keys = re.findall(r'name="(lines-\d+-key)"[^>]*value="([^"]+)"', html)
    assert ("lines-0-key", "doc:bao_cao_thanh_tich") in keys
    messages = re.findall(r'name="(lines-\d+-message)"[^>]*value="([^"]*)"', html)
    assert messages[0][1]  # a document line comes with a message to edit
    base = dict(keys + messages)
    base["version"] = str(p["version"])
    nothing = post_form(browser, url, url, base)
    assert nothing.status_code == 200 and 'data-testid="form-error"' in nothing.get_data(as_text=True)
    assert state_of(w, p["id"])["state"] == "submitted"
    field_index = next(name for name, value in keys if value == "field:achievements").split("-")[1]
    unwritten = post_form(browser, url, url, {**base, f"lines-{field_index}-selected": "y"})
    assert "is-invalid" in unwritten.get_data(as_text=True)
    assert state_of(w, p["id"])["state"] == "submitted"
    done = post_form(browser, url, url, {**base, "lines-0-selected": "y",
                                         f"lines-{field_index}-selected": "y",
                                         f"lines-{field_index}-message": "Ghi rõ thành tích năm 2025"})
    assert done.status_code == 302
    after = state_of(w, p["id"])
    assert after["state"] == "returned"
    assert {i.get("doc_type") or i.get("field") for i in after["missing_items"]} == {"bao_cao_thanh_tich",
                                                                                    "achievements"}
    shown = web(app, "nominator", w).get(f"/ho-so/{p['id']}").get_data(as_text=True)
    assert shown.count('data-testid="return-item"') == 2 and "Ghi rõ thành tích năm 2025" in shown


# --- create, edit, upload -------------------------------------------------------------------------

def test_create_offers_only_the_kinds_awards_and_evidence_for_households(app, w):
    w.household()
    person = w.person()
    browser = web(app, "nominator", w)
    base = f"/ho-so/moi?round={w.round['id']}&unit=DB-NATO"
    households = browser.get(base + "&kind=household").get_data(as_text=True)
    awards = set(re.findall(r'name="award_type_code"[^>]*value="([^"]+)"', households))
    assert "GDVH" in awards and "LDTT" not in awards
    assert re.search(r'data-evidence-awards="[^"]*GDVH', households)
    individuals = browser.get(base + "&kind=individual").get_data(as_text=True)
    awards = set(re.findall(r'name="award_type_code"[^>]*value="([^"]+)"', individuals))
    assert "LDTT" in awards and "GDVH" not in awards
    assert "data-evidence-awards" not in individuals
    found = browser.get(base + "&kind=individual&q=Thử").get_data(as_text=True)
    assert f'value="{person}"' in found
    assert f'value="{person}"' not in browser.get(base + "&kind=individual&q=Nobody").get_data(as_text=True)

    url = base + "&kind=individual"
    created = post_form(browser, url, url, {"round_id": w.round["id"], "unit_code": "DB-NATO", "nominee_id": person,
                                            "award_type_code": "LDTT", "achievements": "Hoàn thành tốt."})
    assert created.status_code == 302
    pid = int(created.headers["Location"].rstrip("/").split("/")[-1])
    assert state_of(w, pid)["state"] == "draft"
    duplicate = post_form(browser, url, url, {"round_id": w.round["id"], "unit_code": "DB-NATO",
                                              "nominee_id": person, "award_type_code": "LDTT"})
    assert duplicate.status_code == 200 and 'data-testid="form-error"' in duplicate.get_data(as_text=True)


def test_create_with_the_hamlet_meeting(app, w):
    house = w.household()
    browser = web(app, "nominator", w)
    url = f"/ho-so/moi?round={w.round['id']}&unit=DB-NATO&kind=household"
    form = {"round_id": w.round["id"], "unit_code": "DB-NATO", "nominee_id": house, "award_type_code": "GDVH",
            "achievements": "Gia đình gương mẫu.", "held_on": "2025-10-01", "invited": "60", "present": "70",
            "agreed": "40", "notice_from": "2025-10-02", "notice_to": "2025-10-12"}
    refused = post_form(browser, url, url, form)
    assert refused.status_code == 200 and "is-invalid" in refused.get_data(as_text=True)  # present > invited
    created = post_form(browser, url, url, {**form, "present": "50"})
    assert created.status_code == 302
    pid = int(created.headers["Location"].rstrip("/").split("/")[-1])
    evidence = state_of(w, pid)["evidence"]
    assert evidence["meeting"] == {"held_on": "2025-10-01", "invited": 60, "present": 50, "agreed": 40}


def test_stale_edit_shows_the_message_and_changes_nothing(app, w):
    p = w.propose(w.person())
    browser = web(app, "nominator", w)
    url = f"/ho-so/{p['id']}/sua"
    html = browser.get(url).get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', html).group(1)
    assert version == str(p["version"])
    w.call("nominator", "PATCH", f"/api/v1/proposals/{p['id']}",
           {"version": p["version"], "achievements": "Bản của người khác."}, expect=200)
    response = browser.post(url, data={"csrf_token": csrf_of(html), "version": version,
                                       "achievements": "Bản của tôi."})
    assert response.status_code == 200
    assert 'data-testid="stale"' in response.get_data(as_text=True)
    assert state_of(w, p["id"])["achievements"] == "Bản của người khác."
    fresh = browser.get(url).get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', fresh).group(1)
    saved = browser.post(url, data={"csrf_token": csrf_of(fresh), "version": version, "achievements": "Bản của tôi."})
    assert saved.status_code == 302
    assert state_of(w, p["id"])["achievements"] == "Bản của tôi."


def test_upload_through_the_form(app, w):
    p = w.propose(w.person())
    browser = web(app, "nominator", w)
    page = f"/ho-so/{p['id']}"
    token = csrf_of(browser.get(page).get_data(as_text=True))
    ok = browser.post(f"{page}/tai-lieu", data={"csrf_token": token, "doc_type": "bao_cao_thanh_tich",
                                                "file": (io.BytesIO(PDF), "bao-cao.pdf")},
                      content_type="multipart/form-data", follow_redirects=True)
    assert "bao-cao.pdf" in ok.get_data(as_text=True)
    bad = browser.post(f"{page}/tai-lieu", data={"csrf_token": token, "doc_type": "bao_cao_thanh_tich",
                                                 "file": (io.BytesIO(b"MZ not a pdf"), "virus.pdf")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert 'data-testid="flash-danger"' in bad.get_data(as_text=True)
    assert [a["filename"] for a in state_of(w, p["id"])["attachments"]] == ["bao-cao.pdf"]


def test_too_large_upload_is_refused_on_the_page(app, w):
    p = w.propose(w.person())
    browser = web(app, "nominator", w)
    page = f"/ho-so/{p['id']}"
    token = csrf_of(browser.get(page).get_data(as_text=True))
    app.config["MAX_CONTENT_LENGTH"] = 2000
    big = browser.post(f"{page}/tai-lieu", data={"csrf_token": token, "doc_type": "bao_cao_thanh_tich",
                                                 "file": (io.BytesIO(PDF + b"0" * 4000), "lon.pdf")},
                       content_type="multipart/form-data")
    assert big.status_code == 302 and big.headers["Location"].endswith(f"{page}#documents")
    assert 'data-testid="flash-danger"' in browser.get(page).get_data(as_text=True)
    assert state_of(w, p["id"])["attachments"] == []


# --- the public notice page -----------------------------------------------------------------------

def test_public_page_needs_no_sign_in_and_takes_objections(client, w):
    p = on_notice(w)
    page = client.get("/cong-khai/X-DB")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-testid="notice-{p["id"]}"' in html and "Ma Văn Thử" in html and "Xóm Nà To" in html
    assert 'data-testid="current-user"' not in html
    token = csrf_of(html)
    empty = client.post("/cong-khai/X-DB", data={"csrf_token": token, "proposal_id": p["id"], "name": "",
                                                 "contact": "", "text": ""})
    assert empty.status_code == 200 and empty.get_data(as_text=True).count("invalid-feedback") == 3
    ok = client.post("/cong-khai/X-DB", data={"csrf_token": token, "proposal_id": p["id"], "name": "Nông Văn Dân",
                                              "contact": "0912345678", "text": "Thành tích chưa đúng thực tế."})
    assert ok.status_code == 302
    objections = state_of(w, p["id"])["objections"]
    assert [o["name"] for o in objections] == ["Nông Văn Dân"]
    no_csrf = client.post("/cong-khai/X-DB", data={"proposal_id": p["id"], "name": "A", "contact": "B",
                                                   "text": "Không có mã CSRF."})
    assert no_csrf.status_code == 400 and len(state_of(w, p["id"])["objections"]) == 1
    assert client.get("/cong-khai/KHONG-CO").status_code == 404


def test_public_objections_are_rate_limited(app, client, w):
    app.config["TDKT_OBJECTION_RATE_LIMIT"] = "2 per hour"
    p = on_notice(w)
    token = csrf_of(client.get("/cong-khai/X-DB").get_data(as_text=True))
    data = {"csrf_token": token, "proposal_id": p["id"], "name": "Dân", "contact": "0912",
            "text": "Phản ánh lần nữa."}
    assert [client.post("/cong-khai/X-DB", data=data).status_code for _ in range(3)] == [302, 302, 429]
    assert client.get("/cong-khai/X-DB").status_code == 200  # reading is never limited


def test_secretary_resolves_an_objection(app, w, client):
    p = on_notice(w)
    token = csrf_of(client.get("/cong-khai/X-DB").get_data(as_text=True))
    client.post("/cong-khai/X-DB", data={"csrf_token": token, "proposal_id": p["id"], "name": "Dân",
                                         "contact": "0912", "text": "Phản ánh thành tích."})
    objection = state_of(w, p["id"])["objections"][0]
    nominator = web(app, "nominator", w).get(f"/ho-so/{p['id']}").get_data(as_text=True)
    assert "Phản ánh thành tích." in nominator and "0912" not in nominator  # the objector's contact stays private
    assert f'data-testid="resolve-{objection["id"]}"' not in nominator
    browser = web(app, "secretary", w)
    url = f"/ho-so/{p['id']}/y-kien/{objection['id']}"
    response = post_form(browser, f"/ho-so/{p['id']}", url, {"resolution": "Đã xác minh."})
    assert response.status_code == 302
    assert state_of(w, p["id"])["objections"][0]["resolution"] == "Đã xác minh."


def test_a_rule_that_blocks_an_action_disables_its_button_with_the_reason(app, w):
    # CSTĐCS needs the LĐTT title the same year; this nominee has none and none is proposed
    p = w.propose(w.person("Hoàng Văn Chưa Đủ"), "CSTDCS")
    w.event("nominator", p["id"], "submit")
    html = web(app, "secretary", w).get(f"/ho-so/{p['id']}").get_data(as_text=True)
    button = re.search(r'<button[^>]*data-testid="action-accept"[^>]*>', html).group(0)
    assert "disabled" in button and 'aria-describedby="blocked-accept"' in button
    reasons = re.search(r'data-testid="blocked-accept">(.*?)</ul>', html, re.S).group(1)
    assert "Lao động tiên tiến" in reasons  # the award's full name, not its code
    # a proposal that meets its rules keeps a working button
    ok = w.propose(w.person("Hoàng Văn Đủ"), "LDTT")
    w.event("nominator", ok["id"], "submit")
    html = web(app, "secretary", w).get(f"/ho-so/{ok['id']}").get_data(as_text=True)
    button = re.search(r'<button[^>]*data-testid="action-accept"[^>]*>', html).group(0)
    assert "disabled" not in button


def test_rule_numbers_read_as_each_language_writes_them(app):
    from flask_babel import force_locale

    from workflow.proposals.eligibility import number, percent

    with app.test_request_context("/"):
        with force_locale("vi"):
            assert (number(0.6), number(1234.5), percent("15/100"), percent("2/3")) == ("0,6", "1.234,5", "15%",
                                                                                        "66,67%")
        with force_locale("en"):
            assert (number(0.6), number(1234.5), percent("15/100")) == ("0.6", "1,234.5", "15%")
