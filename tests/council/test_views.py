"""The council screens through Flask's test client: the secretary schedules a meeting, builds its
agenda and takes attendance; a member votes with a confirmation step and is then locked out; the
chair opens (the quorum refused with its numbers), follows a count only, settles a cap tie and
reads the results. A refused action shows the service's message and changes nothing."""

from __future__ import annotations

import html
import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from tests import factories as f
from tests.council.helpers import MEMBERS, audit_count, ballot_counts, sealed_choices


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)


def vi(app, message: str, **values) -> str:
    with app.test_request_context("/"), force_locale("vi"):
        return html.escape(_(message, **values), quote=False)


@pytest.fixture
def web(app):
    """``web(username)``: a test client signed in through the sign-in form."""
    def sign_in(username: str):
        browser = app.test_client()
        token = csrf_of(browser.get("/dang-nhap").get_data(as_text=True))
        response = browser.post("/dang-nhap", data={"username": username, "password": f.PASSWORD,
                                                    "csrf_token": token})
        assert response.status_code == 302
        return browser
    return sign_in


CONFIRM = {"confirm": "1"}  # an irreversible act's confirmation step (see test_confirmations)


def post(browser, page: str, action: str | None = None, data=None, **kwargs):
    token = csrf_of(browser.get(page).get_data(as_text=True))
    return browser.post(action or page, data={"csrf_token": token, **(data or {})}, **kwargs)


def text(response) -> str:
    return response.get_data(as_text=True)


def test_secretary_schedules_builds_the_agenda_and_takes_attendance(c, web, app, session):
    ldtt = c.under_review(2)
    # GĐVH: no council vote (the hamlet meeting decides the list)
    no_vote = c.propose(c.household("Hộ ông Ma Văn Khen"), "GDVH", evidence={
        "meeting": {"held_on": "2025-11-12", "invited": 40, "present": 30, "agreed": 28},
        "notice": {"from": "2025-11-13", "to": "2025-11-22"}})["id"]
    c.event("nominator", no_vote, "submit")
    c.event("secretary", no_vote, "accept")
    draft = c.propose(c.person("Hoàng Văn Nháp"))["id"]
    thuky = web("thuky")
    assert 'href="/hoi-dong/"' in text(thuky.get("/"))  # the menu entry
    response = post(thuky, "/hoi-dong/moi", data={"authority_code": "X-DB", "scheduled_at": "2025-12-20T08:00",
                                                  "place": "Hội trường UBND xã"})
    assert response.status_code == 302
    mid = int(re.search(r"/hoi-dong/(\d+)/chuong-trinh", response.headers["Location"]).group(1))
    meeting = c.show(mid)
    assert (meeting["place"], meeting["status"]) == ("Hội trường UBND xã", "scheduled")
    assert meeting["scheduled_at"].startswith("2025-12-20T01:00")  # 08:00 in Hà Nội, stored in UTC

    page = text(thuky.get(f"/hoi-dong/{mid}/chuong-trinh"))
    offered = {int(i) for i in re.findall(r'name="proposal_id" value="(\d+)"', page)}
    assert offered == set(ldtt)  # not the one without a council vote, not the draft
    assert no_vote not in offered and draft not in offered
    response = post(thuky, f"/hoi-dong/{mid}/chuong-trinh", data={"proposal_id": ldtt})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/hoi-dong/{mid}/diem-danh")
    assert [i["proposal_id"] for i in c.show(mid)["agenda"]] == ldtt
    assert all(c.state(p) == "in_council" for p in ldtt)
    # nothing chosen: the service's message, nothing changes
    before = audit_count(session)
    response = post(thuky, f"/hoi-dong/{mid}/chuong-trinh", follow_redirects=True)
    assert vi(app, "Choose at least one proposal.") in text(response) and audit_count(session) == before

    page = text(thuky.get(f"/hoi-dong/{mid}/diem-danh"))
    assert set(re.findall(r'name="present" value="([^"]+)"', page)) == set(MEMBERS)
    assert "written_voter" not in page  # LĐTT takes no written votes
    response = post(thuky, f"/hoi-dong/{mid}/diem-danh", data={"present": list(MEMBERS[:7])})
    assert response.status_code == 302
    assert [a["username"] for a in c.show(mid)["attendance"] if a["present"]] == list(MEMBERS[:7])


