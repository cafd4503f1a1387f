"""``tdkt bench year dashboard``: the dashboard page over a province of 100,000 proposals (issue 11
item 6) — the province reviewer's page (every commune's progress) and a commune secretary's (what
waits, counts, charts) — each the median of a few requests after one warm-up, through the Flask
test client (the page's SQL and rendering, no network). The figure is the slower of the two."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from workflow.benchmark.year import case

PROPOSALS = 100_000  # the size the target is for; a test runs the case on a tiny one
REPEATS = 3


def _page_seconds(client, url: str) -> float:
    client.get(url)  # warm: templates compiled, rule sets cached by the session
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
    return statistics.median(times)


@case("dashboard", "Dashboard pages over a province of 100,000 proposals (reviewer's province view, "
      "a commune secretary's page)", 1.0, databases=("postgresql",))
def dashboard_pages(app) -> dict:
    from workflow.benchmark.http import _sign_in_in_process
    from workflow.benchmark.province import build
    from workflow.extensions import db

    app.config["LOGIN_RATE_LIMIT"] = "1000000 per minute"
    with app.app_context():
        data = build(db.session, PROPOSALS, secret_key=app.config["SECRET_KEY"])
        db.session.remove()
    figures = {"proposals": data.proposals, "communes": data.communes}

    def measure(who: str) -> float:
        client = app.test_client()
        _sign_in_in_process(client, data.users[who], data.password)
        return _page_seconds(client, "/bang-dieu-khien/")

    # in a thread of its own: the harness keeps an app context pushed, and requests made under it
    # would share its ``g`` — the signed-in user of the first request — with every later one
    with ThreadPoolExecutor(max_workers=1) as pool:
        for who in ("reviewer", "secretary"):
            figures[f"{who}_seconds"] = round(pool.submit(measure, who).result(), 3)
    figures["seconds"] = max(figures["reviewer_seconds"], figures["secretary_seconds"])
    return figures
