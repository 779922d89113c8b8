"""Organisational life's periods and the light of one occurrence (one duty in one period), defined once.

A meeting type with a cadence owes one meeting per period (a month, a quarter or a year); a type per party group
owes one per group and period. The light of an occurrence follows the warning light's spirit (tasks.rules.lights):
met (done) once a record exists; red when the period is over without one; yellow in the last working days of the
period (5 by default, LIGHT_DUE_SOON_WORKDAYS) without one; green before that.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from tasks.rules.lights import Light
from tasks.rules.workdays import WorkCalendar

MONTH, QUARTER, YEAR = "month", "quarter", "year"


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date
    cadence: str

    @property
    def key(self) -> str:
        """ "2024-06", "2024-Q2", "2024": in URLs and reminder periods."""
        if self.cadence == MONTH:
            return f"{self.start:%Y-%m}"
        if self.cadence == QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    @property
    def label(self) -> str:
        """How a Chinese reader names it: 6月, 二季度, 2024年."""
        if self.cadence == MONTH:
            return f"{self.start.month}月"
        if self.cadence == QUARTER:
            return f"{'一二三四'[(self.start.month - 1) // 3]}季度"
        return f"{self.start.year}年"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def _month_end(year: int, month: int) -> dt.date:
    return (dt.date(year + (month == 12), month % 12 + 1, 1)) - dt.timedelta(days=1)


def periods_of_year(cadence: str, year: int) -> list[Period]:
    if cadence == MONTH:
        return [Period(dt.date(year, m, 1), _month_end(year, m), MONTH) for m in range(1, 13)]
    if cadence == QUARTER:
        return [Period(dt.date(year, m, 1), _month_end(year, m + 2), QUARTER) for m in (1, 4, 7, 10)]
    return [Period(dt.date(year, 1, 1), dt.date(year, 12, 31), YEAR)]


def period_of(cadence: str, day: dt.date) -> Period:
    return next(p for p in periods_of_year(cadence, day.year) if p.contains(day))


def period_from_key(cadence: str, key: str) -> Period | None:
    try:
        year = int(key[:4])
        return next(p for p in periods_of_year(cadence, year) if p.key == key)
    except (ValueError, StopIteration):
        return None


def owed_periods(cadence: str, year: int, *, active_from: dt.date) -> list[Period]:
    """The periods of a year a type owes: none that ended before the type was introduced."""
    return [p for p in periods_of_year(cadence, year) if p.end >= active_from]


def occurrence_light(*, period: Period, met: bool, today: dt.date, calendar: WorkCalendar, due_soon: int | None = None):
    """The light of one occurrence, or None for a period that has not started (nothing is owed yet)."""
    if met:
        return Light.DONE
    if today > period.end:
        return Light.RED
    if today < period.start:
        return None
    due_soon = settings.LIGHT_DUE_SOON_WORKDAYS if due_soon is None else due_soon
    if calendar.workdays_inclusive(today, period.end) <= due_soon:
        return Light.YELLOW
    return Light.GREEN
