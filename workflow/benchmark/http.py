"""``tdkt bench http``: requests per second and latency of the main endpoints, served as in production.

For each database and size: build the province dataset (``benchmark.province``) in a throwaway
database (a SQLite file, or a temporary schema of the PostgreSQL given, dropped afterwards), count
in-process the SQL statements one request of each endpoint runs, serve it with gunicorn (2 workers
× 4 threads, ``TDKT_ENV=production``), sign the bench users in, then run one headless locust
process per endpoint (8 users, no wait) and read its CSV stats. The resident memory of a gunicorn
worker after the run and of a Celery worker started against the dataset close the run. Every
process is started in its own process group and its group is killed in ``finally``.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from workflow.config import PROJECT_ROOT

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
SECRET_KEY = "bench-secret-" + "k" * 48
WORKERS, THREADS, USERS = 2, 4, 8
ENDPOINTS = ("floor", "unauth_floor", "list", "list_filtered", "detail", "transition", "ballot", "annual_report",
             "annual_report_commune", "inbox_html", "list_html")
LISTS = ("list", "list_filtered")
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"


@dataclass
class Target:
    """One endpoint as the bench user calls it: ``who`` is a key of ``Dataset.users`` (or None),
    ``how`` "token" or "cookie"."""

    method: str
    paths: list[str]
    who: str | None
    how: str = "token"
    json: dict | None = None


def targets(ds) -> dict[str, Target]:
    ids = ds.detail_ids
    return {
        "floor": Target("GET", ["/api/v1/auth/me"], "secretary"),
        "unauth_floor": Target("GET", ["/healthz"], None),
        "list": Target("GET", ["/api/v1/proposals"], "secretary"),
        "list_filtered": Target("GET", [f"/api/v1/proposals?state=submitted&year={ds.year}"], "secretary"),
        "detail": Target("GET", [f"/api/v1/proposals/{i}" for i in ids], "secretary"),
        # the pool: the proposal ids and their own commune's secretary (see _plan)
        "transition": Target("POST", [], None, json={"event": "accept"}),
        "ballot": Target("GET", [f"/hoi-dong/{ds.meeting_id}/phieu-bau"], "member", "cookie"),
        "annual_report": Target("GET", [f"/api/v1/reports/annual?authority={ds.province_code}&year={ds.year - 1}"],
                                "province_secretary"),
        "annual_report_commune": Target(
            "GET", [f"/api/v1/reports/annual?authority={ds.commune_code}&year={ds.year - 1}"], "secretary"),
        "inbox_html": Target("GET", ["/ho-so/tiep-nhan"], "secretary", "cookie"),
        "list_html": Target("GET", ["/ho-so/"], "secretary", "cookie"),
    }


def _app_settings(url: str, instance: Path, broker: str) -> dict:
    return {"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET_KEY, "BROKER_URL": broker,
            "ENV": "production", "LOGIN_RATE_LIMIT": "1000000 per minute",
            "LOGIN_ADDRESS_RATE_LIMIT": "1000000 per minute", "RATELIMIT_STORAGE_URL": "memory://"}


def _env(settings: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TDKT_")}
    env.update({f"TDKT_{k}": str(v) for k, v in settings.items()})
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    return env


# --- the dataset --------------------------------------------------------------------------------------------

def build_dataset(settings: dict, proposals: int):
    """Create the schema, load the rules, build; returns (Dataset, seconds)."""
    from sqlalchemy import text

    import workflow.models  # noqa: F401
    from workflow import create_app
    from workflow.benchmark import province
    from workflow.cash.services import load_base_salary
    from workflow.catalog.services import load_rule_sets
    from workflow.db import Base
    from workflow.extensions import db
    from workflow.migrate import refresh_statistics

    app = create_app({**settings, "CELERY_ALWAYS_EAGER": True, "BROKER_URL": "memory://"})
    with app.app_context():
        Base.metadata.create_all(db.engine)
        if not province.is_empty(db.session):
            raise RuntimeError("the benchmark database already holds proposals: give an empty one")
        load_rule_sets(db.session)
        load_base_salary(db.session)
        db.session.commit()
        started = time.perf_counter()
        dataset = province.build(db.session, proposals, secret_key=SECRET_KEY)
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            refresh_statistics()  # as ``tdkt db upgrade`` leaves a SQLite database
        if db.engine.dialect.name == "postgresql":
            # what autovacuum gives a database in service: fresh statistics and a visibility map, without
            # which every index-only scan of the just-written tables still reads the table's pages
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        seconds = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    return dataset, seconds


# --- SQL statements per request (in-process) ------------------------------------------------------------------

def count_queries(settings: dict, ds, spare_transition: int | None) -> dict[str, dict]:
    """Statements one request of each endpoint runs, through the Flask test client on the same
    database; the lists also at per_page=20 and 200. ``spare_transition``: a submitted proposal
    of the bench commune kept out of the locust pool for this."""
    from sqlalchemy import event

    from workflow import create_app
    from workflow.extensions import db

    app = create_app(settings)
    app.config["SESSION_COOKIE_SECURE"] = False  # the test client speaks plain http
    statements: list[str] = []
    out: dict[str, dict] = {}
    with app.app_context():
        engine = db.engine

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        client = app.test_client()
        tokens = {who: _token_in_process(client, ds.users[who], ds.password)
                  for who in ("secretary", "province_secretary")}
        cookies = {who: app.test_client() for who in ("secretary", "member")}
        for who, browser in cookies.items():
            _sign_in_in_process(browser, ds.users[who], ds.password)

        def one(name, method, path, who, how, body=None):
            statements.clear()
            if how == "cookie":
                response = cookies[who].open(path, method=method)
            else:
                headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
                response = client.open(path, method=method, headers=headers, json=body)
            return {"status": response.status_code, "queries": len(statements)}

        for name, target in targets(ds).items():
            if name == "transition":
                if spare_transition is None:
                    continue
                out[name] = one(name, "POST", f"/api/v1/proposals/{spare_transition}/events", "secretary", "token",
                                target.json)
                continue
            out[name] = one(name, target.method, target.paths[0], target.who, target.how)
            if name in LISTS:
                joiner = "&" if "?" in target.paths[0] else "?"
                for per_page in (20, 200):
                    out[name][f"per_page_{per_page}"] = one(name, target.method,
                                                            f"{target.paths[0]}{joiner}per_page={per_page}",
                                                            target.who, target.how)["queries"]
    finally:
        event.remove(engine, "before_cursor_execute", listener)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return out


def _token_in_process(client, username: str, password: str) -> str:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    if response.status_code != 200:
        raise RuntimeError(f"{username} cannot get a token: {response.status_code} {response.get_data(as_text=True)[:200]}")
    return response.get_json()["token"]


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    if not found:
        raise RuntimeError("no csrf_token on the sign-in page")
    return found.group(1)


def _sign_in_in_process(client, username: str, password: str) -> None:
    token = _csrf(client.get("/dang-nhap").get_data(as_text=True))
    response = client.post("/dang-nhap", data={"csrf_token": token, "username": username, "password": password})
    if response.status_code != 302:
        raise RuntimeError(f"{username} cannot sign in: {response.status_code}")


# --- over HTTP ----------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def process_group(command: list[str], env: dict, log: Path):
    """A child in its own session (process group); the whole group is killed on exit."""
    with open(log, "wb") as out:
        # nosec B603: the command lines are this module's own (gunicorn, celery, locust), no user input
        child = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT,  # nosec B603
                                 start_new_session=True)
    try:
        yield child
    finally:
        _kill_group(child)


def _kill_group(child: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            break
        try:
            child.wait(timeout=wait)
            # the group may outlive its leader for a moment (gunicorn workers): make sure
            os.killpg(child.pid, 0)
        except ProcessLookupError:
            break
        except subprocess.TimeoutExpired:
            continue
        time.sleep(0.5)


def _wait_http(url: str, child: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({child.returncode}):\n{log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # nosec B310 (http://127.0.0.1 built here)
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def _post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:  # nosec B310 (http://127.0.0.1 built here)
        return json.loads(response.read())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _cookie_session(base: str, username: str, password: str) -> str:
    """Sign in through the /dang-nhap form (its CSRF token) and return the Cookie header to reuse.
    The cookie is Secure (production) so it is carried by hand, not by a cookie jar, over http."""
    with urllib.request.urlopen(f"{base}/dang-nhap", timeout=30) as response:  # nosec B310 (local server)
        cookie = _session_cookie(response.headers.get_all("Set-Cookie") or [])
        token = _csrf(response.read().decode())
    body = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password}).encode()
    request = urllib.request.Request(f"{base}/dang-nhap", data=body, method="POST",
                                     headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(request, timeout=30)
        raise RuntimeError(f"{username}: the sign-in form did not redirect")
    except urllib.error.HTTPError as exc:
        if exc.code != 302:
            raise RuntimeError(f"{username} cannot sign in: {exc.code}") from exc
        return _session_cookie(exc.headers.get_all("Set-Cookie") or [])


def _session_cookie(headers: list[str]) -> str:
    for header in headers:
        name_value = header.split(";", 1)[0]
        if name_value.startswith("session="):
            return name_value
    raise RuntimeError("no session cookie was set")


def _interleaved(pool: list[list]) -> list[list]:
    """The accepts in turn across the communes (one of each secretary's, then the next): a province's
    secretaries work side by side. In the dataset's order the eight users would all accept in one
    commune at a time and queue on its audit chain's lock, which one office never does."""
    by_secretary: dict[str, list[list]] = {}
    for entry in pool:
        by_secretary.setdefault(entry[1], []).append(entry)
    rounds = itertools.zip_longest(*by_secretary.values())
    return [entry for turn in rounds for entry in turn if entry is not None]


def _plan(base: str, ds, pool: list[list]) -> dict:
    """Tokens and cookies for every endpoint, signed in as its bench user."""
    tokens: dict[str, str] = {}

    def token(username: str) -> str:
        if username not in tokens:
            tokens[username] = _post_json(f"{base}/api/v1/auth/token",
                                          {"username": username, "password": ds.password})["token"]
        return tokens[username]

    cookies = {who: _cookie_session(base, ds.users[who], ds.password) for who in ("secretary", "member")}
    endpoints = {}
    for name, target in targets(ds).items():
        if name == "transition":
            requests = [{"path": f"/api/v1/proposals/{pid}/events",
                         "headers": {"Authorization": f"Bearer {token(username)}"}} for pid, username in _interleaved(pool)]
            endpoints[name] = {"method": "POST", "json": target.json, "requests": requests, "once": True}
            continue
        if target.who is None:
            headers = {}
        elif target.how == "cookie":
            headers = {"Cookie": cookies[target.who]}
        else:
            headers = {"Authorization": f"Bearer {token(ds.users[target.who])}"}
        endpoints[name] = {"method": target.method, "requests": [{"path": p, "headers": headers} for p in target.paths]}
    return {"base_url": base, "endpoints": endpoints}


def run_locust(plan_file: Path, name: str, base: str, duration: float, folder: Path) -> dict:
    """One headless locust run on one endpoint; its aggregated CSV row."""
    prefix = folder / f"locust-{name}"
    env = {**os.environ, "BENCH_PLAN": str(plan_file), "BENCH_ENDPOINT": name}
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--users", str(USERS),
               "--spawn-rate", str(USERS), "--run-time", f"{max(1, round(duration))}s", "--host", base,
               "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5"]
    log = folder / f"locust-{name}.log"
    with process_group(command, env, log) as child:
        try:
            child.wait(timeout=duration + 60)
        except subprocess.TimeoutExpired:
            pass
    rows = list(csv.DictReader(open(f"{prefix}_stats.csv", encoding="utf-8")))
    row = next(r for r in rows if r["Name"] == "Aggregated")
    count, failures = int(row["Request Count"]), int(row["Failure Count"])
    result = {"rps": round(float(row["Requests/s"]), 1), "p50_ms": _number(row["50%"]),
              "p95_ms": _number(row["95%"]), "requests": count, "failures": failures}
    if failures:
        errors = list(csv.DictReader(open(f"{prefix}_failures.csv", encoding="utf-8")))
        result["errors"] = sorted({e["Error"] for e in errors})[:3]
    return result


