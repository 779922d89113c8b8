"""A plan in full swing for the browser walks (layout at 375 px, accessibility): long titles and unit names, every
light, a report waiting for review, a returned one, a difficulty, urges in the inbox and rows in the audit log.
Written through the services, as people would, so that every page has something to show."""

import datetime as dt

from tasks.models import Membership, OrgUnit, User
from tasks.rules import local_today
from tasks.services.reminders import assignment_urge
from tasks.services.reports import progress_report_approve, progress_report_return, progress_report_submit
from tests.factories import AreaFactory, AssignmentFactory, KeyTaskFactory, MembershipFactory, PlanFactory, UserFactory

LONG_TITLE = "深入学习贯彻习近平新时代中国特色社会主义思想主题教育成果转化为推动高质量发展的具体举措并形成长效机制"


def busy_plan(org) -> dict:
    today = local_today()
    plan = PlanFactory(year=today.year)
    committee = UserFactory(username="committee", full_name="王建国")
    MembershipFactory(user=committee, unit=org.committee_unit, role=Membership.Role.COMMITTEE)
    secretary = UserFactory(username="secretary1", full_name="张伟")
    MembershipFactory(user=secretary, unit=org.branch_a1, role=Membership.Role.SECRETARY)
    long_unit = OrgUnit.objects.create(
        name="机关第一党总支部纪检监察室暨巡察工作办公室联合党支部", kind=OrgUnit.Kind.BRANCH, parent=org.branch_a
    )
    areas = [AreaFactory(plan=plan, name=name) for name in ("政治建设", "思想建设", "组织建设")]
    starts = today - dt.timedelta(days=120)
    tasks = []
    for number, (title, deadline) in enumerate(
        [
            (LONG_TITLE, today - dt.timedelta(days=20)),
            ("全面贯彻“第一议题”制度", today + dt.timedelta(days=3)),
            ("开展“月读一书”活动", today + dt.timedelta(days=200)),
            ("修订党委工作规则，制定党委、纪委议事规则", today + dt.timedelta(days=60)),
        ],
        start=1,
    ):
        tasks.append(
            KeyTaskFactory(
                plan=plan,
                area=areas[number % len(areas)],
                number=f"{number}.1",
                title=title,
                lead_unit=org.committee_unit,
                responsible_leader=committee,
                start_date=starts,
                deadline=deadline,
            )
        )
    assignments = []
    for key_task in tasks:
        for unit in (org.branch_a1, long_unit, org.branch_b):
            assignments.append(AssignmentFactory(key_task=key_task, unit=unit, owner=secretary, progress=20))
    red, soon, fine = assignments[0], assignments[3], assignments[6]
    waiting = progress_report_submit(
        assignment=fine,
        author=secretary,
        percent=40,
        narrative="召开专题学习会 3 次，撰写心得体会 12 篇。",
        obstacles="学习资料不足。",
    )
    returned = progress_report_submit(
        assignment=soon,
        author=secretary,
        percent=30,
        narrative="已完成学习计划。",
        obstacles="缺少专家授课资源，需党建办协调。",
    )
    progress_report_return(report=returned, reviewer=committee, reason="请补充学习记录。")
    approved = progress_report_submit(
        assignment=assignments[9], author=secretary, percent=100, narrative="已完成。", obstacles="无。"
    )
    progress_report_approve(report=approved, reviewer=committee)
    assignment_urge(assignment=red, urged_by=committee, message="请本周内报送进展。")
    auditor = UserFactory(username="auditor", is_staff=True, admin_duty=User.AdminDuty.AUDIT)
    return {
        "plan": plan,
        "committee": committee,
        "secretary": secretary,
        "auditor": auditor,
        "key_task": tasks[0],
        "red": red,
        "waiting": waiting,
    }


def list_pages(world) -> dict[str, list[str]]:
    """The pages each person lists things on, by username."""
    return {
        "committee": [
            "/",
            "/dashboard/",
            "/key-tasks/",
            "/assignments/",
            "/assignments/?light=red",
            "/review/",
            "/inbox/",
            "/exports/",
            f"/key-tasks/{world['key_task'].pk}/",
            f"/assignments/{world['red'].pk}/",
        ],
        "secretary1": ["/", "/key-tasks/", "/assignments/", "/inbox/", f"/assignments/{world['red'].pk}/"],
        "auditor": ["/audit/"],
    }
