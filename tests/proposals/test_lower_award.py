"""A proposal the council did not recommend may be re-proposed for a lower award (SPEC §4: "a new
linked proposal"): by the API with ``linked_proposal_id`` or by the "propose for a lower award"
screen. Only a lower award (below it by deciding level and cash coefficient, or its own
prerequisite), in the same round (even once the round has closed: the council meets after the
deadline), by the unit or the secretary; the two proposals link to each other on their pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.proposals import rows
from tests.proposals.helpers import screens_world
from tests.proposals.test_views import csrf_of, web
from workflow.proposals.models import Proposal, Round


@pytest.fixture
def w(app, client, session):
    return screens_world(app, client, session)


def _failed(w, session, award="CSTDCS", state="not_recommended"):
    """A proposal of World's hamlet for ``award`` that the council voted down (inserted in its state)."""
    org = w.org
    round_ = session.get(Round, w.round["id"])
    proposal = rows.proposal_in_state(session, round_=round_, unit=org["hamlet"], state=state, award=award,
                                      achievements="Ba năm liền hoàn thành xuất sắc nhiệm vụ.")
    session.commit()
    return proposal


def _close_round(w):
    w.post("secretary", f"/api/v1/rounds/{w.round['id']}/close", {})


def _body(w, failed, award):
    return {"round_id": w.round["id"], "nominee_id": failed.nominee_id, "award_type_code": award,
            "unit_code": "DB-NATO", "achievements": "Hoàn thành tốt nhiệm vụ.", "linked_proposal_id": failed.id}


def test_the_api_re_proposes_for_a_lower_award_after_the_round_closed(w, session):
    failed = _failed(w, session)
    _close_round(w)
    # an ordinary new proposal is refused in the closed round
    other = w.person("Hoàng Thị Mới")
    refused = w.call("nominator", "POST", "/api/v1/proposals", {
        "round_id": w.round["id"], "nominee_id": other, "award_type_code": "LDTT", "unit_code": "DB-NATO"})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "round_closed"

    created = w.post("nominator", "/api/v1/proposals", _body(w, failed, "LDTT"))
    assert created["state"] == "draft" and created["linked_proposal_id"] == failed.id
    assert created["award_type_code"] == "LDTT"
    # the Giấy khen (same level, a smaller coefficient) is lower too, and the secretary may make it
    created = w.post("secretary", "/api/v1/proposals", _body(w, failed, "GK_XA"))
    assert created["linked_proposal_id"] == failed.id


@pytest.mark.parametrize("award", ["CSTDCS", "CSTD_TINH", "BK_TINH"])
def test_the_same_or_a_higher_award_is_refused_naming_the_field(w, session, award):
    failed = _failed(w, session)
    before = session.scalar(select(Proposal.id).order_by(Proposal.id.desc()))
    response = w.call("nominator", "POST", "/api/v1/proposals", _body(w, failed, award))
    assert response.status_code in (409, 422), response.get_json()
    error = response.get_json()["error"]
    if response.status_code == 422:
        assert "award_type_code" in error["details"]
        assert "Lao động tiên tiến" in error["details"]["award_type_code"]  # it lists what is allowed
    else:  # CSTĐCS again in the same round is the proposal itself: a duplicate
        assert award == "CSTDCS" and error["code"] == "duplicate"
    session.expire_all()
    assert session.scalar(select(Proposal.id).order_by(Proposal.id.desc())) == before


def test_a_proposal_still_in_play_gives_no_way_around_the_closed_round(w, session):
    recommended = _failed(w, session, state="recommended")
    _close_round(w)
    response = w.call("nominator", "POST", "/api/v1/proposals", _body(w, recommended, "LDTT"))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "round_closed"


def test_by_screen_the_unit_proposes_the_lower_award_and_the_pages_link(app, w, session):
    failed = _failed(w, session)
    browser = web(app, "nominator", w)
    page = browser.get(f"/ho-so/{failed.id}").get_data(as_text=True)
    assert 'data-testid="propose-lower"' in page

    form = browser.get(f"/ho-so/{failed.id}/de-nghi-thap-hon").get_data(as_text=True)
    offered = set(re.findall(r'name="award_type_code"[^>]*value="([A-Z_]+)"', form)) | set(
        re.findall(r'value="([A-Z_]+)"[^>]*name="award_type_code"', form))
    assert {"LDTT", "GK_XA"} <= offered
    assert not offered & {"CSTDCS", "CSTD_TINH", "BK_TINH"}
    assert "Ba năm liền hoàn thành xuất sắc nhiệm vụ." in form  # the achievements carried over

    # no choice: the form comes back with its message, nothing is created
    bad = browser.post(f"/ho-so/{failed.id}/de-nghi-thap-hon", data={"csrf_token": csrf_of(form)})
    assert bad.status_code == 200 and "invalid-feedback" in bad.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(Proposal).where(Proposal.linked_proposal_id == failed.id)) is None

    done = browser.post(f"/ho-so/{failed.id}/de-nghi-thap-hon", data={
        "csrf_token": csrf_of(form), "award_type_code": "LDTT", "achievements": "Hoàn thành tốt nhiệm vụ."})
    assert done.status_code == 302
    session.expire_all()
    draft = session.scalar(select(Proposal).where(Proposal.linked_proposal_id == failed.id))
    assert (draft.state, draft.award_type_code, draft.nominee_id, draft.round_id) == (
        "draft", "LDTT", failed.nominee_id, failed.round_id)
    assert done.headers["Location"].endswith(f"/ho-so/{draft.id}")
    assert f'href="/ho-so/{failed.id}"' in browser.get(f"/ho-so/{draft.id}").get_data(as_text=True)
    original = browser.get(f"/ho-so/{failed.id}").get_data(as_text=True)
    assert 'data-testid="linked-to"' in original and f'href="/ho-so/{draft.id}"' in original


def test_no_lower_award_link_for_other_roles_states_or_awards(app, w, session):
    failed = _failed(w, session)
    member = web(app, "council_member", w)
    assert 'data-testid="propose-lower"' not in member.get(f"/ho-so/{failed.id}").get_data(as_text=True)
    nominator = web(app, "nominator", w)
    away = nominator.get(f"/ho-so/{_failed(w, session, state='recommended').id}/de-nghi-thap-hon")
    assert away.status_code == 302  # back to the proposal, with the reason
    # LĐTT is the lowest title of a person: nothing lies below it
    lowest = _failed(w, session, award="LDTT")
    assert 'data-testid="propose-lower"' not in nominator.get(f"/ho-so/{lowest.id}").get_data(as_text=True)
