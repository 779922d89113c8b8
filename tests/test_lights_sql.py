"""The SQL light (tasks.lights_sql) must equal the Python rule (tasks.rules.compute_light) row by row."""

import datetime as dt
import random
from decimal import Decimal

import pytest

from tasks.lights_sql import LightSQL, annotate_light, light_from_urgency
from tasks.models import Assignment, KeyTask, WorkdayOverride
from tasks.rules import Light, LightRules, WorkCalendar, assignment_light, expected_progress
from tests.factories import AreaFactory, OrgUnitFactory, PlanFactory

D = dt.date
RULES = LightRules(due_soon_workdays=5, lag_points=25, stale_report_days=30)


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


# National Day 2023 (29 Sep-6 Oct off, 7-8 Oct make-up working days), the year end, Spring Festival
# 2024 (make-up days 4 and 18 Feb), and a stretch of ordinary weeks.
TODAYS = [
    *_days(D(2023, 9, 22), D(2023, 10, 12)),
    *_days(D(2023, 12, 26), D(2024, 1, 3)),
    *_days(D(2024, 2, 2), D(2024, 2, 19)),
    D(2023, 6, 30),
    D(2023, 8, 15),
    D(2023, 11, 15),
    D(2023, 11, 18),
]


def _generate(count: int, seed: int) -> None:
    rng = random.Random(seed)
    plan = PlanFactory(year=2023)
    area = AreaFactory(plan=plan)
    units = [OrgUnitFactory() for _ in range(6)]
    assignments = []
    interesting = [*TODAYS, D(2023, 9, 29), D(2023, 10, 7), D(2023, 10, 8), D(2023, 12, 30), D(2024, 1, 1)]
    for number in range(count // len(units)):
        start = rng.choice(interesting) - dt.timedelta(days=rng.choice([0, 0, 1, 3, 20, 60, 150]))
        key_task = KeyTask.objects.create(
            plan=plan,
            area=area,
            number=f"9.{number}",
            title=f"t{number}",
            lead_unit=units[0],
            start_date=start,
            deadline=start + dt.timedelta(days=rng.randint(0, 200)),
            cadence=rng.choice([KeyTask.Cadence.MONTHLY, KeyTask.Cadence.QUARTERLY, KeyTask.Cadence.ONCE]),
        )
        for unit in units:
            deadline = rng.choice(
                [
                    key_task.deadline,
                    rng.choice(interesting) + dt.timedelta(days=rng.randint(-3, 40)),
                    start + dt.timedelta(days=rng.randint(0, 3)),
                ]
            )
            completed_at = None
            if rng.random() < 0.25:
                completed_at = deadline + dt.timedelta(days=rng.randint(-10, 10))
            last_approved_at = None
            if rng.random() < 0.6:
                last_approved_at = rng.choice(interesting) - dt.timedelta(days=rng.randint(0, 60))
            assignments.append(
                Assignment(
                    key_task=key_task,
                    unit=unit,
                    deadline=deadline,
                    original_deadline=deadline,
                    progress=100 if completed_at else rng.choice([0, 5, 10, 20, 25, 33, 40, 50, 60, 75, 90, 99]),
                    status=Assignment.Status.COMPLETED if completed_at else Assignment.Status.IN_PROGRESS,
                    completed_at=completed_at,
                    last_approved_at=last_approved_at,
                    weight=Decimal(1),
                )
            )
    Assignment.objects.bulk_create(assignments)


def _compare(today: dt.date, rules: LightRules, calendar: WorkCalendar) -> int:
    queryset = Assignment.objects.select_related("key_task")
    sql = annotate_light(queryset, today=today, calendar=calendar, rules=rules)
    mismatches = [
        (a.pk, a.key_task.start_date, a.deadline, a.progress, a.light, python)
        for a in sql
        if a.light != (python := assignment_light(a, today=today, calendar=calendar, rules=rules))
    ]
    assert not mismatches, f"{today}: {mismatches[:5]}"
    return len(sql)


@pytest.mark.django_db
def test_sql_light_equals_python_rule_across_holidays():
    _generate(480, seed=4)
    calendar = WorkCalendar.load()
    seen = set()
    for today in TODAYS:
        assert _compare(today, RULES, calendar) == 480
        seen |= set(
            annotate_light(Assignment.objects.all(), today=today, calendar=calendar, rules=RULES).values_list(
                "light", flat=True
            )
        )
    assert seen == {light.value for light in Light}  # every branch of the rule was exercised


@pytest.mark.django_db
def test_sql_light_equals_python_rule_with_other_settings_and_admin_overrides():
    _generate(240, seed=7)
    # An unscheduled day off and a Saturday made a working day, as an admin would enter them.
    WorkdayOverride.objects.create(date=D(2023, 11, 15), is_workday=False, note="停工")
    WorkdayOverride.objects.create(date=D(2023, 11, 18), is_workday=True, note="调休上班")
    calendar = WorkCalendar.load()
    for rules in (
        LightRules(due_soon_workdays=0, lag_points=10, stale_report_days=7),
        LightRules(due_soon_workdays=3, lag_points=50, stale_report_days=45),
    ):
        for today in TODAYS[::3]:
            _compare(today, rules, calendar)


@pytest.mark.django_db
def test_lag_threshold_is_exact_at_the_boundary():
    """Progress exactly 25 points behind the expected share is yellow; one point better is green."""
    plan = PlanFactory(year=2023)
    unit_a, unit_b = OrgUnitFactory(), OrgUnitFactory()
    calendar = WorkCalendar.load()
    # 100 working days from start to deadline, so every expected share is a whole number.
    start = D(2023, 9, 1)
    deadline = calendar.add_workdays(start, 99)
    today = D(2023, 10, 12)
    expected = int(expected_progress(start=start, deadline=deadline, today=today, calendar=calendar))
    key_task = KeyTask.objects.create(
        plan=plan,
        area=AreaFactory(plan=plan),
        number="1",
        title="t",
        lead_unit=unit_a,
        start_date=start,
        deadline=deadline,
    )
    for unit, progress in ((unit_a, expected - 25), (unit_b, expected - 24)):
        Assignment.objects.create(key_task=key_task, unit=unit, deadline=deadline, progress=progress)
    lights = dict(
        annotate_light(Assignment.objects.all(), today=today, calendar=calendar, rules=RULES).values_list(
            "unit", "light"
        )
    )
    assert lights == {unit_a.pk: Light.YELLOW, unit_b.pk: Light.GREEN}
    _compare(today, RULES, calendar)


@pytest.mark.django_db
def test_urgency_orders_most_urgent_first():
    _generate(120, seed=11)
    today = D(2023, 10, 9)
    queryset = Assignment.objects.select_related("key_task")
    light_sql = LightSQL.for_queryset(queryset, today=today, rules=RULES)
    rows = list(queryset.annotate(urgency=light_sql.urgency()).order_by("urgency", "deadline", "id"))
    lights = [light_from_urgency(row.urgency) for row in rows]
    assert lights == sorted(lights, key=lambda light: light.urgency)
    assert lights == [assignment_light(row, today=today, rules=RULES) for row in rows]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lights",
    [[Light.RED], [Light.YELLOW], [Light.GREEN], [Light.DONE], [Light.DONE_LATE], [Light.RED, Light.YELLOW]],
)
def test_having_light_selects_exactly_the_rows_of_those_lights(lights):
    _generate(240, seed=13)
    calendar = WorkCalendar.load()
    queryset = Assignment.objects.select_related("key_task")
    for today in (D(2023, 9, 28), D(2023, 10, 9), D(2024, 2, 5)):
        light_sql = LightSQL.for_queryset(queryset, today=today, calendar=calendar, rules=RULES)
        chosen = set(
            queryset.annotate(urgency=light_sql.urgency())
            .filter(light_sql.having_light(lights))
            .values_list("pk", flat=True)
        )
        expected = {
            a.pk for a in queryset if assignment_light(a, today=today, calendar=calendar, rules=RULES) in lights
        }
        assert chosen == expected, today


@pytest.mark.django_db
def test_cached_thresholds_follow_a_moved_deadline():
    """The pairs and thresholds are kept in the shared cache; saving an assignment must renew them."""
    _generate(60, seed=17)
    today = D(2023, 10, 9)
    assignment = Assignment.objects.filter(completed_at__isnull=True).select_related("key_task").first()
    moved = D(2025, 1, 2)  # later than any generated deadline
    before = LightSQL.for_queryset(Assignment.objects.all(), today=today, rules=RULES)  # now cached
    assert (assignment.key_task.start_date, moved) not in before.pairs
    assignment.deadline = moved
    assignment.progress = 0
    assignment.save()
    light_sql = LightSQL.for_queryset(Assignment.objects.all(), today=today, rules=RULES)
    assert (assignment.key_task.start_date, moved) in light_sql.pairs
    _compare(today, RULES, WorkCalendar.load())
