from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from tasks import access, charts
from tasks.cache import cached
from tasks.rules import Light, WorkCalendar, local_today
from tasks.selectors import committee_plans, committee_rollup, current_plan, dashboard_get, follow_ups, sort_units
from tasks.selectors.orglife import orglife_summary
from tasks.views.common import committee_param, mark_drilled_into, plan_query, year_param

UNITS_SHOWN = 30


def list_url(name: str, plan, **params) -> str:
    """A drill-down link: the list `name` filtered by `params` within the plan (and its committee, if drilled into)."""
    return f"{reverse(name)}?{plan_query(plan, **params)}"


def lights_linked(plan, row, **params) -> list[tuple]:
    """(light, count, link to the assignment list filtered to it) for a row of the area or unit table."""
    # The row's link built once and the light appended: the unit table has 30 rows of six.
    base = f"{reverse('assignment_list')}?{plan_query(plan, **params)}&light="
    return [(light, count, f"{base}{light.value}") for light, count in row.lights.items()]


def month_chart_linked(plan, months):
    """The month chart, each month's bar linking to the assignments due in it."""
    urls = [
        list_url(
            "assignment_list", plan, deadline_after=point.month.isoformat(), deadline_before=point.last_day.isoformat()
        )
        for point in months
    ]
    return charts.month_chart(months, urls)


def units_table(request, plan, rows, *, ranked: bool) -> dict:
    """The dashboard's table of units: sorted as asked, the first UNITS_SHOWN unless all are asked for, each linked to
    its assignments. Ranks are the ranking committee's (`ranked`: tasks.access.can_run_plan): not shown, nor told by
    the order, to anyone else."""
    units, unit_sort = sort_units(rows, request.GET.get("sort", ""), ranked=ranked)
    show_all = request.GET.get("units") == "all"
    return {
        "units": [
            (row, list_url("assignment_list", plan, unit=row.unit_id), lights_linked(plan, row, unit=row.unit_id))
            for row in (units if show_all else units[:UNITS_SHOWN])
        ],
        "unit_count": len(units),
        "units_truncated": not show_all and len(units) > UNITS_SHOWN,
        "unit_sort": unit_sort,
        "ranks_shown": ranked,
    }


@login_required
def dashboard(request):
    """Where are we? The plan at a glance, for the committee; secretaries see their units only."""
    user = request.user
    plan = current_plan(user, year_param(request), committee_id=committee_param(request))
    context = {"plan": plan, "plans": committee_plans(user)}
    if plan is None:
        context["orglife"] = orglife_summary(user)
        return render(request, "tasks/dashboard.html", context)
    scope = access.scope_for(user)
    calendar = WorkCalendar.load()  # one read for the figures, organisational life and the red list's urges
    # Drilled into a committee below: its branches' organisational life, not the whole of the viewer's.
    drilled = mark_drilled_into(user, plan).drilled_into and plan.committee_id
    context["orglife"] = cached(
        ("orglife-summary", scope.cache_key, drilled, local_today()),
        lambda: orglife_summary(
            user, units=access.orglife_units(user, committee_id=drilled) if drilled else None, calendar=calendar
        ),
    )
    # Many people open the same dashboard in a meeting; any committed write invalidates it (tasks.cache).
    data = cached(
        ("dashboard", plan.pk, scope.cache_key, local_today()),
        lambda: dashboard_get(user=user, plan=plan, calendar=calendar),
    )
    # A committee above reads a lower committee's dashboard: no urging there, and its ranks stay the lower one's.
    runs = access.can_run_plan(user, plan)
    if drilled:
        context["plans"] = committee_plans(user, plan.committee_id)  # the year picker stays in that committee
    # The red list says when each late unit last reported and was last urged (read fresh: the figures are cached).
    follow = (
        follow_ups([row.assignment.pk for row in data.red_rows], calendar=calendar)
        if access.can_urge(user) and runs
        else {}
    )
    context.update(
        data=data,
        red_rows=[(row, follow.get(row.assignment.pk)) for row in data.red_rows],
        is_committee=access.is_committee(user),
        drilled_into=plan.drilled_into,
        plan_query=plan_query(plan),
        has_committees_below=runs and access.plans_below(user).exists(),
        **figures_linked(plan, data),
        **units_table(request, plan, data.units, ranked=runs),
        lights=list(Light),
    )
    return render(request, "tasks/dashboard.html", context)


def figures_linked(plan, data) -> dict:
    """The dashboard's figures, each linked to the list of what it counts: the lights (counts and bar), the areas,
    the month chart, the red list and the deadlines due soon."""
    light_urls = {light.value: list_url("assignment_list", plan, light=light.value) for light in Light}
    return {
        "light_items": [(light, count, light_urls[light.value]) for light, count in data.lights.items()],
        "light_segments": charts.light_segments(data.lights.items(), light_urls),
        "areas": [
            (row, list_url("key_task_list", plan, area=row.area.pk), lights_linked(plan, row, area=row.area.pk))
            for row in data.areas
        ],
        "month_chart": month_chart_linked(plan, data.months),
        "red_url": list_url("assignment_list", plan, light=Light.RED.value, sort="deadline"),
        "due_soon_url": list_url(
            "assignment_list",
            plan,
            status="in_progress",
            deadline_after=data.today.isoformat(),
            deadline_before=data.due_soon_until.isoformat(),
            sort="deadline",
        ),
    }


@login_required
def rollup(request):
    """The committees below the viewer's (a 机关工委's bureaus), one row each from its own plan of the year, each
    opening that committee's dashboard read-only. Committee members only; A4 print like the dashboard."""
    user = request.user
    access.require_rollup_page(user)
    year = year_param(request) or local_today().year
    # Shown in meetings like the dashboard, and as costly (each committee's plan and organisational life): cached
    # the same way, until any committed write (tasks.cache).
    scope = access.scope_for(user)
    found = cached(("rollup", scope.cache_key, year, local_today()), lambda: committee_rollup(user, year=year))
    rows = [
        (row, f"{reverse('dashboard')}?{urlencode({'committee': row.committee.pk, 'year': year})}") for row in found
    ]
    years = sorted(set(access.plans_below(user).values_list("year", flat=True)), reverse=True)
    ranked = any(row.rank is not None for row, _url in rows)
    context = {"rows": rows, "ranked": ranked, "year": year, "years": years, "lights": list(Light)}
    return render(request, "tasks/rollup.html", context)
