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
    CascadeLinkForm,
    CommentForm,
    DifficultyAnswerForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    ProgressReportForm,
    ReviewForm,
    UrgeForm,
)
from tasks.models import AnnualPlan, ExtensionRequest, ProgressReport
from tasks.rules import local_today
from tasks.services.cascade import cascade_candidates, cascade_link_set
from tasks.services.evidence import evidence_name, evidence_storage
from tasks.services.reports import report_needs_obstacles, report_url
from tasks.views.common import apply_service_errors


def _assignment_for(user, pk):
    return access.get_visible_or_404(selectors.assignments_for_lists(user), pk=pk)


def _reporting_state(user, assignment):
    """What the user may do on an assignment right now, and why not."""
    pending_report = assignment.reports.filter(state=ProgressReport.State.SUBMITTED).first()
    pending_extension = assignment.extension_requests.filter(state=ExtensionRequest.State.PENDING).first()
    # A closed plan is the year's record: no more reports or extensions (the services refuse them too).
    may_report = access.can_report(user, assignment) and assignment.key_task.plan.status != AnnualPlan.Status.CLOSED
    open_for_reporter = may_report and not assignment.is_completed
    return {
        "may_report": open_for_reporter and pending_report is None,
        "pending_report": pending_report,
        "pending_extension": pending_extension,
        "may_ask_extension": open_for_reporter and pending_extension is None and local_today() <= assignment.deadline,
        # Extensions are asked before the deadline (DOMAIN.md): past it, the page says so and whom to contact.
        "extension_too_late": open_for_reporter and pending_extension is None and local_today() > assignment.deadline,
        "returned_report": selectors.returned_report_to_correct(assignment),
    }


def _report_form(user, assignment, data=None, files=None, *, returned_report=None):
    return ProgressReportForm(
        data,
        files,
        assignment=assignment,
        needs_obstacles=report_needs_obstacles(assignment),
        returned_report=returned_report,
    )


def assignment_page(request, assignment, *, status=200, **forms):
    """The assignment page. A form that was submitted with errors comes back through `forms` (comment_form,
    urge_form, difficulty_form), bound, so that its errors show where it is and what was typed stays."""
    user = request.user
    state = _reporting_state(user, assignment)
    events = selectors.assignment_timeline(user, assignment)
    _attach_difficulty_forms(user, events, forms.pop("difficulty_form", None))
    context = {
        "assignment": assignment,
        "row": selectors.assignment_rows([assignment])[0],
        "events": events,
        "comment_form": CommentForm(),
        "urge_form": UrgeForm(),
        **state,
    }
    if access.can_urge(user, assignment):
        context["urges"] = selectors.urge_summary(assignment)
    context.update(_cascade_context(user, assignment, forms.pop("cascade_form", None)))
    if state["may_report"]:
        context["form"] = _report_form(user, assignment, returned_report=state["returned_report"])
    if state["extension_too_late"]:
        context["extension_contacts"] = selectors.extension_contacts(assignment)
    context.update(forms)
    return render(request, "tasks/assignment_detail.html", context, status=status)


def _attach_difficulty_forms(user, events, bound_form) -> None:
    """A committee member answers each difficulty under the report that raised it; a refused answer comes
    back bound (`bound_form`, its `report_pk` set) so its error shows there and the text stays."""
    if not access.can_answer_difficulty(user):
        return
    for event in events:
        report = event.report
        if report is None or event.kind != "report_submitted" or not report.difficulty_answerable:
            continue
        if bound_form is not None and bound_form.report_pk == report.pk:
            report.difficulty_form = bound_form
        else:
            report.difficulty_form = DifficultyAnswerForm(auto_id=f"id_difficulty{report.pk}_%s")


def _cascade_context(user, assignment, bound_form) -> dict:
    """上级要点 → 本级要点: the key tasks that answer a cascaded assignment (links down, read-only for the committee
    above), and for the lower committee the form that chooses them."""
    context = {}
    if assignment.is_cascaded:
        context["cascade_answers"] = selectors.cascade_answers(user, assignment)
    if access.can_link_cascade(user, assignment) and assignment.key_task.plan.status != AnnualPlan.Status.CLOSED:
        linked = [link.key_task_id for link in assignment.cascade_links.all()]
        context["cascade_form"] = bound_form or CascadeLinkForm(
            candidates=cascade_candidates(assignment), initial={"key_tasks": linked}
        )
    return context


