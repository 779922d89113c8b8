"""Progress reports (进展反馈): submit, approve, return. Only approval moves an assignment's progress."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks import access
from tasks.audit import Action, audit_record
from tasks.models import Assignment, ProgressReport
from tasks.rules import Light, assignment_light
from tasks.services.cascade import cascade_sync
from tasks.services.common import StaleWriteError, require, require_plan_open
from tasks.services.evidence import evidence_copy, evidence_store, evidence_validate, evidence_written
from tasks.services.lights import lights_refresh
from tasks.services.webhooks import Event, webhook_report_event


def _locked_assignment(assignment_id: int, expected_version: int | None) -> Assignment:
    assignment = Assignment.objects.select_for_update().select_related("key_task").get(pk=assignment_id)
    require_plan_open(assignment.key_task.plan_id)
    if expected_version is not None and assignment.version != expected_version:
        raise StaleWriteError
    return assignment


def report_needs_obstacles(assignment: Assignment, *, today=None) -> bool:
    """A report on a yellow or red assignment says what is in the way and what help is needed. The rule itself
    decides, on the day of the report (the demo replays past days), not the light stored for today."""
    return assignment_light(assignment, today=today) in (Light.YELLOW, Light.RED)


def _submission_errors(
    *,
    assignment: Assignment,
    author,
    percent: int,
    narrative: str,
    actual_value: Decimal | None,
    obstacles: str,
    decrease_reason: str,
    meetings: list,
    now,
) -> dict[str, list[str]]:
    """What is wrong with a report's own values, by field. An assignment that takes no report now (completed, or
    one waiting for review) is refused at once."""
    if assignment.is_completed:
        raise ValidationError(_("This assignment is already completed; no more reports are needed."))
    if assignment.reports.filter(state=ProgressReport.State.SUBMITTED).exists():
        raise ValidationError(
            _("A report on this assignment is waiting for review. Wait for the review before reporting again.")
        )
    errors: dict[str, list[str]] = {}
    if percent is None or not 0 <= percent <= 100:
        errors.setdefault("percent", []).append(_("Progress must be between 0 and 100."))
    elif percent < assignment.progress and not decrease_reason.strip():
        errors.setdefault("decrease_reason", []).append(
            _("Progress is lower than the approved %(progress)d%%: say why.") % {"progress": assignment.progress}
        )
    if not narrative.strip():
        errors.setdefault("narrative", []).append(_("Describe the progress made."))
    if actual_value is not None and actual_value < 0:
        errors.setdefault("actual_value", []).append(_("The actual value cannot be negative."))
    if report_needs_obstacles(assignment, today=timezone.localdate(now)) and not obstacles.strip():
        errors.setdefault("obstacles", []).append(
            _("This assignment is behind: say what is in the way and what help is needed.")
        )
    allowed_units = access.descendant_unit_ids([assignment.unit_id])
    if any(m.unit_id not in allowed_units for m in meetings) or (
        meetings and access.visible_meetings(author).filter(pk__in=[m.pk for m in meetings]).count() < len(meetings)
    ):
        errors.setdefault("meetings", []).append(
            _("Only meeting records of this unit or the units below it can be attached.")
        )
    return errors


def _returned_report(
    corrects: ProgressReport | None, assignment: Assignment, errors: dict[str, list[str]]
) -> ProgressReport | None:
    """The returned report of this assignment that a new one corrects, read again under the assignment's lock;
    anything else is an error in `errors` (and no report is corrected)."""
    if corrects is None:
        return None
    corrects = ProgressReport.objects.filter(pk=corrects.pk).first()
    if corrects is not None and (
        corrects.assignment_id != assignment.pk or corrects.state != ProgressReport.State.RETURNED
    ):
        errors.setdefault("__all__", []).append(_("Only a returned report of this assignment can be corrected."))
        return None
    return corrects


def progress_report_submit(
    *,
    assignment: Assignment,
    author,
    percent: int,
    narrative: str,
    actual_value: Decimal | None = None,
    obstacles: str = "",
    decrease_reason: str = "",
    files=(),
    meetings=(),
    corrects: ProgressReport | None = None,
    keep_evidence: bool = False,
    expected_version: int | None = None,
    now=None,
) -> ProgressReport:
    """`keep_evidence`: a correction keeps the evidence files of the returned report it `corrects` (copied), with
    any new ones. `meetings` are meeting records (组织生活记录) of the assignment's unit or the units below it,
    attached as evidence. `now` is for replaying history (the demo); everyone else reports in the present."""
    require(access.can_report(author, assignment))
    now = now or timezone.now()
    files = list(files)
    meetings = list(meetings)
    kinds = evidence_validate(files)
    with evidence_written() as written, transaction.atomic():
        assignment = _locked_assignment(assignment.pk, expected_version)
        errors = _submission_errors(
            assignment=assignment,
            author=author,
            percent=percent,
            narrative=narrative,
            actual_value=actual_value,
            obstacles=obstacles,
            decrease_reason=decrease_reason,
            meetings=meetings,
            now=now,
        )
        corrects = _returned_report(corrects, assignment, errors)
        # Kept only from the returned report this one corrects: files the author could already see.
        kept = list(corrects.evidence.all()) if keep_evidence and corrects is not None else []
        _evidence_errors(errors, assignment=assignment, files=files, kept=kept, meetings=meetings)
        if errors:
            raise ValidationError(errors)
        report = ProgressReport.objects.create(
            assignment=assignment,
            author=author,
            percent=percent,
            actual_value=actual_value if assignment.key_task.has_target else None,
            narrative=narrative.strip(),
            obstacles=obstacles.strip(),
            decrease_reason=decrease_reason.strip(),
            corrects=corrects,
            submitted_at=now,
        )
        evidence_copy(sources=kept, report=report, written=written)
        evidence_store(report=report, files=files, kinds=kinds, written=written)
        _submitted(report, assignment=assignment, author=author, meetings=meetings)
    return report


def _evidence_errors(errors, *, assignment: Assignment, files: list, kept: list, meetings: list) -> None:
    if assignment.key_task.evidence_required and not files and not kept and not meetings:
        errors.setdefault("evidence", []).append(_("This key task asks for evidence: attach at least one file."))
    if files and len(files) + len(kept) > settings.EVIDENCE_MAX_FILES:
        errors.setdefault("evidence", []).append(
            _("At most %(count)d files per report, kept ones included.") % {"count": settings.EVIDENCE_MAX_FILES}
        )


def _submitted(report: ProgressReport, *, assignment: Assignment, author, meetings: list) -> None:
    """After the report's row and files: its meeting records, the assignment's version, the audit row, the webhook."""
    if meetings:
        report.meetings.set(meetings)
    # Another writer holding the old version must now fail (a report changes what reviewers see).
    Assignment.objects.filter(pk=assignment.pk).update(version=assignment.version + 1)
    detail = {"percent": report.percent}
    if meetings:
        detail["meetings"] = [m.pk for m in meetings]
    audit_record(action=Action.REPORT, user=author, obj=report, detail=detail)
    webhook_report_event(Event.REPORT_SUBMITTED, report, assignment=assignment)


def _locked_submitted_report(report_id: int, expected_version: int | None) -> ProgressReport:
    report = ProgressReport.objects.select_for_update().get(pk=report_id)
    if report.state != ProgressReport.State.SUBMITTED:
        raise ValidationError(_("This report has already been reviewed."), code="stale")
    if expected_version is not None and report.version != expected_version:
        raise StaleWriteError
    return report


def progress_report_approve(
    *, report: ProgressReport, reviewer, comment: str = "", expected_version: int | None = None, now=None
) -> ProgressReport:
    require(access.can_review(reviewer, report.assignment))
    with transaction.atomic():
        # Lock order everywhere: assignment, then report. A submission racing this review waits.
        assignment = _locked_assignment(report.assignment_id, None)
        report = _locked_submitted_report(report.pk, expected_version)
        now = now or timezone.now()
        today = timezone.localdate(now)
        report.state = ProgressReport.State.APPROVED
        report.reviewer = reviewer
        report.review_comment = comment.strip()
        report.reviewed_at = now
        report.version += 1
        report.save()
        assignment.progress = report.percent
        if report.actual_value is not None:
            assignment.actual_value = report.actual_value
        assignment.last_approved_report = report
        assignment.last_approved_at = today
        if report.percent == 100:
            assignment.status = Assignment.Status.COMPLETED
            assignment.completed_at = today
        assignment.version += 1
        assignment.save()
        lights_refresh(assignment)
        cascade_sync(key_task_ids=[assignment.key_task_id])  # a higher committee's assignment this key task answers
        audit_record(action=Action.REVIEW, user=reviewer, obj=report, detail={"decision": "approve"})
        webhook_report_event(Event.REPORT_APPROVED, report, assignment=assignment)
    return report


def progress_report_return(
    *, report: ProgressReport, reviewer, reason: str, expected_version: int | None = None, now=None
) -> ProgressReport:
    require(access.can_review(reviewer, report.assignment))
    if not reason.strip():
        raise ValidationError({"review_comment": [_("Say why the report is returned.")]})
    with transaction.atomic():
        assignment = _locked_assignment(report.assignment_id, None)
        report = _locked_submitted_report(report.pk, expected_version)
        report.state = ProgressReport.State.RETURNED
        report.reviewer = reviewer
        report.review_comment = reason.strip()
        report.reviewed_at = now or timezone.now()
        report.version += 1
        report.save()
        assignment.version += 1
        assignment.save(update_fields=["version"])
        from tasks.services.reminders import reminder_returned_notify

        reminder_returned_notify(report=report)
        audit_record(action=Action.REVIEW, user=reviewer, obj=report, detail={"decision": "return"})
        webhook_report_event(Event.REPORT_RETURNED, report, assignment=assignment)
    return report


def report_url(report: ProgressReport) -> str:
    return reverse("assignment_detail", args=[report.assignment_id]) + f"#report-{report.pk}"
