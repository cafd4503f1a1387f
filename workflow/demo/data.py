"""Static data of the Định Biên demo (Định Hóa district, Thái Nguyên province).

The commune's structure follows its 2023 report on emulation and commendation work (9 hamlets, the
People's Committee office, police, military command, clinic, three schools, the Fatherland Front
and the four mass organisations). Every person is synthetic: names are drawn from the common
local surnames with a ``random.Random(2023)``, so ``build_dataset()`` returns the same data on
every run and on every machine — which is what makes ``load_demo`` idempotent by natural key.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

DEMO_PASSWORD = "demo-2024"
DEMO_URL = "http://127.0.0.1:5000/"
SEED = 2023

PROVINCE, DISTRICT, COMMUNE = "TN", "DH", "DB"

# (code, name, kind, parent code) — the tree in force: since 2025-07-01 Vietnam has no district
# level (Law 72/2025/QH15 on local government), Định Biên is a commune of Thái Nguyên province
AUTHORITIES: tuple[tuple[str, str, str, str | None], ...] = (
    (PROVINCE, "UBND tỉnh Thái Nguyên", "province", None),
    (DISTRICT, "UBND huyện Định Hóa", "district", PROVINCE),
    (COMMUNE, "UBND xã Định Biên", "commune", PROVINCE),
)
# the tree over time: the 3-tier one the 2023 report worked in (xã → huyện Định Hóa → tỉnh) held
# until 2025-06-30; the district was dissolved on 2025-07-01 (Law 72/2025/QH15; NĐ 152/2025)
TWO_TIER_FROM = date(2025, 7, 1)
DISSOLVED: dict[str, date] = {DISTRICT: TWO_TIER_FROM}
FORMER_PARENT: dict[str, tuple[str, date]] = {COMMUNE: (DISTRICT, TWO_TIER_FROM)}  # child → (parent, until)

# the round the demo ships: the current year's annual one, open (made at load time from the Vietnam
# date) so every nominator can nominate at once; the 2023 year lives in the award history
CURRENT_ROUND_TITLE = "Bình xét thi đua, khen thưởng năm {year}"
CURRENT_ROUND_DEADLINE = (12, 15)  # 15 December of the year, or two weeks ahead when that has passed

# (code suffix, hamlet name, number of households)
HAMLETS: tuple[tuple[str, str, int], ...] = (
    ("DONGDAU", "Đồng Đau", 68),
    ("DONGRAM", "Đồng Rằm", 74),
    ("GOCTHONG", "Gốc Thông", 63),
    ("KHAUDIEU", "Khau Diều", 59),
    ("KHAULAU", "Khau Lầu", 71),
    ("LANGQUANG", "Làng Quặng", 66),
    ("LANGVE", "Làng Vẹ", 62),
    ("NATO", "Nà To", 78),
    ("NONGNIA", "Nong Nia", 70),
)


def hamlet_code(suffix: str) -> str:
    return f"DB-XOM-{suffix}"


def hamlet_username(suffix: str) -> str:
    return f"xom_{suffix.lower()}"


# (code, name, kind) of the commune's other units
OTHER_UNITS: tuple[tuple[str, str, str], ...] = (
    ("DB-VP", "Văn phòng HĐND-UBND xã Định Biên", "office"),
    ("DB-CA", "Công an xã Định Biên", "office"),
    ("DB-QS", "Ban Chỉ huy Quân sự xã Định Biên", "office"),
    ("DB-TYT", "Trạm Y tế xã Định Biên", "clinic"),
    ("DB-MN", "Trường Mầm non Định Biên", "school"),
    ("DB-TH", "Trường Tiểu học Định Biên", "school"),
    ("DB-THCS", "Trường THCS Định Biên", "school"),
    ("DB-MTTQ", "Ủy ban MTTQ Việt Nam xã Định Biên", "mass_organisation"),
    ("DB-HND", "Hội Nông dân xã Định Biên", "mass_organisation"),
    ("DB-HLHPN", "Hội Liên hiệp Phụ nữ xã Định Biên", "mass_organisation"),
    ("DB-DTN", "Đoàn Thanh niên xã Định Biên", "mass_organisation"),
    ("DB-HCCB", "Hội Cựu chiến binh xã Định Biên", "mass_organisation"),
)

# Staff (cán bộ, công chức, viên chức) by unit:
# (unit code, position, username or None, gender or None = drawn, (earliest, latest) birth year)
_ADULT = (1968, 1996)
STAFF_POSTS: tuple[tuple[str, str, str | None, str | None, tuple[int, int]], ...] = (
    ("DB-VP", "Chủ tịch UBND xã", "chutich", "male", (1970, 1982)),
    ("DB-VP", "Phó Chủ tịch UBND xã", "pct", None, (1972, 1986)),
    ("DB-VP", "Phó Chủ tịch HĐND xã", None, None, (1968, 1984)),
    ("DB-VP", "Công chức Văn phòng - Thống kê", "thuky", "female", (1985, 1994)),
    ("DB-VP", "Công chức Văn phòng - Thống kê", None, None, _ADULT),
    ("DB-VP", "Công chức Văn hóa - Xã hội", "vhxh", None, (1980, 1993)),
    ("DB-VP", "Công chức Văn hóa - Xã hội (Lao động - Thương binh và Xã hội)", None, None, _ADULT),
    ("DB-VP", "Công chức Tư pháp - Hộ tịch", None, None, _ADULT),
    ("DB-VP", "Công chức Tài chính - Kế toán", None, None, _ADULT),
    ("DB-VP", "Công chức Địa chính - Nông nghiệp - Xây dựng và Môi trường", None, None, _ADULT),
    ("DB-CA", "Trưởng Công an xã", None, "male", (1975, 1988)),
    ("DB-CA", "Phó Trưởng Công an xã", None, "male", (1980, 1993)),
    ("DB-CA", "Cán bộ Công an xã", None, "male", (1990, 1998)),
    ("DB-QS", "Chỉ huy trưởng Ban Chỉ huy Quân sự xã", None, "male", (1972, 1986)),
    ("DB-QS", "Chỉ huy phó Ban Chỉ huy Quân sự xã", None, "male", (1982, 1995)),
    ("DB-TYT", "Trạm trưởng Trạm Y tế xã", None, None, (1970, 1984)),
    ("DB-TYT", "Y sĩ", None, None, _ADULT),
    ("DB-TYT", "Điều dưỡng", None, "female", _ADULT),
    ("DB-TYT", "Nữ hộ sinh", None, "female", _ADULT),
    ("DB-MN", "Hiệu trưởng", None, "female", (1970, 1982)),
    ("DB-MN", "Phó Hiệu trưởng", None, "female", (1975, 1988)),
    ("DB-MN", "Giáo viên", None, "female", _ADULT),
    ("DB-MN", "Giáo viên", None, "female", _ADULT),
    ("DB-MN", "Giáo viên", None, "female", _ADULT),
    ("DB-TH", "Hiệu trưởng", None, None, (1970, 1982)),
    ("DB-TH", "Phó Hiệu trưởng", None, None, (1975, 1988)),
    ("DB-TH", "Giáo viên", None, None, _ADULT),
    ("DB-TH", "Giáo viên", None, None, _ADULT),
    ("DB-TH", "Giáo viên", None, None, _ADULT),
    ("DB-THCS", "Hiệu trưởng", "thcs", None, (1970, 1982)),
    ("DB-THCS", "Phó Hiệu trưởng", None, None, (1975, 1988)),
    ("DB-THCS", "Giáo viên", None, None, _ADULT),
    ("DB-THCS", "Giáo viên", None, None, _ADULT),
    ("DB-THCS", "Giáo viên", None, None, _ADULT),
    ("DB-MTTQ", "Chủ tịch Ủy ban MTTQ xã", "mttq", None, (1966, 1978)),
    ("DB-MTTQ", "Phó Chủ tịch Ủy ban MTTQ xã", None, None, (1970, 1985)),
    ("DB-HND", "Chủ tịch Hội Nông dân xã", "hoind", "male", (1968, 1980)),
    ("DB-HLHPN", "Chủ tịch Hội Liên hiệp Phụ nữ xã", "phunu", "female", (1975, 1988)),
    ("DB-DTN", "Bí thư Đoàn xã", "doantn", None, (1992, 1998)),
    ("DB-HCCB", "Chủ tịch Hội Cựu chiến binh xã", "ccb", "male", (1956, 1966)),
)

# the two staff with "Chiến sĩ thi đua cơ sở" 2021–2023: (unit code, position)
CSTDCS_POSTS = (("DB-TYT", "Trạm trưởng Trạm Y tế xã"), ("DB-THCS", "Giáo viên"))

# The commune's Emulation and Commendation Council (Hội đồng TĐKT xã): 9 seats.
# (username, council position)
COUNCIL: tuple[tuple[str, str], ...] = (
    ("chutich", "chair"),
    ("pct", "vice_chair"),
    ("thuky", "secretary"),
    ("mttq", "member"),
    ("doantn", "member"),
    ("hoind", "member"),
    ("phunu", "member"),
    ("ccb", "member"),
    ("vhxh", "member"),
)

# Past decisions (hand-entered award history): award type → year → (decision number, date).
# 2023's LĐTT, CSTĐCS and GĐVH are not here: the demo plays that year through the workflow
# (``workflow.demo.year2023``), whose decisions and recorded outcomes write that history.
DECISIONS: dict[str, dict[int, tuple[str, date]]] = {
    # LĐTT: decided by the commune chairman at the year's end
    "LDTT": {2021: ("112/QĐ-UBND", date(2021, 12, 24)), 2022: ("125/QĐ-UBND", date(2022, 12, 23))},
    # CSTĐCS: decided by the district chairman (3-tier, the old law)
    "CSTDCS": {2021: ("3105/QĐ-UBND", date(2021, 12, 29)), 2022: ("3270/QĐ-UBND", date(2022, 12, 28))},
    # GĐVH: the commune chairman, after the hamlet review (before 25 November)
    "GDVH": {2021: ("101/QĐ-UBND", date(2021, 11, 30)), 2022: ("109/QĐ-UBND", date(2022, 11, 29))},
    # Xóm văn hóa: decided by the district (3-tier); not part of the commune's section 4, the 2023
    # one stays hand-entered ("xóm văn hóa đạt 100%", reference §2.1.2)
    "THON_VH": {2021: ("102/QĐ-UBND", date(2021, 11, 30)), 2022: ("110/QĐ-UBND", date(2022, 11, 29)),
                2023: ("118/QĐ-UBND", date(2023, 11, 28))},
}

# how many staff hold LĐTT each year (the 2023 report: "25 cán bộ, công chức"; 2023's are proposed,
# voted and decided by the demo's 2023 play, the earlier ones are history)
LDTT_PER_YEAR = {2021: 18, 2022: 22, 2023: 25}
PLAYED_YEAR = 2023
LDTT_DECIDED_ELSEWHERE = ("215/QĐ-PGDĐT", date(2023, 6, 20))  # see build_dataset
# share of households by GĐVH history: all of 2021–2023 / 2022–2023 / 2023 only / none
GDVH_HISTORY = ((0.55, (2021, 2022, 2023)), (0.20, (2022, 2023)), (0.12, (2023,)), (0.13, ()))

SURNAMES = ("Ma", "Hoàng", "Nông", "Lường", "Đàm", "La", "Mạc", "Triệu", "Bàn")
MIDDLE = {
    "male": ("Văn", "Văn", "Đức", "Minh", "Quang", "Thanh", "Hữu", "Trung", "Xuân", "Thế"),
    "female": ("Thị", "Thị", "Thị", "Thị Thu", "Thị Minh", "Thị Hồng", "Thị Thanh", "Thị Ngọc"),
}
GIVEN = {
    "male": ("Hùng", "Dũng", "Cường", "Thắng", "Tuấn", "Hải", "Long", "Sơn", "Quân", "Bình", "Thành",
             "Toàn", "Khánh", "Hưng", "Phong", "Lâm", "Nam", "Tiến", "Vinh", "Giang", "Chiến", "Trường",
             "Thịnh", "Hoàn", "Lợi", "Quyết", "Sinh", "Tài"),
    "female": ("Hoa", "Lan", "Hương", "Mai", "Hằng", "Thảo", "Nga", "Huyền", "Liên", "Duyên", "Phương",
               "Thủy", "Yến", "Nhung", "Loan", "Hà", "Trang", "Oanh", "Hạnh", "Tuyết", "Vân", "Chanh"),
}

ROLE_LABELS_VI = {
    "admin": "quản trị",
    "secretary": "thư ký / cán bộ TĐKT",
    "chair": "Chủ tịch UBND (Chủ tịch Hội đồng)",
    "council_member": "thành viên Hội đồng TĐKT",
    "nominator": "người lập hồ sơ của đơn vị",
    "higher_reviewer": "cán bộ TĐKT cấp trên",
}


@dataclass(frozen=True)
class Award:
    code: str
    year: int
    decision_number: str
    decision_date: date


def _award(code: str, year: int) -> Award:
    number, when = DECISIONS[code][year]
    return Award(code, year, number, when)


@dataclass(frozen=True)
class Staff:
    unit_code: str
    position: str
    name: str
    gender: str
    birth_year: int
    username: str | None
    awards: tuple[Award, ...] = ()


@dataclass(frozen=True)
class Household:
    unit_code: str
    head_name: str
    gender: str
    username: str | None  # the hamlet head (trưởng xóm) heads one household of the hamlet
    awards: tuple[Award, ...] = ()

    @property
    def name(self) -> str:
        return f"Hộ {'ông' if self.gender == 'male' else 'bà'} {self.head_name}"


@dataclass(frozen=True)
class Collective:
    unit_code: str
    name: str
    awards: tuple[Award, ...] = ()


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    authority_code: str | None
    unit_code: str | None
    full_name: str
    description: str


@dataclass
class Dataset:
    authorities: tuple = AUTHORITIES
    units: list[tuple[str, str, str]] = field(default_factory=list)  # (code, name, kind), at the commune
    staff: list[Staff] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    collectives: list[Collective] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    council: tuple[tuple[str, str], ...] = COUNCIL
    # what the 2023 play reads (``workflow.demo.year2023``): indexes into ``staff`` of the 25 LĐTT
    # of 2023 and of the two CSTĐCS of 2021–2022; per household, whether it was GĐVH in 2023
    ldtt_2023: list[int] = field(default_factory=list)
    cstdcs_history: list[int] = field(default_factory=list)
    gdvh_2023: list[bool] = field(default_factory=list)


class _Names:
    """Draws full names from the seeded generator, never the same one twice within a scope."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: dict[str, set[str]] = {}

    def draw(self, gender: str, scope: str = "") -> str:
        used = self.used.setdefault(scope, set())
        while True:
            name = " ".join((self.rng.choice(SURNAMES), self.rng.choice(MIDDLE[gender]),
                             self.rng.choice(GIVEN[gender])))
            if name not in used:
                used.add(name)
                return name


