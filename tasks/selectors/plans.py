"""Which plan, and the committee's plan pages.

Which plan: the one place that decides which annual plan a page, an export or a command works on
(`current_plan`, `plan_of_year`): a plan is a committee's, and a page shows the viewer's committee's
(`committee_plans`; the committee itself: `home_committee`). The plan pages: every plan with its figures
(`plans_overview`), and who is told what when a draft is published (`publish_recipients`: the confirmation page
shows it and tasks.services.plans.plan_publish sends exactly it).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from tasks import access
from tasks.models import AnnualPlan, Assignment, ExtensionRequest, OrgUnit, ProgressReport, User
from tasks.rules import local_today


def plans_visible(user) -> QuerySet:
    """The plans `user` may see, newest year first; `user=None` is the command line: every plan."""
    return AnnualPlan.objects.all() if user is None else access.visible_plans(user)


def home_committee(user) -> OrgUnit | None:
    """The viewer's own committee (tasks.access.home_committee_id): whose plans a page shows by default, and whose
    plan an imported file goes into."""
    return OrgUnit.objects.filter(pk=access.home_committee_id(user)).first()


def committee_plans(user, committee_id: int | None = None) -> QuerySet:
    """The plans of one committee that `user` may see, newest first: by default the viewer's own committee
    (tasks.access.home_committee_id; the command line's is the root committee). Year switchers list these."""
    committee_id = access.home_committee_id(user) if committee_id is None else committee_id
    return plans_visible(user).filter(committee_id=committee_id)


def plan_of_year(user, year: int, *, committee_id: int | None = None) -> AnnualPlan | None:
    """The committee's plan of exactly `year` if `user` may see it (a command asking for a year it lacks says so)."""
    return committee_plans(user, committee_id).filter(year=year).first()


def current_plan(user, year: int | None = None, *, committee_id: int | None = None) -> AnnualPlan | None:
    """The plan a page shows, of the viewer's committee unless another is asked for: `year`'s if asked for and
    visible; else this year's; else the newest that is not a draft; else the newest draft (a committee preparing
    its first plan). None: no plan to see."""
    plans = committee_plans(user, committee_id)
    if year is not None:
        asked = plans.filter(year=year).first()
        if asked is not None:
            return asked
    return (
        plans.filter(year=local_today().year).first()
        or plans.exclude(status=AnnualPlan.Status.DRAFT).first()
        or plans.first()
    )


@dataclass(frozen=True)
class AssignedItem:
    number: str
    title: str
    unit: str
    deadline: dt.date


@dataclass
class UnitLine:
    """One unit's share of a plan, as the publish confirmation lists it."""

    unit: OrgUnit
    assignments: int = 0
    owners: list[str] = field(default_factory=list)  # owners' names, or the secretaries told in their place
    told_instead: bool = False  # some assignments have no owner: the unit's secretary is told
    nobody: int = 0  # assignments whose notice reaches nobody (no owner, no secretary)


@dataclass
class PublishSummary:
    plan: AnnualPlan
    key_tasks: int
    assignments: int
    units: list[UnitLine]
    recipients: dict[int, list[AssignedItem]]  # user id -> what they are told they carry

    @property
    def people(self) -> int:
        return len(self.recipients)

    @property
    def untold(self) -> list[UnitLine]:
        return [line for line in self.units if line.nobody]


def plans_overview(user) -> list[AnnualPlan]:
    """Every plan of the user's committee, newest first, with its counts (key tasks, assignments, completed)."""
    return list(
        committee_plans(user)
        .annotate(
            key_task_count=Count("key_tasks", distinct=True),
            assignment_count=Count("key_tasks__assignments", distinct=True),
            completed_count=Count(
                "key_tasks__assignments",
                filter=Q(key_tasks__assignments__status=Assignment.Status.COMPLETED),
                distinct=True,
            ),
        )
        .order_by("-year")
    )


def publish_recipients(plan: AnnualPlan, *, secretaries: dict[int, list[int]], active: set[int]) -> PublishSummary:
    """Who is told that `plan` is published, and about which assignments: each assignment's owner, or when it
    has none (or the owner's account is inactive) the secretaries who run its unit. `secretaries` and `active`
    come from tasks.services.reminders.audience.Audience, which the notices themselves use."""
    assignments = (
        Assignment.objects.filter(key_task__plan=plan)
        .select_related("key_task", "unit")
        .order_by("unit__sort_order", "unit__name", "key_task__number_sort")
    )
    lines: dict[int, UnitLine] = {}
    told_by_unit: dict[int, list[int]] = {}
    recipients: dict[int, list[AssignedItem]] = {}
    key_tasks = set()
    for assignment in assignments:
        key_tasks.add(assignment.key_task_id)
        line = lines.setdefault(assignment.unit_id, UnitLine(unit=assignment.unit))
        line.assignments += 1
        if assignment.owner_id and assignment.owner_id in active:
            told = [assignment.owner_id]
        else:
            told = [user_id for user_id in secretaries.get(assignment.unit_id, []) if user_id in active]
            line.told_instead = line.told_instead or bool(told)
            line.nobody += 0 if told else 1
        item = AssignedItem(
            assignment.key_task.number, assignment.key_task.title, assignment.unit.label, assignment.deadline
        )
        for user_id in told:
            recipients.setdefault(user_id, []).append(item)
            told_by_unit.setdefault(assignment.unit_id, [])
            if user_id not in told_by_unit[assignment.unit_id]:
                told_by_unit[assignment.unit_id].append(user_id)
    names = {user.pk: user.display_name for user in User.objects.filter(pk__in=recipients)}
    for unit_id, user_ids in told_by_unit.items():
        lines[unit_id].owners = [names[user_id] for user_id in user_ids if user_id in names]
    return PublishSummary(
        plan=plan,
        key_tasks=len(key_tasks),
        assignments=sum(line.assignments for line in lines.values()),
        units=list(lines.values()),
        recipients=recipients,
    )


def plan_close_blockers(plan: AnnualPlan) -> dict[str, int]:
    """What must be settled before a plan is closed: reports waiting for review, extensions waiting for a decision."""
    return {
        "reports": ProgressReport.objects.filter(
            assignment__key_task__plan=plan, state=ProgressReport.State.SUBMITTED
        ).count(),
        "extensions": ExtensionRequest.objects.filter(
            assignment__key_task__plan=plan, state=ExtensionRequest.State.PENDING
        ).count(),
    }
