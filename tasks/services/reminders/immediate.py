"""Reminders sent at once rather than by the daily scan: a returned report, and an urge (催办)."""

from django.db import transaction

from tasks import access
from tasks.models import Assignment, ProgressReport, Reminder, Urge
from tasks.services.common import require
from tasks.services.reminders.audience import Audience
from tasks.services.reminders.outbox import fan_out, reminders_store
from tasks.services.reminders.texts import TaskInfo, returned_subject, urge_texts

Kind = Reminder.Kind


def reminder_returned_notify(*, report: ProgressReport) -> list[Reminder]:
    """Tell the author at once that their report was returned and why (inbox now, e-mail after commit)."""
    assignment = Assignment.objects.select_related("key_task", "unit").get(pk=report.assignment_id)
    info = TaskInfo.of(assignment)
    rows = fan_out(
        audience=Audience.load(),
        assignment_id=assignment.pk,
        kind=Kind.RETURNED,
        period=f"report{report.pk}",
        subject=returned_subject(info),
        body=report.review_comment,
        url=info.url + f"#report-{report.pk}",
        user_ids=[report.author_id],
    )
    return reminders_store(rows)


def assignment_urge(*, assignment: Assignment, urged_by, message: str = "") -> Urge:
    """催办: sent at once, holidays included, to the owner and the unit's secretary (and the unit's robot)."""
    require(access.can_urge(urged_by))
    message = message.strip()[:500]
    with transaction.atomic():
        assignment = Assignment.objects.select_related("key_task", "unit").get(pk=assignment.pk)
        urge = Urge.objects.create(assignment=assignment, urged_by=urged_by, message=message)
        audience = Audience.load()
        info = TaskInfo.of(assignment)
        subject, body = urge_texts(info, who=urged_by.display_name, message=message)
        rows = fan_out(
            audience=audience,
            assignment_id=assignment.pk,
            kind=Kind.URGE,
            period=f"urge{urge.pk}",
            subject=subject,
            body=body,
            url=info.url,
            user_ids=([assignment.owner_id] if assignment.owner_id else [])
            + audience.secretaries.get(assignment.unit_id, []),
            unit_ids=[assignment.unit_id],
        )
        reminders_store(rows)
    return urge