def test_written_votes_through_the_attendance_screen(c, web):
    tinh = c.cstd_tinh()
    mid = c.meeting([tinh], present=None)
    thuky = web("thuky")
    page = f"/hoi-dong/{mid}/diem-danh"
    assert "written_voter" in text(thuky.get(page))
    response = post(thuky, page, data={"present": list(MEMBERS[:7]), "written_voter": ["tv8", "tv9"],
                                       f"written_yes-{tinh}": "2", f"written_no-{tinh}": ""})
    assert response.status_code == 302
    assert c.open(mid)["progress"]["voted"] == 2
    # a present member ticked as a written voter too: refused, with the service's words
    mid2 = c.meeting([c.cstd_tinh("Nông Văn Hai")], present=None)
    response = post(thuky, f"/hoi-dong/{mid2}/diem-danh", data={"present": list(MEMBERS), "written_voter": ["tv9"]},
                    follow_redirects=True)
    assert 'data-testid="flash-danger"' in text(response) and c.show(mid2)["attendance"] == []


def test_roles_and_scope(c, web):
    pid = c.under_review(1)[0]
    mid = c.meeting([pid])
    assert web("uyvien").get(f"/hoi-dong/{mid}/chuong-trinh").status_code == 403
    assert web("chutich").get(f"/hoi-dong/{mid}/diem-danh").status_code == 403
    assert web("truongxom").get(f"/hoi-dong/{mid}").status_code == 404
    assert web("truongxom").get("/hoi-dong/moi").status_code == 404
    assert web("uyvien").get("/hoi-dong/moi").status_code == 404
    assert web("uyvien").get(f"/hoi-dong/{mid}").status_code == 200


def test_the_chair_is_told_the_quorum_numbers(c, web, app, session):
    pid = c.under_review(1)[0]
    mid = c.meeting([pid], present=MEMBERS[:5])
    chutich = web("chutich")
    page = text(chutich.get(f"/hoi-dong/{mid}"))
    assert 'data-testid="open-vote"' in page and 'data-testid="close-vote"' not in page
    before = audit_count(session)
    response = post(chutich, f"/hoi-dong/{mid}", f"/hoi-dong/{mid}/mo-bo-phieu", CONFIRM, follow_redirects=True)
    assert vi(app, "No quorum: %(present)d of %(size)d members present, %(needed)d needed.",
              present=5, size=9, needed=6) in text(response)
    assert c.show(mid)["status"] == "scheduled" and audit_count(session) == before
    c.attendance(mid, MEMBERS[:6])
    post(chutich, f"/hoi-dong/{mid}", f"/hoi-dong/{mid}/mo-bo-phieu", CONFIRM)
    assert c.show(mid)["status"] == "voting"


