"""``tdkt bench reminders``: how long the due-event scan takes over many proposals.

Builds a throwaway database (SQLite in a temporary folder, or a temporary schema in the
PostgreSQL of ``TDKT_DATABASE_URL``) with communes, hamlets, users and ``proposals`` proposals, of
which ``due`` make exactly one reminder due at the benchmark's moment, ``waiting`` more sit in the
same waiting states without being due yet, and the rest are finished proposals of past rounds
(awarded, rejected, withdrawn, …) with their history. Then it runs the scan twice: the first
writes the ``due`` outbox rows, the second (a re-run, as every beat does) writes none.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine, func, insert, select, text

from workflow.calendar.services import WorkCalendar
from workflow.db import Base
from workflow.reminders.schedule import local_date, local_midnight, subtract_working_days

# a Monday in June 2025, 10:00 in Vietnam: vn-2024 in force (20 working days, returns after 5 days)
NOW = datetime(2025, 6, 16, 3, 0, tzinfo=UTC)
FINISHED = ("awarded", "rejected", "not_recommended", "withdrawn", "draft")
PER_COMMUNE = 1000


@dataclass
class Figures:
    proposals: int
    due_wanted: int
    waiting: int
    transitions: int
    build_seconds: float
    due_events: int
    inserted: int
    first_scan: float
    rescan: float
    rescan_inserted: int

    def line(self) -> str:
        return (f"proposals={self.proposals:>7}  transitions={self.transitions:>7}  waiting(not due)={self.waiting:>5}  "
                f"due events={self.due_events:>5}  rows inserted={self.inserted:>5}  "
                f"scan={self.first_scan:6.3f} s  re-scan={self.rescan:6.3f} s (inserted {self.rescan_inserted})  "
                f"[build {self.build_seconds:5.1f} s]")


def _at(day: date, hour: int = 9) -> datetime:
    return local_midnight(day) + timedelta(hours=hour)


# Stays whole (long or radon D+): benchmark data generator, not product code: straight-line row writing read
# top to bottom.
def build(session, proposals: int, due: int, waiting: int, seed: int = 6) -> int:
    """Fill an empty schema; returns the number of transition rows written."""
    # a reproducible benchmark data set, no secret
    rng = random.Random(seed)  # nosec B311
    calendar = WorkCalendar()
    today = local_date(NOW)
    communes = max(1, proposals // PER_COMMUNE)
    t = Base.metadata.tables
    ex = session.execute
    ex(insert(t["authority"]), [{"id": 1, "code": "T-B", "name": "UBND tỉnh Bench", "kind": "province",
                                 "parent_id": None, "created_at": NOW},
                                {"id": 2, "code": "H-B", "name": "UBND huyện Bench", "kind": "district",
                                 "parent_id": 1, "created_at": NOW}])
    ex(insert(t["authority"]), [{"id": 10 + c, "code": f"X-{c}", "name": f"UBND xã {c}", "kind": "commune",
                                 "parent_id": 2, "created_at": NOW} for c in range(communes)])
    units, users, roles = [], [], []
    uid = 0

    def user(name):
        nonlocal uid
        uid += 1
        # "!" is no argon2 hash: a benchmark account can never sign in
        users.append({"id": uid, "username": name, "password_hash": "!", "full_name": name,
                      "email": f"{name}@bench.invalid", "locale": "vi", "active": True, "session_version": 1,
                      "created_at": NOW})
        return uid

    for c in range(communes):
        authority = 10 + c
        roles.append({"user_id": user(f"thuky{c}"), "role": "secretary", "authority_id": authority, "unit_id": None})
        roles.append({"user_id": user(f"chutich{c}"), "role": "chair", "authority_id": authority, "unit_id": None})
        for h in range(10):
            unit_id = c * 10 + h + 1
            units.append({"id": unit_id, "code": f"U-{c}-{h}", "name": f"Xóm {c}-{h}", "kind": "hamlet",
                          "authority_id": authority, "created_at": NOW})
            roles.append({"user_id": user(f"xom{c}_{h}"), "role": "nominator", "authority_id": authority,
                          "unit_id": unit_id})
    ex(insert(t["unit"]), units)
    ex(insert(t["user_account"]), users)
    ex(insert(t["role_assignment"]), roles)
    rounds = []
    for c in range(communes):
        for k, year in enumerate(range(2020, 2026)):
            # this year's round: its nomination deadline passed long ago (no nomination reminders)
            rounds.append({"id": c * 10 + k + 1, "authority_id": 10 + c, "year": year, "kind": "campaign",
                           "title": f"Đợt {year}", "nomination_deadline": date(year, 3, 31), "created_at": NOW})
    ex(insert(t["round"]), rounds)

    nominees, rows, history = [], [], []
    kinds = ["returned", "submitted", "public_notice", "recommended"]
    plan = ([("due", kinds[i % 4]) for i in range(due)] + [("waiting", kinds[i % 4]) for i in range(waiting)]
            + [("finished", FINISHED[i % len(FINISHED)]) for i in range(max(0, proposals - due - waiting))])
    tid = 0
    for pid, (group, state) in enumerate(plan, 1):
        c = rng.randrange(communes)
        authority, unit = 10 + c, c * 10 + rng.randrange(10) + 1
        nominees.append({"id": pid, "kind": "individual", "name": f"Ma Văn {pid}", "authority_id": authority,
                         "unit_id": unit, "created_at": NOW})
        current_round = c * 10 + 6 if group != "finished" else c * 10 + rng.randrange(5) + 1
        row = {"id": pid, "round_id": current_round, "nominee_id": pid, "award_type_code": "LDTT", "unit_id": unit,
               "origin_authority_id": authority, "current_authority_id": authority, "state": state, "version": 3,
               "achievements": "", "created_at": NOW, "updated_at": NOW, "notice_done": False,
               "missing_items": None, "notice_from": None, "notice_until": None, "rule_set_code": None,
               "award_rule": None, "reason": None}
        steps: list[tuple[str, str, datetime]] = []
        if group == "finished":
            year = 2020 + (current_round - 1) % 10
            submitted = _at(date(year, 4, 1 + rng.randrange(20)))
            if state != "draft":
                steps.append(("draft", "submitted", submitted))
                steps.append(("submitted", state, submitted + timedelta(days=30)))
            if state in ("awarded", "rejected", "not_recommended"):
                row["rule_set_code"] = "vn-2024"
            if state == "rejected":
                row["reason"] = "bench"
        else:
            fresh = group == "waiting"
            if state == "returned":
                returned = today - timedelta(days=1 if fresh else 7)  # due: 5 + 0 days after the return
                steps += [("draft", "submitted", _at(returned - timedelta(days=3))),
                          ("submitted", "returned", _at(returned))]
                row["missing_items"] = [{"field": "achievements", "message": "bench"}]
            elif state == "submitted":
                # due: 3 working days before the 20-working-day limit, i.e. 18 working days in
                arrived = subtract_working_days(calendar, today, 2 if fresh else 18)
                steps.append(("draft", "submitted", _at(arrived)))
            elif state == "public_notice":
                until = today + timedelta(days=5) if fresh else today - timedelta(days=1)  # due the day after
                steps += [("draft", "submitted", _at(until - timedelta(days=14))),
                          ("submitted", "under_review", _at(until - timedelta(days=12))),
                          ("under_review", "public_notice", _at(until - timedelta(days=9)))]
                row.update(notice_from=until - timedelta(days=9), notice_until=until, rule_set_code="vn-2024")
            else:  # recommended: due 2 working days before the 10-working-day decision deadline
                since = subtract_working_days(calendar, today, 1 if fresh else 8)
                steps += [("draft", "submitted", _at(since - timedelta(days=10))),
                          ("submitted", "under_review", _at(since - timedelta(days=8))),
                          ("under_review", "recommended", _at(since))]
                row["rule_set_code"] = "vn-2024"
        if row.get("rule_set_code") and state in ("public_notice", "recommended"):
            # inside the processing window these would also be due for processing_limit: stop that clock
            row["award_rule"] = {"processing_days": 120}
        rows.append(row)
        for from_state, to_state, at in steps:
            tid += 1
            history.append({"id": tid, "proposal_id": pid, "event": "bench", "from_state": from_state,
                            "to_state": to_state, "actor_name": "bench", "authority_id": authority,
                            "created_at": at, "data": {}})
    for chunk in range(0, len(nominees), 20000):
        ex(insert(t["nominee"]), nominees[chunk:chunk + 20000])
        ex(insert(t["proposal"]), rows[chunk:chunk + 20000])
    for chunk in range(0, len(history), 20000):
        ex(insert(t["proposal_transition"]), history[chunk:chunk + 20000])
    session.commit()
    return len(history)


def bench_app(database_url: str, instance_path: str):
    """The app a benchmark runs: its own database and instance folder, tasks run in place."""
    from workflow import create_app

    return create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": instance_path,
                       "SECRET_KEY": "bench-" + "x" * 40, "BROKER_URL": "memory://", "CELERY_ALWAYS_EAGER": True})


def scratch_database(url: str | None):
    """(database URL, cleanup) — a temporary SQLite file, or a temporary PostgreSQL schema."""
    if url and url.startswith("postgresql"):
        schema = f"tdkt_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in url else "?"

        def cleanup():
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

        return f"{url}{separator}options=-csearch_path%3D{schema}", cleanup
    if url:
        return url, lambda: None
    folder = tempfile.mkdtemp(prefix="tdkt-bench-")
    return f"sqlite:///{folder}/bench.sqlite", lambda: shutil.rmtree(folder, ignore_errors=True)


def run(proposals: int, due: int, waiting: int | None = None, database_url: str | None = None) -> Figures:
    """Build one database and time the scan over it."""
    from sqlalchemy.orm import Session

    import workflow.models  # noqa: F401
    from workflow.catalog.services import load_rule_sets
    from workflow.extensions import db
    from workflow.reminders.models import Reminder
    from workflow.reminders.services import scan

    waiting = due if waiting is None else waiting
    url, cleanup = scratch_database(database_url)
    folder = tempfile.mkdtemp(prefix="tdkt-bench-instance-")
    try:
        app = bench_app(url, folder)
        with app.app_context():
            engine = db.engine
            Base.metadata.create_all(engine)
            with Session(engine) as session:
                if session.scalar(select(func.count()).select_from(Base.metadata.tables["proposal"])):
                    raise RuntimeError(f"{url} already holds proposals: give an empty database")
                load_rule_sets(session)
                session.commit()
                started = time.perf_counter()
                transitions = build(session, proposals, due, waiting)
                built = time.perf_counter() - started
                if engine.dialect.name == "postgresql":
                    session.execute(text("ANALYZE"))
                    session.commit()
            with Session(engine) as session:
                first = scan(session, NOW)
            with Session(engine) as session:
                again = scan(session, NOW)
                rows = session.scalar(select(func.count(Reminder.id)))
            engine.dispose()
        return Figures(proposals, due, waiting, transitions, built, len(first.due), rows, first.seconds,
                       again.seconds, len(again.inserted))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        cleanup()


def matrix(proposals: int, due: int, waiting: int | None, database_url: str | None):
    """The runs that show what the scan's time follows: proposals ×10 at fixed due events, then due
    events ×10 at fixed proposals."""
    waiting = due if waiting is None else waiting
    small_p = max(due + waiting, proposals // 10)
    yield run(small_p, due, waiting, database_url)
    yield run(proposals, due, waiting, database_url)
    yield run(proposals, max(1, due // 10), waiting, database_url)


def default_database_url() -> str | None:
    return os.environ.get("TDKT_DATABASE_URL") or None
