"""A small year with known outcomes, for the ledger, the assessment table and the annual report.

On TODAY (Friday 29 December 2023):
- branch A1 (办公室党支部, secretary_a) completed all three of its assignments on time, every target met;
- branch B (业务一科党支部, secretary_b) finished 1.1 late (10 of 12), is overdue on 2.1 (3 of 6, 60 %)
  and has 2.2 due in two days (4 of 5, 80 %).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from tasks.models import AnnualPlan, Assignment, KeyTask, ProgressReport
from tests.factories import AreaFactory, AssignmentFactory, KeyTaskFactory, PlanFactory, ReportFactory

TODAY = dt.date(2023, 12, 29)


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(19, 0)))


@dataclass
class Year:
    plan: AnnualPlan
    tasks: dict[str, KeyTask]
    a1: dict[str, Assignment]
    b: dict[str, Assignment]


def _assignment(key_task, unit, owner, *, progress, actual=None, completed=None, deadline=None) -> Assignment:
    return AssignmentFactory(
        key_task=key_task,
        unit=unit,
        owner=owner,
        progress=progress,
        actual_value=Decimal(actual) if actual is not None else None,
        status=Assignment.Status.COMPLETED if completed else Assignment.Status.IN_PROGRESS,
        completed_at=completed,
        deadline=deadline or key_task.deadline,
    )


def build_year(org, committee, secretary_a, secretary_b) -> Year:
    plan = PlanFactory(year=2023, status=AnnualPlan.Status.PUBLISHED)
    political = AreaFactory(plan=plan, name="政治建设", code="political", sort_order=1)
    ideological = AreaFactory(plan=plan, name="思想建设", code="ideological", sort_order=2)
    common = {
        "plan": plan,
        "lead_unit": org.committee_unit,
        "responsible_leader": committee,
        "start_date": dt.date(2023, 1, 3),
    }
    tasks = {
        "1.1": KeyTaskFactory(
            **common,
            area=political,
            number="1.1",
            title="全面贯彻“第一议题”制度",
            deadline=dt.date(2023, 12, 20),
            metric_name="第一议题学习",
            metric_unit="项",
            target_value=Decimal(12),
        ),
        "1.2": KeyTaskFactory(
            **common, area=political, number="1.2", title="修订党委议事规则", deadline=dt.date(2023, 6, 30)
        ),
        "2.1": KeyTaskFactory(
            **common,
            area=ideological,
            number="2.1",
            title="开展中心组学习",
            deadline=dt.date(2023, 11, 30),
            metric_name="中心组学习",
            metric_unit="天",
            target_value=Decimal(6),
        ),
        "2.2": KeyTaskFactory(
            **common,
            area=ideological,
            number="2.2",
            title="“我为群众办实事”项目",
            deadline=dt.date(2023, 12, 31),
            metric_name="办实事项目",
            metric_unit="项",
            target_value=Decimal(5),
        ),
    }
    a1 = {
        "1.1": _assignment(
            tasks["1.1"], org.branch_a1, secretary_a, progress=100, actual=12, completed=dt.date(2023, 12, 10)
        ),
        "1.2": _assignment(tasks["1.2"], org.branch_a1, secretary_a, progress=100, completed=dt.date(2023, 6, 20)),
        "2.1": _assignment(
            tasks["2.1"], org.branch_a1, secretary_a, progress=100, actual=6, completed=dt.date(2023, 11, 29)
        ),
    }
    b = {
        "1.1": _assignment(
            tasks["1.1"], org.branch_b, secretary_b, progress=100, actual=10, completed=dt.date(2023, 12, 25)
        ),
        "2.1": _assignment(tasks["2.1"], org.branch_b, secretary_b, progress=60, actual=3),
        "2.2": _assignment(tasks["2.2"], org.branch_b, secretary_b, progress=80, actual=4),
    }
    # Reports: A1's approved one on 1.1 (then a returned one, which the ledger ignores); B's pending one on 2.1.
    ReportFactory(
        assignment=a1["1.1"],
        author=secretary_a,
        percent=100,
        state=ProgressReport.State.APPROVED,
        narrative="全年开展第一议题学习12次，形成学习记录。",
        submitted_at=at(dt.date(2023, 12, 8)),
        reviewer=committee,
        reviewed_at=at(dt.date(2023, 12, 10)),
    )
    ReportFactory(
        assignment=a1["1.1"],
        author=secretary_a,
        percent=100,
        state=ProgressReport.State.RETURNED,
        narrative="补充材料",
        submitted_at=at(dt.date(2023, 12, 12)),
        reviewer=committee,
        reviewed_at=at(dt.date(2023, 12, 13)),
    )
    ReportFactory(
        assignment=b["2.1"],
        author=secretary_b,
        percent=60,
        state=ProgressReport.State.SUBMITTED,
        narrative="正在组织中心组学习，已开展3天。",
        submitted_at=at(dt.date(2023, 12, 1)),
    )
    return Year(plan=plan, tasks=tasks, a1=a1, b=b)
