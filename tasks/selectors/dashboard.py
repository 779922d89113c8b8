"""Reads for the committee dashboard and the filtered lists.

Every number comes from the database in a fixed number of queries whatever the size of the plan: the
stored light (tasks.services.lights) is counted with GROUP BY; only the few rows a page shows are loaded as
objects.
"""

import calendar as month_calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Count, QuerySet, Sum

from tasks import access, cache
from tasks.models import AnnualPlan, Area, Assignment, KeyTask, OrgUnit, ProgressReport
from tasks.rules import (
    Light,
    WorkCalendar,
    assign_ranks,
    completion_rate,
    local_today,
    on_time_rate,
    percent,
    weighted_mean,
    weighted_mean_of_sums,
)
from tasks.services.lights import lights_current
from tasks.services.tallies import plan_rows

LIGHT_ORDER = list(Light)  # most urgent first
OPEN = Assignment.Status.IN_PROGRESS
RED_LIST_SIZE = 15
DUE_SOON_DAYS = 14
DUE_SOON_SIZE = 20
REVIEW_SIZE = 15
OBSTACLES_SIZE = 8
OBSTACLES_SCAN = 200


# Plain strings, not the enum's members: a dashboard adds some 4,000 grouped rows into these counts, and a member's
# `.value` and hash are Python-level calls.
_NO_COUNTS = dict.fromkeys(Light.values, 0)
_LIGHT_VALUES = [(light, light.value) for light in LIGHT_ORDER]
_DONE, _DONE_LATE, _RED = Light.DONE.value, Light.DONE_LATE.value, Light.RED.value


@dataclass
class LightCounts:
    counts: dict[str, int] = field(default_factory=_NO_COUNTS.copy)
    progress_sum: Decimal = Decimal(0)  # sums of integers or Decimals: stays a Decimal
    weight_sum: Decimal = Decimal(0)

    def add(self, light: str, count: int, progress_sum, weight_sum) -> None:
        self.counts[light] += count
        self.progress_sum += progress_sum or 0
        self.weight_sum += weight_sum or 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def completed(self) -> int:
        return self.counts[_DONE] + self.counts[_DONE_LATE]

    @property
    def progress(self) -> Decimal:
        return weighted_mean_of_sums(self.progress_sum, self.weight_sum)

    @property
    def completion_rate(self) -> Decimal | None:
        return completion_rate(completed=self.completed, total=self.total)

    @property
    def on_time_rate(self) -> Decimal | None:
        return on_time_rate(on_time=self.counts[_DONE], completed=self.completed, overdue=self.counts[_RED])

    def items(self) -> list[tuple[Light, int]]:
        counts = self.counts
        return [(light, counts[value]) for light, value in _LIGHT_VALUES]


@dataclass
class AreaRow:
    area: Area
    lights: LightCounts
    progress: Decimal  # weighted mean of its key tasks' progress, by key-task weight
    key_tasks: int


@dataclass
class UnitRow:
    unit_id: int
    name: str
    lights: LightCounts
    rank: int = 0

    @property
    def progress(self) -> Decimal:
        return self.lights.progress


@dataclass
class MonthPoint:
    month: dt.date  # first day
    last_day: dt.date
    due: int  # assignments due in the month
    completed: int  # assignments completed in the month
    expected_rate: Decimal  # cumulative: share of all assignments due by the end of the month
    actual_rate: Decimal | None  # cumulative: share completed by the end of the month (None: future)


@dataclass
class ListRow:
    """A row of the red list, due-soon list or assignment list: light and working days worked out."""

    assignment: Assignment
    light: Light
    workdays_left: int

    @property
    def overdue_workdays(self) -> int:
        return max(0, -self.workdays_left)


@dataclass
class Dashboard:
    plan: AnnualPlan
    today: dt.date
    lights: LightCounts
    key_task_count: int
    overall_progress: Decimal
    areas: list[AreaRow]
    units: list[UnitRow]
    months: list[MonthPoint]
    red_rows: list[ListRow]
    due_soon_rows: list[ListRow]
    due_soon_count: int
    due_soon_until: dt.date
    reports_waiting: list[ProgressReport]
    reports_waiting_count: int
    obstacles: list[ProgressReport]


def plan_assignments(user, plan: AnnualPlan) -> QuerySet:
    return access.plan_assignments(user, plan)


