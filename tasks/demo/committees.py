"""The demo's other committees: the 机关工委 above the bureau and the sister bureau beside it, each with a small
plan of the current year, so that a tree of committees shows something (README "Many committees"). Built through
the same services as the bureau's plan, replayed up to today."""

import datetime as dt

from django.utils import timezone

from tasks.demo import org_data
from tasks.models import AnnualPlan, Area, Assignment, KeyTask, Membership, OrgUnit, User
from tasks.services.cascade import cascade_link_set
from tasks.services.reports import progress_report_approve, progress_report_submit

# (number, area, title, start "MM-DD", deadline "MM-DD"): the 工委's points, each carried by both bureaus' committees
TOP_TASKS = [
    ("1.1", "政治建设", "深入学习贯彻党的二十届四中全会精神，开展专题读书班", "01-06", "11-28"),
    ("2.1", "组织建设", "推进机关基层党组织标准化规范化建设，开展达标创星", "02-03", "12-25"),
]
# The sister bureau's, with the approved progress of each of its three branches (in order) by the deadline or today.
SISTER_TASKS = [
    ("1.1", "政治建设", "落实“第一议题”制度，党委理论学习中心组集体学习", "01-06", "12-25", [60, 80, 70]),
    ("2.1", "组织建设", "规范“三会一课”，开展支部主题党日活动", "01-06", "06-30", [100, 100, 60]),
    ("3.1", "纪律作风建设", "开展交通运输领域群众身边不正之风和腐败问题集中整治", "03-03", "09-30", [100, 40, 30]),
    ("3.2", "纪律作风建设", "开展警示教育月活动，组织旁听庭审", "05-06", "12-31", [20, 30, 10]),
]
AREA_CODES = {"政治建设": "political", "组织建设": "organizational", "纪律作风建设": "discipline"}


def demo_committee_plans_create(*, units: dict[str, OrgUnit], today: dt.date) -> bool:
    """The 工委's and the sister bureau's plans of `today`'s year, unless they exist. True when built now."""
    top, sister = units[org_data.TOP_COMMITTEE], units[org_data.SISTER_COMMITTEE]
    if AnnualPlan.objects.filter(committee__in=[top, sister], year=today.year).exists():
        return False
    users = {user.username: user for user in User.objects.filter(username__in=["gongwei", "committee", "committee2"])}
    top_plan = _plan(top, "市直机关", today.year)
    for number, area, title, start, deadline in TOP_TASKS:
        key_task = _key_task(top_plan, number, area, title, top, start, deadline, leader=users["gongwei"])
        # Each bureau's committee carries the 工委's points in its own plan (上级要点 → 本级要点).
        for unit, owner in ((units[org_data.COMMITTEE], users["committee"]), (sister, users["committee2"])):
            Assignment.objects.create(
                key_task=key_task,
                unit=unit,
                owner=owner,
                deadline=key_task.deadline,
                original_deadline=key_task.deadline,
            )
    sister_plan = _plan(sister, "市交通运输局党委", today.year)
    branches = [units[name] for name in org_data.SISTER_BRANCHES]
    secretaries = {membership.unit_id: membership.user for membership in _secretaries(branches)}
    for number, area, title, start, deadline, paces in SISTER_TASKS:
        key_task = _key_task(sister_plan, number, area, title, sister, start, deadline, leader=users["committee2"])
        for branch, percent in zip(branches, paces, strict=True):
            assignment = Assignment.objects.create(
                key_task=key_task,
                unit=branch,
                owner=secretaries[branch.pk],
                deadline=key_task.deadline,
                original_deadline=key_task.deadline,
            )
            _report(assignment, percent=percent, reviewer=users["committee2"], today=today)
    _cascade(top_plan, units=units, users=users)
    return True


def _cascade(top_plan: AnnualPlan, *, units: dict[str, OrgUnit], users: dict[str, User]) -> None:
    """Both bureaus answer the 工委's point 1.1 with their own 1.1 (上级要点 → 本级要点): no report of their own."""
    for committee, username in ((org_data.COMMITTEE, "committee"), (org_data.SISTER_COMMITTEE, "committee2")):
        # A bureau's plan closed already (a demo built as of the year's end) takes no new link.
        answer = (
            KeyTask.objects.filter(plan__committee=units[committee], plan__year=top_plan.year, number="1.1")
            .exclude(plan__status=AnnualPlan.Status.CLOSED)
            .first()
        )
        given = Assignment.objects.get(key_task__plan=top_plan, key_task__number="1.1", unit=units[committee])
        if answer is not None:
            cascade_link_set(assignment=given, user=users[username], key_tasks=[answer])


def _plan(committee: OrgUnit, name: str, year: int) -> AnnualPlan:
    return AnnualPlan.objects.create(
        committee=committee, year=year, title=f"{name}{year}年度党建工作要点", status=AnnualPlan.Status.PUBLISHED
    )


def _key_task(plan, number, area_name, title, lead, start, deadline, *, leader) -> KeyTask:
    area, _ = Area.objects.get_or_create(
        plan=plan, name=area_name, defaults={"code": AREA_CODES[area_name], "sort_order": int(number[0])}
    )
    return KeyTask.objects.create(
        plan=plan,
        area=area,
        number=number,
        title=title,
        lead_unit=lead,
        responsible_leader=leader,
        start_date=dt.date.fromisoformat(f"{plan.year}-{start}"),
        deadline=dt.date.fromisoformat(f"{plan.year}-{deadline}"),
        cadence=KeyTask.Cadence.QUARTERLY,
    )


def _secretaries(branches):
    return Membership.objects.filter(unit__in=branches, role=Membership.Role.SECRETARY).select_related("user")


def _report(assignment: Assignment, *, percent: int, reviewer: User, today: dt.date) -> None:
    """One report, approved two days later: five days before the deadline or a week ago, whichever is earlier."""
    day = min(assignment.deadline - dt.timedelta(days=5), today - dt.timedelta(days=7))
    if day < assignment.key_task.start_date or percent == 0:
        return
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(19)))
    report = progress_report_submit(
        assignment=assignment,
        author=assignment.owner,
        percent=percent,
        narrative="按计划推进，已完成阶段性工作。",
        obstacles="人员紧张，进度有所滞后。",
        now=at,
    )
    progress_report_approve(report=report, reviewer=reviewer, now=at + dt.timedelta(days=2))
