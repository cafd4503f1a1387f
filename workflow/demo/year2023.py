"""Định Biên's 2023, played through the workflow (issue 11, item 5).

The commune's 2023 report (``shared/reference/bao-cao-thi-dua-khen-thuong-2023-xa-dinh-bien.txt``)
closes with section 4, what the year's emulation and commendation work produced:

    4.1. Đề nghị cấp tỉnh khen thưởng:
    - Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh; 01 cá nhân
    4.2. Đề nghị cấp huyện khen thưởng:
    - Đề nghị chiến sỹ thi đua cơ sở: 4 đồng chí
    - Đề nghị Chủ tịch UBND huyện khen nhiệm vụ công tác: 1 đồng chí
    4.3. Khen thưởng cấp xã:
    - Tặng danh hiệu lao động tiên tiến: 25 cán bộ, công chức
    - Khen thưởng thực hiện nhiệm vụ công tác: 13 tập thể, 26 cá nhân
    - Khen thưởng gia đình văn hóa tiêu biểu: 78 gia đình

``play_2023`` makes that year happen in the product, by the services a commune office uses, under
the rules then in force (``vn-2017``, chosen by the date) on the tree then in force (xã → huyện
Định Hóa → tỉnh): the hamlets review their households and post the list, their heads propose them
for "Gia đình văn hóa" (and the best for "tiêu biểu"); the secretary screens everything; the
council meets, takes attendance and votes by secret ballot on the staff and units; the chairman
issues the decisions within the commune's power and signs the submission of the rest to the
district; the district answers the titles it decides and sends the Bằng khen on to the province,
which approves it. ``workflow.reports.services.annual_report(…, "DB", 2023)`` then counts
section 4 from what happened.

Time: every service reads "today" from Vietnam's clock (``workflow.vntime``, which reads
``workflow.db.utcnow`` at call time). The play sets that clock to each step's day of 2023 (``_Clock``)
and puts it back at the end, so deadlines, notice periods, the meeting's day, the rule set in force
and the parent's existence are all judged as on that day, by the services' own checks. Rows keep
their real write time (``created_at``): the record says when the demo wrote them, the dates of the
domain (decision, submission, meeting, notice) say 2023.

Speed: proposals are created one by one through ``create_proposal`` and their events go through
``transition``, both of which only flush; the play, a batch loader, commits once per batch (a hamlet,
a screening session), as a meeting's close or a decision does in its request.
"""

from __future__ import annotations

import math
import random
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import vntime
from workflow.demo.data import (
    COMMUNE,
    DISTRICT,
    HAMLETS,
    PLAYED_YEAR,
    SEED,
    Dataset,
    hamlet_code,
    hamlet_username,
)
from workflow.org.models import Authority, Nominee, Unit, User

ROUND_TITLE = "Bình xét thi đua, khen thưởng năm 2023"
ROUND_OPENED = date(2023, 10, 2)
ROUND_DEADLINE = date(2023, 12, 8)

# the hamlets' review meetings (NĐ 122/2018/NĐ-CP: the hamlet reviews, then posts its list for
# residents' opinions), one hamlet a day from 23 October; the list stays posted 10 days
HAMLET_MEETINGS_FROM = date(2023, 10, 23)
HAMLET_NOTICE_DAYS = 10
HOUSEHOLDS_SCREENED = date(2023, 11, 13)
GDVH_DECISION = ("117/QĐ-UBND", date(2023, 11, 20))  # within 10 days, before 25 November
TIEU_BIEU_DECISION = ("119/QĐ-UBND", date(2023, 11, 22))
# "tiêu biểu" households: 78 (§4.3). The cap (15% of the year's GĐVH households) needs ≥ 520 GĐVH.
TIEU_BIEU = 78