def _number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def celery_rss(settings: dict, folder: Path, timeout: float = 60) -> float | None:
    """Start a Celery worker (solo pool) against the dataset; its resident memory once ready."""
    log = folder / "celery.log"
    command = [sys.executable, "-m", "celery", "-A", "tasks.worker", "worker", "--pool", "solo",
               "--concurrency", "1", "--loglevel", "INFO", "--without-heartbeat", "--without-gossip",
               "--without-mingle"]
    with process_group(command, _env(settings), log) as child:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and child.poll() is None:
            if " ready." in log.read_text(errors="replace"):
                time.sleep(1)  # let it settle after the banner
                return _rss_mb(child.pid)
            time.sleep(0.5)
    raise RuntimeError(f"the Celery worker did not become ready:\n{log.read_text(errors='replace')[-2000:]}")


# --- one run and the matrix ---------------------------------------------------------------------------------

def run(database: str, proposals: int, duration: float, pg_url: str | None = None, echo=print) -> dict:
    from workflow.reminders.bench import scratch_database

    url, cleanup = scratch_database(psycopg_url(pg_url) if database == "postgresql" else None)
    folder = Path(tempfile.mkdtemp(prefix="tdkt-bench-http-"))
    settings = _app_settings(url, folder / "instance", f"sqla+sqlite:///{folder}/broker.sqlite")
    (folder / "instance").mkdir()
    try:
        echo(f"[{database} {proposals:,}] building the dataset …")
        ds, build_seconds = build_dataset(settings, proposals)
        echo(f"[{database} {proposals:,}] built in {build_seconds:.1f} s: {ds.communes} communes, "
             f"{sum(ds.rows.values()):,} rows")
        own = [entry for entry in ds.transition_pool if entry[1] == ds.users["secretary"]]
        spare = own[-1][0] if own else None
        pool = [entry for entry in ds.transition_pool if entry[0] != spare]
        queries = count_queries(settings, ds, spare)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
                   "--threads", str(THREADS), "--timeout", "60", "workflow:create_app()"]
        endpoints: dict[str, dict] = {}
        with process_group(command, _env(settings), folder / "gunicorn.log") as web:
            _wait_http(f"{base}/healthz", web, folder / "gunicorn.log")
            plan_file = folder / "plan.json"
            plan_file.write_text(json.dumps(_plan(base, ds, pool)))
            for name in ENDPOINTS:
                endpoints[name] = run_locust(plan_file, name, base, duration, folder)
                if name == "transition":
                    endpoints[name]["pool"] = len(pool)
                    endpoints[name]["exhausted"] = endpoints[name]["requests"] >= len(pool)
                echo(f"  {name:<22} {endpoints[name]['rps']:>8} req/s")
            workers = _children(web.pid)
            web_rss = max((r for r in map(_rss_mb, workers) if r is not None), default=None)
        worker_rss = celery_rss(settings, folder)
        floor = endpoints["floor"]["rps"] or None
        for name, figures in endpoints.items():
            figures["ratio_to_floor"] = round(figures["rps"] / floor, 3) if floor else None
            counted = queries.get(name, {})
            figures["sql_queries"] = counted.get("queries")
            if counted.get("status") not in (None, 200):
                figures["in_process_status"] = counted["status"]
            for per_page in (20, 200):
                if f"per_page_{per_page}" in counted:
                    figures[f"sql_queries_per_page_{per_page}"] = counted[f"per_page_{per_page}"]
        return {"database": database, "proposals": proposals, "communes": ds.communes,
                "build_seconds": round(build_seconds, 1), "duration_seconds": duration, "users": USERS,
                "endpoints": endpoints, "rss_mb": {"web": web_rss, "worker": worker_rss}, "states": ds.states}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        cleanup()


