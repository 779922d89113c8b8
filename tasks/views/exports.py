"""Excel in, Excel and Word out: plan import, ledger, assessment table, annual report, rollover, calendar feed.

The views only check who asks and stream what a service writes; the same services serve the commands.
Committee-only pages answer others with a 403 that says a committee role is needed (tasks.access).
"""

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tasks import access
from tasks.forms import PlanImportForm
from tasks.models import AnnualPlan
from tasks.rules import WorkCalendar, local_today
from tasks.selectors import (
    ASSIGNMENT_ORDERINGS,
    committee_plans,
    current_plan,
    filtered_assignments,
    home_committee,
    ordering_for,
    plan_of_year,
)
from tasks.services.annual_report import DOCX_CONTENT_TYPE, annual_report_build
from tasks.services.calendar_feed import (
    ICS_CONTENT_TYPE,
    calendar_feed_ics,
    calendar_feed_token_get_or_create,
    calendar_feed_token_reset,
    calendar_feed_user,
)
from tasks.services.exports import XLSX_CONTENT_TYPE, assessment_export, ledger_export, plan_file_name
from tasks.services.plan_import import MAX_BYTES, PlanImportError, plan_import, plan_template_workbook
from tasks.services.rollover import plan_rollover
from tasks.views.common import committee_param, year_param

# Files are built in a temporary file first: a 50,000-row ledger should not sit in memory.
SPOOL_BYTES = 2 * 1024 * 1024


def _require_committee(user) -> None:
    access.require_committee_page(user)


def _plan_or_404(request) -> AnnualPlan:
    """The plan of `?year=` (and `?committee=`: a list drilled into from above exports that committee's plan; the
    assessment and the annual report stay its own committee's, tasks.access.can_run_plan in their services)."""
    plan = current_plan(request.user, year_param(request), committee_id=committee_param(request))
    if plan is None:
        raise Http404
    return plan


def _download(write, *, filename: str, content_type: str) -> FileResponse:
    # FileResponse closes it once sent, so no context manager here.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    write(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=content_type)


@login_required
def exports_home(request):
    """The downloads of a plan, the calendar address, and (for the committee) import and rollover."""
    user = request.user
    plan = current_plan(user, year_param(request))
    feed = calendar_feed_token_get_or_create(user=user)
    is_committee = access.is_committee(user)
    next_year_exists = (
        plan is not None and AnnualPlan.objects.filter(committee_id=plan.committee_id, year=plan.year + 1).exists()
    )
    return render(
        request,
        "tasks/exports.html",
        {
            "plan": plan,
            "plans": committee_plans(user),
            "is_committee": is_committee,
            "feed_url": request.build_absolute_uri(reverse("calendar_feed", args=[feed.token])),
            "can_roll_over": is_committee and plan is not None and not next_year_exists,
        },
    )


@login_required
def plan_import_page(request):
    _require_committee(request.user)
    result, issues = None, []
    if request.method == "POST":
        form = PlanImportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = plan_import(
                    file=data["file"],
                    year=data["year"],
                    user=request.user,
                    dry_run=data["dry_run"],
                    file_name=data["file"].name,
                )
            except PlanImportError as error:
                issues = error.issues
            else:
                if not result.dry_run:
                    text = _(
                        "Plan %(year)d imported: %(created)d new key tasks, %(updated)d updated, "
                        "%(unchanged)d unchanged."
                    )
                    messages.success(
                        request,
                        text
                        % {
                            "year": data["year"],
                            "created": len(result.created),
                            "updated": len(result.updated),
                            "unchanged": len(result.unchanged),
                        },
                    )
    else:
        form = PlanImportForm(initial={"year": local_today().year})
    return render(
        request,
        "tasks/plan_import.html",
        {
            "form": form,
            "result": result,
            "issues": issues,
            "max_mb": MAX_BYTES // (1024 * 1024),
            # Whose plan the file goes into (in a tree of committees, the importer's own: the service decides it).
            "committee": home_committee(request.user),
        },
        status=400 if issues else 200,
    )


@login_required
@require_GET
def plan_import_template(request):
    _require_committee(request.user)
    return _download(
        lambda out: out.write(plan_template_workbook(committee_id=access.home_committee_id(request.user))),
        filename="年度党建工作要点导入模板.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )


@login_required
@require_GET
def ledger_download(request):
    """The ledger of what the user may see, with the assignment list's filters and sort applied."""
    user = request.user
    plan = _plan_or_404(request)
    today = local_today()
    filterset, queryset = filtered_assignments(
        request.GET, user=user, plan=plan, today=today, calendar=WorkCalendar.load()
    )
    if filterset.is_bound and not filterset.is_valid():
        # The list shows what is wrong with the filters; an empty ledger would not say.
        return redirect(f"{reverse('assignment_list')}?{request.GET.urlencode()}")
    _sort, ordering = ordering_for(request.GET.get("sort", ""), ASSIGNMENT_ORDERINGS, "number")
    queryset = queryset.order_by(*ordering)
    return _download(
        lambda out: ledger_export(user=user, queryset=queryset, plan=plan, out=out, today=today),
        filename=plan_file_name(plan, "年度党建工作台账", ".xlsx"),
        content_type=XLSX_CONTENT_TYPE,
    )


@login_required
@require_GET
def assessment_download(request):
    return _committee_plan_download(
        request, assessment_export, name=("年度党建考核指标明细表", ".xlsx"), content_type=XLSX_CONTENT_TYPE
    )


@login_required
@require_GET
def annual_report_download(request):
    return _committee_plan_download(
        request, annual_report_build, name=("年度党建工作报告（草稿）", ".docx"), content_type=DOCX_CONTENT_TYPE
    )


def _committee_plan_download(request, build, *, name: tuple[str, str], content_type: str) -> FileResponse:
    """A file of the whole plan, for the committee only: `build(plan=, out=, user=)` writes it, named (document,
    suffix) after the plan's committee and year."""
    _require_committee(request.user)
    plan = _plan_or_404(request)
    return _download(
        lambda out: build(plan=plan, out=out, user=request.user),
        filename=plan_file_name(plan, *name),
        content_type=content_type,
    )


@login_required
@require_POST
def plan_rollover_action(request, year: int):
    _require_committee(request.user)
    plan = plan_of_year(request.user, year)
    if plan is None:
        raise Http404
    try:
        new_plan = plan_rollover(plan=plan, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{reverse('exports')}?year={plan.year}")
    messages.success(
        request,
        _("Draft plan %(year)d created from %(source)d: review it, then publish it.")
        % {"year": new_plan.year, "source": plan.year},
    )
    return redirect("plan_detail", year=new_plan.year)


@never_cache
@require_GET
def calendar_feed(request, token: str):
    """The private feed: the token is the only credential, so a wrong one is a plain 404."""
    user = calendar_feed_user(token)
    if user is None:
        raise Http404
    response = HttpResponse(calendar_feed_ics(user=user), content_type=ICS_CONTENT_TYPE)
    response["Content-Disposition"] = 'inline; filename="partybuild.ics"'
    # An export like the others, though fetched without a session: nobody on the way keeps a copy.
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_POST
def calendar_feed_reset(request):
    calendar_feed_token_reset(user=request.user)
    messages.success(request, _("Your calendar address was changed. The old address no longer works."))
    return redirect("exports")
