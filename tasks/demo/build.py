"""Builds the demo from its data (org_data, plan_data) through the same services the app uses, replaying history."""

import datetime as dt
import random
import secrets
from decimal import Decimal
from typing import NamedTuple

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from tasks.demo import org_data, plan_data
from tasks.demo.committees import demo_committee_plans_create
from tasks.models import (
    AnnualPlan,
    Area,
    Assignment,
    Bundle,
    InboxMessage,
    KeyTask,
    Membership,
    OrgUnit,
    Reminder,
    User,
)
from tasks.rules import Light, WorkCalendar, expected_progress, local_today
from tasks.services.lights import lights_refresh
from tasks.services.plans import plan_close
from tasks.services.reminders import assignment_urge
from tasks.services.reports import (
    progress_report_approve,
    progress_report_return,
    progress_report_submit,
    report_needs_obstacles,
)

# The smallest valid PDF: enough for the evidence list and download to work in the demo.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
DEMO_YEAR = 2023
FIRST_LOOK_URGE = "请于本周内报送进展，并说明困难和需协调事项。"


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def demo_units_create() -> dict[str, OrgUnit]:
    units = {}
    for order, (name, short_name, kind, parent) in enumerate(org_data.ALL_UNITS):
        unit, _ = OrgUnit.objects.update_or_create(
            name=name,
            defaults={"short_name": short_name, "kind": kind, "parent": units.get(parent), "sort_order": order},
        )
        units[name] = unit
    return units


def demo_users_create(*, units: dict[str, OrgUnit], password: str | None) -> dict[str, str | None]:
    """Create the demo accounts. Returns each printed account's new password (None when unchanged).

    All accounts share one password, hashed once: hashing is deliberately slow."""
    from django.contrib.auth.hashers import make_password

    new_password = password or secrets.token_urlsafe(9)
    hashed = make_password(new_password)
    passwords: dict[str, str | None] = {}
    for username, full_name, memberships, is_staff, is_superuser in org_data.USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "email": f"{username}@example.org",
                "is_staff": is_staff,
                "is_superuser": is_superuser,
            },
        )
        if created or password:
            user.password = hashed
            # Printed, or published in the README: refused at login when DEBUG is off (tasks.security.backends).
            user.has_demo_password = True
            user.save(update_fields=["password", "has_demo_password"])
            passwords[username] = new_password
        else:
            passwords[username] = None
        duty = org_data.ADMIN_DUTIES.get(username, "")
        if user.admin_duty != duty:
            user.admin_duty = duty
            if duty:
                user.is_superuser = False  # a superuser would hold every duty at once
            user.save(update_fields=["admin_duty", "is_superuser"])
        for unit_name, role in memberships:
            Membership.objects.get_or_create(user=user, unit=units[unit_name], role=role)
    return {name: passwords[name] for name in org_data.PRINTED_ACCOUNTS}


def _report_dates(cadence: str, start: dt.date, deadline: dt.date, rng: random.Random) -> list[dt.date]:
    if cadence == KeyTask.Cadence.ONCE:
        middle = start + (deadline - start) / 2
        return [middle, deadline - dt.timedelta(days=rng.randint(1, 6))]
    months = range(start.month, deadline.month + 1)
    if cadence == KeyTask.Cadence.QUARTERLY:
        months = [m for m in months if m % 3 == 0] or [deadline.month]
    dates = [dt.date(start.year, month, 25) for month in months]
    dates = [day for day in dates if start < day < deadline] + [deadline - dt.timedelta(days=rng.randint(1, 5))]
    return sorted(set(dates))


def _replay_history(
    *,
    assignment: Assignment,
    pace: float,
    as_of: dt.date,
    reviews_until: dt.date,
    reviewer: User,
    rng: random.Random,
    calendar: WorkCalendar,
) -> None:
    key_task = assignment.key_task
    dates = _report_dates(key_task.cadence, key_task.start_date, assignment.deadline, rng)
    if pace < 0.9 and as_of > assignment.deadline + dt.timedelta(days=20):
        # Slow units finish late, if at all.
        dates.append(assignment.deadline + dt.timedelta(days=rng.randint(8, 20)))
    approved = 0
    for index, day in enumerate(dates):
        if day > as_of or assignment.is_completed:
            break
        last = index == len(dates) - 1
        percent = max(_replayed_percent(assignment, day, pace, last=last, rng=rng, calendar=calendar), approved)
        actual = None
        if key_task.has_target:
            actual = (key_task.target_value * Decimal(percent) / 100).quantize(Decimal("1"))
        obstacles = rng.choice(plan_data.OBSTACLES) if report_needs_obstacles(assignment, today=day) else ""
        report = progress_report_submit(
            assignment=assignment,
            author=assignment.owner,
            percent=percent,
            actual_value=actual,
            narrative=rng.choice(plan_data.NARRATIVES).format(rate=rng.randint(90, 100)),
            obstacles=obstacles,
            files=[SimpleUploadedFile(f"{key_task.title[:12]}-{day:%m%d}.pdf", DEMO_PDF)] if rng.random() < 0.3 else [],
            now=_at(day, 19),
        )
        review_day = calendar.add_workdays(day, rng.randint(1, 2))
        if review_day > reviews_until:
            break  # still in the review queue
        if rng.random() < 0.08:
            report, review_day = _returned_and_corrected(report, reviewer, review_day, obstacles, rng, calendar)
            if review_day > reviews_until:
                break
        progress_report_approve(report=report, reviewer=reviewer, comment="", now=_at(review_day, 10))
        assignment.refresh_from_db()
        approved = percent


