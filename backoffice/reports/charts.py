"""Bar charts drawn on the server as SVG geometry: the page needs no script, and the strict CSP allows
no inline styles, so the template writes these numbers as SVG attributes and colours come from classes
in ``backoffice.css``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WIDTH = 640
HEIGHT = 220
LABEL_SPACE = 34  # below the bars, for their labels
TOP_SPACE = 18  # above the tallest bar, for its value
MAX_SLOT = 56  # a lone bar stays a bar, not a block across the chart


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value_text: str
    label_x: float
    label_y: float
    value_y: float


@dataclass(frozen=True)
class Chart:
    title: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    baseline: float
    show_every: int  # label every Nth bar when bars are narrow

    def labelled(self):
        return [(bar, index % self.show_every == 0) for index, bar in enumerate(self.bars)]


def bar_chart(*, title: str, points: list[tuple[str, Decimal | int, str]]) -> Chart:
    """Vertical bars for ``(label, value, value as the page writes it)``, scaled to the largest value."""
    count = max(len(points), 1)
    slot = min(WIDTH / count, MAX_SLOT)
    gap = min(slot * 0.2, 8)
    plot = HEIGHT - LABEL_SPACE - TOP_SPACE
    biggest = max((Decimal(value) for _label, value, _text in points), default=Decimal(0)) or Decimal(1)
    bars = []
    for index, (label, value, text) in enumerate(points):
        height = float(Decimal(value) / biggest * plot) if value else 0.0
        x = index * slot + gap / 2
        y = TOP_SPACE + plot - height
        bars.append(
            Bar(
                x=round(x, 1),
                y=round(y, 1),
                width=round(slot - gap, 1),
                height=round(height, 1),
                label=label,
                value_text=text,
                label_x=round(x + (slot - gap) / 2, 1),
                label_y=HEIGHT - LABEL_SPACE + 16,
                value_y=round(y - 4, 1),
            )
        )
    show_every = 1 if slot >= 36 else (2 if slot >= 18 else 4)
    return Chart(title, WIDTH, HEIGHT, tuple(bars), float(TOP_SPACE + plot), show_every)
