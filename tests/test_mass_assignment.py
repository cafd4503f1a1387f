"""No mass assignment (issue 13): a body field that the caller may not set — a state, a version on
creation, the authority a proposal sits at, who created it, an id, the rule set or award rule it
was judged by, an account's standing — is refused with a 422 naming it, and nothing is written.
Every request model of every API module refuses unknown fields, so a new one cannot forget it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from pydantic import BaseModel
from sqlalchemy import func, select

import workflow
from tests.decisions.helpers import Desk
from workflow.db import Base


def api_models() -> list[type[BaseModel]]:
    found = []
    for info in pkgutil.iter_modules(workflow.__path__):
        try:
            module = importlib.import_module(f"workflow.{info.name}.api")
        except ModuleNotFoundError:
            continue
        found += [obj for obj in vars(module).values() if inspect.isclass(obj) and issubclass(obj, BaseModel)
                  and obj.__module__ == module.__name__]
    return found


def test_every_api_request_model_refuses_unknown_fields():
    models = api_models()
    assert {"ProposalIn", "UserIn", "TokenIn", "MeetingIn", "RoundIn", "NomineeIn"} <= {m.__name__ for m in models}
    lax = [m.__qualname__ for m in models if m.model_config.get("extra") != "forbid"]
    assert not lax


@pytest.fixture
def w(client, session):
    return Desk(client, session)  # the commune with its council seated


def rows(session) -> dict:
    session.expire_all()
    return {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def _proposal(w) -> dict:
    return {"round_id": w.round["id"], "nominee_id": w.person(), "award_type_code": "LDTT",
            "unit_code": "DB-NATO", "achievements": "Hoàn thành xuất sắc nhiệm vụ."}


CASES = [
    # (who, method, path, valid body maker, the field slipped in)
    *[("nominator", "POST", "/api/v1/proposals", _proposal, {field: value}) for field, value in [
        ("state", "approved"), ("version", 7), ("current_authority_id", 1), ("created_by_id", 1), ("id", 999),
        ("rule_set_code", "vn-2017"), ("award_rule", {"council_vote": False}), ("origin_authority_id", 1)]],
    ("nominator", "POST", "/api/v1/nominees",
     lambda w: {"kind": "individual", "name": "Ma Thị Mới", "authority_code": "X-DB", "unit_code": "DB-NATO"},
     {"id": 1}),
    ("secretary", "POST", "/api/v1/rounds",
     lambda w: {"authority_code": "X-DB", "year": 2026, "kind": "campaign", "title": "Đợt mới",
                "nomination_deadline": "2026-10-01"}, {"closed_at": "2026-01-01T00:00:00"}),
    ("secretary", "POST", "/api/v1/meetings",
     lambda w: {"authority_code": "X-DB", "scheduled_at": "2025-12-20T08:00:00", "place": "Hội trường"},
     {"status": "closed"}),
    ("admin", "POST", "/api/v1/users",
     lambda w: {"username": "moi", "password": "Mat-khau-dai-2026", "full_name": "Người Mới",
                "roles": [{"role": "secretary", "authority_code": "X-DB"}]}, {"must_change_password": False}),
    ("admin", "POST", "/api/v1/users",
     lambda w: {"username": "moi", "password": "Mat-khau-dai-2026", "full_name": "Người Mới",
                "roles": [{"role": "secretary", "authority_code": "X-DB"}]}, {"active": True, "id": 1}),
]


@pytest.mark.parametrize("who,method,path,make,extra", CASES)
def test_a_field_the_caller_may_not_set_is_refused_by_name(w, session, who, method, path, make, extra):
    body = make(w)
    w.auth(who)  # the token first: it is a row too
    before = rows(session)
    response = w.call(who, method, path, {**body, **extra})
    assert response.status_code == 422, response.get_json()
    assert set(extra) <= set(response.get_json()["error"]["details"])
    assert rows(session) == before
    assert w.call(who, method, path, body).status_code == 201  # the same body without it is fine


def test_an_edit_cannot_move_a_proposal_or_change_its_state(w, session):
    p = w.propose(w.person())
    for extra in ({"state": "approved"}, {"current_authority_id": w.org["district"].id}, {"award_type_code": "CSTDCS"}):
        response = w.call("nominator", "PATCH", f"/api/v1/proposals/{p['id']}",
                          {"version": p["version"], "achievements": "Sửa.", **extra})
        assert response.status_code == 422 and set(extra) <= set(response.get_json()["error"]["details"])
    after = w.get("nominator", f"/api/v1/proposals/{p['id']}")
    assert (after["state"], after["version"], after["award_type_code"]) == ("draft", p["version"], "LDTT")


def test_a_nominee_cannot_give_themself_roles(w):
    """Only an administrator sets roles: the account calls (token, me, password) take none."""
    assert w.call("nominator", "POST", "/api/v1/auth/password", {
        "current_password": "Mat-khau-2024!", "new_password": "Mat-khau-moi-2026",
        "roles": [{"role": "admin"}]}).status_code == 422
    token = w.client.post("/api/v1/auth/token", json={"username": "truongxom", "password": "Mat-khau-2024!",
                                                      "roles": ["admin"]})
    assert token.status_code == 422 and "roles" in token.get_json()["error"]["details"]
    assert w.call("nominator", "POST", "/api/v1/users", {
        "username": "tu_cap", "password": "Mat-khau-dai-2026", "full_name": "Tự Cấp",
        "roles": [{"role": "admin"}]}).status_code == 403
