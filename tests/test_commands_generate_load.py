import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tasks.models import AnnualPlan, Assignment, KeyTask, OrgUnit, ProgressReport
from tasks.rules import Light
from tasks.services.tallies import grouped_rows, stored_rows


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


@pytest.fixture(autouse=True)
def _developer_machine(settings):
    settings.DEBUG = True  # where generate_load is meant to run; the tests of DEBUG off say so


def _counts() -> tuple:
    return (
        AnnualPlan.objects.count(),
        KeyTask.objects.count(),
        Assignment.objects.count(),
        ProgressReport.objects.count(),
        KeyTask.history.count(),
        OrgUnit.objects.count(),
    )


@pytest.mark.django_db
def test_a_plan_it_did_not_make_is_never_touched(assignment_a1, secretary_a):
    """Real work of the same year (here with a report and its evidence, as the demo has): refused, with a clear
    message, and nothing written: no unit, account or plan of the load either."""
    from tasks.services import progress_report_submit
    from tests.helpers import pdf

    progress_report_submit(
        assignment=assignment_a1,
        author=secretary_a,
        percent=30,
        narrative="学习",
        obstacles="人手不足",
        files=[pdf()],
    )
    before = _counts()
    with pytest.raises(CommandError, match="was not made by generate_load"):
        _run(units=3, tasks=2, reports=1)
    assert _counts() == before
    assert not AnnualPlan.objects.filter(is_generated=True).exists()


@pytest.mark.django_db
def test_with_debug_off_it_runs_only_when_told_this_is_not_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--i-know-this-is-not-production"):
        _run(units=2, tasks=1)
    assert not AnnualPlan.objects.exists()
    out = StringIO()
    call_command(
        "generate_load",
        "--units=2",
        "--tasks=1",
        "--year=2023",
        "--as-of=2023-09-20",
        "--i-know-this-is-not-production",
        stdout=out,
    )
    assert "2 assignments" in out.getvalue()
    assert AnnualPlan.objects.get(year=2023).is_generated


@pytest.mark.django_db
def test_a_tree_of_committees_with_a_cascaded_point():
    """--committees: a 工委 over committees, each with its branches and its own plan, and the 工委's one key task
    answered by every committee's first (its progress is theirs); each committee sees only its own."""
    from tasks import access
    from tasks.demo import ROOT_UNIT
    from tasks.models import CascadeLink, Membership
    from tasks.rules import weighted_mean
    from tests.factories import UserFactory

    output = _run(units=3, tasks=2, reports=2, committees=2)
    assert "2 committees under 压测党委" in output and "6 units, 4 key tasks, 12 assignments, 24 reports" in output
    top = OrgUnit.objects.get(name=ROOT_UNIT)
    first, second = OrgUnit.objects.filter(parent=top, kind=OrgUnit.Kind.COMMITTEE).order_by("name")
    assert OrgUnit.objects.filter(parent=first, kind=OrgUnit.Kind.BRANCH).count() == 3
    assert AnnualPlan.objects.filter(year=2023).count() == 3
    given = Assignment.objects.filter(key_task__plan__committee=top).order_by("unit__name")
    assert [a.unit for a in given] == [first, second]
    for assignment in given:
        [link] = CascadeLink.objects.filter(assignment=assignment)
        answer = link.key_task
        assert answer.plan.committee == assignment.unit and answer.number == "1.1"
        assert assignment.progress == round(weighted_mean(answer.assignments.values_list("progress", "weight")))
    member = UserFactory()
    Membership.objects.create(user=member, unit=first, role=Membership.Role.COMMITTEE)
    seen = access.visible_assignments(member)
    assert seen.filter(unit__parent=second).count() == 0 and seen.filter(unit__parent=first).count() == 6
    # Run again: the same tree, nothing doubled.
    _run(units=3, tasks=2, reports=2, committees=2)
    assert Assignment.objects.count() == 14 and CascadeLink.objects.count() == 2


@pytest.mark.django_db
def test_a_negative_number_of_committees_is_refused():
    with pytest.raises(CommandError, match="0 or more"):
        _run(units=1, tasks=1, committees=-1)


@pytest.mark.django_db(transaction=True)
def test_a_rerun_leaves_the_plans_stored_counts_true():
    """The rerun deletes and inserts without signals, in one transaction: the counts follow all the same."""
    _run(units=3, tasks=2, reports=1, seed=1)
    plan = AnnualPlan.objects.get(year=2023)
    stored_rows([plan.pk])
    _run(units=4, tasks=2, reports=1, seed=2)
    by_key_task, by_unit = stored_rows([plan.pk])[plan.pk]
    assert sum(sum(row[light] for light in Light.values) for row in by_unit) == Assignment.objects.count() == 8
    live_key_task, _ = grouped_rows(Assignment.objects.filter(key_task__plan=plan))
    assert sorted(map(repr, by_key_task)) == sorted(map(repr, live_key_task))
