"""A plan's assignments counted and stored (`PlanTally`), so that the dashboard and the roll-up read a few thousand
numbers instead of grouping every assignment of the plan on each view: at 50,000 assignments those two GROUP BYs
were 60 ms of a dashboard's SQL, paid again on the first view after every write (issue [10]).

The counts are the grouped rows a dashboard needs, nothing derived: by key task, weight, light, month due and month
completed (areas, key tasks, the overall figure and the month chart come from these), and by unit, one row a unit
with its count of each light (the unit table and its ranks: 500 rows to read, not one per unit and light).
`grouped_rows` works them out; the stored ones are its result for the whole plan.

Kept true like the stored lights:
1. a write to an assignment marks its plan's tally stale in the same transaction: a saved or deleted assignment by
   its signals (connected in tasks.apps), a light, progress or deadline written by a queryset update through
   `lights_refresh` (every such service calls it); the tally is counted again once the transaction commits,
   so the first view after a write finds it ready;
2. a read that finds it stale or missing counts it first (`plan_rows`), so a missed commit hook never shows stale
   figures.
Counting takes a lock on the tally's row, and marking stale updates it: a count that started before a write
committed is followed by one that sees it.

Only a viewer who sees the whole plan (`tasks.access.sees_whole_plan`: its committee and the committees above) reads
the stored tally; anyone else's figures are grouped from their own visible assignments, as before.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth

from tasks import access
from tasks.models import AnnualPlan, Assignment, KeyTask, PlanTally
from tasks.rules import Light

# The grouped columns of each tally, in the order they are stored (as lists: a dict per row would triple the JSON).
KEY_TASK_COLUMNS = ("key_task_id", "weight", "light", "due_month", "done_month", "n", "progress_sum")
UNIT_COLUMNS = ("unit_id", "progress_sum", *Light.values)


def _grouped(queryset: QuerySet, *group: str, **grouped_expressions) -> list[dict]:
    """Counts and progress sums by `group` and light. Integer sums only: numeric multiplication over every row costs
    more than the grouping, and the weights of a group are few, so the readers apply them."""
    return list(
        queryset.order_by()
        .values(*group, "light", **grouped_expressions)
        .annotate(n=Count("id"), progress_sum=Sum("progress"))
    )


def grouped_rows(assignments: QuerySet) -> tuple[list[dict], list[dict]]:
    """(rows by key task, weight, light, month due and month completed; rows by unit: its progress sum and the count
    of each light, keyed by the light's value) of `assignments`."""
    by_key_task = _grouped(
        assignments, "key_task_id", "weight", due_month=TruncMonth("deadline"), done_month=TruncMonth("completed_at")
    )
    for row in by_key_task:
        row["due_month"], row["done_month"] = _as_date(row["due_month"]), _as_date(row["done_month"])
    by_unit: dict[int, dict] = {}
    for row in _grouped(assignments, "unit_id"):
        unit = by_unit.get(row["unit_id"])
        if unit is None:
            unit = by_unit[row["unit_id"]] = {
                "unit_id": row["unit_id"],
                "progress_sum": 0,
                **dict.fromkeys(Light.values, 0),
            }
        unit["progress_sum"] += row["progress_sum"] or 0
        unit[row["light"]] += row["n"]
    return by_key_task, list(by_unit.values())


def _as_date(value) -> dt.date | None:
    """A truncated month as a date (some databases give a datetime for a truncated date)."""
    return value.date() if isinstance(value, dt.datetime) else value


def plan_rows(user, plan: AnnualPlan, assignments: QuerySet) -> tuple[list[dict], list[dict]]:
    """The grouped rows of the plan's assignments the user sees (`assignments`, already limited to them): the stored
    tally when the user sees the whole plan, else grouped now."""
    if not access.sees_whole_plan(user, plan):
        return grouped_rows(assignments)
    return stored_rows([plan.pk])[plan.pk]


def stored_rows(plan_ids: Iterable[int]) -> dict[int, tuple[list[dict], list[dict]]]:
    """{plan id: its grouped rows} from the stored tallies, counting first those stale or missing."""
    plan_ids = set(plan_ids)
    fresh = {tally.plan_id: tally for tally in PlanTally.objects.filter(plan_id__in=plan_ids, stale=False)}
    if len(fresh) < len(plan_ids):
        count_plans(plan_ids - set(fresh))
        fresh.update((tally.plan_id, tally) for tally in PlanTally.objects.filter(plan_id__in=plan_ids - set(fresh)))
    return {plan_id: _decoded(tally) for plan_id, tally in fresh.items()}


def _decoded(tally: PlanTally) -> tuple[list[dict], list[dict]]:
    # A plan has a few weights and at most twelve months: each text decoded once, not once a row.
    weights: dict[str, Decimal] = {}
    months: dict[str | None, dt.date | None] = {None: None}
    by_key_task = []
    for values in tally.by_key_task:
        row = dict(zip(KEY_TASK_COLUMNS, values, strict=True))
        weight, due, done = row["weight"], row["due_month"], row["done_month"]
        if weight not in weights:
            weights[weight] = Decimal(weight)
        for text in (due, done):
            if text not in months:
                months[text] = dt.date.fromisoformat(text)
        row["weight"], row["due_month"], row["done_month"] = weights[weight], months[due], months[done]
        by_key_task.append(row)
    return by_key_task, [dict(zip(UNIT_COLUMNS, values, strict=True)) for values in tally.by_unit]


def _encoded(rows: list[dict], columns: tuple[str, ...]) -> list[list]:
    def plain(value):
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    return [[plain(row[column]) for column in columns] for row in rows]


def count_plans(plan_ids: Iterable[int]) -> None:
    """Count the stale or missing tallies of these plans, each under a lock on its row (one plan at a time, in id
    order, so two processes never wait on each other crosswise)."""
    for plan_id in sorted(set(plan_ids)):
        try:
            _count_plan(plan_id)
        except IntegrityError:  # the plan was deleted meanwhile (its key is checked at commit): nothing to count
            continue


def _count_plan(plan_id: int) -> None:
    with transaction.atomic():
        if not AnnualPlan.objects.filter(pk=plan_id).exists():
            return
        PlanTally.objects.get_or_create(plan_id=plan_id)
        tally = PlanTally.objects.select_for_update().get(plan_id=plan_id)
        if not tally.stale:
            return  # another process counted it while this one waited
        by_key_task, by_unit = grouped_rows(Assignment.objects.filter(key_task__plan_id=plan_id))
        tally.by_key_task = _encoded(by_key_task, KEY_TASK_COLUMNS)
        tally.by_unit = _encoded(by_unit, UNIT_COLUMNS)
        tally.stale = False
        tally.save()


def tallies_stale(plan_ids: Iterable[int]) -> None:
    """The assignments of these plans were written: their tallies are stale now, and counted again once the
    transaction commits."""
    plan_ids = sorted(set(plan_ids))
    if not plan_ids:
        return
    PlanTally.objects.filter(plan_id__in=plan_ids).update(stale=True)
    transaction.on_commit(lambda: count_plans(plan_ids))


def assignment_written(sender, instance: Assignment, **_signal_kwargs) -> None:
    """post_save and post_delete of an assignment: its plan's tally is stale."""
    key_task = instance._state.fields_cache.get("key_task")  # loaded already, or read its plan (it may be gone)
    if key_task is not None:
        plan_id = key_task.plan_id
    else:
        plan_id = KeyTask.objects.filter(pk=instance.key_task_id).values_list("plan_id", flat=True).first()
    if plan_id is not None:
        tallies_stale([plan_id])