@login_required
@require_POST
def cascade_link(request, pk):
    """The lower committee answers a higher committee's assignment with key tasks of its own plan."""
    assignment = _assignment_for(request.user, pk)
    if not access.can_link_cascade(request.user, assignment):
        raise Http404
    form = CascadeLinkForm(request.POST, candidates=cascade_candidates(assignment))
    if form.is_valid():
        try:
            cascade_link_set(assignment=assignment, user=request.user, key_tasks=form.cleaned_data["key_tasks"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Linked: its progress is now that of the key tasks you chose."))
            return redirect(assignment.get_absolute_url())
    return assignment_page(request, assignment, status=422, cascade_form=form)


@login_required
def assignment_detail(request, pk):
    return assignment_page(request, _assignment_for(request.user, pk))


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
    form = _report_form(
        request.user,
        assignment,
        request.POST or None,
        request.FILES or None,
        returned_report=state["returned_report"],
    )
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
                meetings=list(data.get("meetings") or []),
                corrects=state["returned_report"],
                keep_evidence=data.get("keep_evidence", False),
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
    if request.method == "POST" and request.FILES and not request.htmx:
        # Without JavaScript the whole page comes back, and no page can hand files back to the browser.
        form.add_error("evidence", _("The files you chose were not kept: choose them again."))
    template = "tasks/partials/report_form.html" if request.htmx else "tasks/report_form.html"
    status = 422 if request.method == "POST" else 200
    return render(request, template, {"assignment": assignment, "form": form, **state}, status=status)


def _review_queue_context(user, *, unit=None, report_errors=None, extension_errors=None) -> dict:
    """The queue (one unit's, when `unit` is given), with the error and the typed comment of a card whose
    decision was refused (no JavaScript)."""
    reports = list(
        access.reviewable_reports(user)
        .filter(state=ProgressReport.State.SUBMITTED, **({"assignment__unit": unit} if unit else {}))
        .select_related(
            "assignment__key_task__area",
            "assignment__unit",
            "assignment__owner",
            "author",
            "assignment__last_approved_report",
        )
        .prefetch_related("evidence", "meetings")
        .order_by("submitted_at", "id")
    )
    extensions = (
        list(
            access.decidable_extensions(user)
            .filter(state=ExtensionRequest.State.PENDING)
            .select_related("assignment__key_task", "assignment__unit", "requested_by")
            .order_by("created_at")
        )
        if access.can_decide_extension(user)
        else []
    )
    for items, errors in ((reports, report_errors), (extensions, extension_errors)):
        for item in items:
            item.form_error, item.form_comment = (errors or {}).get(item.pk, (None, ""))
    return {"reports": reports, "unit": unit, "extensions": extensions}


@login_required
def review_queue(request):
    if not access.can_review(request.user):
        raise Http404
    # ?unit=ID: one unit's reports (the counts by unit of a reviewer's reminder link here).
    unit_id = request.GET.get("unit", "")
    unit = access.visible_units(request.user).filter(pk=unit_id).first() if unit_id.isdigit() else None
    return render(request, "tasks/review_queue.html", _review_queue_context(request.user, unit=unit))


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
    comment = request.POST.get("review_comment", "")[:2000]
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
                done = _("Approved: %(assignment)s is now at %(percent)d%%.") % {
                    "assignment": report.assignment,
                    "percent": report.percent,
                }
            else:
                services.progress_report_return(
                    report=report,
                    reviewer=request.user,
                    reason=form.cleaned_data["review_comment"],
                    expected_version=form.cleaned_data["version"],
                )
                done = _("Returned to %(author)s.") % {"author": report.author}
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if request.htmx:
        # The card itself says what happened; a flash message would only turn up on the next page, stale.
        report.refresh_from_db()
        report.form_error, report.form_comment = error, comment if error else ""
        return render(request, "tasks/partials/review_card.html", {"report": report}, status=422 if error else 200)
    if error:
        context = _review_queue_context(request.user, report_errors={report.pk: (error, comment)})
        return render(request, "tasks/review_queue.html", context, status=422)
    messages.success(request, done)
    # A URL, never a view name: redirect() would try to reverse a "next" like "0" and fail with a 500.
    return HttpResponseRedirect(request.POST["next"]) if _safe_next(request) else redirect("review_queue")


def _safe_next(request) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next")
    return bool(target) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})


