"""``tdkt bench year --case annual_report``: the annual report of a province over 100,000 proposals
(target ≤ 1 s on PostgreSQL), and of one of its communes (≤ 200 ms), on the province dataset of
``tdkt bench http`` (``benchmark.province``: ~130 communes, three years, every state).

What is timed is the service a request runs (``reports.services.annual_report``: scope check,
both halves' group-bys, the catalogue), for last year — a finished year, where the province's
awards (its Bằng khen, recorded from paper by the communes) are all in. One untimed run warms the
caches, then the median of five (PostgreSQL analysed after the bulk load, as autovacuum keeps a
live database). The XLSX and the DOCX of the province are timed once, as figures.
``TDKT_BENCH_REPORT_PROPOSALS`` sets the size (a test runs it tiny).
"""

from __future__ import annotations

import os
import statistics
import time

from workflow.benchmark.year import case

PROPOSALS = 100_000
COMMUNE_TARGET_SECONDS = 0.2


def _timed(fn, repeat: int = 5) -> float:
    fn()  # warm: the first query plans and fills the caches
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def run_report(app, proposals: int | None = None) -> dict:
    from sqlalchemy import select, text

    from workflow.benchmark import province
    from workflow.documents.services import annual_report_document
    from workflow.extensions import db
    from workflow.org.models import User
    from workflow.reports.services import annual_report
    from workflow.reports.spreadsheet import annual_report_xlsx

    proposals = proposals or int(os.environ.get("TDKT_BENCH_REPORT_PROPOSALS", PROPOSALS))
    with app.app_context():
        started = time.perf_counter()
        dataset = province.build(db.session, proposals, secret_key=app.config["SECRET_KEY"])
        built = time.perf_counter() - started
        if db.session.get_bind().dialect.name == "postgresql":
            # a live database has its statistics (autovacuum); one just bulk-loaded has none, and
            # the planner would guess (the HTTP and reminder benchmarks do the same)
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        session = db.session
        year = dataset.year - 1

        def user(name: str) -> User:
            return session.scalar(select(User).where(User.username == name))

        tinh, xa = user(dataset.users["province_secretary"]), user(dataset.users["secretary"])
        with app.test_request_context():
            report = annual_report(session, tinh, dataset.province_code, year)
            seconds = _timed(lambda: annual_report(session, tinh, dataset.province_code, year))
            commune_report = annual_report(session, xa, dataset.commune_code, year)
            commune = _timed(lambda: annual_report(session, xa, dataset.commune_code, year))
            start = time.perf_counter()
            annual_report_xlsx(session, tinh, dataset.province_code, year)
            xlsx = time.perf_counter() - start
            start = time.perf_counter()
            annual_report_document(session, tinh, dataset.province_code, year, "docx", app.instance_path)
            docx = time.perf_counter() - start
        db.session.remove()

    def total(r: dict) -> int:
        return sum(i["total"] for i in r["awarded_here"]) + sum(i["total"] for g in r["proposed_to"]
                                                                for i in g["items"])

    return {"seconds": seconds, "proposals": dataset.proposals, "communes": dataset.communes, "year": year,
            "build_seconds": round(built, 1), "province_counted": total(report),
            "commune_seconds": round(commune, 4), "commune_target_seconds": COMMUNE_TARGET_SECONDS,
            "commune_met": commune <= COMMUNE_TARGET_SECONDS, "commune_counted": total(commune_report),
            "xlsx_seconds": round(xlsx, 3), "docx_seconds": round(docx, 3)}


@case("annual_report", "annual report of a province over 100,000 proposals (and of a commune: ≤ 0.2 s)",
      1.0, databases=("postgresql",))
def annual_report_case(app) -> dict:
    return run_report(app)
