from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from tasks import access
from tasks.lights_sql import LightSQL, light_from_urgency
from tasks.rules import Light, WorkCalendar, local_today
from tasks.selectors import (
    ASSIGNMENT_ORDERINGS,
    KEY_TASK_ORDERINGS,
    KeyTaskFilter,
    LightCounts,
    assignment_page,
    filtered_assignments,
    ordering_for,
    plan_assignments,
    plan_for,
)
from tasks.views.dashboard import _year

PAGE_SIZE = 50


def _plan_context(request):
    user = request.user
    plan = plan_for(user, _year(request))
    return plan, {"plan": plan, "plans": access.visible_plans(user)}


@login_required
def assignment_list(request):
    plan, context = _plan_context(request)
    if plan is None:
        return render(request, "tasks/assignment_list.html", context)
    today, calendar = local_today(), WorkCalendar.load()
    filterset, filtered = filtered_assignments(
        request.GET, user=request.user, plan=plan, today=today, calendar=calendar
    )
    sort, ordering = ordering_for(request.GET.get("sort", ""), ASSIGNMENT_ORDERINGS, "light")
    page, rows = assignment_page(
        filtered, ordering, request.GET.get("page"), size=PAGE_SIZE, today=today, calendar=calendar
    )
    context.update(
        filter=filterset,
        page=page,
        sort=sort,
        today=today,
        rows=rows,
        columns=[
            ("number", _("Key task")),
            ("unit", _("Unit")),
            ("owner", _("Owner")),
            ("light", _("Light")),
            ("deadline", _("Deadline")),
            ("progress", _("Progress")),
        ],
    )
    return render(request, "tasks/assignment_list.html", context)


@login_required
def key_task_list(request):
    plan, context = _plan_context(request)
    if plan is None:
        return render(request, "tasks/key_task_list.html", context)
    user = request.user
    today, calendar = local_today(), WorkCalendar.load()
    base = plan_assignments(user, plan)
    light_sql = LightSQL.for_queryset(base, today=today, calendar=calendar)
    queryset = (
        access.visible_key_tasks(user).filter(plan=plan).select_related("area", "lead_unit", "responsible_leader")
    )
    filterset = KeyTaskFilter(request.GET or None, queryset=queryset, user=user, plan=plan, light_sql=light_sql)
    sort, ordering = ordering_for(request.GET.get("sort", ""), KEY_TASK_ORDERINGS, "number")
    filtered = queryset
    if filterset.is_bound:
        filtered = filterset.qs if filterset.is_valid() else queryset.none()
    page = Paginator(filtered.order_by(*ordering), PAGE_SIZE).get_page(request.GET.get("page"))
    key_tasks = list(page.object_list)
    # Counts by light and progress of the visible assignments of the key tasks on this page: one query.
    counts: dict[int, LightCounts] = {key_task.pk: LightCounts() for key_task in key_tasks}
    grouped = (
        base.filter(key_task__in=key_tasks)
        .annotate(urgency=light_sql.urgency())
        .order_by()
        .values("key_task_id", "weight", "urgency")
        .annotate(n=Count("id"), progress_sum=Sum("progress"))
    )
    for row in grouped:
        counts[row["key_task_id"]].add(
            light_from_urgency(row["urgency"]).value,
            row["n"],
            row["weight"] * row["progress_sum"],
            row["weight"] * row["n"],
        )
    context.update(
        filter=filterset,
        page=page,
        sort=sort,
        today=today,
        rows=[(key_task, counts[key_task.pk]) for key_task in key_tasks],
        lights=list(Light),
        columns=[
            ("number", _("Number")),
            ("title", _("Key task")),
            ("area", _("Area")),
            ("leader", _("Responsible leader")),
            ("deadline", _("Deadline")),
        ],
    )
    return render(request, "tasks/key_task_list.html", context)
