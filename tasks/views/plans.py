"""The committee's plan pages: every plan by year, one plan with its key tasks, publish, close, and the edits of a
key task and its assignments. Committee only: anyone else is told a committee role is needed (403); a plan, key
task or assignment that does not exist is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tasks import access
from tasks.forms import AssignmentAddForm, AssignmentForm, KeyTaskForm
from tasks.models import AnnualPlan, Assignment, KeyTask
from tasks.rules import local_today
from tasks.selectors import plan_close_blockers, plan_of_year, plans_overview, publish_recipients
from tasks.services.plans import (
    assignment_add,
    assignment_remove,
    assignment_remove_blockers,
    assignment_update,
    key_task_update,
    plan_close,
    plan_publish,
    unit_owner_candidates,
)
from tasks.services.reminders.audience import Audience
from tasks.views.common import apply_service_errors


def _plan(request, year: int) -> AnnualPlan:
    access.require_committee_page(request.user)
    plan = plan_of_year(request.user, year)
    if plan is None:
        raise Http404
    return plan


def _key_task(request, pk: int) -> KeyTask:
    access.require_committee_page(request.user)
    return access.get_visible_or_404(
        access.visible_key_tasks(request.user).select_related("plan", "area", "lead_unit"), pk=pk
    )


def _assignment(request, pk: int) -> Assignment:
    access.require_committee_page(request.user)
    return access.get_visible_or_404(
        access.visible_assignments(request.user).select_related("key_task__plan", "unit", "owner"), pk=pk
    )


def _plan_url(plan: AnnualPlan) -> str:
    return reverse("plan_detail", args=[plan.year])


@login_required
def plan_list(request):
    access.require_committee_page(request.user)
    plans = plans_overview(request.user)
    years = {plan.year for plan in plans}
    return render(
        request,
        "tasks/plan_list.html",
        {
            "plans": plans,
            # A published or closed plan may seed next year's draft (a draft is not copied: edit it instead).
            "rollover_years": {
                plan.year for plan in plans if plan.year + 1 not in years and plan.status != AnnualPlan.Status.DRAFT
            },
            "today": local_today(),
        },
    )


@login_required
def plan_detail(request, year: int):
    plan = _plan(request, year)
    key_tasks = list(
        plan.key_tasks.select_related("area", "lead_unit", "responsible_leader").prefetch_related("assignments")
    )
    areas: dict = {}
    for key_task in key_tasks:
        areas.setdefault(key_task.area, []).append(key_task)
    return render(
        request,
        "tasks/plan_detail.html",
        {
            "plan": plan,
            "areas": areas.items(),
            "key_task_count": len(key_tasks),
            "assignment_count": sum(len(key_task.assignments.all()) for key_task in key_tasks),
            "can_close": plan.status == AnnualPlan.Status.PUBLISHED and local_today().year > plan.year,
        },
    )


def _plan_step(request, plan: AnnualPlan, take, said) -> tuple[HttpResponse | None, str | None]:
    """The POST of a plan step's confirmation page (publish, close): `take()` the step, then say so (`said` of what
    it returned) and go back to the plan; a refusal is the page's error, the plan re-read as it now is."""
    if request.method != "POST":
        return None, None
    try:
        result = take()
    except ValidationError as refusal:
        plan.refresh_from_db()
        return None, " ".join(refusal.messages)
    messages.success(request, said(result))
    return redirect(_plan_url(plan)), None


