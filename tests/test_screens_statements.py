"""The proposal screens' SQL statements do not grow with the rows they show (no select per row):
the secretary's inbox and the list of all proposals, with a page of 6 rows and then of 48."""

from __future__ import annotations

import pytest

from tests.proposals.rows import proposal_in_state, rule_for
from tests.test_dashboards import (
    _arrived,
    _statements,
    _working_days_ago,
    web,
    world,  # noqa: F401  (the fixture)
)

STATES = ("submitted", "under_review", "returned", "public_notice", "draft", "awarded")


def _add(session, world, n: int, offset: int = 0):  # noqa: F811  (the fixture's value)
    code, rule = rule_for(session, world["commune"], "LDTT")
    for i in range(offset, offset + n):
        state = STATES[i % len(STATES)]
        p = proposal_in_state(session, round_=world["rounds"]["db"], unit=world["hamlet"], state=state,
                              rule=None if state == "draft" else (code, rule))
        if state != "draft":
            _arrived(session, p, _working_days_ago(session, 1 + i % 30))
    session.commit()


@pytest.mark.parametrize("url", ["/ho-so/tiep-nhan", "/ho-so/"])
def test_statements_of_a_list_screen_do_not_grow_with_its_rows(app, session, world, url):  # noqa: F811
    _add(session, world, 6)
    browser = web(app, "thuky")
    _statements(app, browser, url)  # warm: the first request loads what is cached
    few = _statements(app, browser, url)
    _add(session, world, 42, offset=6)
    html = browser.get(url).get_data(as_text=True)
    assert html.count('name="proposal_ids"') >= 30  # the rows are on the page (the inbox: 4 of 6 states)
    many = _statements(app, browser, url)
    assert many == few, (few, many)
    assert few <= 25


def test_the_detail_answers_its_lists_whether_empty_or_not(app, client, session):
    """``GET /proposals/<id>``: one select says which of attachments, paper receipts and objections
    exist; the empty ones cost no more select, the others are read and answered as before."""
    import io

    from sqlalchemy import event

    from tests.proposals.helpers import World
    from workflow.extensions import db

    w = World(client, session)
    p = w.propose(w.person())
    url = f"/api/v1/proposals/{p['id']}"

    def answer():
        seen = []

        def count(*_args):
            seen.append(1)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            body = w.get("secretary", url)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return body, len(seen)

    answer()  # warm: the first request signs in and loads what is cached
    empty, few = answer()
    assert (empty["attachments"], empty["paper_received"], empty["objections"]) == ([], [], [])
    r = client.post(f"{url}/attachments", headers=w.auth("nominator"),
                    data={"doc_type": "bao_cao_thanh_tich", "file": (io.BytesIO(b"%PDF-1.4 bao cao"), "bc.pdf")})
    assert r.status_code == 201, r.get_json()
    w.event("nominator", p["id"], "submit")
    w.post("secretary", f"{url}/paper-receipts", {"doc_type": "bien_ban_binh_xet"})
    full, many = answer()
    assert [a["doc_type"] for a in full["attachments"]] == ["bao_cao_thanh_tich"]
    assert full["paper_received"] == ["bien_ban_binh_xet"]
    assert many <= few + 2  # the two lists that are not empty, one select each