STAFF_SUBMITTED = date(2023, 12, 5)
STAFF_SCREENED = date(2023, 12, 8)
MEETING_AT = (date(2023, 12, 18), time(8, 0))
MEETING_PLACE = "Hội trường UBND xã Định Biên"
# the council member absent from the meeting (9 seats, quorum 2/3): the Veterans' Association's
# chairman, away that day (demo data; vn-2017 takes no written votes of absentees)
ABSENT = ("ccb",)
COUNTING_COMMITTEE = ("mttq", "doantn")  # ban kiểm phiếu, chosen among the members present
LDTT_DECISION = ("138/QĐ-UBND", date(2023, 12, 22))
GK_XA_DECISION = ("139/QĐ-UBND", date(2023, 12, 22))
SUBMISSION = ("52/TTr-UBND", date(2023, 12, 22))

# the district (in the system in 2023: its reviewer and secretary have accounts)
DISTRICT_ANSWERED = date(2023, 12, 27)
CSTDCS_DISTRICT_DECISION = "3412/QĐ-UBND"
GK_HUYEN_DISTRICT_DECISION = "3413/QĐ-UBND"
DISTRICT_SCREENED = date(2023, 12, 25)
DISTRICT_MEETING_AT = (date(2023, 12, 26), time(14, 0))
DISTRICT_MEETING_PLACE = "Phòng họp UBND huyện Định Hóa"
DISTRICT_SUBMISSION = ("287/TTr-UBND", date(2023, 12, 27))
PROVINCE_DECISION = ("4125/QĐ-UBND", date(2023, 12, 29))

# The district's council (Hội đồng TĐKT huyện), which reviewed the Bằng khen before its chairman
# sent it on: the report does not show it; the demo seats the two district accounts that sit on it
# (its chairman and its secretary; the reviewer of Phòng Nội vụ answers submissions, not a seat).
DISTRICT_COUNCIL = (("huyen_chutich", "chair"), ("huyen_thuky", "secretary"))

# LĐTT of 2023 decided elsewhere (two teachers, by the district's education office) are in the
# hand-entered history (``data.build_dataset``): the CSTĐCS cap counts them.

# how many of each the commune proposed (the counts of section 4) — and one CSTĐCS more, which the
# council voted but the cap cut at the close (the lowest yes votes): 5 proposed, 4 went up
CSTDCS_PROPOSED = 5
GK_XA_INDIVIDUALS = 26
# the 13 collectives with a Giấy khen: the 9 hamlets (xóm văn hóa, 100%), the clinic and the schools
GK_XA_COLLECTIVES = tuple(hamlet_code(s) for s, _n, _c in HAMLETS) + ("DB-TYT", "DB-MN", "DB-TH", "DB-THCS")

ACHIEVEMENTS = {
    "LDTT": "Hoàn thành tốt nhiệm vụ được giao năm 2023; chấp hành tốt chủ trương, chính sách của Đảng, "
            "pháp luật của Nhà nước; có tinh thần tự lực, đoàn kết, tương trợ.",
    "CSTDCS": "Đạt danh hiệu “Lao động tiên tiến” năm 2023; có sáng kiến được Hội đồng sáng kiến công nhận, "
              "áp dụng hiệu quả trong công tác.",
    "GK_HUYEN": "Có thành tích xuất sắc trong thực hiện nhiệm vụ chính trị năm 2023.",
    "BK_TINH": "Có thành tích xuất sắc tiêu biểu trong phong trào thi đua yêu nước năm 2023, góp phần "
               "xây dựng nông thôn mới của xã.",
    "GK_XA": "Có thành tích trong thực hiện nhiệm vụ công tác năm 2023.",
    "GDVH": "Gương mẫu chấp hành chủ trương, chính sách của Đảng, pháp luật của Nhà nước; gia đình no ấm, "
            "hòa thuận, tiến bộ; đoàn kết, tương trợ trong cộng đồng.",
    "GDVH_TIEU_BIEU": "Ba năm liền 2021–2023 đạt danh hiệu “Gia đình văn hóa”; tiêu biểu trong phong trào "
                      "“Toàn dân đoàn kết xây dựng đời sống văn hóa” của xóm.",
}


