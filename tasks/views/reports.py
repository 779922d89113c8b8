"""The secretary's report, the committee's review, extensions, comments and evidence downloads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tasks import access, selectors, services
from tasks.forms import (
    CommentForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    ProgressReportForm,
    ReviewForm,
)
from tasks.models import ExtensionRequest, ProgressReport
from tasks.rules import local_today
from tasks.services.evidence import evidence_name, evidence_storage
from tasks.services.reports import report_needs_obstacles
from tasks.views.common import apply_service_errors


def _assignment_for(user, pk):
    return access.get_visible_or_404(selectors.assignments_for_lists(user), pk=pk)


def _reporting_state(user, assignment):
    """What the user may do on an assignment right now, and why not."""
    pending_report = assignment.reports.filter(state=ProgressReport.State.SUBMITTED).first()
    pending_extension = assignment.extension_requests.filter(state=ExtensionRequest.State.PENDING).first()
    may_report = access.can_report(user, assignment)
    return {
        "may_report": may_report and not assignment.is_completed and pending_report is None,
        "pending_report": pending_report,
        "pending_extension": pending_extension,
        "may_ask_extension": may_report
        and not assignment.is_completed
        and pending_extension is None
        and local_today() <= assignment.deadline,
        "returned_report": assignment.reports.filter(state=ProgressReport.State.RETURNED)
        .exclude(corrections__isnull=False)
        .first(),
    }


def _report_form(user, assignment, data=None, files=None):
    return ProgressReportForm(data, files, assignment=assignment, needs_obstacles=report_needs_obstacles(assignment))


@login_required
def assignment_detail(request, pk):
    assignment = _assignment_for(request.user, pk)
    state = _reporting_state(request.user, assignment)
    context = {
        "assignment": assignment,
        "row": selectors.assignment_rows([assignment])[0],
        "events": selectors.assignment_timeline(request.user, assignment),
        "comment_form": CommentForm(),
        **state,
    }
    if state["may_report"]:
        context["form"] = _report_form(request.user, assignment)
    if state["may_ask_extension"]:
        context["extension_form"] = ExtensionRequestForm()
    return render(request, "tasks/assignment_detail.html", context)


@login_required
def report_create(request, pk):
    """GET: the report form on its own page (one tap from the workbench). POST: submit it."""
    assignment = _assignment_for(request.user, pk)
    state = _reporting_state(request.user, assignment)
    if not state["may_report"]:
        if not access.can_report(request.user, assignment):
            raise Http404
        messages.info(request, _("No report can be made on this assignment right now."))
        return redirect(assignment)
    form = _report_form(request.user, assignment, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.progress_report_submit(
                assignment=assignment,
                author=request.user,
                percent=data["percent"],
                actual_value=data.get("actual_value"),
                narrative=data["narrative"],
                obstacles=data.get("obstacles", ""),
                decrease_reason=data.get("decrease_reason", ""),
                files=data["evidence"],
                corrects=state["returned_report"],
                expected_version=data["version"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Report submitted. It counts once the committee approves it."))
            if request.htmx:
                assignment = _assignment_for(request.user, pk)
                return render(
                    request,
                    "tasks/partials/report_submitted.html",
                    {
                        "row": selectors.assignment_rows([assignment])[0],
                        "assignment": assignment,
                    },
                )
            return redirect(assignment)
    template = "tasks/partials/report_form.html" if request.htmx else "tasks/report_form.html"
    status = 422 if request.method == "POST" and request.htmx else 200
    return render(request, template, {"assignment": assignment, "form": form, **state}, status=status)


@login_required
def review_queue(request):
    if not access.can_review(request.user):
        raise Http404
    # ?unit=ID: one unit's reports (the counts by unit of a reviewer's reminder link here).
    unit_id = request.GET.get("unit", "")
    unit = access.visible_units(request.user).filter(pk=unit_id).first() if unit_id.isdigit() else None
    reports = (
        access.visible_reports(request.user)
        .filter(state=ProgressReport.State.SUBMITTED, **({"assignment__unit": unit} if unit else {}))
        .select_related(
            "assignment__key_task__area",
            "assignment__unit",
            "assignment__owner",
            "author",
            "assignment__last_approved_report",
        )
        .prefetch_related("evidence")
        .order_by("submitted_at", "id")
    )
    extensions = (
        ExtensionRequest.objects.filter(
            state=ExtensionRequest.State.PENDING, assignment__in=access.visible_assignments(request.user)
        )
        .select_related("assignment__key_task", "assignment__unit", "requested_by")
        .order_by("created_at")
    )
    return render(
        request,
        "tasks/review_queue.html",
        {
            "reports": reports,
            "unit": unit,
            "extensions": extensions if access.can_decide_extension(request.user) else [],
        },
    )


@login_required
@require_POST
def report_review(request, pk):
    if not access.can_review(request.user):
        raise Http404
    report = access.get_visible_or_404(
        access.visible_reports(request.user).select_related("assignment__key_task", "assignment__unit", "author"), pk=pk
    )
    form = ReviewForm(request.POST)
    action = request.POST.get("action")
    error = None
    if action not in ("approve", "return") or not form.is_valid():
        error = (
            _("Choose approve or return.")
            if action not in ("approve", "return")
            else " ".join(str(message) for messages_ in form.errors.values() for message in messages_)
        )
    else:
        try:
            if action == "approve":
                services.progress_report_approve(
                    report=report,
                    reviewer=request.user,
                    comment=form.cleaned_data["review_comment"],
                    expected_version=form.cleaned_data["version"],
                )
                messages.success(
                    request,
                    _("Approved: %(assignment)s is now at %(percent)d%%.")
                    % {"assignment": report.assignment, "percent": report.percent},
                )
            else:
                services.progress_report_return(
                    report=report,
                    reviewer=request.user,
                    reason=form.cleaned_data["review_comment"],
                    expected_version=form.cleaned_data["version"],
                )
                messages.success(request, _("Returned to %(author)s.") % {"author": report.author})
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if request.htmx:
        report.refresh_from_db()
        return render(
            request, "tasks/partials/review_card.html", {"report": report, "error": error}, status=422 if error else 200
        )
    if error:
        messages.error(request, error)
    # A URL, never a view name: redirect() would try to reverse a "next" like "0" and fail with a 500.
    return HttpResponseRedirect(request.POST["next"]) if _safe_next(request) else redirect("review_queue")


def _safe_next(request) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next")
    return bool(target) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})


@login_required
def evidence_download(request, pk):
    evidence = access.get_visible_or_404(access.visible_evidence(request.user), pk=pk)
    storage, name = evidence_storage(), evidence_name(evidence)
    if not storage.exists(name):
        raise Http404
    response = FileResponse(
        storage.open(name, "rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def extension_create(request, pk):
    assignment = _assignment_for(request.user, pk)
    if not access.can_report(request.user, assignment):
        raise Http404
    form = ExtensionRequestForm(request.POST)
    if form.is_valid():
        try:
            services.extension_request_create(
                assignment=assignment,
                requested_by=request.user,
                requested_deadline=form.cleaned_data["requested_deadline"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Extension requested. The deadline moves only if the committee approves."))
            return redirect(assignment)
    state = _reporting_state(request.user, assignment)
    return render(
        request,
        "tasks/assignment_detail.html",
        {
            "assignment": assignment,
            "row": selectors.assignment_rows([assignment])[0],
            "events": selectors.assignment_timeline(request.user, assignment),
            "comment_form": CommentForm(),
            **state,
            "extension_form": form,
            "may_ask_extension": True,
            "form": _report_form(request.user, assignment) if state["may_report"] else None,
        },
        status=422,
    )


@login_required
@require_POST
def extension_decide(request, pk):
    if not access.can_decide_extension(request.user):
        raise Http404
    extension = access.get_visible_or_404(
        ExtensionRequest.objects.filter(assignment__in=access.visible_assignments(request.user)), pk=pk
    )
    form = ExtensionDecisionForm(request.POST)
    approve = request.POST.get("action") == "approve"
    if form.is_valid():
        try:
            services.extension_request_decide(
                extension=extension,
                decided_by=request.user,
                approve=approve,
                comment=form.cleaned_data["decision_comment"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Extension approved.") if approve else _("Extension refused."))
    else:
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
    return redirect("review_queue")


@login_required
@require_POST
def comment_create(request, pk):
    key_task = access.get_visible_or_404(access.visible_key_tasks(request.user), pk=pk)
    assignment = None
    if request.POST.get("assignment"):
        assignment = access.get_visible_or_404(
            access.visible_assignments(request.user).filter(key_task=key_task), pk=request.POST["assignment"]
        )
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_create(
                key_task=key_task, author=request.user, body=form.cleaned_data["body"], assignment=assignment
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Comment added."))
    else:
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
    return redirect(assignment or key_task)