# What an evidence file shown in the browser may do: nothing but be itself. Images get a sandbox too; Chrome's
# PDF viewer needs an <embed> of the file (object-src 'self') and stops working in a sandbox.
EVIDENCE_INLINE_CSP = {
    "default-src": ["'none'"],
    "img-src": ["'self'"],
    "style-src": ["'unsafe-inline'"],
    "frame-ancestors": ["'self'"],
}
EVIDENCE_PDF_CSP = {**EVIDENCE_INLINE_CSP, "object-src": ["'self'"]}
EVIDENCE_IMAGE_CSP = {**EVIDENCE_INLINE_CSP, "sandbox": True}


def _evidence_response(request, pk, *, inline: bool) -> FileResponse:
    """The file, after the access check every evidence URL makes: inline only for the types a browser shows
    without running anything (Evidence.INLINE_TYPES), never sniffed into another type."""
    evidence = access.get_visible_or_404(access.visible_evidence(request.user), pk=pk)
    storage, name = evidence_storage(), evidence_name(evidence)
    if not storage.exists(name):
        raise Http404
    inline = inline and evidence.opens_inline
    response = FileResponse(
        storage.open(name, "rb"),
        as_attachment=not inline,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    if inline:
        response._csp_config = EVIDENCE_IMAGE_CSP if evidence.is_image else EVIDENCE_PDF_CSP
    return response


@login_required
def evidence_download(request, pk):
    return _evidence_response(request, pk, inline=False)


@login_required
def evidence_view(request, pk):
    """Images and PDFs shown in the browser (thumbnails in the page, the file in a tab); other types download."""
    return _evidence_response(request, pk, inline=True)


@login_required
def extension_create(request, pk):
    """申请延期 on a page of its own, one tap from the top of the assignment page: the form, or why no extension
    can be asked now and whom to contact. A refused request comes back here, its error at the top."""
    assignment = _assignment_for(request.user, pk)
    if not access.can_report(request.user, assignment):
        raise Http404
    state = _reporting_state(request.user, assignment)
    form = ExtensionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
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
    context = {
        "assignment": assignment,
        "form": form,
        "extension_contacts": selectors.extension_contacts(assignment) if state["extension_too_late"] else [],
        **state,
    }
    return render(request, "tasks/extension_form.html", context, status=422 if request.method == "POST" else 200)


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
    error = None
    if form.is_valid():
        try:
            services.extension_request_decide(
                extension=extension,
                decided_by=request.user,
                approve=approve,
                comment=form.cleaned_data["decision_comment"],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = " ".join(str(m) for ms in form.errors.values() for m in ms)
    if error:
        comment = request.POST.get("decision_comment", "")[:2000]
        context = _review_queue_context(request.user, extension_errors={extension.pk: (error, comment)})
        return render(request, "tasks/review_queue.html", context, status=422)
    messages.success(request, _("Extension approved.") if approve else _("Extension refused."))
    return redirect("review_queue")


@login_required
@require_POST
def difficulty_answer_create(request, pk):
    """The committee answers a report's difficulties: 已协调 or 已解决, with what was done."""
    if not access.can_answer_difficulty(request.user):
        raise Http404
    report = access.get_visible_or_404(access.visible_reports(request.user), pk=pk)
    form = DifficultyAnswerForm(request.POST, auto_id=f"id_difficulty{report.pk}_%s")
    form.report_pk = report.pk
    if form.is_valid():
        try:
            answer = services.difficulty_answer(
                report=report,
                answered_by=request.user,
                state=form.cleaned_data["state"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Difficulty marked %(state)s; %(author)s has been told.")
                % {"state": answer.get_state_display(), "author": report.author.display_name},
            )
            return HttpResponseRedirect(report_url(report))
    assignment = _assignment_for(request.user, report.assignment_id)
    return assignment_page(request, assignment, status=422, difficulty_form=form)


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
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Comment added."))
            return redirect(assignment or key_task)
    if assignment is not None:
        return assignment_page(request, _assignment_for(request.user, assignment.pk), status=422, comment_form=form)
    from tasks.views.pages import key_task_page

    return key_task_page(request, key_task, status=422, comment_form=form)