def test_a_member_votes_with_a_confirmation_step_then_is_locked(c, web, app, session):
    own = c.accepted(c.nominee(name="Triệu Văn Ủy", username="uyvien"), "LDTT", who="secretary")
    first, second = c.under_review(2)
    mid = c.meeting([own, first, second], open_=True)
    uyvien = web("uyvien")
    page = f"/hoi-dong/{mid}/phieu-bau"
    form = text(uyvien.get(page))
    assert set(re.findall(r'name="choice-(\d+)" id="yes-', form)) == {str(first), str(second)}
    assert re.search(rf'data-proposal="{own}" data-status="recused"', form)

    # one item left out: asked again, nothing stored
    response = post(uyvien, page, data={"step": "review", f"choice-{first}": "yes"})
    assert response.status_code == 422
    assert re.search(rf'id="yes-{first}" value="yes" autocomplete="off"\s+required checked', text(response))
    assert re.search(rf'data-proposal="{second}" data-status="open"', text(response))
    assert ballot_counts(session, mid)[first] == (0, 0, 0)
    response = post(uyvien, page, data={"step": "review", f"choice-{first}": "yes", f"choice-{second}": "no"})
    confirm = text(response)
    assert 'data-testid="confirm-ballot"' in confirm and 'data-testid="cast-ballot"' in confirm
    assert f'name="choice-{first}" value="yes"' in confirm and f'name="choice-{second}" value="no"' in confirm
    assert ballot_counts(session, mid)[first] == (0, 0, 0)  # reviewing stores nothing

    # "change my choices" brings the form back with the choices made
    back = text(uyvien.post(page, data={"csrf_token": csrf_of(confirm), "step": "edit", f"choice-{first}": "yes",
                                        f"choice-{second}": "no"}))
    assert re.search(rf'id="no-{second}" value="no" autocomplete="off"\s+required checked', back)

    response = uyvien.post(page, data={"csrf_token": csrf_of(confirm), "step": "cast", f"choice-{first}": "yes",
                                       f"choice-{second}": "no"}, follow_redirects=True)
    locked = text(response)
    assert 'data-testid="ballot-locked"' in locked and 'name="choice-' not in locked
    # a receipt and a sealed ballot per item; the counts move only at the close
    assert ballot_counts(session, mid) == {own: (0, 0, 0), first: (0, 0, 1), second: (0, 0, 1)}
    assert sealed_choices(app, session, mid) == {own: [], first: ["yes"], second: ["no"]}
    # replaying the cast (a second tab, a double click): refused, nothing changes
    before = (ballot_counts(session, mid), sealed_choices(app, session, mid), audit_count(session))
    response = uyvien.post(page, data={"csrf_token": csrf_of(confirm), "step": "cast", f"choice-{first}": "no",
                                       f"choice-{second}": "no"}, follow_redirects=True)
    assert 'data-testid="ballot-locked"' in text(response)
    assert (ballot_counts(session, mid), sealed_choices(app, session, mid), audit_count(session)) == before
    # the meeting page now says "my ballot", not "go vote"
    assert 'data-testid="go-ballot"' not in text(uyvien.get(f"/hoi-dong/{mid}"))


def test_an_absent_member_and_a_closed_vote_offer_no_ballot(c, web):
    pid = c.under_review(1)[0]
    mid = c.meeting([pid], present=MEMBERS[:8], open_=True)
    assert 'name="choice-' not in text(web("tv9").get(f"/hoi-dong/{mid}/phieu-bau"))
    assert web("truongxom").get(f"/hoi-dong/{mid}/phieu-bau").status_code == 404


def test_the_chair_sees_a_count_then_the_results(c, web, app):
    first, second = c.under_review(2)
    mid = c.meeting([first, second], open_=True)
    c.vote("uyvien", mid, {first: "yes", second: "no"})
    c.vote("pct", mid, {first: "yes", second: "yes"})
    chutich = web("chutich")
    page = text(chutich.get(f"/hoi-dong/{mid}"))
    assert vi(app, "%(voted)d of %(present)d members present have voted", voted=2, present=9) in page
    assert 'data-testid="close-vote"' in page and 'data-testid="yes"' not in page
    # results before the close: the service's refusal, back on the meeting page
    response = chutich.get(f"/hoi-dong/{mid}/ket-qua", follow_redirects=True)
    assert vi(app, "Results are available only after the vote closes.") in text(response)
    assert 'data-testid="results"' not in text(response)
    c.votes(mid, {u: {first: "yes", second: "no"} for u in MEMBERS if u not in ("uyvien", "pct")})
    response = post(chutich, f"/hoi-dong/{mid}", f"/hoi-dong/{mid}/ket-thuc-bo-phieu", CONFIRM, follow_redirects=True)
    results = text(response)
    assert 'data-testid="results"' in results
    yes = re.findall(r'data-testid="yes">(\d+)<', results)
    assert yes == ["9", "1"] and re.findall(r'data-testid="denominator">(\d+)<', results) == ["9", "9"]
    assert f"/hoi-dong/{mid}/bien-ban.docx" in results and f"/hoi-dong/{mid}/bien-ban.pdf" in results
    # the signed-in chair downloads the minutes from the screen (a session, not an API token)
    minutes = chutich.get(f"/hoi-dong/{mid}/bien-ban.pdf")
    assert minutes.status_code == 200 and minutes.data.startswith(b"%PDF")
    assert "attachment" in minutes.headers["Content-Disposition"]
    assert (c.state(first), c.state(second)) == ("recommended", "not_recommended")
    # a member reads them too
    assert re.findall(r'data-testid="yes">(\d+)<', text(web("tv5").get(f"/hoi-dong/{mid}/ket-qua"))) == ["9", "1"]