def rank_units(rows: list) -> list:
    """Rank by completion rate, then on-time rate, then approved progress, then fewest red. The rule for every
    ranking on a page: a committee's units on its dashboard, the committees below on a 工委's roll-up (rows with
    `lights`, `progress` and `name`); sets `rank` and returns the rows best first."""

    def key(row):
        lights = row.lights
        return (
            -(lights.completion_rate or 0),
            -(lights.on_time_rate or 0),
            -row.progress,
            lights.counts[Light.RED],
        )

    keys = {id(row): key(row) for row in rows}  # worked out once a row: the rates are Decimal arithmetic
    return assign_ranks(sorted(rows, key=lambda row: (keys[id(row)], row.name)), lambda row: keys[id(row)])


UNIT_SORTS = {
    "rank": lambda row: (row.rank, row.name),
    "name": lambda row: row.name,
    "total": lambda row: row.lights.total,
    "completion": lambda row: row.lights.completion_rate or 0,
    "on_time": lambda row: row.lights.on_time_rate or 0,
    "progress": lambda row: row.lights.progress,
    **{light.value: (lambda row, light=light: row.lights.counts[light.value]) for light in Light},
}


def sort_units(rows: list[UnitRow], sort: str, *, ranked: bool = True) -> tuple[list[UnitRow], str]:
    """The unit rows (which come ranked) in the order `sort` asks for, rank order when it names none. Not `ranked`
    (the ranks are not the viewer's, tasks.access.can_run_plan): by name instead, as rank order would tell them."""
    name = sort.lstrip("-")
    if not ranked and name == "rank":
        name, sort = "name", sort.replace("rank", "name")
    if name not in UNIT_SORTS:
        if ranked:
            return rows, "rank"
        name = sort = "name"
    return sorted(rows, key=UNIT_SORTS[name], reverse=sort.startswith("-")), sort


def light_counts_by_key_task(user, plan: AnnualPlan, key_tasks: list[KeyTask]) -> dict[int, LightCounts]:
    """Counts by light and weighted progress of the visible assignments of these key tasks (a page of the key
    task list): one query. The caller made the lights current."""
    counts: dict[int, LightCounts] = {key_task.pk: LightCounts() for key_task in key_tasks}
    grouped = (
        plan_assignments(user, plan)
        .filter(key_task__in=key_tasks)
        .order_by()
        .values("key_task_id", "weight", "light")
        .annotate(n=Count("id"), progress_sum=Sum("progress"))
    )
    for row in grouped:
        counts[row["key_task_id"]].add(
            row["light"], row["n"], row["weight"] * row["progress_sum"], row["weight"] * row["n"]
        )
    return counts


def _month_points(monthly: dict[tuple, int], plan: AnnualPlan, today: dt.date, total: int) -> list[MonthPoint]:
    """Due and completed by month, and cumulatively against all assignments, from counts by (month due, month
    completed) that the per-key-task pass already made (no second pass over every assignment)."""
    points, due_before, done_before = [], 0, 0
    for month in range(1, 13):
        first = dt.date(plan.year, month, 1)
        due = sum(n for (due_month, _done), n in monthly.items() if due_month is not None and due_month <= first)
        done = sum(n for (_due, done_month), n in monthly.items() if done_month is not None and done_month <= first)
        points.append(
            MonthPoint(
                month=first,
                last_day=first.replace(day=month_calendar.monthrange(plan.year, month)[1]),
                due=due - due_before,
                completed=done - done_before,
                expected_rate=percent(due, total) or Decimal(0),
                actual_rate=(percent(done, total) or Decimal(0)) if first <= today else None,
            )
        )
        due_before, done_before = due, done
    return points


def list_rows(assignments, *, today: dt.date, calendar: WorkCalendar) -> list[ListRow]:
    """Rows for assignments loaded after `lights_current`: the stored light and the working days left."""
    return [
        ListRow(assignment, Light(assignment.light), calendar.workdays_between(today, assignment.deadline))
        for assignment in assignments
    ]


def overdue(base: QuerySet, *, today: dt.date) -> QuerySet:
    """The open assignments of `base` past their deadline: the red list's."""
    return base.filter(status=OPEN, deadline__lt=today)


def red_list(base: QuerySet, *, today: dt.date, calendar: WorkCalendar, limit: int) -> list[ListRow]:
    """The red list (the dashboard's, and the committee's home): the first `limit` of `overdue`, the longest overdue
    first, as rows. Not counted here: the dashboard has the count already (its red light)."""
    return list_rows(
        overdue(base, today=today).select_related("key_task", "unit", "owner").order_by("deadline", "id")[:limit],
        today=today,
        calendar=calendar,
    )


