import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.core.management import call_command

from tasks.models import AnnualPlan, Assignment, KeyTask, OrgUnit, ProgressReport


def _digest() -> str:
    rows = Assignment.objects.order_by("key_task__number_sort", "unit__name").values_list(
        "key_task__number", "unit__name", "deadline", "progress", "status", "completed_at", "last_approved_at"
    )
    reports = ProgressReport.objects.order_by("assignment__key_task__number_sort", "assignment__unit__name", "id")
    text = repr(list(rows)) + repr(list(reports.values_list("percent", "state", "submitted_at", "obstacles")))
    return hashlib.sha256(text.encode()).hexdigest()


def _run(**options) -> str:
    out = StringIO()
    args = ["generate_load", "--year", "2023", "--as-of", "2023-09-20"]
    for name, value in options.items():
        args += [f"--{name}", str(value)]
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_builds_units_key_tasks_assignments_and_reports():
    output = _run(units=4, tasks=3, reports=2, seed=1)
    assert "4 units, 3 key tasks, 12 assignments, 24 reports" in output
    plan = AnnualPlan.objects.get(year=2023)
    assert OrgUnit.objects.filter(name__startswith="压测单位").count() == 4
    assert KeyTask.objects.filter(plan=plan).count() == 3
    assert Assignment.objects.count() == 12 and ProgressReport.objects.count() == 24
    # Completed assignments say when; nothing is completed after the as-of date.
    assert not Assignment.objects.filter(status="completed", completed_at__isnull=True).exists()
    assert not Assignment.objects.filter(completed_at__gt=dt.date(2023, 9, 20)).exists()


@pytest.mark.django_db
def test_same_seed_same_data_and_reruns_replace():
    _run(units=5, tasks=4, reports=3, seed=9)
    first = _digest()
    _run(units=5, tasks=4, reports=3, seed=9)
    assert _digest() == first
    assert Assignment.objects.count() == 20 and ProgressReport.objects.count() == 60
    _run(units=5, tasks=4, reports=3, seed=10)
    assert _digest() != first