def _replayed_percent(assignment, day: dt.date, pace: float, *, last: bool, rng, calendar) -> int:
    """What a unit of this pace reports on `day`: on the expected line times its pace, 100 at the end."""
    if last and pace >= 0.9:
        return 100
    if day > assignment.deadline:
        return 100 if rng.random() < 0.6 else 90
    expected = expected_progress(
        start=assignment.key_task.start_date, deadline=assignment.deadline, today=day, calendar=calendar
    )
    return min(95, round(expected * pace / 5) * 5)


def _returned_and_corrected(report, reviewer, review_day: dt.date, obstacles: str, rng, calendar):
    """The reviewer returns the report; its author corrects it the same evening. The correction, and the day
    it may be reviewed."""
    assignment = report.assignment
    progress_report_return(
        report=report, reviewer=reviewer, reason="佐证材料不完整，请补充会议记录后重新提交。", now=_at(review_day, 10)
    )
    if not obstacles and report_needs_obstacles(assignment, today=review_day):
        obstacles = rng.choice(plan_data.OBSTACLES)
    corrected = progress_report_submit(
        assignment=assignment,
        author=assignment.owner,
        percent=report.percent,
        actual_value=report.actual_value,
        narrative=report.narrative + "（已补充会议记录）",
        obstacles=obstacles,
        corrects=report,
        files=[SimpleUploadedFile("会议记录.pdf", DEMO_PDF)],
        now=_at(review_day, 20),
    )
    return corrected, calendar.add_workdays(review_day, 1)


class _TaskRow(NamedTuple):
    """A key task of plan_data.KEY_TASKS: start and deadline are "MM-DD" of the plan's year."""

    area: str
    number: str
    title: str
    description: str
    lead: str
    assigned: object
    leader: str
    start: str
    deadline: str
    metric: str
    metric_unit: str
    target: object
    cadence: str
    weight: object


def _demo_key_task(plan: AnnualPlan, row: _TaskRow, *, area: Area, units: dict, users: dict) -> KeyTask:
    return KeyTask.objects.create(
        plan=plan,
        area=area,
        number=row.number,
        title=row.title,
        description=row.description,
        lead_unit=units[row.lead],
        responsible_leader=users[row.leader],
        start_date=dt.date.fromisoformat(f"{plan.year}-{row.start}"),
        deadline=dt.date.fromisoformat(f"{plan.year}-{row.deadline}"),
        metric_name=row.metric,
        metric_unit=row.metric_unit,
        target_value=Decimal(row.target) if row.target is not None else None,
        weight=Decimal(row.weight),
        cadence=row.cadence,
    )


def demo_plan_create(*, year: int, units: dict[str, OrgUnit], as_of: dt.date, seed: int) -> AnnualPlan:
    rng = random.Random(seed)
    calendar = WorkCalendar.load()
    status = (
        AnnualPlan.Status.CLOSED if as_of.year > year or as_of >= dt.date(year, 12, 31) else AnnualPlan.Status.PUBLISHED
    )
    # Published while its year is replayed (a closed plan takes no reports), closed at the end like a real one.
    plan = AnnualPlan.objects.create(
        committee=units[org_data.COMMITTEE],
        year=year,
        title=f"{year}年度党建工作要点",
        status=AnnualPlan.Status.PUBLISHED,
    )
    # A plan is closed once the committee has reviewed the year's last reports, early in January.
    reviews_until = dt.date(year + 1, 1, 15) if status == AnnualPlan.Status.CLOSED else as_of
    areas = {
        code: Area.objects.create(plan=plan, code=code, name=name, sort_order=order)
        for order, (code, name) in enumerate(plan_data.AREAS, start=1)
    }
    users = {user.username: user for user in User.objects.all()}
    secretaries = {
        membership.unit_id: membership.user
        for membership in Membership.objects.filter(role=Membership.Role.SECRETARY).select_related("user")
    }
    reviewer = users["committee"]
    for row in map(_TaskRow._make, plan_data.KEY_TASKS):
        key_task = _demo_key_task(plan, row, area=areas[row.area], units=units, users=users)
        unit_names = org_data.BRANCHES if row.assigned == plan_data.ALL_BRANCHES else row.assigned
        key_task.cooperating_units.set([units[name] for name in unit_names if name != row.lead])
        for unit_name in unit_names:
            unit = units[unit_name]
            assignment = Assignment.objects.create(
                key_task=key_task,
                unit=unit,
                owner=secretaries.get(unit.pk),
                deadline=key_task.deadline,
                weight=Decimal(2 if unit_name == row.lead else 1),
            )
            pace = plan_data.UNIT_PACE.get(unit_name, 1.0) * rng.uniform(0.9, 1.1)
            _replay_history(
                assignment=assignment,
                pace=pace,
                as_of=as_of,
                reviews_until=reviews_until,
                reviewer=reviewer,
                rng=rng,
                calendar=calendar,
            )
    if status == AnnualPlan.Status.CLOSED:
        plan_close(plan=plan, user=None, today=reviews_until)
    return plan