# Stays whole (long or radon D+): the demo told as one story with one seeded random sequence: reordering the
# steps would change the data.
def build_dataset() -> Dataset:
    """The whole demo as plain data; the same on every call (seeded)."""
    # the same demo names on every load, no secret
    rng = random.Random(SEED)  # nosec B311
    names = _Names(rng)
    data = Dataset()
    data.units = [(hamlet_code(s), f"Xóm {n}", "hamlet") for s, n, _ in HAMLETS] + list(OTHER_UNITS)

    # staff: names unique across the commune's staff
    people = []
    for unit_code, position, username, gender, (lo, hi) in STAFF_POSTS:
        gender = gender or rng.choice(("male", "female"))
        people.append((unit_code, position, username, gender, names.draw(gender, "staff"), rng.randint(lo, hi)))
    cstdcs = {next(i for i, p in enumerate(people) if (p[0], p[1]) == post) for post in CSTDCS_POSTS}
    others = [i for i in range(len(people)) if i not in cstdcs]
    ldtt = {year: cstdcs | set(rng.sample(others, n - len(cstdcs))) for year, n in LDTT_PER_YEAR.items()}
    # LĐTT of 2023 decided elsewhere, which the CSTĐCS cap counts (NĐ 91/2017 Art 9(3): CSTĐCS at
    # most 15% of the LĐTT awardees): two teachers whose title the district's Phòng Giáo dục và Đào
    # tạo decided for the school year. The reference does not show them (they are not the
    # commune's awards); without them the commune's 25 LĐTT allow 3 CSTĐCS, not the 4 it proposed.
    elsewhere = [i for i, p in enumerate(people) if p[1] == "Giáo viên" and i not in ldtt[PLAYED_YEAR]][:2]
    for i, (unit_code, position, username, gender, name, born) in enumerate(people):
        awards = [_award("LDTT", year) for year in sorted(ldtt) if i in ldtt[year] and year != PLAYED_YEAR]
        if i in elsewhere:
            awards.append(Award("LDTT", PLAYED_YEAR, *LDTT_DECIDED_ELSEWHERE))
        if i in cstdcs:
            awards += [_award("CSTDCS", year) for year in (2021, 2022)]
        data.staff.append(Staff(unit_code, position, name, gender, born, username, tuple(awards)))

    # households: names unique within each hamlet; the first one is the hamlet head's
    for suffix, _hamlet, count in HAMLETS:
        code = hamlet_code(suffix)
        for n in range(count):
            gender = "male" if rng.random() < 0.8 else "female"
            head = names.draw(gender, code)
            draw, years = rng.random(), ()
            for share, history in GDVH_HISTORY:
                if draw < share:
                    years = history
                    break
                draw -= share
            data.gdvh_2023.append(PLAYED_YEAR in years)
            awards = tuple(_award("GDVH", year) for year in years if year != PLAYED_YEAR)
            data.households.append(Household(code, head, gender, hamlet_username(suffix) if n == 0 else None,
                                             awards))

    # every unit is also a collective nominee; hamlets were "xóm văn hóa" 2021–2023 (100% in 2023)
    for code, name, kind in data.units:
        awards = tuple(_award("THON_VH", y) for y in (2021, 2022, 2023)) if kind == "hamlet" else ()
        data.collectives.append(Collective(code, name, awards))

    data.accounts = _accounts(data, names)
    data.ldtt_2023 = sorted(ldtt[PLAYED_YEAR])
    data.cstdcs_history = sorted(cstdcs)
    return data