@login_required
@require_http_methods(["GET", "POST"])
def plan_publish_page(request, year: int):
    """GET: who gets what, and one button. POST: publish (a second POST finds it published and says so)."""
    plan = _plan(request, year)
    done, error = _plan_step(
        request,
        plan,
        lambda: plan_publish(plan=plan, user=request.user),
        lambda summary: (
            _("The %(year)d plan is published: %(people)d people were told about their %(assignments)d assignments.")
            % {"year": plan.year, "people": summary.people, "assignments": summary.assignments}
        ),
    )
    if done is not None:
        return done
    audience = Audience.load()
    summary = publish_recipients(plan, secretaries=audience.secretaries, active=set(audience.users))
    return render(
        request,
        "tasks/plan_publish.html",
        {"plan": plan, "summary": summary, "error": error},
        status=422 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_close_page(request, year: int):
    plan = _plan(request, year)
    done, error = _plan_step(
        request,
        plan,
        lambda: plan_close(plan=plan, user=request.user),
        lambda _closed: _("The %(year)d plan is closed: it is now the year's record.") % {"year": plan.year},
    )
    if done is not None:
        return done
    counts = plans_overview(request.user)
    overview = next((item for item in counts if item.pk == plan.pk), plan)
    return render(
        request,
        "tasks/plan_close.html",
        {"plan": overview, "blockers": plan_close_blockers(plan), "error": error, "today": local_today()},
        status=422 if error else 200,
    )


def _key_task_page(request, key_task, *, form=None, add_form=None, status=200):
    assignments = list(key_task.assignments.select_related("unit", "owner").order_by("unit__sort_order", "unit__name"))
    return render(
        request,
        "tasks/key_task_edit.html",
        {
            "key_task": key_task,
            "plan": key_task.plan,
            "form": form or KeyTaskForm(key_task=key_task),
            "add_form": add_form or AssignmentAddForm(key_task=key_task),
            "assignments": assignments,
            "closed": key_task.plan.status == AnnualPlan.Status.CLOSED,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def key_task_edit(request, pk: int):
    key_task = _key_task(request, pk)
    if request.method != "POST":
        return _key_task_page(request, key_task)
    form = KeyTaskForm(request.POST, key_task=key_task)
    if form.is_valid():
        values = dict(form.cleaned_data)
        version = values.pop("version")
        try:
            key_task_update(key_task=key_task, user=request.user, expected_version=version, **values)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Key task %(number)s saved.") % {"number": key_task.number})
            return redirect(reverse("key_task_edit", args=[key_task.pk]))
    return _key_task_page(request, key_task, form=form, status=422)


@login_required
@require_http_methods(["POST"])
def assignment_add_view(request, pk: int):
    key_task = _key_task(request, pk)
    add_form = AssignmentAddForm(request.POST, key_task=key_task)
    if add_form.is_valid():
        data = add_form.cleaned_data
        try:
            assignment = assignment_add(
                key_task=key_task, user=request.user, unit=data["unit"], owner=data["owner"], deadline=data["deadline"]
            )
        except ValidationError as error:
            apply_service_errors(add_form, error)
        else:
            messages.success(
                request,
                _("%(unit)s now carries key task %(number)s.")
                % {"unit": assignment.unit.label, "number": key_task.number},
            )
            return redirect(reverse("key_task_edit", args=[key_task.pk]) + "#assignments")
    return _key_task_page(request, key_task, add_form=add_form, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_edit(request, pk: int):
    assignment = _assignment(request, pk)
    candidates = unit_owner_candidates(assignment.unit)
    form = AssignmentForm(request.POST or None, assignment=assignment, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assignment_update(
                assignment=assignment,
                user=request.user,
                expected_version=data["version"],
                owner=data["owner"],
                deadline=data["deadline"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The assignment of %(unit)s is saved.") % {"unit": assignment.unit.label})
            return redirect(reverse("key_task_edit", args=[assignment.key_task_id]) + "#assignments")
    return render(
        request,
        "tasks/assignment_edit.html",
        {
            "assignment": assignment,
            "key_task": assignment.key_task,
            "plan": assignment.key_task.plan,
            "form": form,
            "closed": assignment.key_task.plan.status == AnnualPlan.Status.CLOSED,
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_remove_page(request, pk: int):
    """GET: what removing it means. POST: remove it, or say why not."""
    assignment = _assignment(request, pk)
    error = None
    if request.method == "POST":
        version = request.POST.get("version", "")
        try:
            assignment_remove(
                assignment=assignment,
                user=request.user,
                expected_version=int(version) if version.isdigit() else 0,  # no version: a stale form
            )
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(
                request,
                _("%(unit)s no longer carries key task %(number)s.")
                % {"unit": assignment.unit.label, "number": assignment.key_task.number},
            )
            return redirect(reverse("key_task_edit", args=[assignment.key_task_id]) + "#assignments")
    return render(
        request,
        "tasks/assignment_remove.html",
        {
            "assignment": assignment,
            "key_task": assignment.key_task,
            "plan": assignment.key_task.plan,
            "blockers": assignment_remove_blockers(assignment),
            "urges": assignment.urges.count(),
            "comments": assignment.comments.count(),
            "error": error,
        },
        status=422 if error else 200,
    )
