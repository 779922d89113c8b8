"""Reads. Every list starts from tasks.access so that one place decides who sees what."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from tasks import access
from tasks.models import AnnualPlan, Assignment, KeyTask, ProgressReport
from tasks.rules import Light, WorkCalendar, local_today, weighted_mean
from tasks.services.lights import lights_current, lights_fresh


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


def light_urgency() -> Case:
    """The stored light as Light.urgency: ordering by it puts the most urgent first."""
    return Case(*(When(light=light.value, then=Value(light.urgency)) for light in Light), output_field=IntegerField())


def assignment_rows(
    assignments, *, today: dt.date | None = None, calendar: WorkCalendar | None = None
) -> list[AssignmentRow]:
    """Lights, working days left and the latest report for assignments loaded with their key_task."""
    today = today or local_today()
    calendar = calendar or WorkCalendar.load()
    assignments = lights_fresh(assignments, today=today, calendar=calendar)
    latest = latest_reports(assignments)
    return [
        AssignmentRow(
            assignment=assignment,
            light=Light(assignment.light),
            workdays_left=calendar.workdays_between(today, assignment.deadline),
            latest_report=latest.get(assignment.pk),
        )
        for assignment in assignments
    ]


def latest_report_ids(assignment_ids, *, skip_states=()) -> dict[int, int]:
    """The id of each assignment's newest report (by submission, then id), reports in `skip_states` aside.

    One plain query of (assignment, id, time) picked over in Python, not a correlated subquery, which
    PostgreSQL may plan as a scan of every report for every assignment when its statistics are stale."""
    newest: dict[int, tuple] = {}
    reports = ProgressReport.objects.filter(assignment_id__in=list(assignment_ids)).exclude(state__in=skip_states)
    for assignment_id, report_id, submitted_at in reports.order_by().values_list("assignment_id", "id", "submitted_at"):
        if assignment_id not in newest or (submitted_at, report_id) > newest[assignment_id]:
            newest[assignment_id] = (submitted_at, report_id)
    return {assignment_id: report_id for assignment_id, (_at, report_id) in newest.items()}


def latest_reports(assignments) -> dict[int, ProgressReport]:
    """The newest report of each assignment, with its reviewer."""
    ids = latest_report_ids(assignment.pk for assignment in assignments)
    if not ids:
        return {}
    reports = ProgressReport.objects.filter(pk__in=ids.values()).select_related("reviewer")
    return {report.assignment_id: report for report in reports}


def assignments_whose_latest_report_is(state: str) -> QuerySet:
    """Ids of the assignments whose newest report is in `state`. Starts from the reports in that state (few
    for "submitted" or "returned"), not from every assignment's newest report."""
    newer = ProgressReport.objects.filter(assignment=OuterRef("assignment")).filter(
        Q(submitted_at__gt=OuterRef("submitted_at")) | Q(submitted_at=OuterRef("submitted_at"), id__gt=OuterRef("id"))
    )
    return ProgressReport.objects.filter(state=state).exclude(Exists(newer)).values("assignment_id")


def returned_report_to_correct(assignment: Assignment) -> ProgressReport | None:
    """The returned report a new report on `assignment` corrects: the one not corrected yet (web and API alike)."""
    return assignment.reports.filter(state=ProgressReport.State.RETURNED).exclude(corrections__isnull=False).first()


def assignments_for_lists(user) -> QuerySet:
    """Visible assignments with what list rows need."""
    return access.visible_assignments(user).select_related(
        "key_task", "key_task__area", "key_task__plan", "unit", "owner"
    )


def mark_reportable(user, rows: list[AssignmentRow]) -> list[AssignmentRow]:
    for row in rows:
        row.may_report = not row.assignment.is_completed and access.can_report(user, row.assignment)
    return rows


