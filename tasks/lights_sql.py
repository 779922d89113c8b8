"""The warning light as a SQL expression, for lists and aggregates over many assignments.

`tasks.rules.compute_light` stays the one rule; this module states the same rule in SQL and
tests/test_lights_sql.py compares the two on generated data (holidays and make-up days included), on
SQLite and PostgreSQL. Whatever depends only on `today` is worked out here in Python and enters the
query as a constant:

- red: not completed and deadline < today;
- due soon: workdays_between(today, deadline) <= N. Working-day ordinals never decrease, so this holds
  exactly for deadline < the (N+1)-th working day after today (a deadline on a holiday included);
- lag: expected_progress(start, deadline, today) - progress >= L. For one today the left side depends
  only on the pair (key-task start, assignment deadline), so for each pair present in the queryset
  (one query, kept in the shared cache until the next write) Python works out, with the rule's own
  arithmetic, the highest progress that still lags; SQL compares progress with that number, looked up in
  a balanced tree of CASE. For one start the threshold never rises as the deadline moves later (more
  working days to spread the work over), so the deadlines of a start fall into runs of equal thresholds
  and the tree only needs a leaf per run (at 50,000 generated assignments: 1,674 pairs, 259 runs);
- stale monthly report: the last approval (or the start) is on or before today - S days.

A pair missing from the lookup (a deadline moved between the two queries) would take a neighbour's
threshold for that one request; the next request reads the pairs again.
"""

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    CharField,
    Expression,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.lookups import LessThanOrEqual

from tasks import cache
from tasks.models import KeyTask
from tasks.rules import Light, LightRules, WorkCalendar, expected_progress, local_today

LIGHTS_BY_URGENCY = list(Light)
START = "key_task__start_date"


class _LagThreshold(Expression):
    """The highest approved progress that still counts as lagging, looked up by (start, deadline).

    Compiled straight to nested CASE: a balanced tree over the distinct start dates, each leaf a tree over
    that start's deadlines, so a row costs about log2(number of pairs) comparisons. (Built from Case/When
    objects instead, Django would resolve every node again on every query.)
    """

    def __init__(self, start: str, deadline: str, thresholds: dict[tuple[dt.date, dt.date], int], sql_cache: dict):
        super().__init__(output_field=IntegerField())
        self.start, self.deadline = F(start), F(deadline)
        by_start: dict[dt.date, list[tuple[dt.date, int]]] = {}
        for (start_date, deadline_date), threshold in sorted(thresholds.items()):
            runs = by_start.setdefault(start_date, [])
            if not runs or runs[-1][1] != threshold:
                # A leaf covers deadlines from this one up to the next run's first (see the module doc).
                runs.append((deadline_date, threshold))
        self.by_start = sorted(by_start.items())
        self.sql_cache = sql_cache  # shared by the expressions of one LightSQL: compile the tree once

    def get_source_expressions(self):
        return [self.start, self.deadline]

    def set_source_expressions(self, exprs):
        self.start, self.deadline = exprs

    def as_sql(self, compiler, connection):
        start_sql, start_params = compiler.compile(self.start)
        deadline_sql, deadline_params = compiler.compile(self.deadline)
        key = (connection.vendor, start_sql, tuple(start_params), deadline_sql, tuple(deadline_params))
        if key not in self.sql_cache:
            self.sql_cache[key] = self._compile(connection, start_sql, start_params, deadline_sql, deadline_params)
        sql, params = self.sql_cache[key]
        return sql, list(params)

    def _compile(self, connection, start_sql, start_params, deadline_sql, deadline_params) -> tuple[str, list]:

        def tree(items: list, column_sql: str, column_params: list, leaf) -> tuple[str, list]:
            if len(items) == 1:
                return leaf(items[0][1])
            middle = len(items) // 2
            left_sql, left_params = tree(items[:middle], column_sql, column_params, leaf)
            right_sql, right_params = tree(items[middle:], column_sql, column_params, leaf)
            day = connection.ops.adapt_datefield_value(items[middle][0])
            return (
                f"CASE WHEN {column_sql} < %s THEN {left_sql} ELSE {right_sql} END",
                [*column_params, day, *left_params, *right_params],
            )

        def deadlines_tree(deadlines):
            return tree(deadlines, deadline_sql, deadline_params, lambda threshold: (str(int(threshold)), []))

        if not self.by_start:
            return "-1", []
        return tree(self.by_start, start_sql, start_params, deadlines_tree)


def lag_threshold(*, start: dt.date, deadline: dt.date, today: dt.date, calendar: WorkCalendar, lag: int) -> int:
    """The highest whole progress p with expected_progress - p >= lag, by the Python rule's own arithmetic
    (-1 when no progress from 0 lags). Progress is a whole number from 0 to 100."""
    expected = expected_progress(start=start, deadline=deadline, today=today, calendar=calendar)
    threshold = math.floor(expected - lag)
    while threshold < 100 and expected - (threshold + 1) >= lag:
        threshold += 1
    while threshold >= 0 and not expected - threshold >= lag:
        threshold -= 1
    return max(threshold, -1)


