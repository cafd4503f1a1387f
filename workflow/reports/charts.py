"""Bar charts drawn as SVG on the server: no script, readable without one, each also given as a
table by its template (``templates/reports/_chart.html``). Horizontal bars, each label on its own
line above its bar, so long Vietnamese names stay legible when the chart shrinks to a phone."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640  # the viewBox; the SVG scales to its box
LABEL_HEIGHT = 20
BAR_HEIGHT = 18
GAP = 10
VALUE_ROOM = 64  # right of the longest bar: its number


@dataclass
class Bar:
    label: str
    value: int
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
        bars.append(Bar(str(label), int(value), y + LABEL_HEIGHT - 5, y + LABEL_HEIGHT,
                        max(2.0, room * value / top) if value else 0.0, href))
        y += LABEL_HEIGHT + BAR_HEIGHT + GAP
    return Chart(chart_id, title, description, bars, max(y, 1.0), sum(r[1] for r in rows), value_label)
