import datetime as dt
import logging

from tasks.models import WorkdayOverride
from tasks.rules import WorkCalendar, workdays


def test_national_day_holidays_are_off_and_make_up_weekend_is_on():
    calendar = WorkCalendar()
    assert calendar.is_workday(dt.date(2023, 9, 28))
    assert not calendar.is_workday(dt.date(2023, 10, 2))  # Monday, but 国庆
    assert calendar.is_workday(dt.date(2023, 10, 7))  # Saturday, 调休上班
    assert calendar.is_workday(dt.date(2023, 10, 8))  # Sunday, 调休上班


def test_workdays_between_counts_across_a_holiday():
    calendar = WorkCalendar()
    # After 28 September: 7, 8, 9 October are the only working days up to the 9th.
    assert calendar.workdays_between(dt.date(2023, 9, 28), dt.date(2023, 10, 9)) == 3
    assert calendar.workdays_between(dt.date(2023, 10, 9), dt.date(2023, 9, 28)) == -3
    assert calendar.workdays_between(dt.date(2023, 10, 9), dt.date(2023, 10, 9)) == 0


def test_workdays_between_counts_across_year_end():
    calendar = WorkCalendar()
    # 29 Dec 2023 (Fri) -> 2 Jan 2024 (Tue): 1 Jan is 元旦, so only the 2nd counts.
    assert calendar.workdays_between(dt.date(2023, 12, 29), dt.date(2024, 1, 2)) == 1


def test_add_workdays_skips_holidays_and_counts_make_up_days():
    calendar = WorkCalendar()
    assert calendar.add_workdays(dt.date(2023, 9, 28), 1) == dt.date(2023, 10, 7)
    assert calendar.add_workdays(dt.date(2023, 10, 9), -2) == dt.date(2023, 10, 7)
    assert calendar.next_workday(dt.date(2023, 10, 1)) == dt.date(2023, 10, 7)


def test_override_wins_over_the_package(db):
    WorkdayOverride.objects.create(date=dt.date(2023, 10, 9), is_workday=False, note="本地调整")
    calendar = WorkCalendar.load()
    assert not calendar.is_workday(dt.date(2023, 10, 9))
    assert calendar.workdays_between(dt.date(2023, 9, 28), dt.date(2023, 10, 10)) == 3


def test_unknown_year_falls_back_to_weekends_and_says_so(caplog):
    workdays._package_knows.cache_clear()
    workdays._default_year.cache_clear()
    calendar = WorkCalendar()
    with caplog.at_level(logging.WARNING, logger="tasks.rules.workdays"):
        assert calendar.is_workday(dt.date(2099, 10, 1))  # a Thursday; no holiday data for 2099
        assert not calendar.is_workday(dt.date(2099, 10, 3))  # Saturday
    assert [record for record in caplog.records if "2099" in record.getMessage()]


def test_overrides_cover_a_year_the_package_does_not_know(db):
    WorkdayOverride.objects.create(date=dt.date(2099, 10, 1), is_workday=False, note="国庆节")
    WorkdayOverride.objects.create(date=dt.date(2099, 10, 3), is_workday=True, note="调休上班")
    calendar = WorkCalendar.load()
    assert not calendar.is_workday(dt.date(2099, 10, 1))
    assert calendar.is_workday(dt.date(2099, 10, 3))
    assert calendar.workdays_between(dt.date(2099, 9, 30), dt.date(2099, 10, 3)) == 2  # 2nd (Fri) and 3rd