def demo_build(*, password: str | None = None, today: dt.date | None = None) -> tuple[dict[str, str | None], list[int]]:
    """Build the demo: the 2023 plan of the reference report, closed, and the same plan for the current
    year, half-way through its history, so that every screen has something to show. Idempotent."""
    today = today or local_today()
    built = []
    with transaction.atomic():
        units = demo_units_create()
        passwords = demo_users_create(units=units, password=password)
        for year in sorted({DEMO_YEAR, today.year}):
            if not AnnualPlan.objects.filter(committee=units[org_data.COMMITTEE], year=year).exists():
                demo_plan_create(year=year, units=units, as_of=min(today, dt.date(year, 12, 31)), seed=year)
                built.append(year)
        if demo_committee_plans_create(units=units, today=today) and today.year not in built:
            built.append(today.year)
        lights_refresh(Assignment.objects.filter(key_task__plan__year__in=built))
        if built:
            _first_look(years=built, today=today)
        _orglife_create(units=units, today=today)
    return passwords, built


def _orglife_create(*, units: dict[str, OrgUnit], today: dt.date) -> None:
    """Every branch's roster and a year of meeting records: 办公室党支部 skipped June's 主题党日 and has a member
    absent for seven months, so that every light and the six-month list show something."""
    from tasks.demo.orglife import orglife_generate
    from tasks.services.orglife.types import meeting_types_ensure_defaults

    meeting_types_ensure_defaults()
    branches = [units[name] for name in org_data.BRANCHES]
    first = {branches[0].pk, branches[4].pk}
    author = User.objects.get(username="committee")
    orglife_generate(
        units=branches, members=18, as_of=today, seed=today.year, author=author, missed_june=first, absentee_units=first
    )


def _first_look(*, years: list[int], today: dt.date) -> None:
    """What a person sees on first opening the inbox. The replay sent its notices as it went: 退回 notices about
    reports corrected and approved long ago, dated the day of the build. They are history (each assignment's
    timeline keeps the return and its reason), so they go. In their place the committee urges, today, the most
    urgent late or slipping assignment of each branch secretary (if any), through the urge service: one unread notice
    about something that really needs doing."""
    replayed = Reminder.objects.filter(kind=Reminder.Kind.RETURNED, assignment__key_task__plan__year__in=years)
    # Listed before the notices go: a query on `items__in=replayed` would find nothing afterwards, and the bundles,
    # emptied, would stay pending for the worker to send with nothing in them.
    bundle_ids = list(Bundle.objects.filter(items__in=replayed).values_list("pk", flat=True).distinct())
    InboxMessage.objects.filter(reminder__in=replayed).delete()
    InboxMessage.objects.filter(bundle__in=bundle_ids).delete()
    replayed.delete()
    Bundle.objects.filter(pk__in=bundle_ids, items__isnull=True).delete()
    plan = AnnualPlan.objects.filter(
        committee__name=org_data.COMMITTEE, year=today.year, status=AnnualPlan.Status.PUBLISHED
    ).first()
    if plan is None or plan.year not in years:
        return
    committee = User.objects.get(username="committee")
    # 党建办's secretary is the committee member who urges: nobody urges themselves.
    secretaries = Membership.objects.filter(role=Membership.Role.SECRETARY).exclude(user=committee)
    for membership in secretaries.order_by("unit_id"):
        late = (
            Assignment.objects.filter(key_task__plan=plan, unit=membership.unit_id, light__in=[Light.RED, Light.YELLOW])
            .exclude(urges__isnull=False)
            .exclude(owner=committee)
            .order_by("light", "deadline", "pk")  # red before yellow
            .first()
        )
        if late is not None:
            assignment_urge(assignment=late, urged_by=committee, message=FIRST_LOOK_URGE)
