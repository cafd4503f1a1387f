"""A commune with a council of nine, proposals under review, and shortcuts for the meeting API.

The council (9 seats, like Định Biên's): chutich (chair), pct (vice-chair), thuky (secretary),
uyvien and tv5…tv9 (members). Everything goes through the API, as an outside client would.
"""

from __future__ import annotations

from sqlalchemy import func, select

from tests import factories as f
from tests.proposals.helpers import World
from workflow.org import services as org
from workflow.org.services import system_actor

SEATS = (("chutich", "chair"), ("pct", "vice_chair"), ("thuky", "secretary"), ("uyvien", "member"),
         ("tv5", "member"), ("tv6", "member"), ("tv7", "member"), ("tv8", "member"), ("tv9", "member"))
MEMBERS = tuple(username for username, _position in SEATS)
YEAR = 2025


class Council(World):
    """World (commune X-DB, round 2025) plus a council of nine and meeting helpers."""

    def __init__(self, client, session):
        super().__init__(client, session)
        commune = self.org["commune"]
        self.users = {u.username: u for u in self.org["users"].values()}
        for username in ("pct", "tv5", "tv6", "tv7", "tv8", "tv9"):
            self.users[username] = f.user(session, "council_member", commune, username=username,
                                          full_name=f"Thành viên {username}")
        self.call("admin", "PUT", "/api/v1/authorities/X-DB/council",
                  {"members": [{"username": u, "position": p} for u, p in SEATS]}, expect=200)

    # --- people and proposals -------------------------------------------------------------------

    def user_with_roles(self, username: str, roles: list[dict], full_name: str | None = None):
        user = org.create_user(self.session, system_actor(), username=username, password=f.PASSWORD,
                               full_name=full_name or username.title(), roles=roles)
        self.users[username] = user
        return user

    def nominee(self, kind="individual", name="Ma Văn Thử", unit="DB-NATO", username=None, who="secretary"):
        body = {"kind": kind, "name": name, "authority_code": "X-DB", "unit_code": unit}
        if kind == "household":
            body["head_name"] = name.removeprefix("Hộ ông ")
        if username:
            body["username"] = username
        return self.post(who, "/api/v1/nominees", body)["id"]

    def cap_history(self, number_from: int) -> list[int]:
        """NĐ 91/2017's rule set on X-DB (CSTĐCS at most 15% of the year's LĐTT) and 18 LĐTT awards
        of 2025 (decision numbers from ``number_from`` up): the 18 nominees, in order."""
        self.call("admin", "PATCH", "/api/v1/authorities/X-DB", {"rule_set": "vn-2017"}, expect=200)
        history = []
        for i in range(18):
            nominee = self.person(f"Lao động tiên tiến {i}")
            self.past_award(nominee, "LDTT", 2025, f"{number_from + i}/QĐ-UBND")
            history.append(nominee)
        return history

    def accepted(self, nominee_id: int, award="LDTT", who="nominator", unit="DB-NATO") -> int:
        """A proposal submitted and accepted: under review at X-DB. Returns its id."""
        pid = self.propose(nominee_id, award, who=who, unit_code=unit)["id"]
        self.event(who, pid, "submit")
        assert self.event("secretary", pid, "accept")["state"] == "under_review"
        return pid

    def under_review(self, n: int, award="LDTT", prefix="Đề nghị") -> list[int]:
        return [self.accepted(self.person(f"{prefix} {award} {i}"), award) for i in range(n)]

    def cstd_tinh(self, name="Nông Thị Tỉnh", username=None) -> int:
        """A provincial emulation fighter proposal: CSTĐCS 2023–2025 in the history first."""
        nominee = self.nominee(name=name, username=username)
        for year in (YEAR - 2, YEAR - 1, YEAR):
            self.past_award(nominee, "CSTDCS", year, f"{year}-{nominee}/QĐ-UBND")
        return self.accepted(nominee, "CSTD_TINH", who="secretary")

    def state(self, pid: int) -> str:
        return self.get("secretary", f"/api/v1/proposals/{pid}")["state"]

    # --- the meeting ----------------------------------------------------------------------------

    def meeting(self, proposal_ids=None, present=MEMBERS, written=None, voters=None, open_=False) -> int:
        mid = self.post("secretary", "/api/v1/meetings", {
            "authority_code": "X-DB", "scheduled_at": "2025-12-20T08:00:00",
            "place": "Hội trường UBND xã Định Biên"}, expect=201)["id"]
        if proposal_ids:
            self.post("secretary", f"/api/v1/meetings/{mid}/agenda", {"proposal_ids": list(proposal_ids)})
        if present is not None and proposal_ids:
            self.attendance(mid, present, written, voters)
        if open_:
            self.post("chutich", f"/api/v1/meetings/{mid}/open")
        return mid

    def attendance(self, mid: int, present, written=None, voters=None, expect=200):
        body = {"present": list(present)}
        if written is not None:
            body["written_votes"] = {str(k): v for k, v in written.items()}
        if voters is not None:
            body["written_voters"] = list(voters)
        return self.call("secretary", "POST", f"/api/v1/meetings/{mid}/attendance", body, expect=expect).get_json()

    def open(self, mid: int, who="chutich", expect=200):
        return self.call(who, "POST", f"/api/v1/meetings/{mid}/open", {}, expect=expect).get_json()

    def vote(self, who: str, mid: int, choices: dict, expect=201):
        body = {"votes": [{"proposal_id": pid, "choice": c} for pid, c in choices.items()]}
        return self.call(who, "POST", f"/api/v1/meetings/{mid}/ballots", body, expect=expect).get_json()

    def votes(self, mid: int, plan: dict[str, dict]) -> None:
        """``{username: {proposal_id: choice}}``, one ballot each."""
        for who, choices in plan.items():
            self.vote(who, mid, choices)

    def close(self, mid: int, tie_break=None, who="chutich", expect=200):
        body = {"tie_break": tie_break} if tie_break is not None else {}
        return self.call(who, "POST", f"/api/v1/meetings/{mid}/close", body, expect=expect).get_json()

    def results(self, mid: int, who="secretary", expect=200):
        return self.call(who, "GET", f"/api/v1/meetings/{mid}/results", expect=expect).get_json()

    def item(self, results: dict, pid: int) -> dict:
        return next(r for r in results["items"] if r["proposal_id"] == pid)

    def show(self, mid: int, who="secretary") -> dict:
        return self.get(who, f"/api/v1/meetings/{mid}")


