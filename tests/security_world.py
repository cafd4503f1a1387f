"""One commune with an object of every kind that a URL names (proposal, attachment, objection,
nominee, round, meeting, decision, submission, notification, user), and the people of a second
commune (and of another hamlet, another district) who must not reach any of it.

Shared by the URL-map walks of tests/test_access.py and tests/test_csrf.py."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from tests import factories as f
from tests.decisions.helpers import Desk
from workflow.council.models import Meeting
from workflow.reminders.models import Notification

# names that appear only on the first commune's objects: an answer to an outsider must not hold them
SECRETS = ("Hoàng Thị Bí Mật", "Nông Văn Kín Đáo", "Lục Thị Riêng Tư", "Phản ánh nội bộ xã Định Biên")


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


def browser_for(app, username: str):
    """A test client signed in through the sign-in form, and a CSRF token of its session."""
    browser = app.test_client()
    token = csrf_of(browser.get("/dang-nhap").get_data(as_text=True))
    response = browser.post("/dang-nhap", data={"username": username, "password": f.PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return browser, csrf_of(browser.get("/").get_data(as_text=True))


def build(app, client, session) -> dict:
    """The first commune (X-DB, its objects by URL argument) and the outsiders by name."""
    app.config["LOGIN_RATE_LIMIT"] = "10000 per minute"  # dozens of sign-ins from one address
    d = Desk(client, session)
    bk = d.accepted(SECRETS[0], "BK_TINH")
    upload = client.post(f"/api/v1/proposals/{bk}/attachments", headers=d.auth("secretary"),
                         data={"doc_type": "bao_cao_thanh_tich",
                               "file": (io.BytesIO(b"%PDF-1.4 bao cao"), "Báo cáo thành tích.pdf")})
    assert upload.status_code == 201, upload.get_json()
    gk = d.accepted(SECRETS[1], "GK_XA")
    d.recommend([bk, gk])
    decision = d.decision([gk])
    submission = d.submission([bk])
    on_notice = d.propose(d.person(SECRETS[2]))["id"]
    d.event("nominator", on_notice, "submit")
    d.event("secretary", on_notice, "accept")
    d.event("secretary", on_notice, "publish", days=7)
    objected = client.post("/api/v1/public/notices/X-DB/objections", json={
        "proposal_id": on_notice, "name": "Dân", "contact": "0912", "text": SECRETS[3]})
    assert objected.status_code == 201, objected.get_json()
    secretary = d.org["users"]["secretary"]
    note = Notification(user_id=secretary.id, kind="proposal_returned", params={"proposal_id": on_notice})
    session.add(note)
    session.commit()
    objection = d.get("secretary", f"/api/v1/proposals/{on_notice}")["objections"][0]
    ids = {
        "proposal_id": on_notice,
        "attachment_id": d.get("secretary", f"/api/v1/proposals/{bk}")["attachments"][0]["id"],
        "objection_id": objection["id"],
        "nominee_id": d.get("secretary", f"/api/v1/proposals/{bk}")["nominee"]["id"],
        "round_id": d.round["id"],
        "meeting_id": session.scalar(select(Meeting.id).order_by(Meeting.id)),
        "decision_id": decision["id"],
        "submission_id": submission["id"],
        "notification_id": note.id,
        "user_id": secretary.id,
        "code": "X-DB",
    }
    assert all(ids.values()), ids

    commune_b = f.authority(session, "X-KH", "commune", d.org["district"], name="UBND xã Kim Hỷ")
    hamlet_b = f.unit(session, commune_b, "KH-BAN", name="Xóm Bản")
    other_hamlet = f.unit(session, d.org["commune"], "DB-KHAC", name="Xóm Khác")
    other_district = f.authority(session, "H-PL", "district", d.org["province"], name="UBND huyện Phú Lương")
    outsiders = {
        "admin_b": f.user(session, "admin", commune_b, username="quantri_kh"),
        "secretary_b": f.user(session, "secretary", commune_b, username="thuky_kh"),
        "chair_b": f.user(session, "chair", commune_b, username="chutich_kh"),
        "council_b": f.user(session, "council_member", commune_b, username="uyvien_kh"),
        "nominator_b": f.user(session, "nominator", commune_b, hamlet_b, username="truongxom_kh"),
        "reviewer_other_district": f.user(session, "higher_reviewer", other_district, username="huyen_pl"),
    }
    # same commune, another hamlet: only what belongs to a hamlet is out of its reach
    neighbour = f.user(session, "nominator", d.org["commune"], other_hamlet, username="truongxom_khac")
    return {"desk": d, "ids": ids, "outsiders": {k: u.username for k, u in outsiders.items()},
            "neighbour": neighbour.username}