def assignment_page(filtered: QuerySet, ordering: list[str], number, *, size: int, today: dt.date, calendar):
    """One page of a filtered, ordered assignment list and its rows.

    The filter and the order (the light among them) run on ids only; the page's rows are then loaded with
    their key task, unit and owner. Joined before the LIMIT, the related rows of every match (7,500 at
    provincial scale) were fetched and thrown away.

    The count and the page's ids, which work the light out over every match, are kept in the shared cache
    until the next write, like the dashboard's figures: a list opened from the dashboard in a meeting is
    opened by many. The rows themselves are always read fresh.
    """
    ids = filtered.order_by(*ordering).values_list("pk", flat=True)
    sql = cache.query_key(ids)
    paginator = Paginator(ids, size)
    paginator.count = cache.cached(("list-count", sql), ids.count)
    page = paginator.get_page(number)
    page.object_list = cache.cached(("list-page", sql, page.number, size), lambda: list(page.object_list))
    loaded = Assignment.objects.select_related("key_task", "key_task__area", "unit", "owner").in_bulk(page.object_list)
    rows = list_rows([loaded[pk] for pk in page.object_list if pk in loaded], today=today, calendar=calendar)
    return page, rows


def key_task_counts(grouped: list[dict]) -> tuple[dict[int, LightCounts], LightCounts, dict[tuple, int]]:
    """(counts and weighted progress per key task, the same for all of them, counts by (month due, month completed))
    from a plan's rows by key task (tasks.services.tallies): the dashboard's areas, overall figure and month chart, and
    a committee's line on the roll-up.

    Counts are summed as integers and each (key task, weight) weighed once: a plan of 50,000 assignments has some
    850 such rows, and Decimal arithmetic per row was most of the time."""
    overall = LightCounts()
    per_task: dict[int, LightCounts] = defaultdict(LightCounts)  # not setdefault: it builds a default per row
    monthly: dict[tuple, int] = defaultdict(int)
    weighed: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])  # (key task, weight) -> [progress sum, count]
    for row in grouped:
        n, light = row["n"], row["light"]
        monthly[(row["due_month"], row["done_month"])] += n
        per_task[row["key_task_id"]].counts[light] += n
        overall.counts[light] += n
        sums = weighed[(row["key_task_id"], row["weight"])]
        sums[0] += row["progress_sum"] or 0
        sums[1] += n
    for (task_id, weight), (progress_sum, n) in weighed.items():
        for target in (per_task[task_id], overall):
            target.progress_sum += weight * progress_sum
            target.weight_sum += weight * n
    return dict(per_task), overall, monthly


def _area_rows(grouped: list[dict], plan: AnnualPlan):
    """Counts and weighted progress overall, per key task (with each key task's weight) and per area, and the
    counts by (month due, month completed) for the month chart: from the rows by key task (tasks.services.tallies)."""
    per_task, overall, monthly = key_task_counts(grouped)
    task_area, task_weight = {}, {}
    key_tasks = KeyTask.objects.filter(pk__in=list(per_task)).values_list("id", "area_id", "weight")
    for task_id, area_id, weight in key_tasks:
        task_area[task_id], task_weight[task_id] = area_id, weight

    areas = []
    for area in Area.objects.filter(plan=plan).order_by("sort_order", "id"):
        task_ids = [task_id for task_id, area_id in task_area.items() if area_id == area.pk]
        lights = LightCounts()
        for task_id in task_ids:
            for light, count in per_task[task_id].items():
                lights.counts[light.value] += count
        areas.append(
            AreaRow(
                area=area,
                lights=lights,
                key_tasks=len(task_ids),
                progress=weighted_mean((per_task[task_id].progress, task_weight[task_id]) for task_id in task_ids),
            )
        )
    return overall, per_task, task_weight, areas, monthly


def _unit_rows(grouped: list[dict]) -> list[UnitRow]:
    """Counts and progress per unit, ranked: from the rows by unit (tasks.services.tallies)."""
    per_unit: dict[int, LightCounts] = {}
    for row in grouped:
        counts = {light: row[light] for light in _NO_COUNTS}
        # A unit's progress is the plain mean of its assignments: weights share a key task between units.
        per_unit[row["unit_id"]] = LightCounts(counts, Decimal(row["progress_sum"]), Decimal(sum(counts.values())))
    names = {
        unit_id: short_name or name
        for unit_id, name, short_name in OrgUnit.objects.filter(pk__in=list(per_unit)).values_list(
            "id", "name", "short_name"
        )
    }
    return rank_units(
        [UnitRow(unit_id=unit_id, name=names.get(unit_id, ""), lights=lights) for unit_id, lights in per_unit.items()]
    )