class DemoYearError(RuntimeError):
    """The play did not go as the reference says (a demo bug, never a user's error)."""


@dataclass
class YearReport:
    played: bool = False
    proposals: int = 0
    decisions: list[str] = field(default_factory=list)
    submissions: list[str] = field(default_factory=list)
    meetings: int = 0
    history_retired: int = 0  # an earlier demo's hand-entered 2023 rows the play replaced


class _Clock:
    """Vietnam's clock set to a day of the past while the play runs: ``at(day, hour)`` moves it."""

    def __init__(self):
        self.moment = datetime.now(UTC)

    def at(self, day: date, at: time = time(9, 0)) -> None:
        self.moment = datetime.combine(day, at, vntime.VN_TZ).astimezone(UTC)

    def __call__(self) -> datetime:
        return self.moment


@contextmanager
def _clock_in_2023():
    # ``workflow.vntime.now`` reads ``workflow.db.utcnow`` from the module at call time: this is
    # the domain's one clock ("today" of every service), and the play runs on it; the real clock
    # comes back whatever happens. It is the process's clock: the demo loads from the CLI (or a
    # test), never from a process that serves requests at the same time
    module = sys.modules["workflow.db"]
    real = module.utcnow
    clock = _Clock()
    module.utcnow = clock
    try:
        yield clock
    finally:
        module.utcnow = real


def _signed_in_now() -> datetime:
    """The chair signs at the CLI as if just signed in (the fresh sign-in rule is real time)."""
    return datetime.now(UTC)


def year_played(session: Session, commune: Authority) -> bool:
    from workflow.proposals.models import Round

    return session.scalar(select(Round.id).where(Round.authority_id == commune.id, Round.year == PLAYED_YEAR,
                                                 Round.kind == "annual")) is not None


@dataclass
class Cast:
    """Who gets what in 2023: indexes into ``data.staff`` and ``data.households``."""

    ldtt: list[int]
    cstdcs: list[int]  # the first four go up; the fifth is cut by the cap
    gk_huyen: int
    bk_tinh: int
    gk_xa: list[int]
    gdvh: list[int]
    tieu_bieu: list[int]


def cast(data: Dataset) -> Cast:
    """The year's nominees, drawn once from a generator of its own (the demo's other draws, and so
    its names, stay as they were)."""
    rng = random.Random(SEED + PLAYED_YEAR)  # nosec B311 — demo data, no secret
    ldtt = list(data.ldtt_2023)
    history = [i for i in data.cstdcs_history if i in ldtt]
    others = [i for i in ldtt if i not in history]
    cstdcs = history + rng.sample(others, CSTDCS_PROPOSED - len(history))
    rest = [i for i in ldtt if i not in cstdcs]
    gk_huyen, bk_tinh = rng.sample(rest, 2)
    gk_xa = sorted(rng.sample(range(len(data.staff)), GK_XA_INDIVIDUALS))
    gdvh = [i for i, had in enumerate(data.gdvh_2023) if had]
    # tiêu biểu: GĐVH in 2021, 2022 (history) and 2023; about the same share in every hamlet
    three_years = [i for i in gdvh if {a.year for a in data.households[i].awards if a.code == "GDVH"} == {2021, 2022}]
    by_hamlet: dict[str, list[int]] = {}
    for i in three_years:
        by_hamlet.setdefault(data.households[i].unit_code, []).append(i)
    tieu_bieu: list[int] = []
    share = TIEU_BIEU / len(three_years)
    for code in sorted(by_hamlet):
        tieu_bieu += by_hamlet[code][:math.floor(share * len(by_hamlet[code]))]
    spare = [i for i in three_years if i not in set(tieu_bieu)]
    tieu_bieu = sorted(tieu_bieu + spare[:TIEU_BIEU - len(tieu_bieu)])
    return Cast(ldtt, cstdcs, gk_huyen, bk_tinh, gk_xa, gdvh, tieu_bieu)


