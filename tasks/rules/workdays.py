"""Chinese working days: weekends and statutory holidays off, make-up working days (调休上班) on.

Order of authority for a date: the admin's WorkdayOverride table, then the `chinese-calendar`
package, then plain Monday-to-Friday for years the package does not know (logged once per year).
"""

import datetime as dt
import logging
from functools import cache

import chinese_calendar

logger = logging.getLogger(__name__)


@cache
def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        logger.warning(
            "chinese-calendar has no data for %s: counting plain weekends; add holidays and make-up "
            "working days as working-day overrides in the admin",
            year,
        )
        return False
    return True


def _default_is_workday(day: dt.date) -> bool:
    if _package_knows(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


@cache
def _default_year(year: int) -> tuple[bool, ...]:
    """Working status of every day of a year before overrides (cached: it never changes in a process)."""
    first = dt.date(year, 1, 1)
    days = (dt.date(year + 1, 1, 1) - first).days
    return tuple(_default_is_workday(first + dt.timedelta(days=offset)) for offset in range(days))


class WorkCalendar:
    """Answers working-day questions for any date; build one per request or job (one query)."""

    def __init__(self, overrides: dict[dt.date, bool] | None = None):
        self._overrides = overrides or {}
        self._year_prefix: dict[int, list[int]] = {}
        self._year_base: dict[int, int] = {}
        self._anchor_year: int | None = None

    @classmethod
    def load(cls) -> "WorkCalendar":
        from tasks.models import WorkdayOverride

        return cls(dict(WorkdayOverride.objects.values_list("date", "is_workday")))

    @property
    def overrides(self) -> dict[dt.date, bool]:
        """The admin's overrides this calendar applies (read-only)."""
        return dict(self._overrides)

    def is_workday(self, day: dt.date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        return _default_year(day.year)[day.timetuple().tm_yday - 1]

    def _prefix(self, year: int) -> list[int]:
        """prefix[i] = working days from 1 January up to and including day-of-year i+1."""
        if year not in self._year_prefix:
            flags = list(_default_year(year))
            for day, is_workday in self._overrides.items():
                if day.year == year:
                    flags[day.timetuple().tm_yday - 1] = is_workday
            total, prefix = 0, []
            for is_workday in flags:
                total += is_workday
                prefix.append(total)
            self._year_prefix[year] = prefix
        return self._year_prefix[year]

    def _base(self, year: int) -> int:
        """Working days from the anchor (the first year this calendar was asked about) up to the end of
        the year before `year`; negative before the anchor. Only differences of ordinals mean anything."""
        if self._anchor_year is None:
            self._anchor_year = year
        if year not in self._year_base:
            if year == self._anchor_year:
                base = 0
            elif year > self._anchor_year:
                base = self._base(year - 1) + self._prefix(year - 1)[-1]
            else:
                base = self._base(year + 1) - self._prefix(year)[-1]
            self._year_base[year] = base
        return self._year_base[year]

    def ordinal(self, day: dt.date) -> int:
        """A running count of working days up to and including `day`: differences count working days."""
        return self._base(day.year) + self._prefix(day.year)[day.timetuple().tm_yday - 1]

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days d with start < d <= end (negative when end is before start)."""
        return self.ordinal(end) - self.ordinal(start)

    def workdays_inclusive(self, start: dt.date, end: dt.date) -> int:
        """Working days d with start <= d <= end (0 when end is before start)."""
        if end < start:
            return 0
        return self.ordinal(end) - self.ordinal(start - dt.timedelta(days=1))

    def add_workdays(self, day: dt.date, count: int) -> dt.date:
        """The `count`-th working day after `day` (before it, for a negative count)."""
        step = dt.timedelta(days=1 if count >= 0 else -1)
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_workday(day):
                remaining -= 1
        return day

    def next_workday(self, day: dt.date) -> dt.date:
        """`day` itself if it is a working day, otherwise the first working day after it."""
        while not self.is_workday(day):
            day += dt.timedelta(days=1)
        return day
