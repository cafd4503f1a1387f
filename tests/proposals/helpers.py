"""Shared set-up for proposal tests: a commune with users, a round, nominees, proposals via the API."""

from __future__ import annotations

from tests import factories as f


class World:
    """The commune of factories.commune_setup with API tokens and shortcuts."""

    def __init__(self, client, session):
        self.client, self.session = client, session
        self.org = f.commune_setup(session)
        self.tokens = {}
        self.round = self.post("secretary", "/api/v1/rounds", {
            "authority_code": "X-DB", "year": 2025, "kind": "annual", "title": "Tổng kết năm 2025",
            "nomination_deadline": "2025-12-15"})

    def auth(self, who: str) -> dict:
        if who not in self.tokens:
            username = self.org["users"][who].username if who in self.org["users"] else who
            self.tokens[who] = f.token(self.client, username)
        return self.tokens[who]

    def call(self, who, method, path, body=None, expect=None):
        response = self.client.open(path, method=method, json=body, headers=self.auth(who))
        if expect is not None:
            assert response.status_code == expect, (response.status_code, response.get_json())
        return response

    def post(self, who, path, body=None, expect=None):
        response = self.call(who, "POST", path, body or {})
        if expect is None:
            assert response.status_code in (200, 201), (path, response.status_code, response.get_json())
        elif response.status_code != expect:
            raise AssertionError((path, response.status_code, response.get_json()))
        return response.get_json()

    def get(self, who, path):
        response = self.call(who, "GET", path)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def person(self, name="Ma Văn Thử", unit="DB-NATO"):
        return self.post("nominator", "/api/v1/nominees", {
            "kind": "individual", "name": name, "authority_code": "X-DB", "unit_code": unit,
            "position": "Công chức"})["id"]

    def household(self, name="Hộ ông Ma Văn Tùng"):
        return self.post("nominator", "/api/v1/nominees", {
            "kind": "household", "name": name, "authority_code": "X-DB", "unit_code": "DB-NATO",
            "head_name": name.removeprefix("Hộ ông ")})["id"]

    def propose(self, nominee_id, award="LDTT", who="nominator", **extra):
        body = {"round_id": self.round["id"], "nominee_id": nominee_id, "award_type_code": award,
                "unit_code": "DB-NATO", "achievements": "Hoàn thành xuất sắc nhiệm vụ.", **extra}
        return self.post(who, "/api/v1/proposals", body)

    def event(self, who, pid, event, expect=200, **data):
        body = {"event": event}
        if "comment" in data:
            body["comment"] = data.pop("comment")
        if data:
            body["data"] = data
        response = self.call(who, "POST", f"/api/v1/proposals/{pid}/events", body)
        assert response.status_code == expect, (event, response.status_code, response.get_json())
        return response.get_json()

    def past_award(self, nominee_id, award, year, number=None):
        return self.post("secretary", f"/api/v1/nominees/{nominee_id}/awards", {
            "award_type_code": award, "year": year, "decision_number": number or f"{year}/QĐ-UBND"})


def screens_world(app, client, session) -> World:
    """A World for tests that sign in through the screens again and again (the sign-in limit
    lifted so that the tenth sign-in of a test is not refused)."""
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    return World(client, session)