@dataclass
class LightSQL:
    """The light rule for one `today`, ready to be used as an expression over Assignment rows.

    `pairs` must include the (key-task start, deadline) pair of every row it is applied to (a superset is
    fine); `for_queryset` reads them from the queryset.
    """

    today: dt.date
    calendar: WorkCalendar
    rules: LightRules
    pairs: frozenset[tuple[dt.date, dt.date]]  # (key-task start, assignment deadline)
    thresholds: dict[tuple[dt.date, dt.date], int] | None = field(default=None, repr=False)  # by pair; None: work out

    @classmethod
    def for_queryset(
        cls,
        queryset: QuerySet,
        *,
        today: dt.date | None = None,
        calendar: WorkCalendar | None = None,
        rules: LightRules | None = None,
    ) -> "LightSQL":
        today = today or local_today()
        calendar = calendar or WorkCalendar.load()
        rules = rules or LightRules.from_settings()
        pairs_query = queryset.order_by().values_list(START, "deadline").distinct()

        def pairs_and_thresholds():
            built = cls(today=today, calendar=calendar, rules=rules, pairs=frozenset(pairs_query))
            return built.pairs, built.thresholds

        # Reading the pairs scans every row and working out their thresholds takes a while (~30 ms together at
        # 50,000 assignments): keep them in the shared cache until the next write (which includes the calendar's
        # working-day overrides).
        pairs, thresholds = cache.cached(
            ("light-thresholds", cache.query_key(pairs_query), today, rules), pairs_and_thresholds
        )
        return cls(today=today, calendar=calendar, rules=rules, pairs=pairs, thresholds=thresholds)

    def __post_init__(self):
        self._sql_cache: dict = {}
        if self.thresholds is None:
            self.thresholds = {
                (start, deadline): lag_threshold(
                    start=start, deadline=deadline, today=self.today, calendar=self.calendar, lag=self.rules.lag_points
                )
                for start, deadline in self.pairs
            }

    def _whens(self, values: dict[Light, object], prefix: str) -> list[When]:
        today, rules, calendar = self.today, self.rules, self.calendar
        start, deadline, progress = f"{prefix}{START}", f"{prefix}deadline", f"{prefix}progress"
        completed_at, last_approved_at = f"{prefix}completed_at", f"{prefix}last_approved_at"
        if rules.due_soon_workdays < 0:
            raise ValueError("LIGHT_DUE_SOON_WORKDAYS must not be negative")
        first_not_due_soon = calendar.add_workdays(today, rules.due_soon_workdays + 1)
        threshold = _LagThreshold(start, deadline, self.thresholds, self._sql_cache)
        started = Q(**{f"{start}__lte": today})
        completed = Q(**{f"{completed_at}__isnull": False})
        whens = [
            When(completed & Q(**{f"{completed_at}__lte": F(deadline)}), then=values[Light.DONE]),
            When(completed, then=values[Light.DONE_LATE]),
            When(Q(**{f"{deadline}__lt": today}), then=values[Light.RED]),
            When(Q(**{f"{deadline}__lt": first_not_due_soon}), then=values[Light.YELLOW]),
            When(Q(LessThanOrEqual(F(progress), threshold)), then=values[Light.YELLOW]),
        ]
        quiet_limit = today - dt.timedelta(days=rules.stale_report_days)
        whens.append(
            When(
                started
                & Q(**{f"{prefix}key_task__cadence": KeyTask.Cadence.MONTHLY})
                & (
                    Q(**{f"{last_approved_at}__isnull": False, f"{last_approved_at}__lte": quiet_limit})
                    | Q(**{f"{last_approved_at}__isnull": True, f"{start}__lte": quiet_limit})
                ),
                then=values[Light.YELLOW],
            )
        )
        return whens

    def light(self, prefix: str = "") -> Case:
        """The light's value ("red", "yellow", ...). `prefix` reaches the assignment through a relation
        (e.g. "assignment__" from ProgressReport)."""
        values = {light: Value(light.value) for light in Light}
        return Case(*self._whens(values, prefix), default=values[Light.GREEN], output_field=CharField())

    def urgency(self, prefix: str = "") -> Case:
        """Light.urgency as an integer: sorts most urgent first; light_from_urgency maps it back."""
        values = {light: Value(light.urgency) for light in Light}
        return Case(*self._whens(values, prefix), default=values[Light.GREEN], output_field=IntegerField())

    def having_light(self, lights) -> Q:
        """Rows of a queryset annotated with `urgency` whose light is one of `lights`.

        Besides the light itself, the condition states what each light implies of two plain columns (a red
        assignment is not completed and its deadline has passed...), so that the database skips most rows
        with a cheap comparison before it works out the long light expression.
        """
        lights = [Light(light) for light in lights]
        open_ = Q(completed_at__isnull=True)
        implied = {
            Light.DONE: Q(completed_at__isnull=False),
            Light.DONE_LATE: Q(completed_at__isnull=False),
            Light.RED: open_ & Q(deadline__lt=self.today),
            Light.YELLOW: open_ & Q(deadline__gte=self.today),
            Light.GREEN: open_
            & Q(deadline__gte=self.calendar.add_workdays(self.today, self.rules.due_soon_workdays + 1)),
        }
        cheap = Q()
        for light in lights:
            cheap |= implied[light]
        return cheap & Q(urgency__in=[light.urgency for light in lights])


def annotate_light(
    queryset: QuerySet,
    *,
    today: dt.date | None = None,
    calendar: WorkCalendar | None = None,
    rules: LightRules | None = None,
    light_sql: LightSQL | None = None,
) -> QuerySet:
    """Assignments with `light` (a Light value) computed by the database, exactly as compute_light."""
    light_sql = light_sql or LightSQL.for_queryset(queryset, today=today, calendar=calendar, rules=rules)
    return queryset.annotate(light=light_sql.light())


def light_from_urgency(urgency: int) -> Light:
    return LIGHTS_BY_URGENCY[urgency]
