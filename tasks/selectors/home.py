"""Reads of the two homes and of the assignment page's edges: the secretary's counts (逾期 / 预警 / 本月待反馈)
that open the filtered list, the committee's home (review queue and red list), and whom to contact when an
extension can no longer be asked."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks import access
from tasks.models import AnnualPlan, Assignment, ExtensionRequest, KeyTask, Membership, ProgressReport, User
from tasks.rules import Light, WorkCalendar, local_today
from tasks.services.lights import lights_current

CONTACTS_SHOWN = 3
HOME_LIST_SIZE = 15


def extension_contacts(assignment: Assignment) -> list[User]:
    """Who can help when the deadline has passed: the key task's responsible leader, else the committee."""
    leader = assignment.key_task.responsible_leader
    if leader is not None and leader.is_active:
        return [leader]
    committee = (
        User.objects.filter(is_active=True, memberships__role=Membership.Role.COMMITTEE)
        .distinct()
        .order_by("full_name", "username")
    )
    return list(committee[:CONTACTS_SHOWN])


def awaiting_monthly_report(queryset: QuerySet, *, today: dt.date) -> QuerySet:
    """本月待反馈: monthly-cadence assignments, started and not completed, with no report yet this month (any
    state: a report waiting for review or returned was given). The list filter and the home's count use it."""
    month_start = timezone.make_aware(dt.datetime.combine(today.replace(day=1), dt.time.min))
    # This month's reports by date (an index range), not each assignment's reports: the daily scan asks this of
    # every monthly assignment of the plan.
    reported = ProgressReport.objects.filter(submitted_at__gte=month_start).values("assignment_id")
    return queryset.filter(
        key_task__cadence=KeyTask.Cadence.MONTHLY,
        key_task__start_date__lte=today,
        status=Assignment.Status.IN_PROGRESS,
    ).exclude(pk__in=reported)


@dataclass
class HomeCount:
    key: str
    label: str
    count: int
    url: str


def secretary_counts(user, plan: AnnualPlan) -> list[HomeCount]:
    """The secretary's home starts with these, each a link to the assignment list filtered to exactly what
    it counts (the list's own filter computes the number)."""
    from tasks.selectors.filters import filtered_assignments

    today, calendar = local_today(), WorkCalendar.load()
    counts = []
    for key, label, params in (
        ("red", _("Overdue"), {"light": Light.RED.value}),
        ("yellow", _("Warning"), {"light": Light.YELLOW.value}),
        ("report", _("Report due this month"), {"report": "due_this_month"}),
    ):
        data = QueryDict(mutable=True)
        data.update({"year": str(plan.year), **params})
        _filters, queryset = filtered_assignments(data, user=user, plan=plan, today=today, calendar=calendar)
        counts.append(HomeCount(key, str(label), queryset.count(), f"{reverse('assignment_list')}?{data.urlencode()}"))
    return counts


@dataclass
class CommitteeHome:
    reports_waiting: list[ProgressReport]
    reports_waiting_count: int
    extensions_waiting_count: int
    red_rows: list
    red_count: int
    red_url: str
    red_items: list = field(default_factory=list)  # (row, FollowUp): when each last reported and was last urged


def committee_home(user, plan: AnnualPlan) -> CommitteeHome:
    """A committee member's home: the review queue (oldest first) and the dashboard's red list."""
    from tasks.selectors.dashboard import overdue, plan_assignments, red_list
    from tasks.selectors.urges import follow_ups

    today, calendar = local_today(), WorkCalendar.load()
    lights_current(today=today, calendar=calendar)
    waiting = access.reviewable_reports(user).filter(state=ProgressReport.State.SUBMITTED)
    extensions = access.decidable_extensions(user).filter(state=ExtensionRequest.State.PENDING)
    base = plan_assignments(user, plan)
    red_rows = red_list(base, today=today, calendar=calendar, limit=HOME_LIST_SIZE)
    follow = follow_ups([row.assignment.pk for row in red_rows], calendar=calendar)
    return CommitteeHome(
        reports_waiting=list(
            waiting.select_related("assignment__key_task", "assignment__unit", "author").order_by("submitted_at", "id")[
                :HOME_LIST_SIZE
            ]
        ),
        reports_waiting_count=waiting.count(),
        extensions_waiting_count=extensions.count() if access.can_decide_extension(user) else 0,
        red_rows=red_rows,
        red_items=[(row, follow[row.assignment.pk]) for row in red_rows],
        red_count=overdue(base, today=today).count(),
        red_url=f"{reverse('assignment_list')}?year={plan.year}&light={Light.RED.value}&sort=deadline",
    )
