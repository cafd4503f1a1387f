"""Access generated from the URL map (issue 13): every screen and API route that names an object by
id or code answers 404 — never 200, 403 or 500, never a word of the object — to a signed-in user of
another authority (and, for what belongs to a hamlet, to the nominator of another hamlet). A new
route is walked without anyone adding it here; a route that is public on purpose is in PUBLIC."""

from __future__ import annotations

import io

import pytest

from tests import factories as f
from tests.security_world import SECRETS, browser_for, build
from workflow.api.core import ROUTES

# Routes that name a code but are meant for everyone, each with the reason.
PUBLIC = {
    # the public notice (niêm yết công khai) of a commune: anyone reads it and may object, by law
    "public.notices": "public notice page",
    "api.public_notices": "public notice list",
    "api.file_objection": "an objection to a public notice",
    # the rule-set catalogue is the deployment's (the law), not one authority's object; only the
    # deployment admin edits it (tests/catalog/test_admin_catalogue.py)
    "api.save_award_type": "deployment-wide catalogue",
    "catalog.edit_award_type": "deployment-wide catalogue (the screen of api.save_award_type)",
}

# the arguments that name an object; the others (fmt, day, lang, filename) are filled in below
OBJECT_ARGS = {"proposal_id", "attachment_id", "objection_id", "nominee_id", "round_id", "meeting_id",
               "decision_id", "submission_id", "notification_id", "user_id", "code", "doc_id"}
# what a nominator of another hamlet of the same commune must not reach: the hamlet's own dossiers
UNIT_ARGS = {"proposal_id", "attachment_id", "objection_id", "nominee_id"}
OTHER_ARGS = {"fmt": "docx", "unit_code": "DB-NATO", "rule_set": "vn-2025", "kind": "nomination_deadline"}

# A valid body for each API route that validates one, so that the answer is about the object and
# not a 422 about the body. A new route with a body fails below until it has one here.
BODIES = {
    "api.update_authority": {"name": "UBND xã Đổi Tên"},
    "api.set_council": {"members": [{"username": "thuky_kh", "position": "secretary"}]},
    "api.set_decision_bases": {"lines": ["Căn cứ Luật Thi đua, khen thưởng năm 2022;"]},
    "api.set_submission_bases": {"lines": ["Căn cứ Luật Thi đua, khen thưởng năm 2022;"]},
    "api.set_agenda": {"proposal_ids": [1]},
    "api.record_attendance": {"present": ["thuky_kh"]},
    "api.cast_ballot": {"votes": [{"proposal_id": 1, "choice": "yes"}]},
    "api.show_of_hands": {"proposal_id": 1, "yes": 1, "no": 0},
    "api.link_account": {"username": None},
    "api.add_past_award": {"award_type_code": "LDTT", "year": 2024, "decision_number": "1/QĐ-UBND"},
    "api.resolve_objection": {"resolution": "Đã xác minh."},
    "api.edit_proposal": {"version": 1, "achievements": "Sửa thành tích."},
    "api.fire_event": {"event": "accept"},
    "api.paper_received": {"doc_type": "bao_cao_thanh_tich"},
    "api.apply_rule_set": {"rule_set": "vn-2025"},
    "api.update_round": {"title": "Đổi tên đợt"},
    "api.record_outcome": {"proposal_id": 1, "outcome": "approved"},
    "api.answer_submission": {"outcome": "approved"},
    "api.reset_password": {"password": "Mot-mat-khau-moi-2025"},
    "api.update_unit": {"name": "Xóm Đổi Tên"},
    "api.set_user_roles": {"roles": [{"role": "secretary", "authority_code": "X-KH"}]},
}
UPLOADS = {"api.upload_attachment"}


def object_routes(app) -> list:
    rules = [r for r in app.url_map.iter_rules() if set(r.arguments) & OBJECT_ARGS]
    assert len(rules) > 80  # the walk sees the whole map
    return sorted(rules, key=lambda r: (r.rule, r.endpoint))


def method_of(rule) -> str:
    methods = rule.methods - {"HEAD", "OPTIONS"}
    return "GET" if "GET" in methods else methods.pop() if len(methods) == 1 else pytest.fail(rule.rule)


def url_of(rule, ids: dict) -> str:
    values = {}
    for arg in rule.arguments - set(rule.defaults or {}):
        if arg == "doc_id":
            values[arg] = ids["submission_id" if rule.endpoint.endswith("submission_bases") else "decision_id"]
        else:
            values[arg] = ids[arg] if arg in ids else OTHER_ARGS[arg]
    return rule.build(values)[1]


def ask(app, who: dict, rule, ids: dict):
    """The route as ``who`` calls it: the API with its bearer token, a screen with its cookie and
    a valid CSRF token."""
    method, url = method_of(rule), url_of(rule, ids)
    if rule.endpoint.startswith("api."):
        kwargs = {"headers": who["token"]}
        if rule.endpoint in UPLOADS:
            kwargs["data"] = {"doc_type": "bao_cao_thanh_tich", "file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")}
        elif method != "GET":
            doc = ROUTES.get(rule.endpoint)
            assert doc is None or doc.body is None or rule.endpoint in BODIES, \
                f"add a valid body for {rule.endpoint} to BODIES"
            kwargs["json"] = BODIES.get(rule.endpoint, {})
        return who["api"].open(url, method=method, **kwargs)
    data = {"csrf_token": who["csrf"]} if method == "POST" else None
    return who["browser"].open(url, method=method, data=data)


@pytest.fixture
def world(app, client, session):
    world = build(app, client, session)
    people = {}
    for name, username in [*world["outsiders"].items(), ("neighbour", world["neighbour"])]:
        browser, csrf = browser_for(app, username)
        api = app.test_client()
        people[name] = {"browser": browser, "csrf": csrf, "api": api, "token": f.token(api, username)}
    world["people"] = people
    return world


def test_every_object_route_is_404_to_another_authority(app, world):
    ids, wrong = world["ids"], []
    for rule in object_routes(app):
        if rule.endpoint in PUBLIC:
            continue
        for name, who in world["people"].items():
            if name == "neighbour" and not set(rule.arguments) & UNIT_ARGS:
                continue
            response = ask(app, who, rule, ids)
            body = response.get_data(as_text=True)
            response.close()
            leaked = [s for s in SECRETS if s in body]
            if response.status_code != 404 or leaked:
                wrong.append((name, method_of(rule), url_of(rule, ids), response.status_code, leaked, body[:160]))
    assert not wrong, "\n".join(map(str, wrong))


def test_the_walked_objects_exist_for_their_own_authority(app, world):
    """The 404s above are about scope: the deployment admin or the commune's secretary reaches
    every object the walk names."""
    insiders = []
    for username in ("root_admin", "thuky"):
        api = app.test_client()
        insiders.append((api, f.token(api, username), browser_for(app, username)[0]))
    missing = []
    for rule in object_routes(app):
        if method_of(rule) != "GET" or rule.endpoint in PUBLIC:
            continue
        url = url_of(rule, world["ids"])
        answers = []
        for api, headers, browser in insiders:
            response = api.get(url, headers=headers) if url.startswith("/api/") else browser.get(url)
            response.close()  # a download is streamed from its file
            answers.append(response.status_code)
        if 404 in answers and len(set(answers)) == 1:
            missing.append(url)
    assert not missing


def test_the_public_list_is_only_of_routes_that_exist(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert set(PUBLIC) <= endpoints
    assert set(BODIES) <= endpoints
