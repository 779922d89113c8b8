"""Stored lights (tasks.services.lights): the column always says what the one rule says today, whatever wrote last,
whatever the clock did and whatever the settings are."""

import datetime as dt
import random
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from tasks import jobs
from tasks.models import Assignment, KeyTask, WorkdayOverride
from tasks.rules import Light, LightRules, WorkCalendar, assignment_light
from tasks.services import extension_request_create, extension_request_decide
from tasks.services.lights import lights_current, lights_refresh
from tests.factories import AssignmentFactory, KeyTaskFactory, OrgUnitFactory
from tests.test_services_reports import submit

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def stored(assignment: Assignment) -> Light:
    assignment.refresh_from_db(fields=["light", "light_on"])
    return Light(assignment.light)


@pytest.fixture
def varied(key_task, org):
    """Forty assignments whose dates and progress fall on every side of the rule's thresholds, around the
    National Day holidays of 2023 (1-6 October off, 7-8 October make-up working days)."""
    rng = random.Random(7)
    units = [OrgUnitFactory(name=f"第{n}党支部", parent=org.committee_unit) for n in range(40)]
    monthly = KeyTaskFactory(
        plan=key_task.plan,
        area=key_task.area,
        number="9.1",
        lead_unit=org.committee_unit,
        start_date=dt.date(2023, 3, 1),
        deadline=dt.date(2023, 12, 29),
        cadence=KeyTask.Cadence.MONTHLY,
    )
    rows = []
    for unit in units:
        deadline = dt.date(2023, 9, 20) + dt.timedelta(days=rng.randint(0, 30))
        completed = rng.random() < 0.2
        rows.append(
            AssignmentFactory(
                key_task=rng.choice([key_task, monthly]),
                unit=unit,
                deadline=deadline,
                progress=100 if completed else rng.choice([0, 10, 30, 50, 70, 90]),
                status=Assignment.Status.COMPLETED if completed else Assignment.Status.IN_PROGRESS,
                completed_at=deadline + dt.timedelta(days=rng.randint(-5, 5)) if completed else None,
                last_approved_at=rng.choice([None, dt.date(2023, 8, 1), dt.date(2023, 9, 10)]),
            )
        )
    return rows


def rule(assignment: Assignment, today: dt.date, rules: LightRules | None = None) -> Light:
    assignment = Assignment.objects.select_related("key_task").get(pk=assignment.pk)
    return assignment_light(assignment, today=today, calendar=WorkCalendar.load(), rules=rules)


def test_every_stored_light_is_the_rule_on_every_day_around_a_holiday(varied):
    for today in (dt.date(2023, 9, 22) + dt.timedelta(days=n) for n in range(0, 24, 3)):
        lights_current(today=today)
        assert {a.pk: stored(a) for a in varied} == {a.pk: rule(a, today) for a in varied}, today


def test_changing_the_light_settings_changes_every_light_on_the_next_read(client, committee, varied, settings):
    today = dt.date(2023, 9, 1)  # 13 to 33 working days before the deadlines
    client.force_login(committee)
    with time_machine.travel(at(today, 10)):
        client.get(reverse("assignment_list"), {"year": 2023})
        before = {a.pk: stored(a) for a in varied}
        assert before == {a.pk: rule(a, today) for a in varied}

        settings.LIGHT_DUE_SOON_WORKDAYS, settings.LIGHT_LAG_POINTS, settings.LIGHT_STALE_REPORT_DAYS = 15, 60, 90
        response = client.get(reverse("assignment_list"), {"year": 2023})

    new_rules = LightRules(due_soon_workdays=15, lag_points=60, stale_report_days=90)
    after = {a.pk: stored(a) for a in varied}
    assert after == {a.pk: rule(a, today, new_rules) for a in varied}
    assert sum(before[pk] != after[pk] for pk in before) >= 5  # the settings did change lights
    shown = {row.assignment.pk: row.light for row in response.context["rows"]}
    assert all(shown[pk] == after[pk] for pk in shown)


def test_midnight_turns_a_deadline_red_on_the_first_read_without_the_job(client, committee, assignment_a1):
    deadline = dt.date(2023, 9, 28)
    Assignment.objects.filter(pk=assignment_a1.pk).update(deadline=deadline, progress=90)
    client.force_login(committee)
    with time_machine.travel(at(deadline, 23, 59)):
        first = client.get(reverse("assignment_list"), {"year": 2023})
    assert [row.light for row in first.context["rows"]] == [Light.YELLOW]
    with time_machine.travel(at(deadline + dt.timedelta(days=1), 0, 1)):
        second = client.get(reverse("assignment_list"), {"year": 2023})
        dashboard = client.get(reverse("dashboard"), {"year": 2023})
    assert [row.light for row in second.context["rows"]] == [Light.RED]
    assert dashboard.context["data"].lights.counts["red"] == 1
    assert stored(assignment_a1) == Light.RED
    assert assignment_a1.light_on == deadline + dt.timedelta(days=1)


