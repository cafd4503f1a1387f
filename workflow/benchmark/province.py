"""A province-sized dataset for the HTTP benchmark (``tdkt bench http``).

Fills an EMPTY schema with one province and its communes (one per ~770 proposals), each with 10
hamlets and 4 offices, its users (secretary, chair, a nominator per hamlet, seven more council
members), a council of nine, one annual round a year for three years, nominees, and proposals in
the states a real year leaves them: the two past years mostly awarded, not recommended, rejected or
withdrawn; this year spread over draft … forwarded. Every proposal has the history rows of the path
that led to its state, the rule snapshot ``submit`` takes (``eligibility.snapshot`` of the rule set
in force, ``catalog.services.rule_set_for``), and the rows its state implies: agenda items and
tallies of closed meetings, this year's scheduled meetings holding the ``in_council`` ones — at the
bench commune (the first) a meeting in ``voting`` where six of nine members have cast sealed
ballots and one plain member has not —, issued decisions with their items and award records for the
awarded ones, sent submissions to the province for the forwarded ones and the province-level awards.

Written with Core ``executemany`` in chunks, communes in batches so memory stays bounded (1,000,000
proposals is ~1,300 communes), in foreign-key order. Ids are explicit; on PostgreSQL the sequences
are moved past them afterwards, so the service's own inserts do not collide.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from workflow import vntime
from workflow.auth.services import hash_password
from workflow.catalog.services import rule_set_for
from workflow.council.sealing import meeting_key, seal
from workflow.db import Base
from workflow.folding import fold_name
from workflow.org.models import Authority
from workflow.proposals.eligibility import snapshot

PASSWORD = "bench-password-2026"
PER_COMMUNE = 770
HAMLETS, OFFICES, EXTRA_MEMBERS = 10, 4, 7  # council: chair + secretary + 7 = 9 seats
VOTED = 6  # at the bench commune's voting meeting: seats that have cast their ballot
CHUNK = 20000
BATCH_PROPOSALS = 40000  # communes are built and written in batches of about this many proposals
BASE_SALARY = 2340000

PROVINCE_ID, PROVINCE_CODE = 1, "T-BENCH"

# (state, weight): the two past years, and this year
PAST = [("awarded", 62), ("not_recommended", 12), ("rejected", 10), ("withdrawn", 10), ("draft", 6)]
THIS_YEAR = [("draft", 14), ("submitted", 16), ("returned", 7), ("under_review", 12), ("public_notice", 7),
             ("in_council", 10), ("recommended", 10), ("forwarded", 5), ("awarded", 11), ("rejected", 4),
             ("withdrawn", 4)]
COUNCIL_TYPES = {"individual": ["LDTT", "LDTT", "GK_XA", "BK_TINH"], "household": ["GK_XA"],
                 "collective": ["GK_XA", "GK_XA", "BK_TINH"]}
ANY_TYPES = {"individual": ["LDTT"] * 11 + ["GK_XA"] * 6 + ["BK_TINH"] * 3,
             "household": ["GDVH"] * 7 + ["GK_XA"] * 3, "collective": ["GK_XA"] * 7 + ["BK_TINH"] * 3}
KIND_BY_SLOT = ["individual"] * 6 + ["household"] * 3 + ["collective"]


@dataclass
class Dataset:
    """What the benchmark needs to know about what was built."""

    proposals: int
    communes: int
    year: int
    province_code: str
    commune_code: str
    password: str
    users: dict[str, str]  # secretary, chair, member (has not voted), nominator, province_secretary, reviewer
    meeting_id: int  # the voting meeting of the bench commune
    detail_ids: list[int]  # proposals of the bench commune
    transition_pool: list[list]  # [proposal id, its commune secretary's username]: this year's submitted ones
    states: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def _username(role: str, c: int, n: int | None = None) -> str:
    return f"{role}_{c:04d}" + ("" if n is None else f"_{n}")


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=vntime.VN_TZ).astimezone(UTC)


def _path(state: str, award: str) -> list[tuple[str, str]]:
    """The (event, new state) steps that lead from draft to ``state`` for this award type."""
    submit = [("submit", "submitted")]
    review = submit + [("accept", "under_review")]
    council = review + [("schedule", "in_council")]
    recommended = (review + [("skip_council", "recommended")]) if award == "GDVH" else council + [("pass", "recommended")]
    forwarded = council + [("pass", "recommended"), ("forward", "forwarded")]
    return {
        "draft": [], "submitted": submit, "returned": submit + [("return_for_changes", "returned")],
        "under_review": review, "public_notice": review + [("publish", "public_notice")], "in_council": council,
        "recommended": recommended, "not_recommended": council + [("fail", "not_recommended")],
        "forwarded": forwarded,
        "awarded": forwarded + [("record_outcome", "awarded")] if award == "BK_TINH"
        else recommended + [("decide", "awarded")],
        "rejected": review + [("reject", "rejected")], "withdrawn": submit + [("withdraw", "withdrawn")],
    }[state]


def _spread(weights: list[tuple[str, int]], n: int, rng: random.Random) -> list[str]:
    """``n`` states in the given proportions (largest remainder), shuffled."""
    total = sum(w for _s, w in weights)
    counts = {s: n * w // total for s, w in weights}
    by_remainder = sorted(weights, key=lambda sw: -(n * sw[1] % total))
    for s, _w in by_remainder[:n - sum(counts.values())]:
        counts[s] += 1
    out = [s for s, k in counts.items() for _ in range(k)]
    rng.shuffle(out)
    return out


class _Writer:
    """Buffers rows per table and writes them in foreign-key order, CHUNK rows per executemany."""

    ORDER = ["nominee", "round", "meeting", "proposal", "proposal_transition", "agenda_item", "meeting_attendance",
             "ballot_tally", "ballot_receipt", "sealed_ballot", "decision", "decision_item", "award_record",
             "submission", "submission_item", "document_counter"]

    def __init__(self, session: Session):
        self.session = session
        self.rows: dict[str, list[dict]] = {name: [] for name in self.ORDER}
        self.written: dict[str, int] = {}
        self.ids: dict[str, int] = {}

    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    def add(self, table: str, row: dict) -> None:
        self.rows[table].append(row)

    def write(self, table: str, rows: list[dict]) -> None:
        target = Base.metadata.tables[table]
        for start in range(0, len(rows), CHUNK):
            self.session.execute(insert(target), rows[start:start + CHUNK])
        self.written[table] = self.written.get(table, 0) + len(rows)

    def flush(self) -> None:
        for name in self.ORDER:
            if self.rows[name]:
                self.write(name, self.rows[name])
                self.rows[name] = []


# Stays whole (long or radon D+): benchmark data generator, not product code: straight-line row writing read
# top to bottom.
def build(session: Session, proposals: int, *, secret_key: str, today: date | None = None,
          seed: int = 12) -> Dataset:
    """Fill an empty schema (rule sets loaded) with ``proposals`` proposals; commits."""
    rng = random.Random(seed)  # nosec B311 (reproducible test data, no secret)
    today = today or vntime.today()
    year = today.year
    years = [year - 2, year - 1, year]
    now = _at(today, 8)
    communes = max(1, round(proposals / PER_COMMUNE))
    out = _Writer(session)
    password_hash = hash_password(PASSWORD)  # one argon2 hash for every bench user: a real sign-in cost

    # --- the tree, units, users, roles, councils (small: written first) -----------------------------------
    authorities = [{"id": PROVINCE_ID, "code": PROVINCE_CODE, "name": "UBND tỉnh Bench", "kind": "province",
                    "parent_id": None, "created_at": now}]
    authorities += [{"id": 100 + c, "code": f"XB-{c:04d}", "name": f"UBND xã Bench {c}", "kind": "commune",
                     "parent_id": PROVINCE_ID, "created_at": now} for c in range(communes)]
    out.write("authority", authorities)
    units, users, roles, seats = [], [], [], []

    def user(name: str, full_name: str) -> int:
        uid = out.next_id("user_account")
        users.append({"id": uid, "username": name, "password_hash": password_hash, "full_name": full_name,
                      "email": f"{name}@bench.invalid", "locale": "vi", "active": True, "session_version": 1,
                      "must_change_password": False, "created_at": now})
        return uid

    def role(uid: int, name: str, authority_id: int, unit_id: int | None = None) -> None:
        roles.append({"id": out.next_id("role_assignment"), "user_id": uid, "role": name,
                      "authority_id": authority_id, "unit_id": unit_id})

    province_users = {"province_secretary": user("tinh_thuky", "Thư ký tỉnh"),
                      "province_chair": user("tinh_chutich", "Chủ tịch tỉnh"),
                      "reviewer": user("tinh_xetduyet", "Chuyên viên tỉnh")}
    role(province_users["province_secretary"], "secretary", PROVINCE_ID)
    role(province_users["province_chair"], "chair", PROVINCE_ID)
    role(province_users["reviewer"], "higher_reviewer", PROVINCE_ID)
    people = []  # per commune: ids of secretary, chair, nominators, members; hamlet and office unit ids
    for c in range(communes):
        authority = 100 + c
        hamlets = [c * (HAMLETS + OFFICES) + h + 1 for h in range(HAMLETS)]
        offices = [c * (HAMLETS + OFFICES) + HAMLETS + o + 1 for o in range(OFFICES)]
        units += [{"id": u, "code": f"XB-{c:04d}-X{h:02d}", "name": f"Thôn {h + 1}", "kind": "hamlet",
                   "authority_id": authority, "created_at": now} for h, u in enumerate(hamlets)]
        units += [{"id": u, "code": f"XB-{c:04d}-C{o:02d}", "name": f"Cơ quan {o + 1}", "kind": "office",
                   "authority_id": authority, "created_at": now} for o, u in enumerate(offices)]
        secretary = user(_username("thuky", c), f"Thư ký xã {c}")
        chair = user(_username("chutich", c), f"Chủ tịch xã {c}")
        role(secretary, "secretary", authority)
        role(chair, "chair", authority)
        nominators = []
        for h, unit in enumerate(hamlets):
            nominators.append(user(_username("xom", c, h), f"Trưởng thôn {h + 1} xã {c}"))
            role(nominators[-1], "nominator", authority, unit)
        members = []
        for m in range(EXTRA_MEMBERS):
            members.append(user(_username("hoidong", c, m), f"Ủy viên {m + 1} xã {c}"))
            role(members[-1], "council_member", authority)
        for uid, position in ([(chair, "chair"), (secretary, "secretary"), (members[0], "vice_chair")]
                              + [(uid, "member") for uid in members[1:]]):
            seats.append({"id": out.next_id("council_member"), "authority_id": authority, "user_id": uid,
                          "position": position})
        people.append({"secretary": secretary, "chair": chair, "nominators": nominators, "members": members,
                       "hamlets": hamlets, "offices": offices})
    out.write("unit", units)
    out.write("user_account", users)
    out.write("role_assignment", roles)
    out.write("council_member", seats)
    names = {u["id"]: u["username"] for u in users}

    # --- the rules each year's proposals were submitted under ---------------------------------------------
    commune0 = session.get(Authority, 100)
    rules: dict[tuple[int, str], tuple[str, dict]] = {}
    for y in years:
        rule_set = rule_set_for(session, commune0, date(y, 4, 1) if y < year else today)
        for award_type in rule_set.award_types:
            rules[(y, award_type.code)] = (rule_set.code, snapshot(award_type, rule_set))
    missing = {code for lst in ANY_TYPES.values() for code in lst} - {code for _y, code in rules}
    if missing:
        raise RuntimeError(f"award types not in the rule set in force: {sorted(missing)}")

    # --- communes, in batches -----------------------------------------------------------------------------
    base, extra = divmod(proposals, communes)
    states: dict[str, int] = {}
    detail_ids: list[int] = []
    pool: list[list] = []
    meeting_id = 0
    batch = 0
    for c in range(communes):
        n = base + (1 if c < extra else 0)
        per_year = [n // 3, n // 3, n - 2 * (n // 3)]
        voting_id = _commune(out, rng, c, people[c], names, years, per_year, rules, states, today, now,
                             secret_key, detail_ids if c == 0 else None, pool)
        meeting_id = meeting_id or voting_id
        batch += n
        if batch >= BATCH_PROPOSALS:
            out.flush()
            batch = 0
    out.flush()
    _advance_sequences(session)
    session.commit()
    p = people[0]
    return Dataset(
        proposals=proposals, communes=communes, year=year, province_code=PROVINCE_CODE, commune_code="XB-0000",
        password=PASSWORD,
        users={"secretary": names[p["secretary"]], "chair": names[p["chair"]],
               "member": names[p["members"][EXTRA_MEMBERS - 1]], "nominator": names[p["nominators"][0]],
               **{k: names[v] for k, v in province_users.items()}},
        meeting_id=meeting_id, detail_ids=detail_ids, transition_pool=pool, states=dict(sorted(states.items())),
        rows=dict(out.written))


# Stays whole (long or radon D+): benchmark data generator, not product code: one commune's three years
# written top to bottom.
def _commune(out: _Writer, rng: random.Random, c: int, p: dict, names: dict, years: list[int],
             per_year: list[int], rules: dict, states: dict, today: date, now: datetime, secret_key: str,
             detail_ids: list | None, pool: list) -> int:
    """Write one commune's three years; returns its voting meeting's id (the bench commune only)."""
    authority = 100 + c
    slots = max(per_year)
    nominee_ids = []
    kinds = []
    for i in range(slots):
        kind = KIND_BY_SLOT[i % len(KIND_BY_SLOT)]
        nid = out.next_id("nominee")
        unit = p["offices"][i % OFFICES] if kind == "collective" else p["hamlets"][i % HAMLETS]
        name = {"individual": f"Nguyễn Văn {c}-{i}", "household": f"Hộ ông Lê Văn {c}-{i}",
                "collective": f"Tổ công tác {c}-{i}"}[kind]
        head = f"Lê Văn {c}-{i}" if kind == "household" else None
        out.add("nominee", {
            "id": nid, "kind": kind, "authority_id": authority, "unit_id": unit, "created_at": now,
            "name": name, "head_name": head, "name_folded": fold_name(name, head),
            "birth_year": 1960 + i % 40 if kind == "individual" else None,
            "gender": ("male", "female")[i % 2] if kind == "individual" else None,
            "position": "Cán bộ" if kind == "individual" else None})
        nominee_ids.append(nid)
        kinds.append(kind)
    voting_id = 0
    for y, n in zip(years, per_year, strict=True):
        this_year = y == years[-1]
        round_id = out.next_id("round")
        out.add("round", {"id": round_id, "authority_id": authority, "year": y, "kind": "annual",
                          "title": f"Xét khen thưởng năm {y}", "nomination_deadline": date(y, 10, 31),
                          "created_by_id": p["secretary"], "created_at": _at(date(y, 1, 15))})
        # "today" of that year's process: the past ones finished in the autumn
        anchor = today if this_year else date(y, 11, 20)
        on_council, awarded, sent_up = [], {}, []
        for i, state in enumerate(_spread(THIS_YEAR if this_year else PAST, n, rng)):
            kind = kinds[i]
            if state == "forwarded":
                award = "BK_TINH"
            elif state in ("in_council", "not_recommended"):
                award = rng.choice(COUNCIL_TYPES[kind])
            else:
                award = rng.choice(ANY_TYPES[kind])
            path = _path(state, award)
            pid = out.next_id("proposal")
            unit = p["offices"][i % OFFICES] if kind == "collective" else p["hamlets"][i % HAMLETS]
            nominator = p["nominators"][p["hamlets"].index(unit)] if unit in p["hamlets"] else p["secretary"]
            start = anchor - timedelta(days=6 * len(path) + rng.randrange(30) + 1)
            created = _at(start, 8)
            row = {"id": pid, "round_id": round_id, "nominee_id": nominee_ids[i], "award_type_code": award,
                   "unit_id": unit, "origin_authority_id": authority, "current_authority_id": authority,
                   "state": state, "version": 1 + len(path), "achievements": f"Hoàn thành tốt nhiệm vụ năm {y}.",
                   "evidence": None, "rule_set_code": None, "award_rule": None, "missing_items": None,
                   "fields_changed": None, "reason": None, "notice_from": None, "notice_until": None,
                   "notice_done": False, "linked_proposal_id": None, "created_by_id": nominator,
                   "created_at": created, "updated_at": created}
            if award == "GDVH":
                held = start - timedelta(days=12)
                row["evidence"] = {"meeting": {"held_on": held.isoformat(), "invited": 40, "present": 32,
                                               "agreed": 30},
                                   "notice": {"from": (held + timedelta(days=1)).isoformat(),
                                              "to": (held + timedelta(days=10)).isoformat()}}
            if path:
                row["rule_set_code"], row["award_rule"] = rules[(y, award)]
            last = start
            for step, (event, to_state) in enumerate(path):
                last = start + timedelta(days=6 * (step + 1))
                from_state = path[step - 1][1] if step else "draft"
                actor = {"submit": nominator, "decide": p["chair"], "pass": p["chair"], "fail": p["chair"],
                         "withdraw": nominator}.get(event, p["secretary"])
                data: dict = {}
                if event == "return_for_changes":
                    data = {"items": [{"field": "achievements", "message": "Bổ sung thành tích"}]}
                elif event == "reject":
                    data = {"reason": "Chưa đủ tiêu chuẩn"}
                elif event == "publish":
                    data = {"days": 10}
                out.add("proposal_transition", {
                    "id": out.next_id("proposal_transition"), "proposal_id": pid, "event": event,
                    "from_state": from_state, "to_state": to_state, "actor_id": actor, "actor_name": names[actor],
                    "authority_id": authority, "created_at": _at(last, 10), "comment": None, "data": data})
            row["updated_at"] = _at(last, 10)
            if state == "returned":
                row["missing_items"] = [{"field": "achievements", "message": "Bổ sung thành tích"}]
                row["fields_changed"] = []
            elif state == "rejected":
                row["reason"] = "Chưa đủ tiêu chuẩn"
            elif state == "public_notice":
                row["notice_from"], row["notice_until"] = last, last + timedelta(days=9)
            out.add("proposal", row)
            states[state] = states.get(state, 0) + 1
            if detail_ids is not None:
                detail_ids.append(pid)
            if this_year and state == "submitted":
                pool.append([pid, names[p["secretary"]]])
            if any(event == "schedule" for event, _s in path):
                on_council.append((pid, state, any(event == "fail" for event, _s in path)))
            if state == "awarded" and award != "BK_TINH":
                awarded.setdefault(award, []).append((pid, nominee_ids[i], kind, row["award_rule"]))
            if award == "BK_TINH" and state in ("forwarded", "awarded"):
                sent_up.append((pid, nominee_ids[i], state))
        voting_id = _meetings(out, c, p, y, anchor, on_council, this_year, now, secret_key) or voting_id
        _decisions(out, authority, p, y, anchor, awarded)
        _submissions(out, authority, p, y, anchor, sent_up)
    return voting_id


# Stays whole (long or radon D+): benchmark data generator, not product code: one year's meetings written top
# to bottom.
def _meetings(out: _Writer, c: int, p: dict, y: int, anchor: date, on_council: list, this_year: bool,
              now: datetime, secret_key: str) -> int:
    """A closed meeting for the year's decided items; this year also one holding the ``in_council``
    ones (scheduled; in ``voting`` at the bench commune). Returns the voting meeting's id or 0."""
    authority = 100 + c
    seats = [p["chair"], p["secretary"], *p["members"]]
    decided = [(pid, failed) for pid, state, failed in on_council if state != "in_council"]
    waiting = [pid for pid, state, _f in on_council if state == "in_council"]
    voting_id = 0
    groups = [("closed", [pid for pid, _f in decided], dict(decided))]
    if this_year and waiting:
        groups.append(("voting" if c == 0 else "scheduled", waiting, {}))
    for status, pids, failed in groups:
        if not pids:
            continue
        mid = out.next_id("meeting")
        day = anchor - timedelta(days=20) if status == "closed" else anchor + timedelta(days=3)
        if status == "voting":
            day, voting_id = anchor, mid
        salt = secrets.token_hex(16) if status != "scheduled" else None
        opened = _at(day, 8) if status != "scheduled" else None
        out.add("meeting", {
            "id": mid, "authority_id": authority, "scheduled_at": _at(day, 8), "place": "Hội trường UBND xã",
            "status": status, "presiding_user_id": p["chair"] if opened else None,
            "council_size": len(seats) if opened else None, "opened_at": opened,
            "closed_at": _at(day, 11) if status == "closed" else None, "created_by_id": p["secretary"],
            "results": None, "lock_version": 3 if opened else 1, "ballot_salt": salt})
        if status != "scheduled":
            for s, uid in enumerate(seats):
                out.add("meeting_attendance", {"id": out.next_id("meeting_attendance"), "meeting_id": mid,
                                               "user_id": uid, "present": True, "written_vote": False,
                                               "counter": s in (2, 3)})
        key = meeting_key(secret_key, salt) if status == "voting" else None
        for position, pid in enumerate(pids):
            item = out.next_id("agenda_item")
            out.add("agenda_item", {"id": item, "meeting_id": mid, "proposal_id": pid, "position": position,
                                    "presiding_user_id": p["chair"] if opened else None,
                                    "written_yes": 0, "written_no": 0, "hands_yes": None, "hands_no": None})
            if status == "closed":
                yes = 3 if failed.get(pid) else 8
                out.add("ballot_tally", {"agenda_item_id": item, "yes": yes, "no": len(seats) - yes})
            elif status == "voting":
                out.add("ballot_tally", {"agenda_item_id": item, "yes": 0, "no": 0})
                for uid in seats[:VOTED]:
                    out.add("ballot_receipt", {"agenda_item_id": item, "user_id": uid})
                    nonce, tag = seal(key, item, "yes")
                    out.add("sealed_ballot", {"agenda_item_id": item, "nonce": nonce, "tag": tag})
    return voting_id