def _accounts(data: Dataset, names: _Names) -> list[Account]:
    staff = {s.username: s for s in data.staff if s.username}
    units = {code: name for code, name, _kind in data.units}
    council = dict(COUNCIL)
    seat_vi = {"chair": "Chủ tịch Hội đồng", "vice_chair": "Phó Chủ tịch Hội đồng",
               "secretary": "Thư ký Hội đồng", "member": "Ủy viên Hội đồng"}

    def at_commune(username: str, role: str) -> Account:
        person = staff[username]
        description = person.position
        if username in council:
            description += f"; {seat_vi[council[username]]} TĐKT xã"
        return Account(username, role, COMMUNE, None, person.name, description)

    accounts = [Account("admin", "admin", None, None, "Quản trị hệ thống", "Quản trị toàn hệ thống")]
    accounts.append(at_commune("thuky", "secretary"))
    accounts.append(at_commune("chutich", "chair"))
    accounts += [at_commune(u, "council_member") for u, position in COUNCIL
                 if position in ("vice_chair", "member")]
    heads = {h.username: h for h in data.households if h.username}
    for suffix, hamlet, _count in HAMLETS:
        username = hamlet_username(suffix)
        accounts.append(Account(username, "nominator", COMMUNE, hamlet_code(suffix), heads[username].head_name,
                                f"Trưởng xóm {hamlet}"))
    principal = staff["thcs"]
    accounts.append(Account("thcs", "nominator", COMMUNE, "DB-THCS", principal.name,
                            f"Hiệu trưởng {units['DB-THCS']}"))
    for username, role, authority, description in (
        ("huyen_tdkt", "higher_reviewer", DISTRICT, "Cán bộ TĐKT Phòng Nội vụ huyện Định Hóa (đến 30/6/2025)"),
        ("huyen_thuky", "secretary", DISTRICT, "Thư ký Hội đồng TĐKT huyện Định Hóa (đến 30/6/2025)"),
        ("tinh_tdkt", "higher_reviewer", PROVINCE, "Cán bộ Ban Thi đua - Khen thưởng tỉnh Thái Nguyên"),
        # the district's chairman signed its 2023 submission of the commune's Bằng khen to the
        # province (the 2023 play); last, so the names drawn before stay the same
        ("huyen_chutich", "chair", DISTRICT, "Chủ tịch UBND huyện Định Hóa, Chủ tịch Hội đồng TĐKT huyện "
                                             "(đến 30/6/2025)"),
    ):
        gender = names.rng.choice(("male", "female"))
        accounts.append(Account(username, role, authority, None, names.draw(gender, "higher"), description))
    return accounts


DATASET = build_dataset()

# (username, password, role, description in Vietnamese) — read by the README and the browser tests
DEMO_ACCOUNTS: list[tuple[str, str, str, str]] = [
    (a.username, DEMO_PASSWORD, a.role, a.description) for a in DATASET.accounts
]
