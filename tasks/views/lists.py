from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from tasks import access
from tasks.forms import UrgeForm
from tasks.rules import Light, WorkCalendar, local_today
from tasks.selectors import (
    ASSIGNMENT_ORDERINGS,
    KEY_TASK_ORDERINGS,
    assignment_page,
    committee_plans,
    current_plan,
    filter_choices,
    filtered_assignments,
    filtered_key_tasks,
    light_counts_by_key_task,
    ordering_for,
    urge_summaries,
)
from tasks.views.common import (
    PAGE_SIZES,
    committee_param,
    mark_drilled_into,
    page_size_param,
    plan_query,
    year_param,
)


def _plan_context(request):
    """The list's plan; one drilled into from above keeps its committee in the list's links and filter form."""
    user = request.user
    plan = mark_drilled_into(user, current_plan(user, year_param(request), committee_id=committee_param(request)))
    context = {"plan": plan, "plans": committee_plans(user)}
    if plan is not None:
        context["plan_query"] = plan_query(plan)
    return plan, context


def _list_context(filterset, page, page_size: int, sort: str, today) -> dict:
    """What a list page shows around its rows: the filters and their choices, the page and its size, the sort."""
    return {
        "filter": filterset,
        "filter_choices": filter_choices(filterset),
        "page": page,
        "page_size": page_size,
        "page_sizes": PAGE_SIZES,
        "sort": sort,
        "today": today,
    }


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
    page_size = page_size_param(request)
    page, rows = assignment_page(
        filtered, ordering, request.GET.get("page"), size=page_size, today=today, calendar=calendar
    )
    may_urge = access.can_urge(request.user)
    if may_urge:
        urges = urge_summaries([row.assignment.pk for row in rows], calendar=calendar)
        for row in rows:
            row.urges = urges[row.assignment.pk]
    context.update(
        _list_context(filterset, page, page_size, sort, today),
        may_urge=may_urge,
        urge_form=UrgeForm(),
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
    filterset, filtered = filtered_key_tasks(request.GET, user=user, plan=plan)
    sort, ordering = ordering_for(request.GET.get("sort", ""), KEY_TASK_ORDERINGS, "number")
    page_size = page_size_param(request)
    page = Paginator(filtered.order_by(*ordering), page_size).get_page(request.GET.get("page"))
    key_tasks = list(page.object_list)
    counts = light_counts_by_key_task(user, plan, key_tasks)
    context.update(
        _list_context(filterset, page, page_size, sort, local_today()),
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
