from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tasks import access, selectors
from tasks.forms import CommentForm, WorkbenchFilterForm
from tasks.models import AnnualPlan
from tasks.rules import local_today
from tasks.selectors.orglife import duties_for_keeper
from tasks.views.common import before_param, year_param

HOME_PAGE_SIZE = 50
# Beyond this the key task page links to the assignment list filtered to the key task.
KEY_TASK_ROW_LIMIT = 60


@login_required
def home(request):
    """The home page. A committee member's is the review queue and the red list; everyone else's the
    workbench (我的任务): counts that open the filtered list, then their assignments, most urgent first."""
    plans = selectors.committee_plans(request.user)
    plan = selectors.current_plan(request.user, year_param(request))
    if access.is_committee(request.user) and not request.htmx:
        context = {"plan": plan, "plans": plans}
        if plan is not None:
            context["data"] = selectors.committee_home(request.user, plan)
        return render(request, "tasks/committee_home.html", context)
    areas = list(plan.areas.all()) if plan else []
    filters = WorkbenchFilterForm(request.GET or None, areas=areas)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    page, rows = selectors.workbench(
        request.user, plan=plan, page_number=request.GET.get("page"), page_size=HOME_PAGE_SIZE, **chosen
    )
    context = {
        "plan": plan,
        "plans": plans,
        "page": page,
        "rows": rows,
        "today": local_today(),
        "filters": filters,
        "filtered": filters.is_bound and any(filters.data.get(k) for k in ("q", "area", "light", "status")),
        "counts": selectors.secretary_counts(request.user, plan) if plan is not None and not request.htmx else [],
    }
    if not request.htmx:
        context["orglife_duties"] = duties_for_keeper(request.user)
    return render(request, "tasks/partials/workbench_rows.html" if request.htmx else "tasks/home.html", context)


@login_required
def key_task_detail(request, pk):
    key_task = access.get_visible_or_404(
        access.visible_key_tasks(request.user).select_related("plan", "area", "lead_unit", "responsible_leader"), pk=pk
    )
    return key_task_page(request, key_task)


def key_task_page(request, key_task, *, status=200, comment_form=None):
    """The key task page; a comment refused comes back bound, with its error under it and its text kept. Its
    timeline shows the newest events; "older events" brings the next ones in place (htmx) or opens the page at
    them (`?before=`)."""
    before, skip = before_param(request)
    timeline = selectors.key_task_timeline(request.user, key_task, before=before, skip=skip)
    older_url = ""
    if timeline.older:
        older_url = "?" + urlencode({"before": timeline.older[0].isoformat(), "skip": timeline.older[1]})
    if request.htmx and before is not None:
        return render(
            request,
            "tasks/partials/timeline_events.html",
            {"events": timeline.events, "older_url": older_url, "show_units": True},
        )
    rows, row_count = selectors.most_urgent_rows(
        request.user, access.visible_assignments(request.user).filter(key_task=key_task), limit=KEY_TASK_ROW_LIMIT
    )
    return render(
        request,
        "tasks/key_task_detail.html",
        {
            "key_task": key_task,
            "rows": rows,
            "row_count": row_count,
            "progress": selectors.key_task_progress(key_task),
            "events": timeline.events,
            "older_url": older_url,
            "before": before,
            "comment_form": comment_form or CommentForm(),
            "cooperating_units": list(key_task.cooperating_units.all()),
        },
        status=status,
    )


def _broker_status() -> str:
    from partybuild.celery import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:
        return f"error: {type(error).__name__}"
    return "ok"


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        AnnualPlan.objects.exists()
    except Exception as error:
        return f"error: {type(error).__name__}"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    body = {"database": _database_status(), "broker": _broker_status()}
    body["status"] = "ok" if all(value == "ok" for value in body.values()) else "error"
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)
