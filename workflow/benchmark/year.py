"""``tdkt bench year``: a commune office's heavy operations (issue 11), each timed against its target.

A case is a function registered with :func:`case`; it gets a fresh throwaway app (SQLite in a
temporary folder, or a temporary schema in the PostgreSQL given) with the rule sets loaded, builds
what it needs, and returns the seconds of the operation being measured plus any figures worth
printing. Cases live in the modules of ``CASE_MODULES`` so each domain keeps its own.
"""

from __future__ import annotations

import importlib
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

CASE_MODULES: tuple[str, ...] = (
    "workflow.benchmark.year_bulk",
    "workflow.benchmark.year_dashboard",
    "workflow.benchmark.year_report",
    "workflow.benchmark.year_io",
)


@dataclass
class Case:
    name: str
    title: str
    target_seconds: float
    databases: tuple[str, ...]  # where the target applies: "sqlite", "postgresql"
    run: Callable[..., dict]


@dataclass
class Outcome:
    case: str
    database: str
    seconds: float
    target_seconds: float
    figures: dict = field(default_factory=dict)

    @property
    def met(self) -> bool:
        return self.seconds <= self.target_seconds

    def as_dict(self) -> dict:
        return {"case": self.case, "database": self.database, "seconds": round(self.seconds, 3),
                "target_seconds": self.target_seconds, "met": self.met, **self.figures}


CASES: dict[str, Case] = {}


def case(name: str, title: str, target_seconds: float, databases: tuple[str, ...] = ("sqlite",)):
    """Register ``fn(app) -> {"seconds": float, ...figures}`` as a benchmark case."""
    def register(fn):
        CASES[name] = Case(name, title, target_seconds, databases, fn)
        return fn
    return register


def load_cases() -> dict[str, Case]:
    for module in CASE_MODULES:
        importlib.import_module(module)
    return CASES


@contextmanager
def throwaway_app(database_url: str | None) -> Iterator:
    """A created app over an empty schema with the rule sets loaded; everything dropped after."""
    import workflow.models  # noqa: F401
    from workflow.catalog.services import load_rule_sets
    from workflow.db import Base
    from workflow.extensions import db
    from workflow.reminders.bench import bench_app, scratch_database

    url, cleanup = scratch_database(database_url)
    folder = tempfile.mkdtemp(prefix="tdkt-bench-year-")
    try:
        app = bench_app(url, folder)
        with app.app_context():
            Base.metadata.create_all(db.engine)
            load_rule_sets(db.session)
            db.session.commit()
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        cleanup()


def run(names: list[str] | None, database_url: str | None, echo=print) -> list[Outcome]:
    cases = load_cases()
    unknown = sorted(set(names or []) - set(cases))
    if unknown:
        raise KeyError(", ".join(unknown))
    database = "postgresql" if database_url and database_url.startswith("postgresql") else "sqlite"
    outcomes = []
    for name in names or list(cases):
        item = cases[name]
        echo(f"{name}: {item.title} …")
        with throwaway_app(database_url) as app:
            figures = item.run(app)
        seconds = figures.pop("seconds")
        outcomes.append(Outcome(name, database, seconds, item.target_seconds, figures))
        echo(f"  {seconds:.2f} s (target ≤ {item.target_seconds:g} s)")
    return outcomes


def table(outcomes: list[Outcome]) -> str:
    lines = [f"{'case':<28} {'database':<11} {'seconds':>8} {'target':>7}  met"]
    for o in outcomes:
        lines.append(f"{o.case:<28} {o.database:<11} {o.seconds:>8.2f} {o.target_seconds:>7g}  "
                     f"{'yes' if o.met else 'NO'}")
    return "\n".join(lines)