def split(voters, yes: int) -> dict[str, str]:
    """The first ``yes`` voters say yes, the rest no."""
    return {u: ("yes" if i < yes else "no") for i, u in enumerate(voters)}


def ballot_counts(session, meeting_id: int) -> dict:
    """What is stored: per agenda item the tally (yes, no) and the number of receipts."""
    from workflow.council.models import AgendaItem, BallotReceipt, BallotTally

    session.expire_all()
    out = {}
    for item in session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)):
        tally = session.get(BallotTally, item.id)
        receipts = session.scalar(select(func.count()).select_from(BallotReceipt)
                                  .where(BallotReceipt.agenda_item_id == item.id))
        out[item.proposal_id] = (tally.yes if tally else None, tally.no if tally else None, receipts)
    return out


def sealed_rows(session, meeting_id: int) -> list[tuple]:
    """Every stored sealed ballot of the meeting, as (proposal id, nonce, tag), sorted."""
    from workflow.council.models import AgendaItem, SealedBallot

    session.expire_all()
    return sorted(session.execute(select(AgendaItem.proposal_id, SealedBallot.nonce, SealedBallot.tag)
                                  .join(AgendaItem, AgendaItem.id == SealedBallot.agenda_item_id)
                                  .where(AgendaItem.meeting_id == meeting_id)).all())


def sealed_choices(app, session, meeting_id: int) -> dict[int, list[str]]:
    """The stored sealed ballots per proposal, opened with the application's key (as the close
    does): the sorted choices. Only a test that holds the SECRET_KEY can do this."""
    from workflow.council import sealing
    from workflow.council.models import AgendaItem, Meeting, SealedBallot

    session.expire_all()
    meeting = session.get(Meeting, meeting_id)
    out: dict[int, list[str]] = {}
    with app.app_context():
        key = sealing.key_of(meeting) if meeting.ballot_salt else None
        for item in session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)):
            rows = session.scalars(select(SealedBallot).where(SealedBallot.agenda_item_id == item.id)).all()
            out[item.proposal_id] = sorted(sealing.unseal(key, item.id, r.nonce, r.tag) for r in rows)
    return out


def audit_count(session) -> int:
    from workflow.audit.models import AuditEntry

    session.expire_all()
    return session.scalar(select(func.count()).select_from(AuditEntry))
