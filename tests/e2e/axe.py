"""axe-core (vendored from npm into ``tests/e2e/vendor/axe-core``, see package.json's ``vendor``
script) run inside the page under test: the WCAG 2.x A/AA rules, failing on serious or critical
violations. The script is evaluated through the browser's debugging channel, so the app's CSP (no
inline scripts) stays on while it runs."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")


def violations(page) -> list[dict]:
    """The serious and critical violations on the page as it is now, with the elements concerned."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate("() => {" + AXE.read_text(encoding="utf-8") + "\n}")
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                          " resultTypes: ['violations']}).then(r => r.violations)", TAGS)
    return [{"rule": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [" ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
                       for n in v["nodes"][:5]],
             "summary": v["nodes"][0].get("failureSummary", "")[:300] if v["nodes"] else ""}
            for v in found if v["impact"] in BLOCKING]


def describe(url: str, problems: list[dict]) -> str:
    return "\n".join(f"{url}: [{p['impact']}] {p['rule']} — {p['help']}: {', '.join(p['nodes'])}\n    {p['summary']}"
                     for p in problems)