def _decisions(out: _Writer, authority: int, p: dict, y: int, anchor: date, awarded: dict) -> None:
    """One issued decision per commune-level award type with awarded proposals, with its award records."""
    number = 0
    for award, items in sorted(awarded.items()):
        number += 1
        did = out.next_id("decision")
        signed = anchor - timedelta(days=5)
        text_number = f"{number:02d}/QĐ-UBND"
        amounts = [round(float((rule or {}).get("cash_coefficient", {}).get(kind, 0)) * BASE_SALARY)
                   for _pid, _nid, kind, rule in items]
        out.add("decision", {"id": did, "authority_id": authority, "award_type_code": award, "status": "issued",
                             "number": text_number, "year": y, "signed_on": signed, "signer_id": p["chair"],
                             "cash_total": sum(amounts), "legal_bases": None, "base_salary_vnd": BASE_SALARY,
                             "created_by_id": p["secretary"], "created_at": _at(signed - timedelta(days=2)),
                             "issued_at": _at(signed, 15)})
        for (pid, nid, _kind, _rule), amount in zip(items, amounts, strict=True):
            out.add("decision_item", {"id": out.next_id("decision_item"), "decision_id": did, "proposal_id": pid,
                                      "cash_amount": amount, "cash_full": None, "cash_paid_before": None,
                                      "cash_paid_under": None})
            out.add("award_record", {"id": out.next_id("award_record"), "nominee_id": nid, "award_type_code": award,
                                     "year": y, "decision_number": text_number, "decision_date": signed,
                                     "source": "decision", "recorded_by_id": p["chair"], "proposal_id": pid,
                                     "revoked_at": None, "created_at": _at(signed, 15)})
    if number:
        out.add("document_counter", {"authority_id": authority, "kind": "QĐ", "year": y, "last": number})


