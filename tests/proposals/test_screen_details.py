"""The small details an office trusts (issue 14, item 12): dates as the reader's language writes
them (31/10/2025 in Vietnamese, Oct 31, 2025 in English), authority names instead of codes, the
clock of a finished proposal saying how long it took, the unread count outside the folded phone
menu, and the public notice lists one click from the sign-in page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from tests.proposals import rows
from tests.proposals.helpers import screens_world
from tests.proposals.test_views import web
from workflow.dates import show_date, show_moment
from workflow.proposals.models import Round


@pytest.fixture
def w(app, client, session):
    return screens_world(app, client, session)


def test_dates_read_as_each_language_writes_them(app):
    day, moment = date(2025, 10, 31), datetime(2025, 10, 31, 1, 30, tzinfo=UTC)  # 08:30 in Vietnam
    with app.test_request_context("/?lang=vi"):
        from flask import session

        session["lang"] = "vi"
        assert (show_date(day), show_date("2025-10-31"), show_moment(moment)) == (
            "31/10/2025", "31/10/2025", "08:30 31/10/2025")
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = "en"
        assert show_date(day) == "Oct 31, 2025"
        assert show_moment(moment) == "Oct 31, 2025, 8:30\u202fAM" or show_moment(moment) == "Oct 31, 2025, 8:30 AM"
    assert show_date(None) == "" and show_moment(None) == ""


def test_the_rounds_list_follows_the_language(app, w):
    browser = web(app, "secretary", w)
    assert "15/12/2025" in browser.get("/dot-xet/").get_data(as_text=True)
    browser.get("/ngon-ngu/en")
    english = browser.get("/dot-xet/").get_data(as_text=True)
    assert "Dec 15, 2025" in english and "15/12/2025" not in english


def test_a_move_up_the_tree_names_the_authority_not_its_code(app, w, session):
    org = w.org
    round_ = session.get(Round, w.round["id"])
    proposal = rows.proposal_in_state(session, round_=round_, unit=org["hamlet"], state="forwarded", award="BK_TINH")
    rows.history_row(session, proposal, "forward", "recommended", "forwarded", datetime(2025, 12, 20, 3, tzinfo=UTC),
                     data={"to_authority": org["district"].code, "submission_id": 1})
    session.commit()
    page = web(app, "secretary", w).get(f"/ho-so/{proposal.id}").get_data(as_text=True)
    assert f"Chuyển đến {org['district'].name}" in page
    assert f"Chuyển đến {org['district'].code}" not in page


def test_a_finished_proposal_shows_the_time_it_took(app, w, session):
    org = w.org
    round_ = session.get(Round, w.round["id"])
    proposal = rows.proposal_in_state(session, round_=round_, unit=org["hamlet"], state="awarded", award="LDTT")
    # submitted on Monday 1 December 2025, awarded on Friday 5 December: four working days went by
    rows.history_row(session, proposal, "submit", "draft", "submitted", datetime(2025, 12, 1, 2, tzinfo=UTC))
    rows.history_row(session, proposal, "accept", "submitted", "under_review", datetime(2025, 12, 2, 2, tzinfo=UTC))
    rows.history_row(session, proposal, "decide", "recommended", "awarded", datetime(2025, 12, 5, 9, tzinfo=UTC))
    session.commit()
    page = web(app, "secretary", w).get(f"/ho-so/{proposal.id}").get_data(as_text=True)
    assert 'data-testid="clock-finished"' in page
    assert "05/12/2025" in page
    assert "Đã giải quyết trong 4 ngày làm việc" in page
    api = w.get("secretary", f"/api/v1/proposals/{proposal.id}")
    assert api["clock"]["finished"] is True and api["clock"]["finished_on"] == "2025-12-05"
    assert api["clock"]["running"] is False


def test_the_unread_count_shows_beside_the_folded_menu(app, w, session):
    from workflow.reminders.models import Notification

    session.add(Notification(user_id=w.org["users"]["nominator"].id, kind="proposal_returned",
                             params={"proposal_id": 1}))
    session.commit()
    page = web(app, "nominator", w).get("/").get_data(as_text=True)
    assert 'data-testid="unread-count-compact">1' in page  # next to the menu button (phones)
    assert 'data-testid="unread-count">1' in page  # in the menu (wide screens)


def test_the_sign_in_page_leads_to_the_public_notice_lists(app, client, w, session):
    org = w.org
    round_ = session.get(Round, w.round["id"])
    rows.proposal_in_state(session, round_=round_, unit=org["hamlet"], state="public_notice", award="LDTT")
    session.commit()
    login = client.get("/dang-nhap").get_data(as_text=True)
    assert 'href="/cong-khai/"' in login
    index = client.get("/cong-khai/")
    assert index.status_code == 200
    html = index.get_data(as_text=True)
    assert org["commune"].name in html and f'href="/cong-khai/{org["commune"].code}"' in html
    assert html.index(org["commune"].name) < html.index(org["district"].name)  # the one with notices first


def test_long_lists_are_paged_with_their_total(app, w, session):
    """No silent cut: 120 proposals make three pages of 50, every one reachable, the total shown."""
    org = w.org
    round_ = session.get(Round, w.round["id"])
    made = [rows.proposal_in_state(session, round_=round_, unit=org["hamlet"], state="submitted").id
            for _ in range(120)]
    session.commit()
    browser = web(app, "secretary", w)
    seen: set[int] = set()
    for page in (1, 2, 3):
        html = browser.get(f"/ho-so/?page={page}").get_data(as_text=True)
        ids = {int(i) for i in re.findall(r'data-testid="proposal-(\d+)"', html)}
        assert len(ids) == (50 if page < 3 else 20)
        seen |= ids
        assert f"Trang {page} / 3 · tổng cộng 120" in html
    assert seen == set(made)
    assert 'rel="next"' not in browser.get("/ho-so/?page=3").get_data(as_text=True)
    # the hamlet head's own list pages the same way
    mine = web(app, "nominator", w).get("/ho-so/don-vi?page=2").get_data(as_text=True)
    assert "Trang 2 / 3" in mine
