"""The vote-counting committee (Ban kiểm phiếu) and written votes of absent members entered on the
attendance screen and through the API: its members are chosen from the members present (an absent
one is refused, nothing written), shown back on the screen and named in the minutes."""

from __future__ import annotations

from tests.council.helpers import MEMBERS
from tests.council.test_minutes_counts import minutes_text
from tests.council.test_views import post, text, vi, web  # noqa: F401 (web is a fixture)


def test_attendance_screen_takes_written_votes_and_the_counting_committee(c, web, app):  # noqa: F811
    tinh = c.cstd_tinh()
    mid = c.meeting([tinh], present=None)
    thuky = web("thuky")
    page = f"/hoi-dong/{mid}/diem-danh"
    assert 'data-testid="counter-tv5"' in text(thuky.get(page))
    # an absent member on the committee: refused with the service's words, nothing recorded
    refused = post(thuky, page, data={"present": list(MEMBERS[:7]), "counter": ["tv5", "tv9"]}, follow_redirects=True)
    body = text(refused)
    assert 'data-testid="flash-danger"' in body
    assert vi(app, "The vote-counting committee is chosen from the members present: %(names)s.", names="tv9") in body
    assert c.show(mid)["attendance"] == []
    response = post(thuky, page, data={"present": list(MEMBERS[:7]), "written_voter": ["tv8", "tv9"],
                                       f"written_yes-{tinh}": "2", f"written_no-{tinh}": "0",
                                       "counter": ["tv5", "tv6"]})
    assert response.status_code == 302
    rows = {a["username"]: a for a in c.show(mid)["attendance"]}
    assert sorted(u for u, a in rows.items() if a["counter"]) == ["tv5", "tv6"]
    assert sorted(u for u, a in rows.items() if a["written_vote"]) == ["tv8", "tv9"]
    again = text(thuky.get(page))  # the screen shows what was recorded
    assert 'data-testid="counter-tv5" checked' in again and 'data-testid="counter-tv7" checked' not in again
    c.open(mid)
    c.votes(mid, {u: {tinh: "yes"} for u in MEMBERS[:7]})
    row = c.item(c.close(mid)["results"], tinh)
    assert (row["yes"], row["in_person"], row["in_writing"], row["denominator"]) == (9, 7, 2, 9)
    minutes = minutes_text(c, mid)
    assert "Ban kiểm phiếu gồm: Thành viên tv5 (" in minutes and "Thành viên tv6 (" in minutes


def test_counting_committee_through_the_api_is_refused_for_absent_members(c):
    pid = c.under_review(1)[0]
    mid = c.meeting([pid], present=None)
    body = {"present": list(MEMBERS[:7]), "counting_committee": ["tv9"]}
    err = c.call("secretary", "POST", f"/api/v1/meetings/{mid}/attendance", body, expect=422).get_json()["error"]
    assert "counting_committee" in err["details"]
    assert c.show(mid)["attendance"] == []
    body["counting_committee"] = ["uyvien", "tv5"]
    c.call("secretary", "POST", f"/api/v1/meetings/{mid}/attendance", body, expect=200)
    assert sorted(a["username"] for a in c.show(mid)["attendance"] if a["counter"]) == ["tv5", "uyvien"]
