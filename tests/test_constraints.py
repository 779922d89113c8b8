import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from tests.factories import AssignmentFactory, KeyTaskFactory, ReportFactory


def fails(factory, **kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**kwargs)


@pytest.mark.django_db
def test_deadline_before_start_is_refused():
    fails(KeyTaskFactory, start_date=dt.date(2023, 5, 1), deadline=dt.date(2023, 4, 30))


@pytest.mark.django_db
def test_number_is_unique_per_plan(plan):
    KeyTaskFactory(plan=plan, number="2.3")
    fails(KeyTaskFactory, plan=plan, number="2.3")


@pytest.mark.django_db
def test_same_number_in_another_year_is_fine(plan):
    KeyTaskFactory(plan=plan, number="2.3")
    KeyTaskFactory(plan__year=2024, number="2.3")


@pytest.mark.django_db
def test_one_assignment_per_unit_and_key_task(assignment_a1):
    fails(AssignmentFactory, key_task=assignment_a1.key_task, unit=assignment_a1.unit)


@pytest.mark.django_db
@pytest.mark.parametrize("percent", [101, 250])
def test_report_percent_over_100_is_refused(percent):
    fails(ReportFactory, percent=percent)


@pytest.mark.django_db
def test_assignment_progress_over_100_is_refused():
    fails(AssignmentFactory, progress=101)


@pytest.mark.django_db
def test_completed_assignment_needs_a_completion_date():
    fails(AssignmentFactory, status="completed", completed_at=None)


@pytest.mark.django_db
def test_assignment_deadline_defaults_to_key_task(key_task, org):
    from tasks.models import Assignment

    assignment = Assignment.objects.create(key_task=key_task, unit=org.branch_b)
    assert assignment.deadline == key_task.deadline == assignment.original_deadline


@pytest.mark.django_db
def test_key_task_numbers_sort_naturally(plan):
    for number in ["2.10", "2.9", "10.1", "2.1"]:
        KeyTaskFactory(plan=plan, number=number)
    from tasks.models import KeyTask

    assert list(KeyTask.objects.filter(plan=plan).values_list("number", flat=True)) == ["2.1", "2.9", "2.10", "10.1"]
