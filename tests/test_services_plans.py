"""The committee's plan from draft to live (tasks.services.plans): publish, close, and edits of key tasks and
assignments with optimistic locking, change records, audit rows and notices."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from tasks.models import AnnualPlan, Assignment, AuditEntry, InboxMessage, KeyTask, Membership, Reminder
from tasks.services import StaleWriteError, comment_create, progress_report_approve, progress_report_submit
from tasks.services.plans import (
    assignment_add,
    assignment_remove,
    assignment_update,
    key_task_update,
    plan_close,
    plan_publish,
)
from tasks.services.reminders import assignment_urge
from tests.factories import (
    AreaFactory,
    AssignmentFactory,
    KeyTaskFactory,
    MembershipFactory,
    PlanFactory,
    ReportFactory,
    UserFactory,
)

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def draft_2027(org, committee, secretary_a, secretary_b):
    """Next year's draft: 1.1 for branch A1 (owner secretary_a) and B (owner secretary_b); 1.2 for A1 alone, and
    B's second assignment without an owner (its secretary is told instead)."""
    plan = PlanFactory(year=2027, status=AnnualPlan.Status.DRAFT)
    area = AreaFactory(plan=plan, name="政治建设")
    first = KeyTaskFactory(
        plan=plan,
        area=area,
        number="1.1",
        title="学习贯彻党的二十大精神",
        lead_unit=org.branch_a1,
        start_date=dt.date(2027, 1, 4),
        deadline=dt.date(2027, 6, 30),
    )
    second = KeyTaskFactory(
        plan=plan,
        area=area,
        number="1.2",
        title="落实“第一议题”制度",
        lead_unit=org.branch_b,
        start_date=dt.date(2027, 1, 4),
        deadline=dt.date(2027, 12, 31),
    )
    AssignmentFactory(key_task=first, unit=org.branch_a1, owner=secretary_a, weight=2)
    AssignmentFactory(key_task=first, unit=org.branch_b, owner=secretary_b)
    AssignmentFactory(key_task=second, unit=org.branch_b, owner=None, weight=2)
    AssignmentFactory(key_task=second, unit=org.branch_a1, owner=secretary_a)
    return plan


def inbox_titles(user) -> list[str]:
    return list(InboxMessage.objects.filter(user=user).order_by("id").values_list("title", flat=True))


# --- Publish ------------------------------------------------------------------------------------------------------


