"""The words of every reminder: the same on every channel (e-mail templates wrap them), one function a kind."""

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext as _

from tasks.models import Assignment

if TYPE_CHECKING:
    from tasks.selectors import Digest


@cache
def _assignment_url_parts() -> tuple[str, str]:
    marker = "987654321"
    before, after = reverse("assignment_detail", args=[int(marker)]).split(marker)
    return before, after


def assignment_url(assignment_id: int) -> str:
    """reverse("assignment_detail") without its cost, which adds up over thousands of reminders a scan."""
    before, after = _assignment_url_parts()
    return f"{before}{assignment_id}{after}"


@dataclass(frozen=True)
class TaskInfo:
    assignment_id: int
    number: str
    title: str
    unit: str
    deadline: dt.date
    progress: int

    @classmethod
    def of(cls, assignment: Assignment) -> "TaskInfo":
        """From an assignment loaded with its key task and unit (the scan builds its own from plain values)."""
        return cls(
            assignment.pk,
            assignment.key_task.number,
            assignment.key_task.title,
            assignment.unit.label,
            assignment.deadline,
            assignment.progress,
        )

    @property
    def task(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def url(self) -> str:
        return assignment_url(self.assignment_id)

    def texts(self, subject: str, body: str, **extra) -> tuple[str, str]:
        """Subject and body filled with the placeholders every reminder text may use, plus the kind's own."""
        values = {
            "task": self.task,
            "unit": self.unit,
            "deadline": self.deadline.isoformat(),
            "progress": self.progress,
            **extra,
        }
        return subject % values, body % values


def due_soon_texts(info: TaskInfo, left: int) -> tuple[str, str]:
    return info.texts(
        _("Due today: %(task)s") if left == 0 else _("Due in %(n)d working days: %(task)s"),
        _(
            "The assignment “%(task)s” of %(unit)s is due on %(deadline)s, at %(progress)d%% approved "
            "progress. "
            "Please report progress before the deadline, or ask for an extension now if it cannot be met."
        ),
        n=left,
    )


def overdue_texts(info: TaskInfo, overdue: int) -> tuple[str, str]:
    return info.texts(
        _("Overdue by %(n)d working days: %(task)s"),
        _(
            "The assignment “%(task)s” of %(unit)s was due on %(deadline)s and is %(n)d working days "
            "overdue, at %(progress)d%% approved progress. Please finish it and report, saying what is in "
            "the way and what help "
            "is needed."
        ),
        n=overdue,
    )


def escalation_texts(info: TaskInfo, overdue: int) -> tuple[str, str]:
    return info.texts(
        _("Escalation: %(task)s (%(unit)s) is %(n)d working days overdue"),
        _(
            "You are the responsible leader of key task %(task)s. The assignment of %(unit)s was due on "
            "%(deadline)s "
            "and is %(n)d working days overdue, at %(progress)d%% approved progress."
        ),
        n=overdue,
    )


def report_due_texts(info: TaskInfo, month: str) -> tuple[str, str]:
    return info.texts(
        _("Monthly report due: %(task)s"),
        _(
            "%(unit)s has not reported on “%(task)s” this month (%(month)s). This key task is reported "
            "monthly: "
            "please submit this month's progress report."
        ),
        month=month,
    )


def review_pending_texts(
    *, task: str, unit: str, author: str, percent: int, submitted_on: dt.date, waited: int
) -> tuple[str, str]:
    values = {
        "task": task,
        "unit": unit,
        "author": author,
        "percent": percent,
        "date": submitted_on.isoformat(),
        "n": waited,
    }
    subject = _("Report waiting for review: %(task)s (%(unit)s)") % values
    body = (
        _("The report of %(percent)d%% that %(author)s submitted on %(date)s has waited %(n)d working days for review.")
        % values
    )
    return subject, body


def digest_subject(period: str, digest: "Digest") -> str:
    """The digest's body is its own summary (tasks.selectors.digest)."""
    return _("Weekly digest %(week)s: %(red)d overdue, %(yellow)d warnings, %(reports)d reports to review") % {
        "week": period,
        "red": digest.red_total,
        "yellow": digest.yellow_total,
        "reports": digest.pending_count,
    }


def returned_subject(info: TaskInfo) -> str:
    """The body is the reviewer's comment, as written."""
    return _("Report returned: %(task)s") % {"task": info.task}


def urge_texts(info: TaskInfo, *, who: str, message: str) -> tuple[str, str]:
    """The urger's own message, if any, follows the standard words."""
    subject, body = info.texts(
        _("Urged by %(who)s: %(task)s"),
        _(
            "%(who)s urges %(unit)s to move “%(task)s” forward (deadline %(deadline)s, approved progress "
            "%(progress)d%%)."
        ),
        who=who,
    )
    if message:
        body += "\n\n" + message
    return subject, body


def difficulty_answered_texts(info: TaskInfo, *, state: str, who: str, answer: str) -> tuple[str, str]:
    """The committee's answer to a difficulty, as written, follows the standard words."""
    subject, body = info.texts(
        _("Difficulty %(state)s: %(task)s"),
        _("%(who)s answered the difficulty %(unit)s raised on “%(task)s”: %(state)s."),
        state=state,
        who=who,
    )
    return subject, body + "\n\n" + answer
