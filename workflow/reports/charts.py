"""Bar charts drawn as SVG on the server: no script, readable without one, each also given as a
table by its template (``templates/reports/_chart.html``). Horizontal bars, each label on its own
line above its bar, so long Vietnamese names stay legible when the chart shrinks to a phone."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 480  # the viewBox, and the most the SVG is drawn (CSS max-width): it only ever shrinks
LABEL_HEIGHT = 24
BAR_HEIGHT = 18
GAP = 10
VALUE_ROOM = 64  # right of the longest bar: its number
LABEL_CHARS = 44  # a longer label is cut in the drawing (whole in its tooltip and in the table)


@dataclass
class Bar:
    label: str
    value: int
    short: str
    y_label: float
    y_bar: float
    width: float
    href: str | None = None


@dataclass
class Chart:
    """One chart: its id (for aria-labelledby), title, bars, and the viewBox height."""

    id: str
    title: str
    description: str
    bars: list[Bar]
    height: float
    total: int
    value_label: str = ""
    width: int = WIDTH

    @property
    def empty(self) -> bool:
        return not self.bars


def bar_chart(chart_id: str, title: str, description: str, rows, value_label: str = "") -> Chart:
    """``rows``: (label, value) or (label, value, href). Bars in the order given."""
    rows = [tuple(r) + (None,) * (3 - len(r)) for r in rows]
    top = max((r[1] for r in rows), default=0) or 1
    bars, y = [], 0.0
    room = WIDTH - VALUE_ROOM
    for label, value, href in rows:
        label = str(label)
        short = label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1].rstrip() + "…"
        bars.append(Bar(label, int(value), short, y + LABEL_HEIGHT - 6, y + LABEL_HEIGHT,
                        max(2.0, room * value / top) if value else 0.0, href))
        y += LABEL_HEIGHT + BAR_HEIGHT + GAP
    return Chart(chart_id, title, description, bars, max(y, 1.0), sum(r[1] for r in rows), value_label)
