"""Reads. Every list starts from tasks.access so that one place decides who sees what."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery

from tasks import access
from tasks.lights import Light, LightRules, assignment_light, local_today
from tasks.models import AnnualPlan, Assignment, KeyTask, ProgressReport
from tasks.workdays import WorkCalendar


@dataclass
class AssignmentRow:
    """An assignment with what a list shows about it, computed once."""

    assignment: Assignment
    light: Light
    workdays_left: int
    latest_report: ProgressReport | None
    may_report: bool = False

    @property
    def overdue_workdays(self) -> int:
        return max(0, -self.workdays_left)


def assignment_rows(
    assignments, *, today: dt.date | None = None, calendar: WorkCalendar | None = None
) -> list[AssignmentRow]:
    """Lights, working days left and the latest report for assignments loaded with their key_task."""
    assignments = list(assignments)
    today = today or local_today()
    calendar = calendar or WorkCalendar.load()
    rules = LightRules.from_settings()
    latest = latest_reports(assignments)
    return [
        AssignmentRow(
            assignment=assignment,
            light=assignment_light(assignment, today=today, calendar=calendar, rules=rules),
            workdays_left=calendar.workdays_between(today, assignment.deadline),
            latest_report=latest.get(assignment.pk),
        )
        for assignment in assignments
    ]


def latest_reports(assignments) -> dict[int, ProgressReport]:
    """The newest report of each assignment, in one query whatever the history's length."""
    ids = [assignment.pk for assignment in assignments]
    if not ids:
        return {}
    newest = (
        ProgressReport.objects.filter(assignment_id=OuterRef("pk")).order_by("-submitted_at", "-id").values("id")[:1]
    )
    report_ids = (
        Assignment.objects.filter(pk__in=ids).annotate(latest_id=Subquery(newest)).values_list("latest_id", flat=True)
    )
    reports = ProgressReport.objects.filter(pk__in=[pk for pk in report_ids if pk]).select_related("reviewer")
    return {report.assignment_id: report for report in reports}


def sort_most_urgent_first(rows: list[AssignmentRow]) -> list[AssignmentRow]:
    return sorted(rows, key=lambda row: (row.light.urgency, row.assignment.deadline, row.assignment.pk))


def assignments_for_lists(user) -> QuerySet:
    """Visible assignments with what list rows need."""
    return access.visible_assignments(user).select_related(
        "key_task", "key_task__area", "key_task__plan", "unit", "owner"
    )


def current_plan(user, year: int | None = None) -> AnnualPlan | None:
    plans = access.visible_plans(user)
    year = year or local_today().year
    return plans.filter(year=year).first() or plans.exclude(status=AnnualPlan.Status.DRAFT).first() or plans.first()


def mark_reportable(user, rows: list[AssignmentRow]) -> list[AssignmentRow]:
    for row in rows:
        row.may_report = not row.assignment.is_completed and access.can_report(user, row.assignment)
    return rows


def home_rows(user, *, plan: AnnualPlan | None) -> list[AssignmentRow]:
    if plan is None:
        return []
    queryset = assignments_for_lists(user).filter(key_task__plan=plan)
    return mark_reportable(user, sort_most_urgent_first(assignment_rows(queryset)))


def filter_rows(rows: list[AssignmentRow], *, q="", area="", light="", status="", **_ignored) -> list[AssignmentRow]:
    """The workbench's filters. A unit's own list is short, so filtering the computed rows is simplest."""
    if area:
        rows = [row for row in rows if str(row.assignment.key_task.area_id) == str(area)]
    if light:
        rows = [row for row in rows if row.light.value == light]
    if status == "open":
        rows = [row for row in rows if not row.assignment.is_completed]
    elif status == "completed":
        rows = [row for row in rows if row.assignment.is_completed]
    elif status in (ProgressReport.State.SUBMITTED, ProgressReport.State.RETURNED):
        rows = [row for row in rows if row.latest_report and row.latest_report.state == status]
    if q:
        needle = q.strip().lower()
        rows = [
            row
            for row in rows
            if needle
            in " ".join(
                (
                    row.assignment.key_task.number,
                    row.assignment.key_task.title,
                    row.assignment.key_task.description,
                    row.assignment.unit.name,
                )
            ).lower()
        ]
    return rows


def weighted_progress(pairs) -> Decimal:
    """Weighted mean of (progress, weight) pairs, rounded to one decimal place."""
    total_weight = sum((Decimal(weight) for _, weight in pairs), Decimal(0))
    if not total_weight:
        return Decimal(0)
    total = sum((Decimal(progress) * Decimal(weight) for progress, weight in pairs), Decimal(0))
    return (total / total_weight).quantize(Decimal("0.1"))


def key_task_progress(key_task: KeyTask) -> Decimal:
    """A key task's progress: the weighted mean of its assignments' approved progress (DOMAIN.md)."""
    return weighted_progress(list(key_task.assignments.values_list("progress", "weight")))