def dashboard_get(
    *, user, plan: AnnualPlan, today: dt.date | None = None, calendar: WorkCalendar | None = None
) -> Dashboard:
    today = today or local_today()
    calendar = calendar or WorkCalendar.load()
    lights_current(today=today, calendar=calendar)
    base = plan_assignments(user, plan)

    # Counts by light per key task (for areas and the overall figure) and per unit: the plan's stored tally, or two
    # GROUP BY queries over what a viewer who sees part of the plan sees.
    by_key_task, by_unit = plan_rows(user, plan, base)
    overall, per_task, task_weight, areas, monthly = _area_rows(by_key_task, plan)
    units = _unit_rows(by_unit)

    rows_query = base.select_related("key_task", "unit", "owner")
    red_rows = red_list(base, today=today, calendar=calendar, limit=RED_LIST_SIZE)
    due_soon_until = today + dt.timedelta(days=DUE_SOON_DAYS)
    due_soon = base.filter(status=OPEN, deadline__gte=today, deadline__lte=due_soon_until)
    due_soon_rows = list_rows(
        rows_query.filter(status=OPEN, deadline__gte=today, deadline__lte=due_soon_until).order_by("deadline", "id")[
            :DUE_SOON_SIZE
        ],
        today=today,
        calendar=calendar,
    )

    waiting = access.plan_reports(user, plan).filter(state=ProgressReport.State.SUBMITTED)
    if not access.is_committee(user):
        waiting = waiting.filter(assignment__in=base)
    reports_waiting = list(
        waiting.select_related("assignment__key_task", "assignment__unit", "author").order_by("submitted_at", "id")[
            :REVIEW_SIZE
        ]
    )

    return Dashboard(
        plan=plan,
        today=today,
        lights=overall,
        key_task_count=len(per_task),
        overall_progress=weighted_mean((lights.progress, task_weight[task_id]) for task_id, lights in per_task.items()),
        areas=areas,
        units=units,
        months=_month_points(monthly, plan, today, overall.total),
        red_rows=red_rows,
        due_soon_rows=due_soon_rows,
        due_soon_count=due_soon.count(),
        due_soon_until=due_soon_until,
        reports_waiting=reports_waiting,
        reports_waiting_count=waiting.count(),
        obstacles=recent_obstacles(user=user, plan=plan, today=today, calendar=calendar),
    )


def recent_obstacles(*, user, plan: AnnualPlan, today: dt.date, calendar: WorkCalendar) -> list[ProgressReport]:
    """Difficulties and help needed (困难和需协调事项) still open: named in a report the committee has not
    answered yet (ProgressReport.difficulty_open), on an assignment not completed; the newest per assignment,
    newest first, whatever the light (any report may raise one). Answered ones (已协调 / 已解决) leave the list.

    The newest such reports are read by date (an index range) as ids and picked over here, a few first (they are
    mostly of different assignments), a few hundred if those were not enough; only the chosen few are loaded as
    objects with their assignment, key task, unit and author.
    """
    newest = (
        access.plan_reports(user, plan)
        .filter(assignment__status=OPEN, difficulty_state="")
        .exclude(obstacles="")
        .exclude(state=ProgressReport.State.RETURNED)
        .order_by("-submitted_at", "-id")
        .values_list("pk", "assignment_id")
    )
    for scan in (OBSTACLES_SIZE * 3, OBSTACLES_SCAN):
        chosen: dict[int, int] = {}  # assignment id -> its newest such report
        found = list(newest[:scan])
        for report_id, assignment_id in found:
            chosen.setdefault(assignment_id, report_id)
            if len(chosen) == OBSTACLES_SIZE:
                break
        if len(chosen) == OBSTACLES_SIZE or len(found) < scan:
            break
    loaded = ProgressReport.objects.select_related("assignment__key_task", "assignment__unit", "author").in_bulk(
        list(chosen.values())
    )
    reports = [loaded[report_id] for report_id in chosen.values() if report_id in loaded]
    for report in reports:
        report.light = Light(report.assignment.light)
    return reports