def test_next_years_plan_publishes_in_december_and_tells_each_owner_once(
    draft_2027, committee, secretary_a, secretary_b
):
    with time_machine.travel(dt.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        summary = plan_publish(plan=draft_2027, user=committee)

    draft_2027.refresh_from_db()
    assert draft_2027.status == AnnualPlan.Status.PUBLISHED
    assert (summary.assignments, summary.people, summary.key_tasks) == (4, 2, 2)
    published = Reminder.objects.filter(kind=Reminder.Kind.PLAN_PUBLISHED, channel="inbox")
    assert sorted(published.values_list("recipient__username", flat=True)) == ["secretary_a", "secretary_b"]
    message_a = InboxMessage.objects.get(user=secretary_a)
    assert message_a.title == "《2027年度党建工作要点》已发布：您有 2 项承办任务"
    assert "1.1 学习贯彻党的二十大精神" in message_a.body and "1.2 落实“第一议题”制度" in message_a.body
    # B's ownerless assignment reaches its secretary, in the same single message.
    assert InboxMessage.objects.filter(user=secretary_b).count() == 1
    assert "1.2" in InboxMessage.objects.get(user=secretary_b).body
    record = AnnualPlan.history.filter(id=draft_2027.pk).latest("history_id")
    assert record.history_user == committee and record.status == "published"


def test_a_second_publish_is_refused_and_tells_nobody_again(draft_2027, committee):
    plan_publish(plan=draft_2027, user=committee)
    sent = Reminder.objects.count()
    audit = AuditEntry.objects.get(action="change", object_type="tasks.annualplan", detail__history_type="~")
    assert audit.detail["changes"] == {"status": ["草稿", "已发布"]}
    assert audit.detail["reason"] == "发布：4 项承办任务，通知 2 人"

    with pytest.raises(ValidationError, match="2027年度计划已经发布，未重复通知任何人"):
        plan_publish(plan=draft_2027, user=committee)

    assert Reminder.objects.count() == sent


def test_an_empty_plan_cannot_be_published(org, committee):
    plan = PlanFactory(year=2027, status=AnnualPlan.Status.DRAFT)
    with pytest.raises(ValidationError, match="还没有承办任务"):
        plan_publish(plan=plan, user=committee)
    plan.refresh_from_db()
    assert plan.status == AnnualPlan.Status.DRAFT


def test_only_the_committee_publishes(draft_2027, secretary_a):
    with pytest.raises(PermissionDenied):
        plan_publish(plan=draft_2027, user=secretary_a)


# --- Close --------------------------------------------------------------------------------------------------------


def test_a_plan_closes_only_after_its_year_with_nothing_waiting(assignment_a1, secretary_a, committee):
    plan = assignment_a1.key_task.plan
    with pytest.raises(ValidationError, match="2024-01-01"):
        plan_close(plan=plan, user=committee, today=dt.date(2023, 12, 20))
    report = ReportFactory(assignment=assignment_a1, author=secretary_a)
    with pytest.raises(ValidationError) as refused:
        plan_close(plan=plan, user=committee, today=dt.date(2024, 1, 10))
    assert refused.value.messages == [
        "还有 1 份进展反馈待审核、0 项延期申请待决定：请先在审核页面处理完毕，再关闭计划。"
    ]
    progress_report_approve(report=report, reviewer=committee)

    plan_close(plan=plan, user=committee, today=dt.date(2024, 1, 10))

    plan.refresh_from_db()
    assert plan.status == AnnualPlan.Status.CLOSED


def test_a_closed_plan_is_read_only_with_a_clear_message(assignment_a1, secretary_a, committee):
    plan = assignment_a1.key_task.plan
    plan_close(plan=plan, user=committee, today=dt.date(2024, 1, 10))
    closed = "2023年度计划已关闭：作为年度存档保留，不能再修改。"

    with pytest.raises(ValidationError, match=closed):
        progress_report_submit(assignment=assignment_a1, author=secretary_a, percent=60, narrative="补报")
    with pytest.raises(ValidationError, match=closed):
        key_task_update(key_task=assignment_a1.key_task, user=committee, expected_version=1, title="新标题")
    with pytest.raises(ValidationError, match=closed):
        assignment_update(
            assignment=assignment_a1,
            user=committee,
            expected_version=1,
            owner=secretary_a,
            deadline=dt.date(2023, 11, 1),
        )
    with pytest.raises(ValidationError, match=closed):
        assignment_urge(assignment=assignment_a1, urged_by=committee, message="请尽快反馈")
    with pytest.raises(ValidationError, match=closed):
        comment_create(key_task=assignment_a1.key_task, author=committee, body="补充说明")
    assert not assignment_a1.reports.exists() and not assignment_a1.urges.exists()
    assert KeyTask.objects.get(pk=assignment_a1.key_task_id).title != "新标题"


# --- Key tasks ----------------------------------------------------------------------------------------------------


def test_a_stale_key_task_edit_saves_nothing(key_task, committee):
    key_task_update(key_task=key_task, user=committee, expected_version=1, title="第一次修改")
    with pytest.raises(StaleWriteError):
        key_task_update(key_task=key_task, user=committee, expected_version=1, title="第二个人的修改")
    key_task.refresh_from_db()
    assert (key_task.title, key_task.version) == ("第一次修改", 2)


def test_key_task_dates_are_checked(key_task, committee):
    with pytest.raises(ValidationError) as refused:
        key_task_update(
            key_task=key_task,
            user=committee,
            expected_version=1,
            start_date=dt.date(2023, 6, 1),
            deadline=dt.date(2023, 5, 1),
        )
    assert refused.value.message_dict["deadline"] == ["完成时限 2023-05-01 早于开始日期 2023-06-01。"]
    with pytest.raises(ValidationError) as refused:
        key_task_update(key_task=key_task, user=committee, expected_version=1, target_value=Decimal(5), metric_name="")
    assert "metric_name" in refused.value.message_dict
    key_task.refresh_from_db()
    assert key_task.version == 1


def test_a_key_task_deadline_moves_the_assignments_that_follow_it(key_task, assignment_a1, assignment_b, committee):
    """A1 never moved: it follows. B was extended to 2024-01-31: it stays where the extension put it."""
    Assignment.objects.filter(pk=assignment_b.pk).update(deadline=dt.date(2024, 1, 31))

    key_task_update(key_task=key_task, user=committee, expected_version=1, deadline=dt.date(2023, 11, 30))

    assignment_a1.refresh_from_db()
    assignment_b.refresh_from_db()
    assert (assignment_a1.deadline, assignment_a1.original_deadline) == (dt.date(2023, 11, 30), dt.date(2023, 11, 30))
    assert assignment_a1.version == 2
    assert (assignment_b.deadline, assignment_b.original_deadline) == (dt.date(2024, 1, 31), dt.date(2023, 12, 29))


def test_moving_a_deadline_on_a_published_plan_is_recorded_and_told(assignment_a1, secretary_a, committee):
    assignment_update(
        assignment=assignment_a1,
        user=committee,
        expected_version=1,
        owner=secretary_a,
        deadline=dt.date(2023, 10, 31),
    )

    audit = AuditEntry.objects.filter(
        action="change", object_type="tasks.assignment", object_id=str(assignment_a1.pk)
    ).latest("id")
    assert audit.detail["changes"]["deadline"] == ["2023-12-29", "2023-10-31"]
    assert audit.username == "committee"
    assert "2023-12-29" in audit.detail["reason"] and "2023-10-31" in audit.detail["reason"]
    message = InboxMessage.objects.get(user=secretary_a)
    assert "2023-12-29" in message.body and "2023-10-31" in message.body
    assignment_a1.refresh_from_db()
    assert assignment_a1.version == 2 and assignment_a1.light_on is not None


def test_a_stale_assignment_edit_saves_nothing(assignment_a1, secretary_a, committee):
    with pytest.raises(StaleWriteError):
        assignment_update(
            assignment=assignment_a1, user=committee, expected_version=7, owner=None, deadline=dt.date(2023, 9, 1)
        )
    assignment_a1.refresh_from_db()
    assert (assignment_a1.owner, assignment_a1.deadline) == (secretary_a, dt.date(2023, 12, 29))


def test_an_assignment_deadline_before_the_start_is_refused(assignment_a1, secretary_a, committee):
    with pytest.raises(ValidationError) as refused:
        assignment_update(
            assignment=assignment_a1,
            user=committee,
            expected_version=1,
            owner=secretary_a,
            deadline=dt.date(2022, 12, 1),
        )
    assert list(refused.value.message_dict) == ["deadline"]


def test_an_owner_must_belong_to_the_unit_or_run_one_above(assignment_a1, secretary_a, secretary_b, committee, org):
    with pytest.raises(ValidationError) as refused:
        assignment_update(
            assignment=assignment_a1,
            user=committee,
            expected_version=1,
            owner=secretary_b,
            deadline=assignment_a1.deadline,
        )
    assert list(refused.value.message_dict) == ["owner"]
    worker = UserFactory(username="worker_a1", full_name="李娜")
    MembershipFactory(user=worker, unit=org.branch_a1, role=Membership.Role.MEMBER)

    assignment_update(
        assignment=assignment_a1, user=committee, expected_version=1, owner=worker, deadline=assignment_a1.deadline
    )

    assert inbox_titles(worker) and "1.2" in inbox_titles(worker)[0]


# --- Adding and removing units ------------------------------------------------------------------------------------


def test_adding_a_unit_gives_it_an_assignment_owned_by_its_secretary(
    key_task, assignment_a1, committee, org, secretary_b
):
    assignment = assignment_add(key_task=key_task, user=committee, unit=org.branch_b)

    assert (assignment.owner, assignment.deadline, assignment.weight) == (secretary_b, key_task.deadline, Decimal(1))
    assert org.branch_b in key_task.cooperating_units.all()
    assert "1.2" in inbox_titles(secretary_b)[0]
    with pytest.raises(ValidationError) as refused:
        assignment_add(key_task=key_task, user=committee, unit=org.branch_b)
    assert list(refused.value.message_dict) == ["unit"]


def test_an_assignment_with_reports_cannot_be_removed(assignment_b, secretary_b, committee):
    ReportFactory(assignment=assignment_b, author=secretary_b)
    with pytest.raises(ValidationError, match="已有 1 份进展反馈和 0 项延期申请"):
        assignment_remove(assignment=assignment_b, user=committee, expected_version=1)
    assert Assignment.objects.filter(pk=assignment_b.pk).exists()


def test_the_lead_units_assignment_cannot_be_removed(key_task, committee, org):
    lead = AssignmentFactory(key_task=key_task, unit=org.committee_unit)
    with pytest.raises(ValidationError):
        assignment_remove(assignment=lead, user=committee, expected_version=1)


def test_removing_an_assignment_is_recorded_and_told(key_task, assignment_b, secretary_b, committee, org):
    key_task.cooperating_units.add(org.branch_b)

    assignment_remove(assignment=assignment_b, user=committee, expected_version=1)

    assert not Assignment.objects.filter(pk=assignment_b.pk).exists()
    assert org.branch_b not in key_task.cooperating_units.all()
    record = Assignment.history.filter(id=assignment_b.pk).latest("history_id")
    assert record.history_type == "-" and record.history_user == committee
    assert "1.2" in inbox_titles(secretary_b)[0]
