"""The annual-report benchmark case runs (on a tiny province) and prints what it counted; no
timing is asserted (a benchmark is a command, not a timed test)."""

from __future__ import annotations

from workflow.benchmark import year
from workflow.benchmark.year_report import run_report


def test_the_case_is_registered_and_runs_on_a_tiny_province(app):
    assert "annual_report" in year.load_cases()
    figures = run_report(app, proposals=800)
    assert figures["proposals"] == 800 and figures["communes"] == 1
    assert figures["seconds"] > 0 and figures["commune_seconds"] > 0
    # last year's awards: the commune's own, and the province's Bằng khen recorded from paper
    assert figures["commune_counted"] > 0 and figures["province_counted"] > 0
