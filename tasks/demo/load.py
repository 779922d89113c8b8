"""A deterministic synthetic year at provincial scale, for benchmarks and query-count tests.

Rows are written with bulk_create in batches: no model signals run, so django-simple-history writes no
change records for generated data (it is not anybody's change).
"""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tasks.cache import data_changed
from tasks.models import (
    AnnualPlan,
    Area,
    Assignment,
    CascadeLink,
    KeyTask,
    Membership,
    OrgUnit,
    ProgressReport,
    User,
)
from tasks.rules import WorkCalendar, expected_progress, local_today
from tasks.services.lights import lights_refresh

ROOT_UNIT = "压测党委"
BATCH = 5000
AREAS = [
    (Area.Code.POLITICAL, "政治建设"),
    (Area.Code.IDEOLOGICAL, "思想建设"),
    (Area.Code.ORGANIZATIONAL, "组织建设"),
    (Area.Code.DISCIPLINE, "纪律作风建设"),
]
OBSTACLES = ["人员紧张，需党建办协调师资。", "场地未落实，请求协调会议室。", "业务高峰期，学习时间难以保证。"]


@dataclass
class LoadResult:
    plan: AnnualPlan
    units: int
    key_tasks: int
    assignments: int
    reports: int
    members: int = 0
    meetings: int = 0
    committees: int = 0
    attendance: int = 0


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _root() -> OrgUnit:
    root, _ = OrgUnit.objects.get_or_create(name=ROOT_UNIT, defaults={"kind": OrgUnit.Kind.COMMITTEE})
    return root


def _units_create(count: int, *, parent: OrgUnit, first: int = 1) -> list[OrgUnit]:
    """Branches 压测单位<first>… under `parent` (moved there if an earlier run put them elsewhere)."""
    names = [f"压测单位{number:04d}" for number in range(first, first + count)]
    existing = set(OrgUnit.objects.filter(name__in=names).values_list("name", flat=True))
    OrgUnit.objects.bulk_create(
        [
            OrgUnit(name=name, short_name=name[2:], kind=OrgUnit.Kind.BRANCH, parent=parent, sort_order=1000 + number)
            for number, name in enumerate(names, start=first)
            if name not in existing
        ],
        batch_size=BATCH,
    )
    OrgUnit.objects.filter(name__in=names).exclude(parent=parent).update(parent=parent)
    by_name = OrgUnit.objects.in_bulk(names, field_name="name")
    return [by_name[name] for name in names]


def _committees_create(count: int, *, parent: OrgUnit) -> list[OrgUnit]:
    """Committees 压测党委01… under the one at the top (a 工委 of `count` bureaus)."""
    committees = []
    for number in range(1, count + 1):
        committee, _ = OrgUnit.objects.update_or_create(
            name=f"{ROOT_UNIT}{number:02d}",
            defaults={"kind": OrgUnit.Kind.COMMITTEE, "parent": parent, "sort_order": 100 + number},
        )
        committees.append(committee)
    return committees


