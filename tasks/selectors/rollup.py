"""The roll-up of a committee above (机关工委): one row per committee below it, each from that committee's own plan
of the year, with the same figures as every dashboard (lights, 办结率, 按期完成率, overdue, 加权进度: LightCounts and
tasks.rules.figures), and ranked by the dashboards' rule (rank_units) for the committee that ranks them. One grouped
query over the plans below; scope from tasks.access."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from tasks import access
from tasks.models import AnnualPlan, Assignment, OrgUnit
from tasks.rules import Light, weighted_mean
from tasks.selectors.dashboard import LightCounts, rank_units
from tasks.services.lights import lights_current


@dataclass
class CommitteeRow:
    committee: OrgUnit
    plan: AnnualPlan
    lights: LightCounts
    progress: Decimal  # 加权进度 of the plan: its key tasks' weighted progress, weighted by the key tasks' weights
    rank: int | None = None  # among the committees right below the viewer's (theirs to rank); None: not theirs

    @property
    def name(self) -> str:
        return self.committee.name

    @property
    def overdue(self) -> int:
        return self.lights.counts[Light.RED]


def committee_rollup(user, *, year: int) -> list[CommitteeRow]:
    """The committees below the user's own, each with its plan of `year` (a committee without one has no row), ranked
    by the dashboards' rule among the committees the user's committee ranks (access.lower_committees: a bureau's own
    committees below it are the bureau's to rank); the rows stay in the committees' order."""
    rows = plans_rollup(access.plans_below(user).filter(year=year))
    ranks_of = access.lower_committees(user)
    rank_units([row for row in rows if ranks_of.get(row.committee.pk)])
    return rows


def plans_rollup(plans: QuerySet) -> list[CommitteeRow]:
    """One row per plan of `plans` (give one year's: a row is a committee), in the committees' order, from the stored
    lights made current (the roll-up page, the weekly digest's lines by committee)."""
    lights_current()
    plans = {
        plan.pk: plan for plan in plans.select_related("committee").order_by("committee__sort_order", "committee__name")
    }
    per_task: dict[int, LightCounts] = {}
    task_plan, task_weight = {}, {}
    grouped = (
        Assignment.objects.filter(key_task__plan__in=list(plans))
        .order_by()
        .values("key_task_id", "key_task__plan_id", "key_task__weight", "weight", "light")
        .annotate(n=Count("id"), progress_sum=Sum("progress"))
    )
    for row in grouped:
        task_id = row["key_task_id"]
        task_plan[task_id], task_weight[task_id] = row["key_task__plan_id"], row["key_task__weight"]
        counts = per_task.setdefault(task_id, LightCounts())
        counts.add(row["light"], row["n"], row["weight"] * row["progress_sum"], row["weight"] * row["n"])
    rows = []
    for plan_id, plan in plans.items():
        tasks = [task_id for task_id, owner in task_plan.items() if owner == plan_id]
        lights = LightCounts()
        for task_id in tasks:
            for light, count in per_task[task_id].items():
                lights.counts[light.value] += count
        progress = weighted_mean((per_task[task_id].progress, task_weight[task_id]) for task_id in tasks)
        rows.append(CommitteeRow(plan.committee, plan, lights, progress))
    return rows
