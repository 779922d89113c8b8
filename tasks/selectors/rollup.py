"""The roll-up of a committee above (机关工委): one row per committee below it, each from that committee's own plan
of the year, with the same figures as every dashboard (lights, 办结率, 按期完成率, overdue, 加权进度: LightCounts and
tasks.rules.figures), and ranked by the dashboards' rule (rank_units) for the committee that ranks them. Each plan's
stored tally (tasks.services.tallies); scope from tasks.access."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from tasks import access
from tasks.models import AnnualPlan, KeyTask, OrgUnit
from tasks.rules import Light, weighted_mean
from tasks.selectors.dashboard import LightCounts, key_task_counts, rank_units
from tasks.selectors.orglife import LightTally, orglife_by_committee
from tasks.services.lights import lights_current
from tasks.services.tallies import stored_rows


@dataclass
class CommitteeRow:
    committee: OrgUnit
    plan: AnnualPlan
    lights: LightCounts
    progress: Decimal  # 加权进度 of the plan: its key tasks' weighted progress, weighted by the key tasks' weights
    rank: int | None = None  # among the committees right below the viewer's (theirs to rank); None: not theirs
    orglife: LightTally | None = None  # its branches' organisational life of the year; None: no roster here yet

    @property
    def name(self) -> str:
        return self.committee.name

    @property
    def overdue(self) -> int:
        return self.lights.counts[Light.RED]


def committee_rollup(user, *, year: int) -> list[CommitteeRow]:
    """The committees below the user's own, each with its plan of `year` (a committee without one has no row), ranked
    by the dashboards' rule among the committees the user's committee ranks (access.lower_committees: a bureau's own
    committees below it are the bureau's to rank), and with its organisational life of `year` (the same count as its
    dashboard's line, all committees in one pass); the rows stay in the committees' order."""
    rows = plans_rollup(access.plans_below(user).filter(year=year))
    tree = access.unit_tree()
    ranks_of = access.lower_committees(user, tree=tree)
    rank_units([row for row in rows if ranks_of.get(row.committee.pk)])
    orglife = orglife_by_committee(user, committee_ids=[row.committee.pk for row in rows], year=year, tree=tree)
    for row in rows:
        row.orglife = orglife[row.committee.pk]
    return rows


def plans_rollup(plans: QuerySet) -> list[CommitteeRow]:
    """One row per plan of `plans` (give one year's: a row is a committee), in the committees' order, from the stored
    lights made current (the roll-up page, the weekly digest's lines by committee)."""
    lights_current()
    plans = {
        plan.pk: plan for plan in plans.select_related("committee").order_by("committee__sort_order", "committee__name")
    }
    stored = stored_rows(plans)
    task_weight = dict(KeyTask.objects.filter(plan__in=list(plans)).values_list("id", "weight"))
    rows = []
    for plan_id, plan in plans.items():
        per_task, lights, _monthly = key_task_counts(stored[plan_id][0])
        progress = weighted_mean((counts.progress, task_weight[task_id]) for task_id, counts in per_task.items())
        rows.append(CommitteeRow(plan.committee, plan, lights, progress))
    return rows
