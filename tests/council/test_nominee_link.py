"""Linking a nominee to a user account (issue 15, item 4). The link recuses that user from every
council vote on the nominee, so only the secretary or admin of the nominee's authority sets it,
only to a user of that authority, and the answer never tells whether a user name exists."""

from __future__ import annotations

from sqlalchemy import func, select

from tests import factories as f
from tests.council.helpers import MEMBERS, audit_count
from workflow.org.models import Nominee


def _stored(c) -> tuple[int, int, list]:
    c.session.expire_all()
    return (c.session.scalar(select(func.count()).select_from(Nominee)), audit_count(c.session),
            sorted(c.session.execute(select(Nominee.id, Nominee.user_id)).all()))


def _other_commune(c):
    """A second commune with its own secretary: a user name that exists, out of X-DB's scope."""
    other = f.authority(c.session, "X-KHAC", "commune", c.org["district"], name="UBND xã Khác")
    f.user(c.session, "secretary", other, username="thukykhac")
    return other


def test_a_nominator_cannot_recuse_the_chair_by_linking_a_nominee_to_him(c):
    before = _stored(c)
    body = {"kind": "individual", "name": "Ma Văn Mạo", "authority_code": "X-DB", "unit_code": "DB-NATO",
            "username": "chutich"}
    err = c.call("nominator", "POST", "/api/v1/nominees", body, expect=422).get_json()["error"]
    assert err["code"] == "validation_error" and list(err["details"]) == ["username"]
    assert _stored(c) == before  # nothing created
    # the same nominee without the field: a proposal the chair votes on and presides over
    nominee = c.post("nominator", "/api/v1/nominees", {k: v for k, v in body.items() if k != "username"})
    assert nominee["username"] is None
    pid = c.accepted(nominee["id"])
    mid = c.meeting([pid], open_=True)
    item = c.show(mid, "chutich")["agenda"][0]
    assert (item["recused"], item["presiding"]) == ([], "chutich")
    c.votes(mid, {u: {pid: "yes"} for u in MEMBERS})
    assert c.item(c.close(mid)["results"], pid)["yes"] == 9


def test_unknown_and_out_of_scope_user_names_get_the_same_answer(c):
    _other_commune(c)
    before = _stored(c)
    answers = []
    for username in ("khongcoai", "thukykhac", "root_admin"):  # unknown; another commune; deployment admin
        body = {"kind": "individual", "name": "Hoàng Văn Dò", "authority_code": "X-DB", "unit_code": "DB-NATO",
                "username": username}
        response = c.call("secretary", "POST", "/api/v1/nominees", body)
        answers.append((response.status_code, response.get_json()))
    assert answers[0][0] == 422 and list(answers[0][1]["error"]["details"]) == ["username"]
    assert answers[1] == answers[0] and answers[2] == answers[0]
    assert _stored(c) == before


def test_the_secretary_links_and_unlinks_an_account_of_the_authority(c):
    _other_commune(c)
    nominee = c.post("nominator", "/api/v1/nominees", {"kind": "individual", "name": "Triệu Văn Ủy",
                                                      "authority_code": "X-DB", "unit_code": "DB-NATO"})["id"]
    path = f"/api/v1/nominees/{nominee}/account"
    before = _stored(c)
    # the nominator sees the nominee but may not link it; another commune's secretary does not see it
    assert c.call("nominator", "PUT", path, {"username": "uyvien"}, expect=403).get_json()["error"]["code"] == \
        "forbidden"
    assert c.call("thukykhac", "PUT", path, {"username": "uyvien"}, expect=404).get_json()["error"]["code"] == \
        "not_found"
    unknown = c.call("secretary", "PUT", path, {"username": "khongcoai"}, expect=422).get_json()
    assert c.call("secretary", "PUT", path, {"username": "thukykhac"}, expect=422).get_json() == unknown
    assert c.call("secretary", "PUT", path, {}, expect=422).get_json()["error"]["details"].keys() == {"username"}
    assert _stored(c) == before
    # linked: the member is recused on the item; unlinked: not any more
    assert c.call("secretary", "PUT", path, {"username": "uyvien"}, expect=200).get_json()["username"] == "uyvien"
    pid = c.accepted(nominee)
    mid = c.meeting([pid], open_=True)
    assert c.show(mid)["agenda"][0]["recused"] == ["uyvien"]
    assert c.call("secretary", "PUT", path, {"username": None}, expect=200).get_json()["username"] is None
    assert c.get("secretary", f"/api/v1/nominees/{nominee}")["username"] is None
