import datetime as dt

import pytest

from tasks.models import WorkdayOverride
from tasks.rules import Light, LightRules, WorkCalendar, compute_light, expected_progress

RULES = LightRules(due_soon_workdays=5, lag_points=25, stale_report_days=30)


def light(**overrides):
    values = {
        "start": dt.date(2023, 1, 3),
        "deadline": dt.date(2023, 12, 29),
        "progress": 50,
        "completed_on": None,
        "monthly": False,
        "last_approved_on": None,
        "today": dt.date(2023, 6, 30),
        "calendar": WorkCalendar(),
        "rules": RULES,
    }
    values.update(overrides)
    return compute_light(**values)


def test_on_track_is_green():
    assert light() == Light.GREEN


def test_completed_on_or_before_deadline_is_done():
    assert light(completed_on=dt.date(2023, 12, 29), today=dt.date(2024, 2, 1)) == Light.DONE


def test_completed_after_deadline_is_done_late():
    assert light(completed_on=dt.date(2024, 1, 2), today=dt.date(2024, 2, 1)) == Light.DONE_LATE


def test_not_completed_after_deadline_is_red():
    assert light(deadline=dt.date(2023, 6, 29), progress=90) == Light.RED


def test_deadline_day_itself_is_not_red_yet():
    assert light(deadline=dt.date(2023, 6, 30), progress=99) == Light.YELLOW


def test_deadline_within_five_working_days_is_yellow():
    # 30 June (Fri) -> 7 July (Fri) is 5 working days.
    assert light(deadline=dt.date(2023, 7, 7), progress=99) == Light.YELLOW
    assert light(deadline=dt.date(2023, 7, 10), progress=99) == Light.GREEN


def test_holiday_stretch_makes_a_distant_looking_deadline_due_soon():
    """Plain weekdays would count 8 days from 27 Sep to 9 Oct 2023; China counts 4 (holidays, make-up days)."""
    today, deadline = dt.date(2023, 9, 27), dt.date(2023, 10, 9)
    assert light(today=today, deadline=deadline, progress=99) == Light.YELLOW
    plain = WorkCalendar({day: day.weekday() < 5 for day in (today + dt.timedelta(days=n) for n in range(20))})
    assert light(today=today, deadline=deadline, progress=99, calendar=plain) == Light.GREEN


def test_lagging_25_points_behind_expected_is_yellow():
    calendar = WorkCalendar()
    expected = expected_progress(
        start=dt.date(2023, 1, 3), deadline=dt.date(2023, 12, 29), today=dt.date(2023, 6, 30), calendar=calendar
    )
    assert 45 < expected < 55
    assert light(progress=int(expected) - 26) == Light.YELLOW
    assert light(progress=int(expected) - 23) == Light.GREEN


def test_monthly_cadence_without_approved_report_for_30_days_is_yellow():
    assert light(monthly=True, last_approved_on=dt.date(2023, 5, 31)) == Light.YELLOW
    assert light(monthly=True, last_approved_on=dt.date(2023, 6, 1)) == Light.GREEN
    assert light(monthly=False, last_approved_on=dt.date(2023, 3, 1)) == Light.GREEN


def test_rules_come_from_settings(settings):
    settings.LIGHT_DUE_SOON_WORKDAYS = 10
    rules = LightRules.from_settings()
    assert light(deadline=dt.date(2023, 7, 10), progress=99, rules=rules) == Light.YELLOW


@pytest.mark.django_db
def test_admin_override_changes_the_light():
    # Make 3..7 July non-working: the deadline of 14 July is then only 5 working days away.
    for day in range(3, 8):
        WorkdayOverride.objects.create(date=dt.date(2023, 7, day), is_workday=False, note="test")
    assert light(deadline=dt.date(2023, 7, 14), progress=99) == Light.GREEN
    assert light(deadline=dt.date(2023, 7, 14), progress=99, calendar=WorkCalendar.load()) == Light.YELLOW


def test_every_light_has_a_symbol_and_a_label():
    for value in Light:
        assert value.symbol and str(value.label)