class _Play:
    def __init__(self, session: Session, data: Dataset, clock: _Clock):
        from flask import current_app

        self.session, self.data, self.clock = session, data, clock
        self.fresh = current_app.config["FRESH_LOGIN_MINUTES"]
        self.users = {u.username: u for u in session.scalars(select(User))}
        self.commune = session.scalar(select(Authority).where(Authority.code == COMMUNE))
        self.units = {u.code: u for u in session.scalars(select(Unit).where(Unit.authority_id == self.commune.id))}
        unit_codes = {u.id: u.code for u in self.units.values()}
        self.nominees = {(n.kind, unit_codes[n.unit_id], n.name): n.id for n in session.scalars(
            select(Nominee).where(Nominee.authority_id == self.commune.id))}
        self.report = YearReport(played=True)

    # --- helpers ---------------------------------------------------------------------------------

    def user(self, username: str) -> User:
        return self.users[username]

    def staff_id(self, i: int) -> int:
        s = self.data.staff[i]
        return self.nominees[("individual", s.unit_code, s.name)]

    def household_id(self, i: int) -> int:
        h = self.data.households[i]
        return self.nominees[("household", h.unit_code, h.name)]

    def propose(self, actor: User, round_id: int, nominee_id: int, award: str, unit_code: str,
                evidence: dict | None = None) -> int:
        from workflow.proposals import services as proposals

        proposal = proposals.create_proposal(self.session, actor, round_id=round_id, nominee_id=nominee_id,
                                             award_type_code=award, unit_code=unit_code,
                                             achievements=ACHIEVEMENTS[award], evidence=evidence)
        self.report.proposals += 1
        return proposal.id

    def fire(self, ids: list[int], event: str, actor: User, **kwargs) -> None:
        """One event on many proposals, each through ``transition``; one commit for the batch."""
        from workflow.proposals import services as proposals

        for pid in ids:
            proposals.transition(self.session, pid, event, actor, **kwargs)
        self.session.commit()  # a batch loader: one commit per batch keeps the year's transactions short

    def decide(self, award: str, ids: list[int], number_and_date: tuple[str, date]) -> None:
        from workflow.decisions import services as decisions

        number, day = number_and_date
        self.clock.at(day, time(15, 0))
        draft = decisions.create_decision(self.session, self.user("thuky"), authority_code=COMMUNE,
                                          award_type_code=award, proposal_ids=ids)
        issued = decisions.issue_decision(self.session, self.user("chutich"), draft.id,
                                          signed_in_at=_signed_in_now(), fresh_minutes=self.fresh,
                                          number=number, signed_on=day)
        self.report.decisions.append(issued.number)

    def meeting(self, authority_code: str, secretary: str, chair: str, at: tuple[date, time], place: str,
                ids: list[int], present: list[str], counting: list[str], no_votes, convened: int = 7) -> None:
        """A council meeting: agenda, attendance, the vote opened, each member present casting one
        secret ballot on every item they are not recused from, the vote closed (``pass``/``fail``).
        ``no_votes(member_index, proposal_id)`` says where a member votes no."""
        from workflow.council import ballots
        from workflow.council import services as council
        from workflow.council.models import Recusal

        day, hour = at
        self.clock.at(day - timedelta(days=convened))  # convened ahead (a week at the commune)
        meeting = council.create_meeting(self.session, self.user(secretary), authority_code=authority_code,
                                         scheduled_at=datetime.combine(day, hour, vntime.VN_TZ), place=place)
        council.set_agenda(self.session, self.user(secretary), meeting.id, ids)
        self.clock.at(day, hour)
        council.record_attendance(self.session, self.user(secretary), meeting.id, present=present,
                                  counting_committee=counting)
        council.open_vote(self.session, self.user(chair), meeting.id)
        recused = {(r.item.proposal_id, r.user_id) for r in self.session.scalars(
            select(Recusal).where(Recusal.agenda_item_id.in_([i.id for i in meeting.items])))}
        for m, username in enumerate(present):
            member = self.user(username)
            votes = [{"proposal_id": pid, "choice": "no" if no_votes(m, pid) else "yes"}
                     for pid in ids if (pid, member.id) not in recused]
            ballots.cast_ballot(self.session, member, meeting.id, votes)
        self.clock.at(day, time(11, 30))
        council.close_vote(self.session, self.user(chair), meeting.id)
        self.report.meetings += 1

    # --- the year --------------------------------------------------------------------------------

    def run(self) -> YearReport:
        from workflow.proposals import services as proposals

        secretary = self.user("thuky")
        self.clock.at(ROUND_OPENED)
        round_id = proposals.create_round(self.session, secretary, authority_code=COMMUNE, year=PLAYED_YEAR,
                                          kind="annual", title=ROUND_TITLE,
                                          nomination_deadline=ROUND_DEADLINE).id
        who = cast(self.data)
        self.households(round_id, who)
        self.staff(round_id, who)
        return self.report

    def households(self, round_id: int, who: Cast) -> None:
        """GĐVH and GĐVH tiêu biểu: the hamlet's meeting and posted list, its head's proposals, the
        secretary's screening (no council vote for these), the chairman's two decisions."""
        secretary = self.user("thuky")
        gdvh, tieu_bieu = set(who.gdvh), set(who.tieu_bieu)
        gdvh_ids, tieu_bieu_ids = [], []
        for n, (suffix, _name, _count) in enumerate(HAMLETS):
            code = hamlet_code(suffix)
            members = [i for i, h in enumerate(self.data.households) if h.unit_code == code]
            held = HAMLET_MEETINGS_FROM + timedelta(days=n)
            invited = len(members)
            present = math.ceil(invited * 85 / 100)  # 85% of the hamlet's households came
            # the hamlet's minutes: the list carried with all but two voices (thresholds: GĐVH 50%
            # present and agreeing, tiêu biểu 60% — vn-2017, NĐ 122/2018)
            evidence = {"meeting": {"held_on": held.isoformat(), "invited": invited, "present": present,
                                    "agreed": present - 2},
                        "notice": {"from": (held + timedelta(days=1)).isoformat(),
                                   "to": (held + timedelta(days=HAMLET_NOTICE_DAYS)).isoformat()}}
            head = self.user(hamlet_username(suffix))
            self.clock.at(held + timedelta(days=HAMLET_NOTICE_DAYS + 1))  # the list came down: propose
            ids = []
            for i in members:
                if i in gdvh:
                    ids.append(self.propose(head, round_id, self.household_id(i), "GDVH", code, evidence))
                    gdvh_ids.append(ids[-1])
                if i in tieu_bieu:
                    ids.append(self.propose(head, round_id, self.household_id(i), "GDVH_TIEU_BIEU", code,
                                            evidence))
                    tieu_bieu_ids.append(ids[-1])
            self.fire(ids, "submit", head)
        self.clock.at(HOUSEHOLDS_SCREENED)
        everyone = gdvh_ids + tieu_bieu_ids
        self.fire(everyone, "accept", secretary)
        self.fire(everyone, "skip_council", secretary, comment="Không qua Hội đồng: xóm đã bình xét, công khai")
        # tiêu biểu needs this year's GĐVH awarded first (prerequisite) and counts against it (cap)
        self.decide("GDVH", gdvh_ids, GDVH_DECISION)
        self.decide("GDVH_TIEU_BIEU", tieu_bieu_ids, TIEU_BIEU_DECISION)

    def staff(self, round_id: int, who: Cast) -> None:
        """The staff and units: proposed, screened, voted by the council, decided or submitted up."""
        from workflow.decisions import services as decisions

        secretary, principal = self.user("thuky"), self.user("thcs")
        self.clock.at(STAFF_SUBMITTED)

        def propose_staff(i: int, award: str) -> int:
            unit = self.data.staff[i].unit_code
            # the school's principal proposes its staff; the office's secretary everyone else's
            actor = principal if unit == "DB-THCS" else secretary
            pid = self.propose(actor, round_id, self.staff_id(i), award, unit)
            self.fire([pid], "submit", actor)
            return pid

        ldtt = [propose_staff(i, "LDTT") for i in who.ldtt]
        cstdcs = [propose_staff(i, "CSTDCS") for i in who.cstdcs]
        gk_huyen = propose_staff(who.gk_huyen, "GK_HUYEN")
        bk_tinh = propose_staff(who.bk_tinh, "BK_TINH")
        gk_xa = [propose_staff(i, "GK_XA") for i in who.gk_xa]
        for code in GK_XA_COLLECTIVES:
            pid = self.propose(secretary, round_id, self.nominees[("collective", code, self.units[code].name)],
                               "GK_XA", code)
            self.fire([pid], "submit", secretary)
            gk_xa.append(pid)
        agenda = ldtt + cstdcs + [gk_huyen, bk_tinh] + gk_xa
        self.clock.at(STAFF_SCREENED)
        self.fire(agenda, "accept", secretary)

        present = [u for u, _p in self.data.council if u not in ABSENT]
        last = cstdcs[-1]

        def no_votes(member: int, pid: int) -> bool:
            # the fifth CSTĐCS: two members against — fewest yes votes, so the cap cuts it
            if pid == last:
                return member in (0, 1)
            # a few members against here and there; every item keeps more than half of all 9
            return pid not in cstdcs and (member + pid) % 11 == 0

        self.meeting(COMMUNE, "thuky", "chutich", MEETING_AT, MEETING_PLACE, agenda, present,
                     list(COUNTING_COMMITTEE), no_votes)
        states = self._states(agenda)
        expected = {pid: "recommended" for pid in agenda if pid != last} | {last: "not_recommended"}
        if states != expected:
            raise DemoYearError(f"the council's vote did not go as the reference: {states}")

        # the decisions within the commune's power; LĐTT first — the CSTĐCS sent up need it awarded
        self.decide("LDTT", ldtt, LDTT_DECISION)
        self.decide("GK_XA", gk_xa, GK_XA_DECISION)
        up = cstdcs[:-1] + [gk_huyen, bk_tinh]
        number, day = SUBMISSION
        self.clock.at(day, time(16, 0))
        draft = decisions.create_submission(self.session, secretary, from_authority_code=COMMUNE, proposal_ids=up)
        sent = decisions.send_submission(self.session, self.user("chutich"), draft.id, signed_in_at=_signed_in_now(),
                                         fresh_minutes=self.fresh, sent_on=day, number=number)
        self.report.submissions.append(sent.number)
        self.district(sent.id, cstdcs[:-1], gk_huyen, bk_tinh)

    def district(self, submission_id: int, cstdcs: list[int], gk_huyen: int, bk_tinh: int) -> None:
        """At huyện Định Hóa: the titles it decides answered with its decisions' numbers; the Bằng
        khen screened, voted by its council and sent on to the province, which approves it."""
        from workflow.decisions import services as decisions

        reviewer, secretary = self.user("huyen_tdkt"), self.user("huyen_thuky")
        self.clock.at(DISTRICT_SCREENED)
        self.fire([bk_tinh], "accept", secretary)
        names = [u for u, _p in DISTRICT_COUNCIL]
        self.meeting(DISTRICT, "huyen_thuky", "huyen_chutich", DISTRICT_MEETING_AT, DISTRICT_MEETING_PLACE,
                     [bk_tinh], names, [], lambda _m, _p: False, convened=1)
        self.clock.at(DISTRICT_ANSWERED, time(10, 0))
        for pid in cstdcs:
            decisions.record_outcome(self.session, reviewer, submission_id, proposal_id=pid, outcome="approved",
                                     decision_number=CSTDCS_DISTRICT_DECISION, decision_date=DISTRICT_ANSWERED)
        decisions.record_outcome(self.session, reviewer, submission_id, proposal_id=gk_huyen, outcome="approved",
                                 decision_number=GK_HUYEN_DISTRICT_DECISION, decision_date=DISTRICT_ANSWERED)
        number, day = DISTRICT_SUBMISSION
        self.clock.at(day, time(16, 0))
        draft = decisions.create_submission(self.session, secretary, from_authority_code=DISTRICT,
                                            proposal_ids=[bk_tinh])
        sent = decisions.send_submission(self.session, self.user("huyen_chutich"), draft.id,
                                         signed_in_at=_signed_in_now(), fresh_minutes=self.fresh, sent_on=day,
                                         number=number)
        self.report.submissions.append(sent.number)
        number, day = PROVINCE_DECISION
        self.clock.at(day, time(10, 0))
        decisions.record_outcome(self.session, self.user("tinh_tdkt"), sent.id, proposal_id=bk_tinh,
                                 outcome="approved", decision_number=number, decision_date=day)
        states = self._states(cstdcs + [gk_huyen, bk_tinh])
        if set(states.values()) != {"awarded"}:
            raise DemoYearError(f"the higher levels' outcomes did not go as the reference: {states}")

    def _states(self, ids: list[int]) -> dict[int, str]:
        from workflow.proposals.models import Proposal

        self.session.expire_all()
        return dict(self.session.execute(select(Proposal.id, Proposal.state).where(Proposal.id.in_(ids))).all())