def test_the_chair_settles_a_cap_tie_on_the_screen(c, web, session):
    history = c.cap_history(400)  # NĐ 91/2017's cap, 18 LĐTT awardees
    ldtt = [c.accepted(c.person(f"Đề nghị LĐTT {i}"), "LDTT") for i in range(2)]
    top, tied_a, tied_b = (c.accepted(n, "CSTDCS") for n in history[:3])
    mid = c.meeting(ldtt + [top, tied_a, tied_b], open_=True)
    c.votes(mid, {u: {ldtt[0]: "no", ldtt[1]: "no", top: "yes", tied_a: "yes" if i < 6 else "no",
                      tied_b: "yes" if i < 6 else "no"} for i, u in enumerate(MEMBERS)})
    chutich = web("chutich")
    response = post(chutich, f"/hoi-dong/{mid}", f"/hoi-dong/{mid}/ket-thuc-bo-phieu", CONFIRM)
    assert response.status_code == 409
    page = text(response)
    assert 'data-testid="cap-tie"' in page
    assert set(re.findall(r'name="tie_break" value="(\d+)"', page)) == {str(tied_a), str(tied_b)}
    assert c.show(mid)["status"] == "voting"
    response = chutich.post(f"/hoi-dong/{mid}/ket-thuc-bo-phieu", data={"csrf_token": csrf_of(page),
                                                                        "tie_break": [str(tied_a)], **CONFIRM})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/hoi-dong/{mid}/ket-qua")
    assert (c.state(tied_a), c.state(tied_b)) == ("recommended", "not_recommended")


def test_meetings_list(c, web):
    pid = c.under_review(1)[0]
    mid = c.meeting([pid], open_=True)
    page = text(web("uyvien").get("/hoi-dong/"))
    assert f'href="/hoi-dong/{mid}"' in page and f'href="/hoi-dong/{mid}/phieu-bau"' in page
    assert 'data-testid="new-meeting"' not in page
    assert 'data-testid="new-meeting"' in text(web("thuky").get("/hoi-dong/"))


def test_the_ballot_page_reads_its_items_in_a_fixed_number_of_statements(c, web, app):
    """A member's ballot: the same statements for an agenda of 2 and of 8 (no select per item)."""
    from tests.test_dashboards import _statements

    small = c.meeting(c.under_review(2, prefix="Nhỏ"), open_=True)
    large = c.meeting(c.under_review(8, prefix="Lớn"), open_=True)
    uyvien = web("uyvien")
    _statements(app, uyvien, f"/hoi-dong/{small}/phieu-bau")  # warm
    few = _statements(app, uyvien, f"/hoi-dong/{small}/phieu-bau")
    assert text(uyvien.get(f"/hoi-dong/{large}/phieu-bau")).count('value="yes"') == 8
    assert _statements(app, uyvien, f"/hoi-dong/{large}/phieu-bau") == few <= 12
