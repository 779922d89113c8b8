"""The warning light (预警灯) of an assignment. This is the one place that decides it (DOMAIN.md).

Nobody types a light in: it is derived from dates, approved progress and the working-day calendar.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasks.rules.workdays import WorkCalendar


class Light(models.TextChoices):
    RED = "red", _("overdue")
    YELLOW = "yellow", _("warning")
    GREEN = "green", _("on track")
    DONE_LATE = "done_late", _("completed late")
    DONE = "done", _("completed on time")

    @property
    def urgency(self) -> int:
        """Sort key: most urgent first."""
        return list(Light).index(self)

    @property
    def symbol(self) -> str:
        # Told by shape as well as colour, for colour-blind readers and black-and-white prints.
        return {"red": "▲", "yellow": "◆", "green": "●", "done_late": "◐", "done": "✔"}[self.value]


@dataclass(frozen=True)
class LightRules:
    due_soon_workdays: int = 5
    lag_points: int = 25
    stale_report_days: int = 30

    @classmethod
    def from_settings(cls) -> "LightRules":
        return cls(
            due_soon_workdays=settings.LIGHT_DUE_SOON_WORKDAYS,
            lag_points=settings.LIGHT_LAG_POINTS,
            stale_report_days=settings.LIGHT_STALE_REPORT_DAYS,
        )


def local_today() -> dt.date:
    return timezone.localdate()


def expected_progress(*, start: dt.date, deadline: dt.date, today: dt.date, calendar: WorkCalendar) -> float:
    """Share of the working days between start and deadline (both included) that lie on or before today."""
    if today < start:
        return 0.0
    if today >= deadline:
        return 100.0
    total = calendar.workdays_inclusive(start, deadline)
    if total == 0:
        return 100.0
    return 100.0 * calendar.workdays_inclusive(start, today) / total


def compute_light(
    *,
    start: dt.date,
    deadline: dt.date,
    progress: int,
    completed_on: dt.date | None,
    monthly: bool,
    last_approved_on: dt.date | None,
    today: dt.date,
    calendar: WorkCalendar,
    rules: LightRules,
) -> Light:
    if completed_on is not None:
        return Light.DONE if completed_on <= deadline else Light.DONE_LATE
    if today > deadline:
        return Light.RED
    if calendar.workdays_between(today, deadline) <= rules.due_soon_workdays:
        return Light.YELLOW
    if expected_progress(start=start, deadline=deadline, today=today, calendar=calendar) - progress >= rules.lag_points:
        return Light.YELLOW
    if monthly and today >= start:
        quiet_since = last_approved_on or start
        if (today - quiet_since).days >= rules.stale_report_days:
            return Light.YELLOW
    return Light.GREEN


def assignment_light(
    assignment, *, today: dt.date | None = None, calendar: WorkCalendar | None = None, rules: LightRules | None = None
) -> Light:
    """The light of an Assignment instance (its key_task should be selected with it)."""
    from tasks.models import KeyTask

    key_task = assignment.key_task
    return compute_light(
        start=key_task.start_date,
        deadline=assignment.deadline,
        progress=assignment.progress,
        completed_on=assignment.completed_at,
        monthly=key_task.cadence == KeyTask.Cadence.MONTHLY,
        last_approved_on=assignment.last_approved_at,
        today=today or local_today(),
        calendar=calendar or WorkCalendar.load(),
        rules=rules or LightRules.from_settings(),
    )
