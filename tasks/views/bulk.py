"""Several at once, for the committee: approve the ticked reports of the review queue. Each goes through the same
service as one approval (permission, locks, optimistic version, audit row); one that cannot be approved (reviewed
meanwhile, changed since the page was loaded) is named with the reason, the others are approved."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tasks import access, services

BULK_LIMIT = 100


def back_to(request, default: str) -> str:
    """The list the form was on (its filters kept), never another site."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def ticked_ids(request, name: str) -> list[int]:
    return list(dict.fromkeys(int(value) for value in request.POST.getlist(name) if value.isdigit()))[:BULK_LIMIT]


@login_required
@require_POST
def reports_approve_many(request):
    if not access.can_review(request.user):
        raise Http404
    back = back_to(request, reverse("review_queue"))
    ids = ticked_ids(request, "report")
    if not ids:
        messages.error(request, _("Tick the reports to approve first."))
        return redirect(back)
    reports = {
        report.pk: report
        for report in access.reviewable_reports(request.user)
        .filter(pk__in=ids)
        .select_related("assignment__key_task", "assignment__unit")
    }
    approved = 0
    # One transaction, each approval in its own savepoint (a refused one rolls back alone): what waits for the
    # commit (the plan's tally counted again, the e-mails) runs once for the lot, not once a report.
    with transaction.atomic():
        for report_id in ids:
            report = reports.get(report_id)
            if report is None:
                messages.error(request, _("One of the ticked reports is no longer there: not approved."))
                continue
            version = request.POST.get(f"version-{report_id}", "")
            try:
                services.progress_report_approve(
                    report=report, reviewer=request.user, expected_version=int(version) if version.isdigit() else None
                )
            except ValidationError as error:
                messages.error(
                    request,
                    _("%(task)s · %(unit)s (%(percent)d%%): not approved. %(reason)s")
                    % {
                        "task": f"{report.assignment.key_task.number} {report.assignment.key_task.title}",
                        "unit": report.assignment.unit.label,
                        "percent": report.percent,
                        "reason": " ".join(error.messages),
                    },
                )
                continue
            approved += 1
    if approved:
        messages.success(request, _("Approved %(count)d reports.") % {"count": approved})
    return redirect(back)
