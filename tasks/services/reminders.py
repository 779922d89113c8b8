"""Reminders (提醒 / 催办): decided into an outbox of Reminder rows, delivered by jobs after commit."""

from django.urls import reverse
from django.utils.translation import gettext as _

from tasks.models import ProgressReport
from tasks.services.inbox import inbox_message_create


def reminder_returned_notify(*, report: ProgressReport) -> None:
    """Tell the author at once, in the in-app inbox, that their report was returned and why."""
    key_task = report.assignment.key_task
    inbox_message_create(
        user=report.author,
        title=_("Report returned: %(task)s") % {"task": f"{key_task.number} {key_task.title}"},
        body=report.review_comment,
        url=reverse("assignment_detail", args=[report.assignment_id]),
    )
