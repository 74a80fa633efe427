"""The weekly response-time chart's geometry (the template draws it and escapes every label)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from .responses import WeekPoint, response_target_hours


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    title: str


@dataclass
class Chart:
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    caption: str


def build_chart(points: list[WeekPoint], labels: list[str], *, width: int = 480, height: int = 170) -> Chart:
    """Geometry of a bar chart (bar = % answered within the target); the template draws it and
    escapes every label."""
    top, bottom = 16, 34
    plot = height - top - bottom
    slot = width / max(1, len(points))
    bars = []
    for i, (point, label) in enumerate(zip(points, labels, strict=True)):
        pct = point.pct
        h = plot * (pct or 0) / 100
        value = f"{pct:.0f}%" if pct is not None else "–"
        bars.append(Bar(x=round(i * slot + slot * 0.15, 2), y=round(top + plot - h, 2), width=round(slot * 0.7, 2),
                        height=round(h, 2), label=label, value=value,
                        title=_("%(week)s: %(answered)d of %(topics)d topics answered within %(hours)d h",
                                week=label, answered=point.within_target, topics=point.topics,
                                hours=response_target_hours())))
    return Chart(width=width, height=height, baseline=top + plot, bars=bars,
                 caption=_("Share of new topics answered by staff within %(hours)d h, per week",
                           hours=response_target_hours()))

