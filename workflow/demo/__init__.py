"""The Định Biên demo: ``tdkt demo load``.

``load_demo`` is idempotent: authorities and units are matched by code, accounts by username,
nominees by (authority, unit, kind, name) and past awards by (nominee, award type, year, decision
number). Only what is missing is written, so a second run changes nothing — no row, no password
hash, no audit entry. Authorities, units, accounts and the council go through the organisation
services (validated and audited one by one); the ~700 nominees and their award history are added
in one batch with a single ``demo.load`` audit entry.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import vntime
from workflow.audit import services as audit
from workflow.demo.data import (
    COMMUNE,
    CURRENT_ROUND_DEADLINE,
    CURRENT_ROUND_TITLE,
    DATASET,
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_URL,
    DISSOLVED,
    FORMER_PARENT,
    ROLE_LABELS_VI,
    Award,
    Dataset,
)
from workflow.demo.year2023 import YearReport, district_council, play_2023, year_played
from workflow.errors import field_error
from workflow.org import services
from workflow.org.models import Authority, AwardRecord, CouncilMember, Nominee, Unit, User

__all__ = ["DEMO_ACCOUNTS", "DEMO_PASSWORD", "DEMO_URL", "DemoReport", "load_demo"]


@dataclass
class DemoReport:
    """What one ``load_demo`` run found and created."""

    authorities_created: int = 0
    authorities_existing: int = 0
    units_created: int = 0
    units_existing: int = 0
    accounts_created: int = 0
    accounts_existing: int = 0
    staff_created: int = 0
    staff_existing: int = 0
    households_created: int = 0
    households_existing: int = 0
    collectives_created: int = 0
    collectives_existing: int = 0
    awards_created: int = 0
    awards_existing: int = 0
    links_created: int = 0  # staff nominees linked to their user account (council recusal)
    tree_changes: int = 0  # parents, dissolutions and former parents set on authorities found
    rounds_created: int = 0
    rounds_existing: int = 0
    year_2023: YearReport | None = None  # the 2023 play (None: already played before this run)
    district_council_created: bool = False
    council_created: bool = False
    council_seats: int = 0
    seconds: float = 0.0

    @property
    def authorities(self) -> int:
        return self.authorities_created + self.authorities_existing

    @property
    def units(self) -> int:
        return self.units_created + self.units_existing

    @property
    def accounts(self) -> int:
        return self.accounts_created + self.accounts_existing

    @property
    def staff(self) -> int:
        return self.staff_created + self.staff_existing

    @property
    def households(self) -> int:
        return self.households_created + self.households_existing

    @property
    def collectives(self) -> int:
        return self.collectives_created + self.collectives_existing

    @property
    def awards(self) -> int:
        return self.awards_created + self.awards_existing

    @property
    def created(self) -> int:
        """Everything this run wrote (0 on a second run)."""
        return (self.authorities_created + self.units_created + self.accounts_created + self.staff_created
                + self.households_created + self.collectives_created + self.awards_created
                + self.links_created + int(self.council_created) + self.tree_changes + self.rounds_created
                + int(self.district_council_created) + (self.year_2023.proposals if self.year_2023 else 0))

    def counts(self) -> dict:
        return {"authorities": [self.authorities_created, self.authorities_existing],
                "units": [self.units_created, self.units_existing],
                "accounts": [self.accounts_created, self.accounts_existing],
                "staff": [self.staff_created, self.staff_existing],
                "households": [self.households_created, self.households_existing],
                "collectives": [self.collectives_created, self.collectives_existing],
                "awards": [self.awards_created, self.awards_existing],
                "links": self.links_created, "council": self.council_created, "tree": self.tree_changes,
                "rounds": [self.rounds_created, self.rounds_existing],
                "year_2023": ({"proposals": self.year_2023.proposals, "decisions": self.year_2023.decisions,
                               "submissions": self.year_2023.submissions, "meetings": self.year_2023.meetings,
                               "history_retired": self.year_2023.history_retired}
                              if self.year_2023 else None)}

    def summary(self) -> str:
        def line(label: str, created: int, existing: int) -> str:
            return f"  {label}: {created + existing} (mới tạo {created}, đã có {existing})"

        council = "mới lập" if self.council_created else "giữ nguyên"
        seconds = f"{self.seconds:.1f}".replace(".", ",")
        lines = [
            f"Dữ liệu mẫu xã Định Biên (tỉnh Thái Nguyên; đến 30/6/2025 thuộc huyện Định Hóa) — xong trong "
            f"{seconds} giây.",
            line("Cấp chính quyền", self.authorities_created, self.authorities_existing),
            line("Đơn vị của xã", self.units_created, self.units_existing),
            line("Cán bộ, công chức (cá nhân)", self.staff_created, self.staff_existing),
            line("Hộ gia đình", self.households_created, self.households_existing),
            line("Tập thể", self.collectives_created, self.collectives_existing),
            line("Khen thưởng đã có (lịch sử)", self.awards_created, self.awards_existing),
            line("Tài khoản", self.accounts_created, self.accounts_existing),
            f"  Hội đồng TĐKT xã: {self.council_seats} thành viên ({council})",
            line("Đợt xét", self.rounds_created, self.rounds_existing),
        ]
        if self.year_2023:
            y = self.year_2023
            lines.append(f"  Năm 2023 (quy định vn-2017, 3 cấp): {y.proposals} hồ sơ đề nghị qua quy trình, "
                         f"{y.meetings} phiên họp Hội đồng, quyết định {', '.join(y.decisions)}; "
                         f"tờ trình {', '.join(y.submissions)}")
        elif self.created == 0:
            lines.append("  Năm 2023: đã có (không chạy lại)")
        if self.created == 0:
            lines.append("Dữ liệu mẫu đã có đầy đủ: lần chạy này không tạo thêm gì.")
        lines += [
            "",
            f"Chạy `tdkt serve`, mở {DEMO_URL} và đăng nhập bằng một trong các tài khoản sau",
            f"(mật khẩu chung: {DEMO_PASSWORD}):",
        ]
        width = max(len(u) for u, *_rest in DEMO_ACCOUNTS)
        for username, password, role, description in DEMO_ACCOUNTS:
            lines.append(f"  {username:<{width}}  {password}  {ROLE_LABELS_VI[role]} ({role}) — {description}")
        return "\n".join(lines)


def _authorities(session: Session, data: Dataset, actor, report: DemoReport) -> None:
    for code, name, kind, parent in data.authorities:
        existing = session.scalar(select(Authority).where(Authority.code == code))
        if existing is None:
            services.create_authority(session, actor, code=code, name=name, kind=kind, parent_code=parent)
            report.authorities_created += 1
        elif existing.kind != kind:
            raise field_error("code", _("The code %(code)s is already in use.", code=code))
        else:
            report.authorities_existing += 1


def _tree(session: Session, report: DemoReport, *, as_in_2023: bool = False) -> None:
    """The tree over time: the commune under the province (with the district as its former parent
    until 2025-06-30), the district dissolved from 2025-07-01. A demo loaded before this layout is
    moved to it; a second run changes nothing.

    ``as_in_2023``: the tree as it stood in 2023 (xã → huyện Định Hóa → tỉnh, nobody dissolved),
    on which the 2023 play runs; the 2025 reorganisation is applied after it, as it happened."""
    by_code = {a.code: a for a in session.scalars(select(Authority))}
    wanted_parent = {code: parent for code, _name, _kind, parent in DATASET.authorities}
    for code, authority in by_code.items():
        if code not in wanted_parent:
            continue
        parent = by_code.get(wanted_parent[code]) if wanted_parent[code] else None
        former, since = FORMER_PARENT.get(code, (None, None))
        values = {"parent_id": parent.id if parent else None, "dissolved_on": DISSOLVED.get(code),
                  "former_parent_id": by_code[former].id if former else None, "parent_since": since}
        if as_in_2023:
            values = {"parent_id": by_code[former].id if former else values["parent_id"], "dissolved_on": None,
                      "former_parent_id": None, "parent_since": None}
        for column, value in values.items():
            if getattr(authority, column) != value:
                setattr(authority, column, value)
                report.tree_changes += 1
    session.flush()


def vietnam_today() -> date:
    """Today in Vietnam (``vntime.today``: the domain's clock, which a test may move)."""
    return vntime.today()


def _rounds(session: Session, commune: Authority, actor, report: DemoReport, today: date) -> None:
    """An open annual round of the current year (Vietnam date), unless the commune has one."""
    from workflow.proposals import services as proposals
    from workflow.proposals.models import Round

    deadline = date(today.year, *CURRENT_ROUND_DEADLINE)
    if deadline < today + timedelta(days=7):
        deadline = today + timedelta(days=14)
    wanted = [(today.year, CURRENT_ROUND_TITLE.format(year=today.year), deadline)]
    for year, title, until in wanted:
        found = session.scalar(select(Round.id).where(Round.authority_id == commune.id, Round.year == year,
                                                      Round.kind == "annual"))
        if found:
            report.rounds_existing += 1
            continue
        proposals.create_round(session, actor, authority_code=COMMUNE, year=year, kind="annual", title=title,
                               nomination_deadline=until)
        report.rounds_created += 1


def _units(session: Session, data: Dataset, actor, commune: Authority, report: DemoReport) -> dict[str, Unit]:
    units = {}
    for code, name, kind in data.units:
        unit = session.scalar(select(Unit).where(Unit.code == code))
        if unit is None:
            unit = services.create_unit(session, actor, code=code, name=name, kind=kind, authority_code=COMMUNE)
            report.units_created += 1
        elif unit.authority_id != commune.id:
            raise field_error("code", _("The code %(code)s is already in use.", code=code))
        else:
            report.units_existing += 1
        units[code] = unit
    return units


def _accounts(session: Session, data: Dataset, actor, report: DemoReport) -> dict[str, int]:
    wanted = [a.username for a in data.accounts]
    ids = dict(session.execute(select(User.username, User.id).where(User.username.in_(wanted))).all())
    for account in data.accounts:
        if account.username in ids:
            report.accounts_existing += 1
            continue
        # only new accounts are hashed (argon2 is the slow part of the demo)
        user = services.create_user(
            session, actor, username=account.username, password=DEMO_PASSWORD, full_name=account.full_name,
            email=f"{account.username}@dinhbien.example",
            roles=[{"role": account.role, "authority_code": account.authority_code,
                    "unit_code": account.unit_code}])
        ids[account.username] = user.id
        report.accounts_created += 1
    return ids


def _council(session: Session, data: Dataset, actor, commune: Authority, report: DemoReport) -> None:
    """Seat the council once; a council the admin has set since is left as it is."""
    seats = session.scalars(select(CouncilMember.id).where(CouncilMember.authority_id == commune.id)).all()
    if not seats:
        seats = services.set_council(session, actor, COMMUNE,
                                     [{"username": u, "position": p} for u, p in data.council])
        report.council_created = True
    report.council_seats = len(seats)


def _nominees_and_awards(session: Session, data: Dataset, commune: Authority, units: dict[str, Unit],
                         user_ids: dict[str, int], report: DemoReport) -> None:
    existing = {(n.kind, n.unit_id, n.name): n
                for n in session.scalars(select(Nominee).where(Nominee.authority_id == commune.id))}
    known_awards = set(session.execute(
        select(AwardRecord.nominee_id, AwardRecord.award_type_code, AwardRecord.year,
               AwardRecord.decision_number)
        .join(Nominee, Nominee.id == AwardRecord.nominee_id).where(Nominee.authority_id == commune.id)
    ).all())
    new_rows: list = []

    def ensure(kind: str, unit_code: str, name: str, awards: tuple[Award, ...], username: str | None = None,
               **fields) -> bool:
        unit = units[unit_code]
        user_id = user_ids.get(username) if username else None
        nominee = existing.get((kind, unit.id, name))
        created = nominee is None
        if created:
            nominee = Nominee(kind=kind, name=name, authority_id=commune.id, unit_id=unit.id, user_id=user_id,
                              **fields)
            existing[(kind, unit.id, name)] = nominee
            new_rows.append(nominee)
        elif user_id and nominee.user_id is None:
            nominee.user_id = user_id
            report.links_created += 1
        for award in awards:
            key = (nominee.id, award.code, award.year, award.decision_number)
            if not created and key in known_awards:
                report.awards_existing += 1
                continue
            record = AwardRecord(award_type_code=award.code, year=award.year,
                                 decision_number=award.decision_number, decision_date=award.decision_date,
                                 source="manual")
            if created:
                record.nominee = nominee  # the new nominee has no id before the flush
            else:
                record.nominee_id = nominee.id
            new_rows.append(record)
            report.awards_created += 1
        return created

    for s in data.staff:
        created = ensure("individual", s.unit_code, s.name, s.awards, s.username, position=s.position,
                         gender=s.gender, birth_year=s.birth_year)
        report.staff_created += created
        report.staff_existing += not created
    for h in data.households:
        created = ensure("household", h.unit_code, h.name, h.awards, h.username, head_name=h.head_name)
        report.households_created += created
        report.households_existing += not created
    for c in data.collectives:
        created = ensure("collective", c.unit_code, c.name, c.awards)
        report.collectives_created += created
        report.collectives_existing += not created
    session.add_all(new_rows)
    session.flush()


def load_demo(session: Session, today: date | None = None, *, year_2023: bool = True) -> DemoReport:
    """Load (or complete) the Định Biên demo and commit; return what was created and found.
    ``today`` (default: the date in Vietnam) chooses the year of the open round.

    Unless it was played before, the commune's 2023 is played through the workflow
    (``workflow.demo.year2023``; needs an app context: the ballots are sealed with the app's key);
    ``year_2023=False`` leaves it out (the tests of the demo's shape: the year is
    ``tests/test_demo_year.py``'s)."""
    started = time.perf_counter()
    data = DATASET
    actor = services.system_actor()
    report = DemoReport()

    _authorities(session, data, actor, report)
    commune = session.scalar(select(Authority).where(Authority.code == COMMUNE))
    # the 2023 year runs on the tree of 2023; the 2025 reorganisation follows it
    _tree(session, report, as_in_2023=year_2023 and not year_played(session, commune))
    units = _units(session, data, actor, commune, report)
    user_ids = _accounts(session, data, actor, report)
    _council(session, data, actor, commune, report)
    report.district_council_created = district_council(session, actor)
    _nominees_and_awards(session, data, commune, units, user_ids, report)
    session.commit()  # a batch loader: the commune is in place before the year is played
    if year_2023:
        played = play_2023(session, data)
        report.year_2023 = played if played.played else None
    _tree(session, report)
    _rounds(session, commune, actor, report, today or vietnam_today())

    if report.created:
        audit.record(session, chain=COMMUNE, actor=actor, action="demo.load", object_type="authority",
                     object_id=commune.id, data=report.counts())
    session.commit()  # a batch loader, also run outside a command (tests, the browser set-up)
    report.seconds = time.perf_counter() - started
    return report