def test_the_job_after_midnight_stores_the_new_day_and_a_second_run_does_nothing(assignment_a1, assignment_b):
    deadline = dt.date(2023, 9, 28)
    Assignment.objects.update(deadline=deadline, progress=90)
    with time_machine.travel(at(deadline, 12)):
        lights_current()
    with time_machine.travel(at(deadline + dt.timedelta(days=1), 0, 5)):
        assert jobs.recompute_lights() == {"computed": 2}
        assert jobs.recompute_lights() == {"computed": 0}
    assert [stored(assignment_a1), stored(assignment_b)] == [Light.RED, Light.RED]


def test_the_job_is_scheduled_just_after_midnight_in_shanghai():
    task = PeriodicTask.objects.get(task="tasks.jobs.recompute_lights")
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == ("0", "5", "Asia/Shanghai")


def test_the_command_computes_every_light(assignment_a1, overdue_b, capsys):
    with time_machine.travel(at(dt.date(2023, 7, 10), 10)):
        lights_current()
        call_command("recompute_lights")
    assert "2 lights computed" in capsys.readouterr().out
    assert (stored(assignment_a1), stored(overdue_b)) == (Light.YELLOW, Light.RED)  # 0 % at mid-year lags


def test_approving_a_report_stores_the_light_in_the_same_write(assignment_a1, secretary_a, committee):
    from tasks.services import progress_report_approve

    with time_machine.travel(at(dt.date(2023, 3, 1), 10)):
        lights_current()
        assert stored(assignment_a1) == Light.GREEN
        report = submit(assignment_a1, secretary_a, percent=100)
        progress_report_approve(report=report, reviewer=committee)
    assert stored(assignment_a1) == Light.DONE
    assert assignment_a1.light_on == dt.date(2023, 3, 1)


def test_an_approved_extension_stores_the_light_in_the_same_write(assignment_a1, secretary_a, committee):
    Assignment.objects.filter(pk=assignment_a1.pk).update(deadline=dt.date(2023, 3, 3), progress=90)
    assignment_a1.refresh_from_db()
    with time_machine.travel(at(dt.date(2023, 3, 1), 10)):
        lights_current()
        assert stored(assignment_a1) == Light.YELLOW  # due within 5 working days
        extension = extension_request_create(
            assignment=assignment_a1,
            requested_by=secretary_a,
            requested_deadline=dt.date(2023, 6, 30),
            reason="等待上级文件",
        )
        extension_request_decide(extension=extension, decided_by=committee, approve=True)
    assert stored(assignment_a1) == Light.GREEN


def test_a_working_day_override_recomputes_every_light_when_saved(assignment_a1, django_capture_on_commit_callbacks):
    # Due Monday 10 July 2023 with 90 %: on Saturday the 1st, 6 working days are left, one more than "soon".
    Assignment.objects.filter(pk=assignment_a1.pk).update(deadline=dt.date(2023, 7, 10), progress=90)
    with time_machine.travel(at(dt.date(2023, 7, 1), 10)):
        lights_current()
        assert stored(assignment_a1) == Light.GREEN
        with django_capture_on_commit_callbacks(execute=True):
            WorkdayOverride.objects.create(date=dt.date(2023, 7, 3), is_workday=False, note="停电")
        assert stored(assignment_a1) == Light.YELLOW  # 5 working days now
        with django_capture_on_commit_callbacks(execute=True):
            WorkdayOverride.objects.all().delete()
        assert stored(assignment_a1) == Light.GREEN


def test_a_read_finding_every_light_current_costs_one_query(assignment_a1):
    calendar = WorkCalendar.load()
    lights_current(calendar=calendar)
    with CaptureQueriesContext(connection) as queries:
        assert lights_current(calendar=calendar) == 0
    assert len(queries) == 1


def test_refresh_takes_an_assignment_a_queryset_or_ids(assignment_a1, assignment_b, overdue_b):
    Assignment.objects.update(light=Light.DONE)
    with time_machine.travel(at(dt.date(2023, 7, 10), 10)):
        lights_refresh(assignment_a1)
        assert assignment_a1.light == Light.YELLOW  # the instance too (0 % at mid-year lags)
        lights_refresh(Assignment.objects.filter(pk=assignment_b.pk))
        lights_refresh([overdue_b.pk])
    assert [stored(a) for a in (assignment_a1, assignment_b, overdue_b)] == [Light.YELLOW, Light.YELLOW, Light.RED]


def test_the_light_stays_out_of_the_change_history(assignment_a1, secretary_a, committee):
    from tasks.services import progress_report_approve

    with time_machine.travel(at(dt.date(2023, 3, 1), 10)):
        progress_report_approve(report=submit(assignment_a1, secretary_a, percent=100), reviewer=committee)
    fields = {field.name for field in assignment_a1.history.model._meta.get_fields()}
    assert "light" not in fields and "light_on" not in fields
    assert assignment_a1.history.count() == 2  # created, approved: the light's own writes left no rows


@pytest.mark.parametrize(("hour", "minute"), [(23, 58), (23, 59), (0, 0)])
def test_a_light_computed_late_in_the_day_is_still_that_days(hour, minute, assignment_a1):
    with time_machine.travel(at(dt.date(2023, 7, 10), hour, minute)):
        lights_current()
    assignment_a1.refresh_from_db()
    assert assignment_a1.light_on == dt.date(2023, 7, 10)  # Shanghai's date, not UTC's
