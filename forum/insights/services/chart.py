"""Server-rendered bar charts' geometry (the template draws the SVG and escapes every label)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    key: str            # the figure, and the element ids' stem
    title: str
    description: str
    width: int
    height: int
    baseline: float
    top: float
    bars: list[Bar]
    days: list[date]
    values: list[int]
    maximum: int


def nice_maximum(value: int) -> int:
    """The axis' top: 1, 2 or 5 times a power of ten, at least ``value`` (and at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return max(1, step * factor)
        step *= 10


def bar_chart(key: str, title: str, description: str, days: list[date], values: list[int], *,
              width: int = 640, height: int = 180) -> Chart:
    top, bottom, left = 12.0, 22.0, 36.0
    plot = height - top - bottom
    maximum = nice_maximum(max(values, default=0))
    slot = (width - left) / max(1, len(values))
    bars = []
    for i, value in enumerate(values):
        h = plot * value / maximum
        bars.append(Bar(x=round(left + i * slot + slot * 0.1, 2), y=round(top + plot - h, 2),
                        width=round(max(0.5, slot * 0.8), 2), height=round(h, 2)))
    return Chart(key, title, description, width, height, top + plot, top, bars, days, values, maximum)
