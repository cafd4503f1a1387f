"""Time travel for reminder tests: a commune whose proposals, meetings and submissions are written
with chosen timestamps, and state changes applied at simulated moments (the way
``proposals.services.transition`` writes them: state, history row, pending reminders cancelled).
The scan reads only the database, so it sees exactly what the real screens would have left."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import func, select

from tests import factories as f
from workflow.catalog.services import rule_set_for
from workflow.council.models import AgendaItem, Attendance, BallotReceipt, BallotTally, Meeting
from workflow.decisions.models import Submission, SubmissionItem
from workflow.org.models import CouncilMember, Nominee
from workflow.proposals.models import Proposal, ProposalTransition, Round
from workflow.reminders.schedule import LOCAL_TZ
from workflow.reminders.services import cancel_pending


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A Vietnamese wall-clock moment as an aware datetime."""
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


class Commune:
    """Province → district → commune X-DB with hamlets NATO, DONGDAU, EMPTY (no nominator) and a
    school; a secretary, a chair, three nominators, a council of four."""

    def __init__(self, session):
        self.s = session
        province = f.authority(session, "T-TN", "province", name="UBND tỉnh Thái Nguyên")
        district = f.authority(session, "H-DH", "district", province, name="UBND huyện Định Hóa")
        self.commune = f.authority(session, "X-DB", "commune", district, name="UBND xã Định Biên")
        self.district = district
        self.units = {
            "NATO": f.unit(session, self.commune, "DB-NATO", name="Xóm Nà To"),
            "DONGDAU": f.unit(session, self.commune, "DB-DONGDAU", name="Xóm Đồng Đau"),
            "EMPTY": f.unit(session, self.commune, "DB-EMPTY", name="Xóm Không Người"),
            "SCHOOL": f.unit(session, self.commune, "DB-THCS", kind="school", name="Trường THCS Định Biên"),
        }
        u = self.users = {
            "secretary": f.user(session, "secretary", self.commune, username="thuky"),
            "chair": f.user(session, "chair", self.commune, username="chutich"),
            "n_nato": f.user(session, "nominator", self.commune, self.units["NATO"], username="xom_nato"),
            "n_dongdau": f.user(session, "nominator", self.commune, self.units["DONGDAU"], username="xom_dongdau"),
            "n_school": f.user(session, "nominator", self.commune, self.units["SCHOOL"], username="hieutruong"),
            "member1": f.user(session, "council_member", self.commune, username="uyvien1"),
            "member2": f.user(session, "council_member", self.commune, username="uyvien2"),
        }
        for user in u.values():
            user.email = f"{user.username}@dinhbien.example"
        for user, position in ((u["chair"], "chair"), (u["secretary"], "secretary"), (u["member1"], "member"),
                               (u["member2"], "member")):
            session.add(CouncilMember(authority_id=self.commune.id, user_id=user.id, position=position))
        session.commit()
        self._nominee = 0

    def uid(self, name: str) -> int:
        return self.users[name].id

    # --- data ------------------------------------------------------------------------------------
    def round(self, year: int, deadline: date, kind: str = "annual") -> int:
        round_ = Round(authority_id=self.commune.id, year=year, kind=kind, title=f"Tổng kết năm {year}",
                       nomination_deadline=deadline)
        self.s.add(round_)
        self.s.commit()
        return round_.id

    def proposal(self, round_id: int, unit: str, award: str = "LDTT", household: bool = False) -> int:
        """A draft proposal (its history starts with the first ``move``)."""
        self._nominee += 1
        nominee = Nominee(kind="household" if household else "individual", name=f"Ma Văn {self._nominee}",
                          authority_id=self.commune.id, unit_id=self.units[unit].id)
        self.s.add(nominee)
        self.s.flush()
        proposal = Proposal(round_id=round_id, nominee_id=nominee.id, award_type_code=award,
                            unit_id=self.units[unit].id, origin_authority_id=self.commune.id,
                            current_authority_id=self.commune.id, state="draft", version=1)
        self.s.add(proposal)
        self.s.commit()
        return proposal.id

    def move(self, pid: int, to_state: str, moment: datetime, **columns) -> None:
        """What ``transition`` writes, at ``moment``: the state, a history row, cancelled reminders."""
        proposal = self.s.get(Proposal, pid)
        if to_state in ("under_review", "public_notice", "in_council", "recommended", "forwarded", "awarded",
                        "rejected") and proposal.rule_set_code is None:
            rule_set = rule_set_for(self.s, self.commune, moment.date())
            award = next(t for t in rule_set.award_types if t.code == proposal.award_type_code)
            columns.setdefault("rule_set_code", rule_set.code)
            columns.setdefault("award_rule", {**award.config, "council_vote": award.council_vote,
                                              "deciding_level": award.deciding_level})
        if to_state == "returned":
            columns.setdefault("missing_items", [{"field": "achievements", "message": "Bổ sung"}])
        if to_state in ("rejected", "revoked"):
            columns.setdefault("reason", "Không đủ điều kiện")
        self.s.add(ProposalTransition(proposal_id=pid, event="test", from_state=proposal.state, to_state=to_state,
                                      actor_name="test", authority_id=proposal.current_authority_id,
                                      created_at=moment, data={}))
        for key, value in columns.items():
            setattr(proposal, key, value)
        proposal.state, proposal.version = to_state, proposal.version + 1
        cancel_pending(self.s, "proposal", pid)
        self.s.commit()

    def meeting(self, scheduled: datetime, place: str = "Hội trường UBND xã") -> int:
        meeting = Meeting(authority_id=self.commune.id, scheduled_at=scheduled, place=place, status="scheduled")
        self.s.add(meeting)
        self.s.commit()
        return meeting.id

    def open_vote(self, meeting_id: int, moment: datetime, proposal_ids: list[int], present: list[str]) -> list[int]:
        meeting = self.s.get(Meeting, meeting_id)
        items = []
        for position, pid in enumerate(proposal_ids, 1):
            item = AgendaItem(meeting_id=meeting_id, proposal_id=pid, position=position)
            self.s.add(item)
            self.s.flush()
            self.s.add(BallotTally(agenda_item_id=item.id, yes=0, no=0))
            items.append(item.id)
        seats = self.s.scalars(select(CouncilMember).where(CouncilMember.authority_id == self.commune.id)).all()
        for seat in seats:
            self.s.add(Attendance(meeting_id=meeting_id, user_id=seat.user_id,
                                  present=any(self.uid(p) == seat.user_id for p in present)))
        meeting.status, meeting.opened_at, meeting.council_size = "voting", moment, len(seats)
        self.s.commit()
        return items

    def vote(self, item_ids: list[int], who: str) -> None:
        for item_id in item_ids:
            self.s.add(BallotReceipt(agenda_item_id=item_id, user_id=self.uid(who)))
        self.s.commit()

    def close_meeting(self, meeting_id: int, moment: datetime) -> None:
        meeting = self.s.get(Meeting, meeting_id)
        meeting.status, meeting.closed_at = "closed", moment
        self.s.commit()

    def submission(self, sent_on: date, proposal_ids: list[int]) -> int:
        count = self.s.scalar(select(func.count(Submission.id))) or 0
        submission = Submission(from_authority_id=self.commune.id, to_authority_id=self.district.id, status="sent",
                                number=f"{count + 1}/TTr-UBND", year=sent_on.year, sent_on=sent_on,
                                sent_at=at(sent_on))
        self.s.add(submission)
        self.s.flush()
        for pid in proposal_ids:
            self.s.add(SubmissionItem(submission_id=submission.id, proposal_id=pid))
        self.s.commit()
        return submission.id

    def outcome(self, submission_id: int, pid: int, moment: datetime) -> None:
        item = self.s.scalar(select(SubmissionItem).where(SubmissionItem.submission_id == submission_id,
                                                         SubmissionItem.proposal_id == pid))
        item.outcome, item.decision_number, item.recorded_at = "approved", "12/QĐ-UBND", moment
        self.s.commit()
        self.move(pid, "awarded", moment)
