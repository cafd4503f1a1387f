"""The decision screens through the test client: the chair's signature desk with its fresh sign-in,
the secretary's drafting, tracking and outcomes, the higher level's inbox, document downloads."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests import factories as f


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


@pytest.fixture
def browser(app):
    return app.test_client()


def sign_in(browser, username: str) -> None:
    token = csrf_of(browser.get("/dang-nhap").get_data(as_text=True))
    response = browser.post("/dang-nhap", data={"username": username, "password": f.PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def post(browser, page: str, action: str, data: dict):
    token = csrf_of(browser.get(page).get_data(as_text=True))
    return browser.post(action, data={"csrf_token": token, **data})


def test_the_chair_signs_with_a_fresh_sign_in(d, browser):
    pid = d.accepted("Ma Văn Màn Hình")
    d.recommend([pid])
    decision = d.decision([pid])
    sign_in(browser, "chutich")
    page = browser.get("/ky-duyet").get_data(as_text=True)
    assert f'data-testid="decision-{decision["id"]}"' in page and "Ma Văn Màn Hình" in page
    assert f"/quyet-dinh/{decision['id']}/van-ban.pdf" in page and 'data-testid="fresh"' in page
    preview = browser.get(f"/quyet-dinh/{decision['id']}/van-ban.pdf")
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF")
    assert preview.headers["Content-Disposition"].startswith("attachment;")

    # without the tick, nothing is signed
    response = post(browser, "/ky-duyet", f"/quyet-dinh/{decision['id']}/ban-hanh", {})
    assert response.status_code == 302 and d.get("chutich", f"/api/v1/decisions/{decision['id']}")["status"] == "draft"

    # a sign-in older than 15 minutes sends the chair to sign in again first
    with browser.session_transaction() as s:
        s["auth_at"] = (datetime.now(UTC) - timedelta(minutes=20)).isoformat()
    assert 'data-testid="not-fresh"' in browser.get("/ky-duyet").get_data(as_text=True)
    response = post(browser, "/ky-duyet", f"/quyet-dinh/{decision['id']}/ban-hanh", {"confirm": "1"})
    assert response.status_code == 302 and "/xac-thuc-lai" in response.headers["Location"]
    assert d.get("chutich", f"/api/v1/decisions/{decision['id']}")["status"] == "draft"
    wrong = post(browser, "/xac-thuc-lai", "/xac-thuc-lai", {"password": "sai-mat-khau", "next": "/ky-duyet"})
    assert wrong.status_code == 200
    right = post(browser, "/xac-thuc-lai", "/xac-thuc-lai", {"password": f.PASSWORD, "next": "/ky-duyet"})
    assert right.status_code == 302 and right.headers["Location"].endswith("/ky-duyet")
    with browser.session_transaction() as s:
        assert datetime.now(UTC) - datetime.fromisoformat(s["auth_at"]) < timedelta(minutes=1)
    response = post(browser, "/ky-duyet", f"/quyet-dinh/{decision['id']}/ban-hanh", {"confirm": "1"})
    assert response.status_code == 302
    issued = d.get("chutich", f"/api/v1/decisions/{decision['id']}")
    assert issued["status"] == "issued" and issued["number"] == "01/QĐ-UBND"
    assert "01/QĐ-UBND" in browser.get("/ky-duyet").get_data(as_text=True)  # the flash says so
    # a reauth target outside the site is ignored
    away = post(browser, "/xac-thuc-lai", "/xac-thuc-lai", {"password": f.PASSWORD, "next": "//evil.example"})
    assert away.headers["Location"].endswith("/ky-duyet")


def test_the_secretary_drafts_tracks_and_records(d, browser, session):
    outside = f.authority(session, "H-NGOAI", "district", d.org["province"], name="UBND huyện Ngoài")
    session.merge(d.org["commune"]).parent_id = outside.id
    session.commit()
    within, above = d.accepted("Đàm Thị Xã"), d.accepted("Đàm Văn Tỉnh", "BK_TINH")
    d.recommend([within, above])
    sign_in(browser, "thuky")
    page = browser.get("/quyet-dinh").get_data(as_text=True)
    assert "Đàm Thị Xã" in page and "Đàm Văn Tỉnh" not in page
    post(browser, "/quyet-dinh", "/quyet-dinh/du-thao",
         {"authority_code": "X-DB", "award_type_code": "GK_XA", "proposal_ids": str(within)})
    assert d.get("thuky", "/api/v1/decisions?status=draft")["total"] == 1
    page = browser.get("/to-trinh").get_data(as_text=True)
    assert "Đàm Văn Tỉnh" in page and "Đàm Thị Xã" not in page
    post(browser, "/to-trinh", "/to-trinh/du-thao", {"authority_code": "X-DB", "proposal_ids": str(above)})
    sub = d.get("thuky", "/api/v1/submissions")["items"][0]
    assert sub["status"] == "draft"
    d.send(sub["id"], date="2026-01-05")
    page = browser.get("/to-trinh").get_data(as_text=True)
    assert f'data-testid="tracking-row-{sub["id"]}"' in page and 'data-testid="overdue"' in page
    detail = browser.get(f"/to-trinh/{sub['id']}").get_data(as_text=True)
    assert f'data-testid="outcome-{above}"' in detail and 'data-testid="package"' in detail
    package = browser.get(f"/to-trinh/{sub['id']}/ho-so.zip")
    assert package.status_code == 200 and package.data.startswith(b"PK")
    # a bad answer is explained and changes nothing; a good one is recorded
    response = post(browser, f"/to-trinh/{sub['id']}", f"/to-trinh/{sub['id']}/ket-qua",
                    {"proposal_id": str(above), "outcome": "approved"})
    assert response.status_code == 302 and d.proposal(above).state == "forwarded"
    post(browser, f"/to-trinh/{sub['id']}", f"/to-trinh/{sub['id']}/ket-qua",
         {"proposal_id": str(above), "outcome": "approved", "decision_number": "88/QĐ-UBND",
          "decision_date": "2026-02-01"})
    assert d.proposal(above).state == "awarded"
    assert "88/QĐ-UBND" in browser.get(f"/to-trinh/{sub['id']}").get_data(as_text=True)


def test_the_inbox_of_the_higher_level(d, browser, app):
    district = d.add_staff("H-DH", "huyen")
    pid = d.accepted("Mạc Văn Lên", "BK_TINH")
    d.recommend([pid])
    sub = d.send(d.submission([pid])["id"])
    sign_in(browser, "huyen")  # the district's reviewer (factories.commune_setup)
    page = browser.get("/hop-thu-den").get_data(as_text=True)
    assert f'data-testid="inbox-row-{sub["id"]}"' in page and "UBND xã Định Biên" in page
    assert "/hop-thu-den/nhap-ho-so" in page
    assert browser.get(f"/to-trinh/{sub['id']}").status_code == 200
    browser = app.test_client()
    sign_in(browser, district["secretary"])
    assert f'data-testid="inbox-row-{sub["id"]}"' in browser.get("/hop-thu-den").get_data(as_text=True)


def test_screens_answer_404_out_of_scope(d, browser, session, app):
    pid = d.accepted("Lường Văn Riêng")
    d.recommend([pid])
    decision = d.decision([pid])
    other = f.authority(session, "X-KHAC", "commune", d.org["district"], name="UBND xã Khác")
    f.user(session, "chair", other, username="chutich_khac")
    sign_in(browser, "chutich_khac")
    assert f'data-testid="decision-{decision["id"]}"' not in browser.get("/ky-duyet").get_data(as_text=True)
    assert browser.get(f"/quyet-dinh/{decision['id']}/van-ban.pdf").status_code == 404
    response = post(browser, "/ky-duyet", f"/quyet-dinh/{decision['id']}/ban-hanh", {"confirm": "1"})
    # 404 before the sign-in-again redirect (issue 13: this test used to expect that 302)
    assert response.status_code == 404
    assert d.get("chutich", f"/api/v1/decisions/{decision['id']}")["status"] == "draft"
    browser = app.test_client()
    sign_in(browser, "truongxom")  # the hamlet's nominator
    assert browser.get("/quyet-dinh").status_code == 404
    assert browser.get("/to-trinh").status_code == 404


def test_menu_entries_follow_roles(d, browser, app):
    sign_in(browser, "chutich")
    page = browser.get("/").get_data(as_text=True)
    assert 'href="/ky-duyet"' in page and 'href="/to-trinh"' in page and 'href="/hop-thu-den"' not in page
    browser = app.test_client()
    sign_in(browser, "huyen")
    page = browser.get("/").get_data(as_text=True)
    assert 'href="/hop-thu-den"' in page and 'href="/ky-duyet"' not in page
