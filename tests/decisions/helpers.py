"""A commune (and, on demand, its district and province) with staff and councils, and shortcuts
that bring proposals to ``recommended`` through the API — the way the secretary and the council do."""

from __future__ import annotations

from sqlalchemy import select

from tests import factories as f
from tests.proposals.helpers import World
from workflow.org.models import Authority
from workflow.proposals.models import Proposal

COMMUNE_STAFF = {"secretary": "thuky", "chair": "chutich", "members": ["chutich", "uyvien", "thuky"]}


class Desk(World):
    """World (X-DB under H-DH under T-TN, round 2025) with a council of three at the commune."""

    def __init__(self, client, session):
        super().__init__(client, session)
        self.staff = {"X-DB": COMMUNE_STAFF}
        self.council("X-DB", [("chutich", "chair"), ("uyvien", "member"), ("thuky", "secretary")])

    def council(self, code: str, seats: list[tuple[str, str]]) -> None:
        self.call("admin", "PUT", f"/api/v1/authorities/{code}/council",
                  {"members": [{"username": u, "position": p} for u, p in seats]}, expect=200)

    def add_staff(self, code: str, prefix: str) -> dict:
        """A secretary, a chair and a member at ``code``, seated on its council."""
        authority = self.session.scalar(select(Authority).where(Authority.code == code))
        names = {"secretary": f"{prefix}_thuky", "chair": f"{prefix}_chutich", "member": f"{prefix}_uyvien"}
        for role, username in (("secretary", names["secretary"]), ("chair", names["chair"]),
                               ("council_member", names["member"])):
            f.user(self.session, role, authority, username=username, full_name=f"Cán bộ {username}")
        self.council(code, [(names["chair"], "chair"), (names["member"], "member"),
                            (names["secretary"], "secretary")])
        self.staff[code] = {"secretary": names["secretary"], "chair": names["chair"],
                            "members": [names["chair"], names["member"], names["secretary"]]}
        return self.staff[code]

    def proposal(self, pid: int) -> Proposal:
        self.session.expire_all()
        return self.session.get(Proposal, pid)

    def accepted(self, name: str, award: str = "GK_XA", **extra) -> int:
        pid = self.propose(self.person(name), award, **extra)["id"]
        self.event("nominator", pid, "submit")
        self.event("secretary", pid, "accept")
        return pid

    def recommend(self, pids: list[int], code: str = "X-DB") -> None:
        """Under review at ``code`` → recommended: without a vote where the award has none, else
        through one council meeting where every member votes yes."""
        staff = self.staff[code]
        voted = []
        for pid in pids:
            if (self.proposal(pid).award_rule or {}).get("council_vote"):
                voted.append(pid)
            else:
                self.event(staff["secretary"], pid, "skip_council")
        if voted:
            self.meeting(code, voted)
        for pid in pids:
            assert self.proposal(pid).state == "recommended", (pid, self.proposal(pid).state)

    def meeting(self, code: str, pids: list[int], no_votes: dict[int, int] | None = None) -> int:
        staff = self.staff[code]
        mid = self.post(staff["secretary"], "/api/v1/meetings", {
            "authority_code": code, "scheduled_at": "2025-12-20T08:00:00",
            "place": "Hội trường Ủy ban nhân dân"}, expect=201)["id"]
        self.post(staff["secretary"], f"/api/v1/meetings/{mid}/agenda", {"proposal_ids": pids})
        self.post(staff["secretary"], f"/api/v1/meetings/{mid}/attendance", {"present": staff["members"]})
        self.post(staff["chair"], f"/api/v1/meetings/{mid}/open")
        no_votes = no_votes or {}
        for i, member in enumerate(staff["members"]):
            votes = [{"proposal_id": pid, "choice": "no" if i < no_votes.get(pid, 0) else "yes"} for pid in pids]
            self.post(member, f"/api/v1/meetings/{mid}/ballots", {"votes": votes}, expect=201)
        self.post(staff["chair"], f"/api/v1/meetings/{mid}/close")
        return mid

    def decision(self, pids: list[int], award: str = "GK_XA", code: str = "X-DB", expect=201) -> dict:
        return self.post(self.staff[code]["secretary"], "/api/v1/decisions",
                         {"authority_code": code, "award_type_code": award, "proposal_ids": pids}, expect=expect)

    def issue(self, decision_id: int, code: str = "X-DB", expect=200, **body) -> dict:
        return self.post(self.staff[code]["chair"], f"/api/v1/decisions/{decision_id}/issue", body, expect=expect)

    def submission(self, pids: list[int], code: str = "X-DB", expect=201) -> dict:
        return self.post(self.staff[code]["secretary"], "/api/v1/submissions",
                         {"from_authority_code": code, "proposal_ids": pids}, expect=expect)

    def send(self, submission_id: int, code: str = "X-DB", expect=200, **body) -> dict:
        return self.post(self.staff[code]["chair"], f"/api/v1/submissions/{submission_id}/send", body,
                         expect=expect)

    def download(self, who: str, path: str, expect: int = 200):
        response = self.client.get(path, headers=self.auth(who))
        assert response.status_code == expect, (path, response.status_code, response.get_data()[:300])
        return response