def _submissions(out: _Writer, authority: int, p: dict, y: int, anchor: date, sent_up: list) -> None:
    """One sent submission to the province carrying the year's BK_TINH proposals; the province's
    answer recorded on the awarded ones."""
    if not sent_up:
        return
    sid = out.next_id("submission")
    sent = anchor - timedelta(days=12)
    out.add("submission", {"id": sid, "from_authority_id": authority, "to_authority_id": PROVINCE_ID,
                           "status": "sent", "number": "01/TTr-UBND", "year": y, "sent_on": sent,
                           "signer_id": p["chair"], "legal_bases": None, "created_by_id": p["secretary"],
                           "created_at": _at(sent - timedelta(days=1)), "sent_at": _at(sent, 15)})
    out.add("document_counter", {"authority_id": authority, "kind": "TTr", "year": y, "last": 1})
    answered = anchor - timedelta(days=2)
    for pid, nid, state in sent_up:
        done = state == "awarded"
        out.add("submission_item", {"id": out.next_id("submission_item"), "submission_id": sid, "proposal_id": pid,
                                    "outcome": "approved" if done else None,
                                    "decision_number": f"{authority:03d}/QĐ-UBND" if done else None,
                                    "decision_date": answered if done else None, "reason": None,
                                    "recorded_at": _at(answered, 14) if done else None})
        if done:
            out.add("award_record", {"id": out.next_id("award_record"), "nominee_id": nid,
                                     "award_type_code": "BK_TINH", "year": y,
                                     "decision_number": f"{authority:03d}/QĐ-UBND", "decision_date": answered,
                                     "source": "outcome", "recorded_by_id": None, "proposal_id": pid,
                                     "revoked_at": None, "created_at": _at(answered, 14)})


def _advance_sequences(session: Session) -> None:
    """PostgreSQL: move every id sequence past the explicit ids (SQLite needs nothing)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        column = table.columns.get("id")
        if column is None or not column.primary_key:
            continue
        sequence = session.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f'"{table.name}"'})
        if sequence:
            # nosec B608: the table name comes from the models' metadata, never from input
            session.execute(text("SELECT setval(CAST(:s AS regclass), COALESCE((SELECT max(id) FROM "  # nosec B608
                                 f'"{table.name}"), 0) + 1, false)'), {"s": sequence})


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Base.metadata.tables["proposal"]))