def psycopg_url(url: str | None) -> str:
    """``postgresql://…`` with the driver this project installs (psycopg 3)."""
    if not url:
        raise ValueError("a PostgreSQL URL is needed")
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def postgres_reachable(url: str) -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(psycopg_url(url), connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not there"
        return False
    finally:
        engine.dispose()


def machine() -> dict:
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    cpu = platform.processor() or None
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"hostname": platform.node(), "cpus": os.cpu_count(), "cpu": cpu, "memory_gb": memory,
            "python": platform.python_version(), "platform": platform.platform(),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "server": f"gunicorn {WORKERS} workers x {THREADS} threads", "load": f"locust {USERS} users, no wait"}


def table(runs: list[dict]) -> str:
    """The results as a plain text table."""
    lines = []
    for r in runs:
        lines.append(f"{r['database']} · {r['proposals']:,} proposals ({r['communes']} communes) · build "
                     f"{r['build_seconds']} s · RSS web {r['rss_mb']['web']} MB, worker {r['rss_mb']['worker']} MB")
        lines.append(f"  {'endpoint':<22} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'× floor':>8} {'SQL':>5} "
                     f"{'SQL@20':>7} {'SQL@200':>8}  note")
        for name, f in r["endpoints"].items():
            note = []
            if f.get("failures"):
                note.append(f"{f['failures']}/{f['requests']} failed {f.get('errors', '')}")
            if f.get("in_process_status"):
                note.append(f"in-process {f['in_process_status']}")
            if f.get("exhausted"):
                note.append(f"pool of {f['pool']} used up")
            lines.append(f"  {name:<22} {f['rps']:>8} {_cell(f['p50_ms']):>8} {_cell(f['p95_ms']):>8} "
                         f"{_cell(f['ratio_to_floor']):>8} {_cell(f['sql_queries']):>5} "
                         f"{_cell(f.get('sql_queries_per_page_20')):>7} {_cell(f.get('sql_queries_per_page_200')):>8}  "
                         f"{'; '.join(note)}")
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def matrix(sizes: list[int], databases: list[str], duration: float, pg_url: str | None, out: Path,
           echo=print) -> dict:
    """Every (database, size) run; the JSON is rewritten after each, so a failure keeps the rest."""
    result = {"machine": machine(), "runs": []}
    out.parent.mkdir(parents=True, exist_ok=True)
    for database in databases:
        for size in sizes:
            result["runs"].append(run(database, size, duration, pg_url, echo))
            out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return result
