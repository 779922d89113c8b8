"""Geometry of the dashboard's charts, drawn as inline SVG by templates (no JavaScript, no CDN).

Colours come from the light classes of app.css; every mark also carries its number and the light's
symbol or label as text, so a black-and-white print still reads.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import localize
from django.utils.translation import gettext as _

from tasks.rules import Light
from tasks.rules.figures import percent_text


@dataclass
class Segment:
    light: Light
    count: int
    x: float
    width: float
    url: str

    @property
    def label_x(self) -> float:
        return self.x + self.width / 2


def light_segments(items: list[tuple[Light, int]], urls: dict[str, str], width: float = 1000) -> list[Segment]:
    """A stacked bar of counts by light, `width` units wide."""
    total = sum(count for _, count in items)
    segments, x = [], 0.0
    if not total:
        return segments
    for light, count in items:
        if not count:
            continue
        share = width * count / total
        segments.append(Segment(light, count, round(x, 2), round(share, 2), urls.get(light.value, "")))
        x += share
    return segments


@dataclass
class MonthBar:
    label: str
    x: float  # left edge of the month's slot
    bar_x: float
    center_x: float
    bar_y: float
    bar_height: float
    expected_y: float
    point: object  # tasks.selectors.MonthPoint
    url: str

    @property
    def title(self) -> str:
        """What a pointer over the month (or a screen reader) is told: completed and expected by its end, due in it."""
        point = self.point
        return (
            f"{point.month:%Y-%m}: {_('completed')} {percent_text(point.actual_rate)}, "
            f"{_('expected')} {localize(point.expected_rate)}% · {_('%(due)s due this month') % {'due': point.due}}"
        )

    @property
    def dot_x(self) -> float:
        return round(self.center_x - 3, 2)

    @property
    def dot_y(self) -> float:
        return round(self.expected_y - 3, 2)


@dataclass
class MonthChart:
    width: int
    height: int
    left: int
    top: int
    plot_height: int
    slot: float
    bar_width: float
    bars: list[MonthBar]
    expected_path: str
    grid: list[tuple[float, int]]


def month_chart(points, urls: list[str], *, width: int = 720, height: int = 240) -> MonthChart:
    """Cumulative completion (bars) against the expected line (share of assignments due by then)."""
    left, top, bottom = 40, 12, 28
    plot_height = height - top - bottom
    slot = (width - left - 8) / max(len(points), 1)
    bar_width = slot * 0.56

    def y(rate: Decimal | float) -> float:
        return round(top + plot_height * (1 - float(rate) / 100), 2)

    bars = []
    for index, point in enumerate(points):
        x = round(left + slot * index, 2)
        actual = point.actual_rate
        bars.append(
            MonthBar(
                label=str(point.month.month),
                x=x,
                bar_x=round(x + (slot - bar_width) / 2, 2),
                center_x=round(x + slot / 2, 2),
                bar_y=y(actual or 0),
                bar_height=round(plot_height * float(actual or 0) / 100, 2),
                expected_y=y(point.expected_rate),
                point=point,
                url=urls[index],
            )
        )
    path = " ".join(f"{'M' if index == 0 else 'L'}{bar.center_x},{bar.expected_y}" for index, bar in enumerate(bars))
    grid = [(y(value), value) for value in (0, 25, 50, 75, 100)]
    return MonthChart(width, height, left, top, plot_height, round(slot, 2), round(bar_width, 2), bars, path, grid)
