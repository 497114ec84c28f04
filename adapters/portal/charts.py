"""Bar charts as server-rendered SVG: the geometry is computed here, ``templates/chart.html`` draws it.

Every chart comes with a table of the same figures on the page (screen readers, print, exact numbers);
the SVG is a picture of that table. Missing values (a count under ten that the hub suppressed) draw no bar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

#: Colours distinguishable for common colour blindness, each at least 3:1 against white.
PALETTE: Final = ("#004b8d", "#b35900", "#1d6b1d", "#8f2d56", "#5a4b9c", "#00727a", "#6b6b00", "#a30000")
WIDTH: Final = 720
HEIGHT: Final = 260
LEFT: Final = 48
BOTTOM: Final = 40
TOP: Final = 16


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    title: str
    width: int
    height: int
    bars: list[Rect] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    labels: list[tuple[float, str]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    baseline: float = 0.0


def _scale_top(value: float) -> float:
    """A round top for the axis at or above ``value``."""
    if value <= 0:
        return 1.0
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000):
        if value <= step * 4:
            return float(step * 4)
    return float(value)


def bars(
    title: str,
    groups: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    stacked: bool,
    unit: str = "",
    top: float | None = None,
) -> Chart:
    """One group of bars per entry of ``groups`` (months), one bar (or stack part) per series."""
    names = list(series)
    totals = [
        sum(v or 0 for v in column) if stacked else max((v or 0 for v in column), default=0)
        for column in zip(*series.values(), strict=True)
    ] or [0]
    axis_top = top if top is not None else _scale_top(max(totals))
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = HEIGHT - BOTTOM
    slot = (WIDTH - LEFT) / max(len(groups), 1)
    per_group = 1 if stacked else max(len(names), 1)
    bar_width = slot * 0.7 / per_group
    chart = Chart(title, WIDTH, HEIGHT, baseline=baseline)
    for index, group in enumerate(groups):
        x0 = LEFT + index * slot + slot * 0.15
        stacked_height = 0.0
        for number, name in enumerate(names):
            value = series[name][index]
            if value is None or value <= 0:
                continue
            height = plot_height * min(value / axis_top, 1.0)
            x = x0 if stacked else x0 + number * bar_width
            y = baseline - stacked_height - height
            text = f"{group}, {name}: {_number(value)}{unit}"
            chart.bars.append(Rect(x, y, bar_width, height, PALETTE[number % len(PALETTE)], text))
            if stacked:
                stacked_height += height
        chart.labels.append((LEFT + index * slot + slot / 2, group))
    for step in range(5):
        value = axis_top * step / 4
        chart.ticks.append(Tick(baseline - plot_height * step / 4, f"{_number(value)}{unit}"))
    chart.legend.extend((PALETTE[n % len(PALETTE)], name) for n, name in enumerate(names))
    return chart


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}".replace(".", ",")
