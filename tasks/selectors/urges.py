"""What a committee member sees before urging: how many urges an assignment has had, the last one (when, by whom),
and whether another may go today. One urge per assignment per working day (days off count with the working day
before them): the unit is told once, not nagged by every member who opens the page. The urge service enforces it
with the same `next_urge_day`."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max
from django.utils import timezone

from tasks.models import ProgressReport, Urge
from tasks.rules import WorkCalendar, local_today


def next_urge_day(last_urged_at: dt.datetime, calendar: WorkCalendar) -> dt.date:
    """The first day another urge may go: the next working day after the day of the last one."""
    return calendar.add_workdays(timezone.localdate(last_urged_at), 1)


@dataclass(frozen=True)
class UrgeSummary:
    count: int
    last_at: dt.datetime | None
    last_by: str
    next_day: dt.date | None  # None: never urged

    def may_urge_on(self, day: dt.date) -> bool:
        return self.next_day is None or day >= self.next_day

    @property
    def may_urge_today(self) -> bool:
        return self.may_urge_on(local_today())


NEVER = UrgeSummary(count=0, last_at=None, last_by="", next_day=None)


def urge_summaries(assignment_ids, *, calendar: WorkCalendar | None = None) -> dict[int, UrgeSummary]:
    """Per assignment id: its urges so far, in one query (at most one urge a working day: a year holds few)."""
    ids = list(assignment_ids)
    if not ids:
        return {}
    calendar = calendar or WorkCalendar.load()
    counts: dict[int, int] = {}
    last_urges: dict[int, Urge] = {}
    for urge in Urge.objects.filter(assignment_id__in=ids).select_related("urged_by").order_by("created_at", "pk"):
        counts[urge.assignment_id] = counts.get(urge.assignment_id, 0) + 1
        last_urges[urge.assignment_id] = urge
    summaries = {}
    for assignment_id in ids:
        last = last_urges.get(assignment_id)
        summaries[assignment_id] = (
            NEVER
            if last is None
            else UrgeSummary(
                count=counts[assignment_id],
                last_at=last.created_at,
                last_by=last.urged_by.display_name,
                next_day=next_urge_day(last.created_at, calendar),
            )
        )
    return summaries


def urge_summary(assignment, *, calendar: WorkCalendar | None = None) -> UrgeSummary:
    return urge_summaries([assignment.pk], calendar=calendar)[assignment.pk]


@dataclass(frozen=True)
class FollowUp:
    """What the red list says beside a late assignment: when the unit last reported, when it was last urged."""

    last_report_at: dt.datetime | None
    urges: UrgeSummary


def follow_ups(assignment_ids, *, calendar: WorkCalendar | None = None) -> dict[int, FollowUp]:
    ids = list(assignment_ids)
    last_reports = dict(
        ProgressReport.objects.filter(assignment_id__in=ids)
        .values("assignment_id")
        .annotate(last=Max("submitted_at"))
        .values_list("assignment_id", "last")
    )
    urges = urge_summaries(ids, calendar=calendar)
    return {assignment_id: FollowUp(last_reports.get(assignment_id), urges[assignment_id]) for assignment_id in ids}
