"""Numbers {n}/QĐ-UBND and {n}/TTr-UBND: per authority and year, consecutive, never repeated, also
when the chair's clicks race (threads through the API, on SQLite and on PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from workflow.decisions.models import Decision, DocumentCounter

pytestmark = pytest.mark.commits  # numbering races between requests in threads: real commits


def _race(app, headers, paths: list[str]) -> list[tuple[int, dict]]:
    """POST every path at the same moment, each from its own client (its own request context)."""
    barrier = threading.Barrier(len(paths))
    results: list = [None] * len(paths)

    def run(i: int, path: str) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(path, json={}, headers=headers)
        results[i] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(paths)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _counter(session, kind: str) -> int | None:
    session.expire_all()
    return session.scalar(select(DocumentCounter.last).where(DocumentCounter.kind == kind))


def test_decisions_issued_at_once_get_consecutive_numbers(d, app, session):
    pids = [d.accepted(f"Người thứ {i}") for i in range(4)]
    d.recommend(pids)
    ids = [d.decision([pid])["id"] for pid in pids]
    results = _race(app, d.auth("chutich"), [f"/api/v1/decisions/{i}/issue" for i in ids])
    assert all(status == 200 for status, _body in results), results
    numbers = sorted(int(body["number"].split("/")[0]) for _status, body in results)
    assert numbers == [1, 2, 3, 4]
    assert all(body["number"].endswith("/QĐ-UBND") for _s, body in results)
    assert _counter(session, "QD") == 4
    for pid in pids:
        assert d.proposal(pid).state == "awarded"


def test_the_same_decision_issued_twice_at_once_is_numbered_once(d, app, session):
    pid = d.accepted("Đàm Văn Một")
    d.recommend([pid])
    did = d.decision([pid])["id"]
    results = _race(app, d.auth("chutich"), [f"/api/v1/decisions/{did}/issue"] * 2)
    assert sorted(status for status, _ in results) == [200, 409], results
    assert _counter(session, "QD") == 1  # the loser's claim was rolled back: no gap
    # the next decision continues the sequence
    other = d.accepted("Đàm Văn Hai")
    d.recommend([other])
    assert d.issue(d.decision([other])["id"])["number"] == "02/QĐ-UBND"


def test_submissions_sent_at_once_get_consecutive_numbers(d, app, session):
    pids = [d.accepted(f"Bằng khen {i}", "BK_TINH") for i in range(3)]
    d.recommend(pids)
    ids = [d.submission([pid])["id"] for pid in pids]
    results = _race(app, d.auth("chutich"), [f"/api/v1/submissions/{i}/send" for i in ids])
    assert all(status == 200 for status, _body in results), results
    assert sorted(body["number"] for _s, body in results) == ["01/TTr-UBND", "02/TTr-UBND", "03/TTr-UBND"]
    assert _counter(session, "TTr") == 3


def test_numbers_restart_each_year_and_skip_a_number_typed_by_hand(d, session):
    pids = [d.accepted(f"Năm {i}") for i in range(4)]
    d.recommend(pids)
    ids = [d.decision([pid])["id"] for pid in pids]
    assert d.issue(ids[0], date="2025-12-30")["number"] == "01/QĐ-UBND"
    # a decision numbered on paper takes number 1 of 2026 …
    assert d.issue(ids[1], number="1/QĐ-UBND", date="2026-01-02")["number"] == "1/QĐ-UBND"
    # … so the counter of 2026 moves past it; 2025's number 1 does not matter in 2026
    assert d.issue(ids[2], date="2026-01-05")["number"] == "02/QĐ-UBND"
    # typing a number already used this year is refused and changes nothing
    err = d.issue(ids[3], number="2/QĐ-UBND", date="2026-01-06", expect=422)["error"]
    assert "number" in err["details"]
    assert d.get("chutich", f"/api/v1/decisions/{ids[3]}")["status"] == "draft"
    rows = session.execute(select(Decision.year, Decision.number).where(Decision.status == "issued")
                           .order_by(Decision.id)).all()
    assert [tuple(r) for r in rows] == [(2025, "01/QĐ-UBND"), (2026, "1/QĐ-UBND"), (2026, "02/QĐ-UBND")]


def test_a_submission_takes_its_number_and_date_from_the_register(d, session):
    pids = [d.accepted(f"Sổ đăng ký {i}", "BK_TINH") for i in range(3)]
    d.recommend(pids)
    ids = [d.submission([pid])["id"] for pid in pids]
    typed = d.send(ids[0], number="05/TTr-UBND", date="2025-12-20")
    assert (typed["number"], typed["date"]) == ("05/TTr-UBND", "2025-12-20")
    # the register's 5 and a typed "5" are the same number: refused, nothing sent
    err = d.send(ids[1], number="5/TTr-UBND", date="2025-12-21", expect=422)["error"]
    assert "number" in err["details"] and d.proposal(pids[1]).state == "recommended"
    # the automatic numbers are in the Decree 30 form and pass over the typed one
    assert d.send(ids[1], date="2025-12-22")["number"] == "01/TTr-UBND"
    # another year has its own register: 5 is free in 2026
    assert d.send(ids[2], number="5/TTr-UBND", date="2026-01-05")["number"] == "5/TTr-UBND"


def test_the_chair_types_the_register_number_on_the_signing_screen(d, app):
    from tests.decisions.test_screens import post, sign_in

    pid = d.accepted("Ma Văn Vào Sổ")
    d.recommend([pid])
    did = d.decision([pid])["id"]
    browser = app.test_client()
    sign_in(browser, "chutich")
    page = browser.get("/ky-duyet").get_data(as_text=True)
    assert 'data-testid="register-number"' in page
    bad = post(browser, "/ky-duyet", f"/quyet-dinh/{did}/ban-hanh", {"confirm": "1", "date": "28/12/2025"})
    assert bad.status_code == 302 and d.get("chutich", f"/api/v1/decisions/{did}")["status"] == "draft"
    post(browser, "/ky-duyet", f"/quyet-dinh/{did}/ban-hanh", {"confirm": "1", "number": "  17/QĐ-UBND ",
                                                                  "date": "2025-12-28"})
    issued = d.get("chutich", f"/api/v1/decisions/{did}")
    assert (issued["status"], issued["number"], issued["date"]) == ("issued", "17/QĐ-UBND", "2025-12-28")


def test_a_vice_chairman_signs_on_the_chairmans_behalf(d, session):
    import io

    import docx

    from tests import factories as f
    from tests.decisions.test_documents import docx_text, flat, pdf_text

    f.user(session, "chair", d.org["commune"], username="phochutich", full_name="Lường Văn Phó")
    d.council("X-DB", [("chutich", "chair"), ("phochutich", "vice_chair"), ("uyvien", "member"),
                       ("thuky", "secretary")])
    d.staff["X-DB"] = {**d.staff["X-DB"], "members": ["chutich", "phochutich", "uyvien", "thuky"]}
    by_vice, by_chair = d.accepted("Ma Văn Ký Thay"), d.accepted("Ma Văn Chủ Tịch Ký")
    d.recommend([by_vice, by_chair])
    vice = d.post("phochutich", f"/api/v1/decisions/{d.decision([by_vice])['id']}/issue", {})
    chair = d.issue(d.decision([by_chair])["id"])
    text = flat(docx_text(d.download("thuky", f"/api/v1/decisions/{vice['id']}/document?format=docx").data))
    assert "TĐKT. KT. CHỦ TỊCH PHÓ CHỦ TỊCH Lường Văn Phó" in text
    # the signature block sits in the last table's right cell, title lines in order
    document = docx.Document(io.BytesIO(d.download("thuky", f"/api/v1/decisions/{vice['id']}/document?format=docx")
                                        .data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    block = next(c for c in cells if "KT. CHỦ TỊCH" in c)
    assert block.index("KT. CHỦ TỊCH") < block.index("PHÓ CHỦ TỊCH") < block.index("Lường Văn Phó")
    assert "KT." in flat(pdf_text(d.download("thuky", f"/api/v1/decisions/{vice['id']}/certificates?format=pdf")
                                  .data))
    own = docx.Document(io.BytesIO(d.download("thuky", f"/api/v1/decisions/{chair['id']}/document?format=docx")
                                   .data))
    block = next(c.text for t in own.tables for row in t.rows for c in row.cells if "Chutich" in c.text)
    assert block.split()[:2] == ["CHỦ", "TỊCH"] and "PHÓ" not in block and "KT." not in block