def district_council(session: Session, actor) -> bool:
    """Seat the district's council once (the 2023 Bằng khen went through it)."""
    from workflow.org import services
    from workflow.org.models import CouncilMember

    district = session.scalar(select(Authority).where(Authority.code == DISTRICT))
    if session.scalar(select(CouncilMember.id).where(CouncilMember.authority_id == district.id)):
        return False
    services.set_council(session, actor, DISTRICT, [{"username": u, "position": p} for u, p in DISTRICT_COUNCIL])
    return True


# what an earlier demo (before the play) entered by hand for 2023 and the play now decides:
# (award type, decision number) of its manual history rows
OLD_HAND_ENTERED_2023 = (("LDTT", "138/QĐ-UBND"), ("CSTDCS", "3412/QĐ-UBND"), ("GDVH", "117/QĐ-UBND"))


def _retire_old_history(session: Session, commune: Authority) -> int:
    """A database loaded by the demo before it played 2023 holds that year's LĐTT, CSTĐCS and GĐVH
    as hand-entered history; the play decides them now, so those rows go (else they would count
    twice, in the CSTĐCS cap among others). Nothing else is touched."""
    from sqlalchemy import and_, delete, or_

    from workflow.org.models import AwardRecord

    ids = select(Nominee.id).where(Nominee.authority_id == commune.id)
    return session.execute(delete(AwardRecord).where(
        AwardRecord.source == "manual", AwardRecord.year == PLAYED_YEAR, AwardRecord.nominee_id.in_(ids),
        or_(*(and_(AwardRecord.award_type_code == code, AwardRecord.decision_number == number)
              for code, number in OLD_HAND_ENTERED_2023)))).rowcount or 0


def play_2023(session: Session, data: Dataset) -> YearReport:
    """Play the commune's 2023 unless its 2023 round exists (then nothing is written)."""
    commune = session.scalar(select(Authority).where(Authority.code == COMMUNE))
    if year_played(session, commune):
        return YearReport()
    retired = _retire_old_history(session, commune)
    session.commit()  # a batch loader: the retired history is done before the year is played
    with _clock_in_2023() as clock:
        report = _Play(session, data, clock).run()
    report.history_retired = retired
    return report