def _users_create(units: list[OrgUnit]) -> tuple[dict[int, User], list[User]]:
    """One secretary per unit and five responsible leaders, none of whom can log in."""
    unusable = make_password(None)
    usernames = [f"load_sec{unit.name[-4:]}" for unit in units]
    leaders = [f"load_leader{number}" for number in range(1, 6)]
    existing = set(User.objects.filter(username__in=usernames + leaders).values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(username=name, full_name=name, password=unusable)
            for name in usernames + leaders
            if name not in existing
        ],
        batch_size=BATCH,
    )
    by_name = User.objects.in_bulk(usernames + leaders, field_name="username")
    Membership.objects.bulk_create(
        [
            Membership(user=by_name[name], unit=unit, role=Membership.Role.SECRETARY)
            for name, unit in zip(usernames, units, strict=True)
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    return (
        {unit.pk: by_name[name] for name, unit in zip(usernames, units, strict=True)},
        [by_name[name] for name in leaders],
    )


class LoadRefusedError(Exception):
    """The year's plan was not made by load_generate: real (or demo) work, which it never touches."""


def _plan_replace(year: int, committee: OrgUnit) -> AnnualPlan:
    # Any committee's real plan of the year stops it: the load's units would sit beside real work.
    real = AnnualPlan.objects.filter(year=year, is_generated=False).first()
    if real is not None:
        raise LoadRefusedError(
            f"The {year} plan ({real.title}) was not made by generate_load: it is real or demo work, and "
            "generate_load only ever replaces a plan it made itself. Choose another --year, or use an empty database."
        )
    plan = AnnualPlan.objects.select_for_update().filter(committee=committee, year=year).first()
    if plan is None:
        plan = AnnualPlan.objects.create(
            committee=committee,
            year=year,
            title=f"{year}年度党建工作要点（压测）",
            status=AnnualPlan.Status.PUBLISHED,
            is_generated=True,
        )
    # Raw deletes: the ORM would load 600,000 reports to run history signals on each. Only ever the rows of a
    # generated plan, which nobody's work is in.
    CascadeLink.objects.filter(Q(assignment__key_task__plan=plan) | Q(key_task__plan=plan)).delete()
    reports = ProgressReport.objects.filter(assignment__key_task__plan=plan)
    reports._raw_delete(reports.db)
    assignments = Assignment.objects.filter(key_task__plan=plan)
    assignments._raw_delete(assignments.db)
    KeyTask.cooperating_units.through.objects.filter(keytask__plan=plan).delete()
    key_tasks = KeyTask.objects.filter(plan=plan)
    key_tasks._raw_delete(key_tasks.db)
    return plan


def _reports_for(
    assignment: Assignment,
    key_task: KeyTask,
    *,
    count: int,
    as_of: dt.date,
    author: User,
    reviewer: User,
    rng: random.Random,
) -> list[ProgressReport]:
    last_day = min(as_of, assignment.completed_at or assignment.deadline)
    span = max(1, (last_day - key_task.start_date).days)
    days = sorted(key_task.start_date + dt.timedelta(days=rng.randint(0, span)) for _ in range(count))
    reports = []
    for index, day in enumerate(days):
        percent = round(assignment.progress * (index + 1) / count)
        is_last = index == count - 1
        pending = is_last and not assignment.is_completed and rng.random() < 0.08
        reports.append(
            ProgressReport(
                assignment=assignment,
                author=author,
                percent=percent,
                narrative=f"第{index + 1}次进展：按计划推进，完成率{percent}%。",
                obstacles=rng.choice(OBSTACLES) if rng.random() < 0.15 else "",
                state=ProgressReport.State.SUBMITTED if pending else ProgressReport.State.APPROVED,
                reviewer=None if pending else reviewer,
                submitted_at=_at(day, 19),
                reviewed_at=None if pending else _at(day, 21),
            )
        )
    return reports


def _key_task(plan: AnnualPlan, number: int, areas: list, unit_rows: list, leaders: list, rng) -> KeyTask:
    """Key task `number`: areas in turn, lead units in turn, a random start and deadline within the year."""
    year = plan.year
    area_index = (number - 1) % len(areas)
    start = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(2, 150))
    deadline = start + dt.timedelta(days=rng.randint(30, (dt.date(year, 12, 31) - start).days))
    return KeyTask(
        plan=plan,
        area=areas[area_index],
        number=f"{area_index + 1}.{number}",
        number_sort=f"{area_index + 1:04d}.{number:04d}",
        title=f"压测重点任务{number:03d}",
        description="",
        lead_unit=unit_rows[(number - 1) % len(unit_rows)],
        responsible_leader=leaders[number % len(leaders)],
        start_date=start,
        deadline=deadline,
        weight=Decimal(rng.choice([1, 1, 1, 2, 3])),
        cadence=rng.choice(
            [KeyTask.Cadence.MONTHLY, KeyTask.Cadence.QUARTERLY, KeyTask.Cadence.QUARTERLY, KeyTask.Cadence.ONCE]
        ),
    )


def _assignment(key_task: KeyTask, unit, owner, pace: float, *, as_of: dt.date, calendar, rng) -> Assignment:
    """A unit's share as of `as_of`: progress on the expected line times the unit's pace; one in twenty
    extended; most of those past their deadline completed, the slow units late."""
    deadline = original = key_task.deadline
    if rng.random() < 0.05:
        deadline = deadline + dt.timedelta(days=rng.randint(5, 30))
    assignment = Assignment(
        key_task=key_task,
        unit=unit,
        owner=owner,
        deadline=deadline,
        original_deadline=original,
        weight=Decimal(2 if unit.pk == key_task.lead_unit_id else 1),
    )
    expected = expected_progress(start=key_task.start_date, deadline=deadline, today=as_of, calendar=calendar)
    progress = min(100, round(expected * pace * rng.uniform(0.8, 1.2) / 5) * 5)
    if deadline < as_of and rng.random() < 0.85:
        progress = 100
    if progress >= 100:
        late_days = 12 if pace < 0.8 else 2
        finished = deadline + dt.timedelta(days=rng.randint(-25, late_days))
        assignment.completed_at = min(finished, as_of)
        assignment.status = Assignment.Status.COMPLETED
        progress = 100
    assignment.progress = progress
    return assignment


@transaction.atomic
def load_generate(
    *,
    units: int,
    tasks: int,
    reports: int,
    members: int = 0,
    committees: int = 0,
    seed: int = 1,
    year: int | None = None,
    as_of: dt.date | None = None,
) -> LoadResult:
    """Build (or rebuild) the plan of `year`: `tasks` key tasks, each assigned to every one of `units`
    units, with `reports` progress reports per assignment, and (with `members`) each unit's roster and twelve
    months of meeting records up to `as_of` (tasks.demo.orglife). With `committees`, a 工委 (the committee at the
    top) over that many committees, each with `units` branches and a plan of its own as above, and the 工委's plan
    of one key task given to every committee and answered by its first key task (上级要点 → 本级要点). The same
    arguments give the same data.

    Raises LoadRefusedError, writing nothing, when the year has a plan that this function did not make."""
    as_of = as_of or local_today()
    year = year or as_of.year
    as_of = min(max(as_of, dt.date(year, 1, 1)), dt.date(year, 12, 31))
    rng = random.Random(seed)
    calendar = WorkCalendar.load()
    root = _root()
    plan_args = {"tasks": tasks, "reports": reports, "as_of": as_of, "calendar": calendar, "rng": rng}
    if not committees:
        unit_rows = _units_create(units, parent=root)
        plan, assignment_count, report_count, reviewer = _plan_generate(root, unit_rows, year=year, **plan_args)
        result = LoadResult(plan, units, tasks, assignment_count, report_count)
    else:
        unit_rows, counts = [], [0, 0]
        for index, committee in enumerate(_committees_create(committees, parent=root)):
            rows = _units_create(units, parent=committee, first=index * units + 1)
            _plan, *made, reviewer = _plan_generate(committee, rows, year=year, **plan_args)
            unit_rows += rows
            counts = [total + new for total, new in zip(counts, made, strict=True)]
        plan = _cascaded_plan_generate(root, year=year, as_of=as_of)
        result = LoadResult(plan, len(unit_rows), tasks * committees, *counts, committees=committees)
    data_changed()  # bulk_create sends no signals
    if members:
        _orglife_generate(result, unit_rows, members=members, as_of=as_of, seed=seed, author=reviewer)
    return result


def _plan_generate(committee: OrgUnit, unit_rows, *, year: int, tasks: int, reports: int, as_of, calendar, rng):
    """`committee`'s generated plan of `year` for `unit_rows`: (plan, assignments, reports, the reviewer)."""
    owners, leaders = _users_create(unit_rows)
    plan = _plan_replace(year, committee)
    areas = []
    for order, (code, name) in enumerate(AREAS, start=1):
        area, _ = Area.objects.get_or_create(plan=plan, name=name, defaults={"code": code, "sort_order": order})
        areas.append(area)
    key_task_rows = KeyTask.objects.bulk_create(
        [_key_task(plan, number, areas, unit_rows, leaders, rng) for number in range(1, tasks + 1)], batch_size=BATCH
    )
    pace = {unit.pk: rng.uniform(0.55, 1.2) for unit in unit_rows}
    reviewer = leaders[0]
    assignment_count, report_count = _assignments_create(
        key_task_rows,
        unit_rows,
        owners,
        pace,
        reviewer=reviewer,
        reports=reports,
        as_of=as_of,
        calendar=calendar,
        rng=rng,
    )
    lights_refresh(Assignment.objects.filter(key_task__plan=plan))
    return plan, assignment_count, report_count, reviewer


def _cascaded_plan_generate(top: OrgUnit, *, year: int, as_of: dt.date) -> AnnualPlan:
    """The 工委's plan: one key task given to every committee below, each answering it with its own key task 1
    (CascadeLink), so its progress and light are theirs (tasks.services.cascade)."""
    from tasks.services.cascade import cascade_sync

    plan = _plan_replace(year, top)
    area, _ = Area.objects.get_or_create(plan=plan, name=AREAS[0][1], defaults={"code": AREAS[0][0], "sort_order": 1})
    answers = list(
        KeyTask.objects.filter(plan__year=year, plan__committee__parent=top, number="1.1").select_related(
            "plan__committee"
        )
    )
    key_task = KeyTask.objects.create(
        plan=plan,
        area=area,
        number="1.1",
        title="贯彻落实上级党建工作部署（压测）",
        lead_unit=top,
        start_date=dt.date(year, 1, 2),
        deadline=max([answer.deadline for answer in answers], default=dt.date(year, 12, 31)),
    )
    given = Assignment.objects.bulk_create(
        [
            Assignment(
                key_task=key_task,
                unit=answer.plan.committee,
                deadline=key_task.deadline,
                original_deadline=key_task.deadline,
                weight=Decimal(1),
            )
            for answer in answers
        ]
    )
    CascadeLink.objects.bulk_create(
        [CascadeLink(assignment=assignment, key_task=answer) for assignment, answer in zip(given, answers, strict=True)]
    )
    cascade_sync(assignment_ids=[assignment.pk for assignment in given])
    lights_refresh(Assignment.objects.filter(key_task__plan=plan))
    return plan


def _orglife_generate(result: LoadResult, unit_rows, *, members: int, as_of: dt.date, seed: int, author) -> None:
    """Each unit's roster and a year of meeting records (tasks.demo.orglife), counted into `result`."""
    from tasks.demo.orglife import orglife_generate

    life = orglife_generate(
        units=unit_rows,
        members=members,
        as_of=as_of,
        seed=seed,
        author=author,
        missed_june={unit_rows[0].pk},
        absentee_units={unit.pk for unit in unit_rows[::10]},
        replace=True,
    )
    result.members, result.meetings, result.attendance = life.members, life.meetings, life.attendance


def _assignments_create(
    key_task_rows, unit_rows, owners, pace, *, reviewer, reports: int, as_of: dt.date, calendar, rng
) -> tuple[int, int]:
    """Each key task's assignment to every unit and its reports, written a key task at a time; how many of each."""
    assignment_count = report_count = 0
    for key_task in key_task_rows:
        batch, report_rows = [], []
        for unit in unit_rows:
            assignment = _assignment(
                key_task, unit, owners[unit.pk], pace[unit.pk], as_of=as_of, calendar=calendar, rng=rng
            )
            made = _reports_for(
                assignment, key_task, count=reports, as_of=as_of, author=owners[unit.pk], reviewer=reviewer, rng=rng
            )
            approved = [report.reviewed_at for report in made if report.state == ProgressReport.State.APPROVED]
            assignment.last_approved_at = timezone.localdate(max(approved)) if approved else None
            batch.append(assignment)
            report_rows += made
        # bulk_create sets the primary keys, which the reports built above then pick up.
        Assignment.objects.bulk_create(batch, batch_size=BATCH)
        ProgressReport.objects.bulk_create(report_rows, batch_size=BATCH)
        assignment_count += len(batch)
        report_count += len(report_rows)
    return assignment_count, report_count
