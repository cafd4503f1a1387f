"""What people see (issue 15, items 5–7): a higher level reads only what was sent up to it or what it
decides; an objector's name and contact are for the screening secretary only; the annual report is
for the authority's secretary and chair (and admins of its scope), 404 for everyone else."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from tests import factories as f
from workflow.org.models import Authority
from workflow.proposals.models import Objection

PDF = b"%PDF-1.4 bao cao thanh tich"


def _web(app, d, who: str):
    """A browser signed in through the sign-in form (a role of the desk, or a username)."""
    username = d.org["users"][who].username if who in d.org["users"] else who
    browser = app.test_client()
    page = browser.get("/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
    response = browser.post("/dang-nhap", data={"username": username, "password": f.PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return browser


def _higher_readers(d, session) -> list[str]:
    """The district's and the province's reviewers and secretaries (3-tier rules); their admins are
    created too (they read their whole subtree, SPEC §2)."""
    session.scalar(select(Authority).where(Authority.code == "T-TN")).rule_set_code = "vn-2024"
    session.commit()
    d.add_staff("H-DH", "huyen")
    d.add_staff("T-TN", "tinh")
    f.user(session, "higher_reviewer", d.org["province"], username="tinh_tdkt")
    f.user(session, "admin", d.org["district"], username="huyen_admin")
    f.user(session, "admin", d.org["province"], username="tinh_admin")
    return ["huyen", "huyen_thuky", "tinh_tdkt", "tinh_thuky"]


def _read_endpoints(pid: int, attachment_id: int) -> list[str]:
    return [f"/api/v1/proposals/{pid}", f"/api/v1/proposals/{pid}/history",
            f"/api/v1/proposals/{pid}/eligibility", f"/api/v1/attachments/{attachment_id}"]


def _status(client, path: str, **kwargs) -> int:
    response = client.get(path, **kwargs)
    response.close()  # a download streams the stored file
    return response.status_code


def _reads(app, d, who: str, pid: int, attachment_id: int) -> dict[str, int]:
    """Status per read endpoint (API and screens); the list as 200/404 by whether the proposal is
    among its rows."""
    answers = {path: _status(d.client, path, headers=d.auth(who)) for path in _read_endpoints(pid, attachment_id)}
    listed = d.client.get("/api/v1/proposals?per_page=500", headers=d.auth(who)).get_json()
    answers["list"] = 200 if pid in [p["id"] for p in listed["items"]] else 404
    browser = _web(app, d, who)
    for path in (f"/ho-so/{pid}", f"/ho-so/tai-lieu/{attachment_id}"):
        answers[path] = _status(browser, path)
    return answers


DISTRICT = ("huyen", "huyen_thuky")
PROVINCE = ("tinh_tdkt", "tinh_thuky")


def _with_document(d, award: str, name: str) -> tuple[int, int]:
    pid = d.propose(d.person(name), award)["id"]
    upload = d.client.post(f"/api/v1/proposals/{pid}/attachments", headers=d.auth("nominator"),
                           data={"doc_type": "bao_cao_thanh_tich", "file": (io.BytesIO(PDF), "bc.pdf")})
    assert upload.status_code == 201
    return pid, upload.get_json()["id"]


def test_a_lower_draft_is_out_of_reach_of_every_higher_reader_until_sent_up(app, d, session):
    """A commune's Bằng khen tỉnh (the province decides it; it travels through the district)."""
    readers = _higher_readers(d, session)
    pid, aid = _with_document(d, "BK_TINH", "Hoàng Văn Huyện")
    for who in readers:  # a commune's draft: nobody above it reads it (every one answered 200)
        assert set(_reads(app, d, who, pid, aid).values()) == {404}, who
    assert set(_reads(app, d, "thuky", pid, aid).values()) == {200}  # the commune itself does

    d.event("nominator", pid, "submit")
    d.event("secretary", pid, "accept")
    for who in DISTRICT:  # under review at the commune, not sent up, not the district's award
        assert set(_reads(app, d, who, pid, aid).values()) == {404}, who
    for who in PROVINCE:  # the deciding authority sees it once it is out of draft
        assert set(_reads(app, d, who, pid, aid).values()) == {200}, who
    d.recommend([pid])
    d.send(d.submission([pid])["id"])
    for who in DISTRICT:  # sent up to the district: now it reads it, everywhere
        assert set(_reads(app, d, who, pid, aid).values()) == {200}, who


def test_a_district_award_is_the_districts_and_never_the_provinces(app, d, session):
    _higher_readers(d, session)
    pid, aid = _with_document(d, "GK_HUYEN", "Nông Thị Huyện")
    for who in DISTRICT + PROVINCE:
        assert set(_reads(app, d, who, pid, aid).values()) == {404}, who
    d.event("nominator", pid, "submit")
    for who in DISTRICT:  # the district decides this award
        assert set(_reads(app, d, who, pid, aid).values()) == {200}, who
    d.event("secretary", pid, "accept")
    d.recommend([pid])
    d.send(d.submission([pid])["id"])
    for who in PROVINCE:  # neither sent to the province nor its award
        assert set(_reads(app, d, who, pid, aid).values()) == {404}, who