def workbench(
    user, *, plan: AnnualPlan | None, page_number, page_size: int, q="", area="", light="", status="", **_ignored
) -> tuple[Page | None, list[AssignmentRow]]:
    """A page of the workbench: the user's assignments in the plan that pass the filters, most urgent first.
    Filters, light and order run in the database (the stored light) and only the page's rows are loaded, so a
    committee member who sees 50,000 assignments waits no longer than a secretary with twenty."""
    if plan is None:
        return None, []
    base = access.visible_assignments(user).filter(key_task__plan=plan)
    today, calendar = local_today(), WorkCalendar.load()
    lights_current(today=today, calendar=calendar)
    queryset = base.annotate(urgency=light_urgency())
    if area:
        queryset = queryset.filter(key_task__area=area)
    if light:
        queryset = queryset.filter(light=light)
    if status == "open":
        queryset = queryset.exclude(status=Assignment.Status.COMPLETED)
    elif status == "completed":
        queryset = queryset.filter(status=Assignment.Status.COMPLETED)
    elif status in (ProgressReport.State.SUBMITTED, ProgressReport.State.RETURNED):
        queryset = queryset.filter(pk__in=assignments_whose_latest_report_is(status))
    if q.strip():
        needle = q.strip()
        queryset = queryset.filter(
            Q(key_task__number__icontains=needle)
            | Q(key_task__title__icontains=needle)
            | Q(key_task__description__icontains=needle)
            | Q(unit__name__icontains=needle)
        )
    ids = queryset.order_by("urgency", "deadline", "id").values_list("pk", flat=True)
    page = Paginator(ids, page_size).get_page(page_number)
    return page, _rows_for(user, list(page.object_list), today=today, calendar=calendar)


def most_urgent_rows(
    user, queryset: QuerySet, *, limit: int, today: dt.date | None = None, calendar: WorkCalendar | None = None
) -> tuple[list[AssignmentRow], int]:
    """The `limit` most urgent assignments of a visible queryset as rows, and how many it holds. The order runs
    in the database on ids; only the rows shown are loaded, with their latest reports."""
    today, calendar = today or local_today(), calendar or WorkCalendar.load()
    lights_current(today=today, calendar=calendar)
    if "urgency" not in queryset.query.annotations:
        queryset = queryset.annotate(urgency=light_urgency())
    ids = list(queryset.order_by("urgency", "deadline", "id").values_list("pk", flat=True)[:limit])
    count = len(ids) if len(ids) < limit else queryset.count()
    return _rows_for(user, ids, today=today, calendar=calendar), count


def _rows_for(user, ids: list[int], *, today: dt.date, calendar: WorkCalendar) -> list[AssignmentRow]:
    """Rows of these assignments, in this order, loaded with what a row shows."""
    loaded = assignments_for_lists(user).in_bulk(ids)
    rows = assignment_rows([loaded[pk] for pk in ids if pk in loaded], today=today, calendar=calendar)
    return mark_reportable(user, rows)


def key_task_progress(key_task: KeyTask) -> Decimal:
    """A key task's progress: the weighted mean of its assignments' approved progress (DOMAIN.md)."""
    return weighted_mean(key_task.assignments.values_list("progress", "weight"))


@dataclass(frozen=True)
class CascadeAnswer:
    """One key task of the lower committee's plan answering a cascaded assignment, as the assignment page lists it."""

    key_task: KeyTask
    progress: Decimal
    visible: bool  # the viewer may open it (the committee above reads the lower plan; a sister bureau does not)


def cascade_answers(user, assignment: Assignment) -> list[CascadeAnswer]:
    """The key tasks that answer a cascaded assignment (上级要点 → 本级要点), with each one's 加权进度."""
    key_tasks = [link.key_task for link in assignment.cascade_links.select_related("key_task__plan")]
    visible = set(
        access.visible_key_tasks(user).filter(pk__in=[kt.pk for kt in key_tasks]).values_list("pk", flat=True)
    )
    return [CascadeAnswer(key_task, key_task_progress(key_task), key_task.pk in visible) for key_task in key_tasks]
