"""Real concurrency on PostgreSQL: two committee members pressing publish, or saving the same key task, at the
same moment: one wins, the other is told, nobody is notified twice and nothing is overwritten."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tasks.models import AnnualPlan, KeyTask, Membership, Reminder
from tasks.selectors import PublishSummary
from tasks.services import StaleWriteError
from tasks.services.plans import key_task_update, plan_publish
from tests.factories import AreaFactory, AssignmentFactory, KeyTaskFactory, MembershipFactory, PlanFactory, UserFactory
from tests.test_concurrency_reports import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def second_member(org):
    user = UserFactory(username="committee2", full_name="李红")
    MembershipFactory(user=user, unit=org.committee_unit, role=Membership.Role.COMMITTEE)
    return user


@pytest.fixture
def draft(org, secretary_a, secretary_b):
    plan = PlanFactory(year=2027, status=AnnualPlan.Status.DRAFT)
    key_task = KeyTaskFactory(
        plan=plan,
        area=AreaFactory(plan=plan, name="政治建设"),
        number="1.1",
        lead_unit=org.branch_a1,
        start_date=dt.date(2027, 1, 4),
        deadline=dt.date(2027, 12, 31),
    )
    AssignmentFactory(key_task=key_task, unit=org.branch_a1, owner=secretary_a)
    AssignmentFactory(key_task=key_task, unit=org.branch_b, owner=secretary_b)
    return plan


def test_two_members_publishing_at_once_publish_once_and_tell_once(draft, committee, second_member):
    results = run_together(
        lambda: plan_publish(plan=draft, user=committee),
        lambda: plan_publish(plan=draft, user=second_member),
    )
    assert sorted(type(result).__name__ for result in results) == ["PublishSummary", "ValidationError"], results
    assert isinstance(next(r for r in results if not isinstance(r, ValidationError)), PublishSummary)
    told = Reminder.objects.filter(kind=Reminder.Kind.PLAN_PUBLISHED, channel="inbox")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["secretary_a", "secretary_b"]
    assert AnnualPlan.history.filter(id=draft.pk, status="published").count() == 1


def test_two_members_saving_the_same_key_task_save_one_edit(draft, committee, second_member):
    key_task = draft.key_tasks.get()
    results = run_together(
        lambda: key_task_update(key_task=key_task, user=committee, expected_version=1, title="王建国的修改"),
        lambda: key_task_update(key_task=key_task, user=second_member, expected_version=1, title="李红的修改"),
    )
    saved = [result for result in results if isinstance(result, KeyTask)]
    refused = [result for result in results if isinstance(result, StaleWriteError)]
    assert len(saved) == 1 and len(refused) == 1, results
    key_task.refresh_from_db()
    assert key_task.title == saved[0].title and key_task.version == 2
