"""The dashboard (issue 11 item 6): counts by state linking to the filtered list, what waits for
each user with the overdue first, charts whose tables give the same numbers, the province view of
every commune — all scoped (another commune's proposals are never counted) and in a number of
statements that does not grow with the number of proposals."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event

from tests import factories as f
from tests.proposals.rows import history_row, proposal_in_state, rule_for
from tests.proposals.test_views import web
from workflow import vntime
from workflow.calendar.services import WorkCalendar
from workflow.proposals.models import Round


def _round(session, authority, year: int) -> Round:
    row = Round(authority_id=authority.id, year=year, kind="annual", title=f"Tổng kết năm {year}",
                nomination_deadline=date(year, 12, 15))
    session.add(row)
    session.flush()
    return row


def _working_days_ago(session, days: int) -> datetime:
    """09:00 in Vietnam ``days`` working days before today (as the calendar counts them)."""
    calendar, day, left = WorkCalendar.load(session), vntime.today(), days
    while left > 0:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            left -= 1
    return vntime.local_midnight(day) + timedelta(hours=9)


def _arrived(session, proposal, at: datetime):
    history_row(session, proposal, "submit", "draft", "submitted", at)
    return proposal


@pytest.fixture
def world(session):
    """Định Biên (X-DB, hamlet DB-NATO) and a second commune X-KH (hamlet KH-1) under the same
    district, a round of this year and of last year in each."""
    org = f.commune_setup(session)
    other = f.authority(session, "X-KH", "commune", org["district"], name="UBND xã Kim Hòa")
    other_hamlet = f.unit(session, other, "KH-1", name="Xóm Kim Một")
    school = f.unit(session, org["commune"], "DB-THCS", kind="school", name="Trường THCS Định Biên")
    year = vntime.this_year()
    org.update(other=other, other_hamlet=other_hamlet, school=school, year=year,
               other_secretary=f.user(session, "secretary", other, username="thuky_kh"),
               rounds={"db": _round(session, org["commune"], year), "db_last": _round(session, org["commune"], year - 1),
                       "kh": _round(session, other, year)})
    session.commit()
    return org


def _make(session, world, rows):
    """rows: (round key, unit key, state, award, count)."""
    made = []
    for round_key, unit_key, state, award, count in rows:
        for _ in range(count):
            made.append(proposal_in_state(session, round_=world["rounds"][round_key], unit=world[unit_key],
                                          state=state, award=award))
    session.commit()
    return made


def _tiles(html: str) -> dict[str, int]:
    return {state: int(n) for state, n in re.findall(
        r'data-testid="count-(\w+)" data-state="\w+">\s*<span class="tdkt-tile-n">(\d+)</span>', html)}


def _table(html: str, chart_id: str) -> list[tuple[str, int]]:
    body = re.search(rf'data-testid="{chart_id}-table">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r'<th scope="row" class="fw-normal">(?:<a href="[^"]*">)?(.*?)(?:</a>)?</th>\s*'
                      r'<td class="text-end" data-value="(\d+)">', body, re.S)
    return [(label.strip(), int(n)) for label, n in rows]


CRAFTED = [("db", "hamlet", "draft", "LDTT", 2), ("db", "hamlet", "submitted", "LDTT", 3),
           ("db", "school", "submitted", "GK_XA", 1), ("db", "hamlet", "awarded", "LDTT", 4),
           ("db_last", "hamlet", "awarded", "LDTT", 5), ("kh", "other_hamlet", "submitted", "LDTT", 7)]


def test_counts_by_state_for_crafted_data_link_to_the_filtered_list(app, session, world):
    _make(session, world, CRAFTED)
    html = web(app, "thuky").get("/bang-dieu-khien/").get_data(as_text=True)
    # every year: Định Biên's 2 + 4 + 9, never Kim Hòa's seven
    assert _tiles(html) == {"draft": 2, "submitted": 4, "awarded": 9}
    assert 'href="/ho-so/?state=submitted"' in html
    assert re.search(r'data-testid="count-all">\s*<span class="tdkt-tile-n">15<', html)
    this_year = web(app, "thuky").get(f"/bang-dieu-khien/?year={world['year']}").get_data(as_text=True)
    assert _tiles(this_year) == {"draft": 2, "submitted": 4, "awarded": 4}
    assert f'href="/ho-so/?state=awarded&amp;year={world["year"]}"' in this_year


def test_another_communes_proposals_are_never_counted(app, session, world):
    _make(session, world, CRAFTED)
    other = web(app, "thuky_kh").get("/bang-dieu-khien/").get_data(as_text=True)
    assert _tiles(other) == {"submitted": 7}
    # the hamlet head sees the hamlet's proposals only, not the school's
    hamlet = web(app, "truongxom").get("/bang-dieu-khien/").get_data(as_text=True)
    assert _tiles(hamlet) == {"draft": 2, "submitted": 3, "awarded": 9}
    assert "Trường THCS Định Biên" not in hamlet
    # a council member reads the commune's proposals (SPEC §2) but has nothing to screen
    member = web(app, "uyvien").get("/bang-dieu-khien/").get_data(as_text=True)
    assert _tiles(member) == {"draft": 2, "submitted": 4, "awarded": 9}
    assert 'data-testid="waiting-empty"' in member


def test_the_chart_tables_match_the_counts(app, session, world):
    _make(session, world, CRAFTED)
    html = web(app, "thuky").get("/bang-dieu-khien/").get_data(as_text=True)
    assert _table(html, "chart-year") == [(str(world["year"] - 1), 5), (str(world["year"]), 10)]
    awards = dict(_table(html, "chart-award"))
    assert sorted(awards.values(), reverse=True) == [14, 1] and sum(awards.values()) == sum(_tiles(html).values())
    units = dict(_table(html, "chart-unit"))
    assert units == {"Xóm Nà To · UBND xã Định Biên": 14, "Trường THCS Định Biên · UBND xã Định Biên": 1}
    # each chart is an image with a name, and its table is there for whoever cannot see it
    assert html.count('role="img"') == 3
    assert 'aria-labelledby="chart-year-svg-title chart-year-desc"' in html


def test_what_waits_is_the_overdue_first_and_marked(app, session, world):
    commune = world["commune"]
    code, rule = rule_for(session, commune, "LDTT")
    rule = {**rule, "processing_days": 10}
    r = world["rounds"]["db"]
    late = proposal_in_state(session, round_=r, unit=world["hamlet"], state="under_review", rule=(code, rule))
    later = proposal_in_state(session, round_=r, unit=world["hamlet"], state="under_review", rule=(code, rule))
    fresh = proposal_in_state(session, round_=r, unit=world["hamlet"], state="under_review", rule=(code, rule))
    _arrived(session, later, _working_days_ago(session, 25))
    _arrived(session, late, _working_days_ago(session, 14))
    _arrived(session, fresh, _working_days_ago(session, 2))
    elsewhere = proposal_in_state(session, round_=world["rounds"]["kh"], unit=world["other_hamlet"],
                                  state="under_review", rule=(code, rule))
    _arrived(session, elsewhere, _working_days_ago(session, 40))
    session.commit()
    html = web(app, "thuky").get("/bang-dieu-khien/").get_data(as_text=True)
    items = re.findall(r'data-testid="waiting-item" data-kind="proposal"\s+data-overdue="(\w+)" data-due="([\d-]*)">'
                       r'.*?href="/ho-so/(\d+)"', html, re.S)
    assert [int(pid) for _o, _d, pid in items] == [later.id, late.id, fresh.id]
    assert [o for o, _d, _p in items] == ["true", "true", "false"]
    assert items[0][1] < items[1][1] < items[2][1]
    assert html.count("Quá hạn") >= 2  # marked in words, not by colour alone
    assert re.search(r'data-testid="waiting-total">3<', html)


def test_the_province_view_lists_every_commune_with_its_progress(app, session, world):
    made = _make(session, world, CRAFTED)
    # one of Kim Hòa's submitted proposals has waited past the limit
    code, rule = rule_for(session, world["other"], "LDTT")
    overdue = proposal_in_state(session, round_=world["rounds"]["kh"], unit=world["other_hamlet"],
                                state="under_review", rule=(code, {**rule, "processing_days": 5}))
    _arrived(session, overdue, _working_days_ago(session, 9))
    session.commit()
    html = web(app, "root_admin").get("/bang-dieu-khien/").get_data(as_text=True)
    assert 'data-testid="province-view"' in html and "UBND tỉnh Thái Nguyên" in html
    db_row = re.search(r'data-testid="commune-X-DB">(.*?)</tr>', html, re.S).group(1)
    kh_row = re.search(r'data-testid="commune-X-KH">(.*?)</tr>', html, re.S).group(1)
    assert re.search(r'data-col="total">10<', db_row)  # this year's: 2 + 4 + 4
    assert re.search(r'data-state="submitted">4<', db_row) and re.search(r'data-state="submitted">7<', kh_row)
    assert re.search(r'data-col="overdue">0<', db_row) and re.search(r'data-col="overdue"><strong[^>]*>1<', kh_row)
    assert len(made) == 22
    # the district's reviewer: the same communes, counted only for what reached the district
    reviewer = web(app, "huyen").get("/bang-dieu-khien/").get_data(as_text=True)
    assert 'data-testid="commune-X-DB"' in reviewer and 'data-testid="commune-X-KH"' in reviewer
    assert re.search(r'data-testid="commune-X-DB">.*?data-col="total">0<', reviewer, re.S)
    # a commune's secretary has no province view
    assert 'data-testid="province-view"' not in web(app, "thuky").get("/bang-dieu-khien/").get_data(as_text=True)


def test_out_of_scope_year_or_authority_answers_404(app, session, world):
    browser = web(app, "huyen")
    assert browser.get("/bang-dieu-khien/?year=1999").status_code == 404
    assert browser.get("/bang-dieu-khien/?year=abc").status_code == 404
    assert browser.get("/bang-dieu-khien/?authority=T-TN").status_code == 404  # above the reviewer
    assert browser.get("/bang-dieu-khien/?authority=H-DH").status_code == 200
    assert web(app, "thuky").get("/bang-dieu-khien/?authority=H-DH").status_code == 404


def test_the_home_screen_links_the_dashboard(app, session, world):
    html = web(app, "thuky").get("/").get_data(as_text=True)
    assert 'href="/bang-dieu-khien/"' in html


def _statements(app, browser, url: str) -> int:
    from workflow.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert browser.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


@pytest.mark.parametrize("who", ["thuky", "root_admin", "truongxom", "huyen"])
def test_statements_per_page_do_not_grow_with_the_proposals(app, session, world, who):
    code, rule = rule_for(session, world["commune"], "LDTT")

    def add(n: int):
        for i in range(n):
            p = proposal_in_state(session, round_=world["rounds"]["db"], unit=world["hamlet"],
                                  state=("submitted", "under_review", "returned", "draft")[i % 4],
                                  rule=(code, rule))
            _arrived(session, p, _working_days_ago(session, 1 + i % 30))
        session.commit()

    add(4)
    browser = web(app, who)
    _statements(app, browser, "/bang-dieu-khien/")  # warm: the first request loads what is cached
    few = _statements(app, browser, "/bang-dieu-khien/")
    add(120)
    many = _statements(app, browser, "/bang-dieu-khien/")
    assert many == few, (few, many)
    assert few < 40  # a handful of selects: the figures in one, what waits in a few, the menu and session


def test_the_benchmark_case_runs_on_a_tiny_province(monkeypatch):
    from workflow.benchmark import year, year_dashboard

    monkeypatch.setattr(year_dashboard, "PROPOSALS", 300)
    monkeypatch.setattr(year_dashboard, "REPEATS", 1)
    [outcome] = year.run(["dashboard"], None, echo=lambda _line: None)  # a throwaway SQLite app
    assert outcome.case == "dashboard" and outcome.database == "sqlite"
    assert outcome.figures["proposals"] == 300 and outcome.figures["communes"] == 1
    assert outcome.seconds == max(outcome.figures["reviewer_seconds"], outcome.figures["secretary_seconds"]) > 0


def test_the_hamlet_head_and_the_council_member_see_their_own_things_to_do(app, session, world):
    from workflow.catalog.services import rule_set_for
    from workflow.council.models import Meeting

    r = world["rounds"]["db"]
    returned = proposal_in_state(session, round_=r, unit=world["hamlet"], state="returned")
    history_row(session, returned, "return_for_changes", "submitted", "returned", _working_days_ago(session, 1))
    draft = proposal_in_state(session, round_=r, unit=world["hamlet"], state="draft")
    school_draft = proposal_in_state(session, round_=r, unit=world["school"], state="draft")
    session.add(Meeting(authority_id=world["commune"].id, place="Hội trường xã",
                        scheduled_at=vntime.local_midnight(vntime.today() + timedelta(days=3)) + timedelta(hours=8)))
    session.commit()
    wait = (rule_set_for(session, world["commune"], vntime.today()).content.get("defaults") or {}).get(
        "returned_reminder_days")
    html = web(app, "truongxom").get("/bang-dieu-khien/").get_data(as_text=True)
    items = {pid: due for due, pid in re.findall(
        r'data-kind="proposal"\s+data-overdue="\w+" data-due="([\d-]*)">.*?href="/ho-so/(\d+)"', html, re.S)}
    assert set(items) == {str(returned.id), str(draft.id)}  # never the school's draft
    assert str(school_draft.id) not in items
    assert items[str(draft.id)] == r.nomination_deadline.isoformat()
    returned_on = vntime.local_date(_working_days_ago(session, 1))
    assert items[str(returned.id)] == ((returned_on + timedelta(days=wait)).isoformat() if wait else "")
    assert "Bổ sung hồ sơ bị trả lại" in html and "Hoàn thiện và gửi hồ sơ nháp" in html
    member = web(app, "uyvien").get("/bang-dieu-khien/").get_data(as_text=True)
    assert 'data-kind="meeting"' in member and "Dự phiên họp Hội đồng" in member
    assert 'data-kind="meeting"' not in html  # the hamlet head sits on no council