def test_an_admin_reads_everything_of_its_subtree(app, d, session):
    """SPEC §2: an admin reads everything in its scope — drafts of the communes below included;
    an admin of another branch of the tree reads none of it."""
    _higher_readers(d, session)
    other = f.authority(session, "H-OTHER", "district", parent=d.org["province"])
    f.user(session, "admin", other, username="other_admin")
    pid, aid = _with_document(d, "GK_XA", "Ma Văn Quản")
    for who in ("huyen_admin", "tinh_admin"):
        assert set(_reads(app, d, who, pid, aid).values()) == {200}, who
    assert set(_reads(app, d, "other_admin", pid, aid).values()) == {404}


# --- item 5: the objector's identity ---------------------------------------------------------------

def _objected(d) -> int:
    pid = d.accepted("Lường Văn Khiếu", "GK_XA")
    d.event("secretary", pid, "publish", days=7)
    filed = d.client.post("/api/v1/public/notices/X-DB/objections", json={
        "proposal_id": pid, "name": "Đàm Thị Phản Ánh", "contact": "0912 345 678",
        "text": "Ông ấy chưa hoàn thành nhiệm vụ năm nay."})
    assert filed.status_code == 201
    assert "name" not in filed.get_json() and "contact" not in filed.get_json()
    return pid


def test_the_objectors_name_and_contact_are_for_the_screening_secretary_only(app, d, session):
    pid = _objected(d)
    f.user(session, "admin", d.org["commune"], username="xa_admin")
    for who in ("nominator", "uyvien", "chutich", "huyen"):
        response = d.client.get(f"/api/v1/proposals/{pid}", headers=d.auth(who))
        if who == "huyen":  # not sent up: the district does not even see the proposal
            assert response.status_code == 404
            continue
        assert response.status_code == 200, who
        [objection] = response.get_json()["objections"]
        assert objection["text"].startswith("Ông ấy") and objection["resolved"] is False
        assert "name" not in objection and "contact" not in objection, (who, objection)
        assert "Đàm Thị Phản Ánh" not in response.get_data(as_text=True)
        page = _web(app, d, who).get(f"/ho-so/{pid}").get_data(as_text=True)
        assert "Ông ấy chưa hoàn thành" in page and "Đàm Thị Phản Ánh" not in page and "0912 345 678" not in page
    for who in ("thuky", "xa_admin"):
        [objection] = d.client.get(f"/api/v1/proposals/{pid}", headers=d.auth(who)).get_json()["objections"]
        assert (objection["name"], objection["contact"]) == ("Đàm Thị Phản Ánh", "0912 345 678"), who
        page = _web(app, d, who).get(f"/ho-so/{pid}").get_data(as_text=True)
        assert "Đàm Thị Phản Ánh" in page and "0912 345 678" in page, who
    # the history and the dossier a higher level receives do not carry the identity either
    history = d.client.get(f"/api/v1/proposals/{pid}/history", headers=d.auth("nominator")).get_data(as_text=True)
    assert "Đàm Thị Phản Ánh" not in history
    oid = session.scalar(select(Objection.id).where(Objection.proposal_id == pid))
    resolved = d.client.post(f"/api/v1/objections/{oid}/resolve", headers=d.auth("thuky"),
                             json={"resolution": "Đã xác minh, ý kiến không có cơ sở."})
    assert resolved.status_code == 200 and resolved.get_json()["name"] == "Đàm Thị Phản Ánh"
    [objection] = d.client.get(f"/api/v1/proposals/{pid}", headers=d.auth("nominator")).get_json()["objections"]
    assert objection["resolved"] is True and "name" not in objection


# --- item 7: the annual report ---------------------------------------------------------------------

REPORT = "?authority=X-DB&year=2025"
REPORT_PATHS = ("/api/v1/reports/annual", "/api/v1/reports/annual.docx", "/api/v1/reports/annual/document")


def test_the_annual_report_is_for_the_secretary_and_the_chair(d, session):
    other = f.authority(session, "X-KHAC", "commune", d.org["district"])
    f.user(session, "higher_reviewer", other, username="ngoai_tdkt")  # another tree's reviewer
    f.user(session, "admin", d.org["commune"], username="xa_admin")
    for path in REPORT_PATHS:
        for who in ("thuky", "chutich", "xa_admin", "admin"):
            assert d.client.get(path + REPORT, headers=d.auth(who)).status_code == 200, (path, who)
        for who in ("nominator", "uyvien", "huyen", "ngoai_tdkt"):
            response = d.client.get(path + REPORT, headers=d.auth(who))
            assert response.status_code == 404, (path, who, response.status_code)
            assert response.get_json()["error"]["code"] == "not_found"
            # the same answer as for an authority that does not exist: no existence oracle
            unknown = d.client.get(path + "?authority=NOWHERE&year=2025", headers=d.auth(who))
            assert unknown.status_code == 404
            assert unknown.get_json()["error"]["code"] == response.get_json()["error"]["code"]
