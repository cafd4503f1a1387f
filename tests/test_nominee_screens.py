"""Nominees by screen: a nominator registers a household of its hamlet and corrects it; the
secretary registers a person, adds a past award on its page; the page shows the award history and
the nominee's proposals with a link to propose it. Scope: another unit's nominee is 404."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.proposals.helpers import screens_world
from tests.proposals.test_views import csrf_of, web
from workflow.org.models import AwardRecord, Nominee


@pytest.fixture
def w(app, client, session):
    return screens_world(app, client, session)


def test_a_nominator_registers_and_corrects_a_household(app, w, session):
    browser = web(app, "nominator", w)
    page = browser.get("/doi-tuong/moi").get_data(as_text=True)
    # a household needs its hamlet; a name is required: the form says so and nothing is written
    count = session.scalar(select(Nominee.id).order_by(Nominee.id.desc()))
    bad = browser.post("/doi-tuong/moi", data={"csrf_token": csrf_of(page), "kind": "household", "unit_code": "",
                                               "name": ""})
    assert bad.status_code == 200 and 'id="name-error"' in bad.get_data(as_text=True)
    assert session.scalar(select(Nominee.id).order_by(Nominee.id.desc())) == count
    done = browser.post("/doi-tuong/moi", data={"csrf_token": csrf_of(page), "kind": "household",
                                                "unit_code": "DB-NATO", "name": "Hộ ông Lường Văn Hộ",
                                                "head_name": "Lường Văn Hộ", "birth_year": ""})
    assert done.status_code == 302
    nominee = session.scalar(select(Nominee).where(Nominee.name == "Hộ ông Lường Văn Hộ"))
    assert (nominee.kind, nominee.unit.code, nominee.head_name) == ("household", "DB-NATO", "Lường Văn Hộ")
    detail = browser.get(f"/doi-tuong/{nominee.id}").get_data(as_text=True)
    assert "Lường Văn Hộ" in detail and 'data-testid="no-awards"' in detail
    assert "/ho-so/moi?unit=DB-NATO&amp;kind=household" in detail
    edit = browser.get(f"/doi-tuong/{nominee.id}/sua").get_data(as_text=True)
    saved = browser.post(f"/doi-tuong/{nominee.id}/sua", data={"csrf_token": csrf_of(edit), "name": "Hộ Lường Văn Hộ",
                                                                "head_name": "Lường Văn Hộ"})
    assert saved.status_code == 302
    session.expire_all()
    assert session.get(Nominee, nominee.id).name == "Hộ Lường Văn Hộ"
    assert f.audit_actions(session, "nominee", nominee.id) == ["nominee.create", "nominee.update"]
    # the list finds it
    listing = browser.get("/doi-tuong/?q=Lường").get_data(as_text=True)
    assert "Hộ Lường Văn Hộ" in listing


def test_the_nominee_page_shows_the_award_history_and_proposals(app, w, session):
    pid = w.person("Nông Văn Lịch Sử")
    w.post("secretary", f"/api/v1/nominees/{pid}/awards", {"award_type_code": "LDTT", "year": 2024,
                                                           "decision_number": "12/QĐ-UBND"})
    proposal = w.propose(pid, "LDTT")
    secretary = web(app, "secretary", w)
    page = secretary.get(f"/doi-tuong/{pid}").get_data(as_text=True)
    history = re.search(r'data-testid="award-history".*?</table>', page, re.S).group(0)
    assert "2024" in history and "12/QĐ-UBND" in history and "Lao động tiên tiến" in history
    assert f'/ho-so/{proposal["id"]}' in page
    # the secretary adds a past award by screen; bad input keeps the form with its message
    bad = secretary.post(f"/doi-tuong/{pid}/khen-thuong", data={"csrf_token": csrf_of(page),
                                                               "award_type_code": "LDTT", "year": "2023",
                                                               "decision_number": ""})
    assert bad.status_code == 422 and 'id="decision_number-error"' in bad.get_data(as_text=True)
    done = secretary.post(f"/doi-tuong/{pid}/khen-thuong", data={"csrf_token": csrf_of(page),
                                                                "award_type_code": "LDTT", "year": "2023",
                                                                "decision_number": "7/QĐ-UBND",
                                                                "decision_date": "2023-12-28"})
    assert done.status_code == 302
    years = sorted(session.scalars(select(AwardRecord.year).where(AwardRecord.nominee_id == pid)))
    assert years == [2023, 2024]
    # a nominator may not add history
    nominator = web(app, "nominator", w)
    form = nominator.get(f"/doi-tuong/{pid}").get_data(as_text=True)
    assert 'data-testid="open-add-award"' not in form
    assert nominator.post(f"/doi-tuong/{pid}/khen-thuong", data={"csrf_token": csrf_of(form),
                                                                "award_type_code": "LDTT", "year": "2022",
                                                                "decision_number": "1/QĐ"}).status_code == 404


def test_another_units_nominee_is_404(app, w, session):
    other_unit = f.unit(session, w.org["commune"], "DB-DONGDAU", name="Xóm Đồng Đau")
    f.user(session, "nominator", w.org["commune"], other_unit, username="xom_dongdau")
    pid = w.person("Ma Văn Riêng")
    other = web(app, "xom_dongdau")
    assert other.get(f"/doi-tuong/{pid}").status_code == 404
    assert other.get(f"/doi-tuong/{pid}/sua").status_code == 404
    assert "Ma Văn Riêng" not in other.get("/doi-tuong/").get_data(as_text=True)
    # and through the service behind the API
    assert w.call("xom_dongdau", "GET", f"/api/v1/nominees/{pid}").status_code == 404
