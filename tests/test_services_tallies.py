"""Stored plan tallies (tasks.services.tallies): whatever wrote last, the dashboard's and the roll-up's figures are
the plan's assignments counted now, and a viewer who sees part of a plan never reads the whole plan's tally."""

import datetime as dt
import importlib
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks.models import Assignment, PlanTally, ProgressReport
from tasks.selectors import dashboard_get
from tasks.services import extension_request_create, extension_request_decide, progress_report_approve, tallies
from tasks.services.lights import lights_current
from tasks.services.tallies import count_plans, grouped_rows, stored_rows
from tests.factories import AssignmentFactory, OrgUnitFactory
from tests.test_services_reports import submit

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def counted_now(plan) -> tuple[list[dict], list[dict]]:
    """The plan's assignments grouped now, in a stable order (what the stored tally must equal)."""
    by_key_task, by_unit = grouped_rows(Assignment.objects.filter(key_task__plan=plan))
    return _ordered(by_key_task), _ordered(by_unit)


def stored(plan) -> tuple[list[dict], list[dict]]:
    by_key_task, by_unit = stored_rows([plan.pk])[plan.pk]
    return _ordered(by_key_task), _ordered(by_unit)


def _ordered(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: repr(sorted(row.items())))


@pytest.fixture
def branches(key_task, org):
    """Twelve assignments of one key task beside the fixtures' two, at every stage."""
    rows = []
    for n in range(12):
        unit = OrgUnitFactory(name=f"第{n}党支部", parent=org.committee_unit)
        done = n % 4 == 0
        rows.append(
            AssignmentFactory(
                key_task=key_task,
                unit=unit,
                deadline=dt.date(2023, 3 + n % 9, 20),
                progress=100 if done else n * 7,
                status=Assignment.Status.COMPLETED if done else Assignment.Status.IN_PROGRESS,
                completed_at=dt.date(2023, 3 + n % 9, 10) if done else None,
            )
        )
    return rows


def test_the_stored_tally_is_the_plan_counted_after_each_kind_of_write(
    plan,
    key_task,
    branches,
    assignment_a1,
    assignment_b,
    secretary_a,
    secretary_b,
    committee,
    django_capture_on_commit_callbacks,
):
    with time_machine.travel(at(dt.date(2023, 6, 1))):
        lights_current()
        assert stored(plan) == counted_now(plan)

        with django_capture_on_commit_callbacks(execute=True):
            report = submit(assignment_a1, secretary_a, percent=100, obstacles="人手紧张")
            progress_report_approve(report=report, reviewer=committee)
        assert stored(plan) == counted_now(plan)
        assert PlanTally.objects.get(plan=plan).stale is False  # counted when the write committed, not on the read

        with django_capture_on_commit_callbacks(execute=True):
            extension = extension_request_create(
                assignment=assignment_b,
                requested_by=secretary_b,
                requested_deadline=dt.date(2024, 1, 31),
                reason="人员调整",
            )
            extension_request_decide(extension=extension, decided_by=committee, approve=True)
        assert stored(plan) == counted_now(plan)

        with django_capture_on_commit_callbacks(execute=True):
            branches[1].delete()
        assert stored(plan) == counted_now(plan)

    # The date moves on: deadlines pass, lights turn red, and the first read counts them again.
    with time_machine.travel(at(dt.date(2023, 11, 20))):
        before = stored(plan)
        lights_current()
        after = stored(plan)
    assert after == counted_now(plan)
    assert after != before


def test_a_write_inside_a_transaction_marks_the_tally_stale_at_once(plan, key_task, branches, committee, client):
    """Without the commit hook (a test transaction never commits), the next read still counts the write."""
    client.force_login(committee)
    with time_machine.travel(at(dt.date(2023, 6, 1))):
        first = client.get(reverse("dashboard"), {"year": 2023}).context["data"].lights.total
        AssignmentFactory(key_task=key_task, unit=OrgUnitFactory(name="新党支部", parent=plan.committee))
        assert PlanTally.objects.get(plan=plan).stale
        second = client.get(reverse("dashboard"), {"year": 2023}).context["data"].lights.total
    assert second == first + 1


def test_a_viewer_who_sees_part_of_the_plan_counts_only_that(plan, key_task, branches, assignment_a1, secretary_a):
    with time_machine.travel(at(dt.date(2023, 6, 1))):
        data = dashboard_get(user=secretary_a, plan=plan)
    assert data.lights.total == 1
    assert [row.unit_id for row in data.units] == [assignment_a1.unit_id]


def test_the_dashboard_reads_the_tally_instead_of_grouping_the_assignments(plan, key_task, branches, committee):
    with time_machine.travel(at(dt.date(2023, 6, 1))):
        dashboard_get(user=committee, plan=plan)  # counts the tally once
        with CaptureQueriesContext(connection) as queries:
            data = dashboard_get(user=committee, plan=plan)
    assert data.lights.total == len(branches)
    grouped = [query["sql"] for query in queries if "GROUP BY" in query["sql"] and "tasks_assignment" in query["sql"]]
    assert grouped == []


def test_counting_a_plan_deleted_meanwhile_does_nothing(plan, key_task, branches):
    stored_rows([plan.pk])
    missing = plan.pk + 1000
    count_plans([missing])
    assert not PlanTally.objects.filter(plan_id=missing).exists()


@pytest.mark.django_db(transaction=True)
def test_approving_reports_in_bulk_counts_the_plan_once(
    plan,
    assignment_a1,
    assignment_b,
    secretary_a,
    secretary_b,
    committee,
    client,
    monkeypatch,
):
    """Real commits (a transactional test): approved one by one, each approval's commit counted the plan again."""
    counted = []
    monkeypatch.setattr(tallies, "grouped_rows", lambda assignments: counted.append(1) or grouped_rows(assignments))
    with time_machine.travel(at(dt.date(2023, 6, 1))):
        stored_rows([plan.pk])
        reports = [
            submit(assignment_a1, secretary_a, obstacles="人手紧张"),
            submit(assignment_b, secretary_b, obstacles="经费"),
        ]
        counted.clear()
        client.force_login(committee)
        client.post(reverse("reports_approve_many"), {"report": [report.pk for report in reports]})
        assert stored(plan) == counted_now(plan)
    assert len(counted) == 1
    assert all(report.state == "approved" for report in ProgressReport.objects.filter(pk__in=[r.pk for r in reports]))


def test_a_tally_stored_before_the_upgrade_is_counted_again_in_the_new_form(plan, key_task, branches):
    """0027 keeps one row a unit: a tally stored one row a unit and light is marked stale by the upgrade and never
    read as it is."""
    from django.apps import apps

    lights_current()
    count_plans([plan.pk])
    PlanTally.objects.filter(plan=plan).update(by_unit=[[key_task.lead_unit_id, "green", 2, 90]])  # the old form
    importlib.import_module("tasks.migrations.0027_plan_tally_one_row_a_unit").mark_stale(apps, None)
    assert stored(plan) == counted_now(plan)
    assert all(len(row) == len(tallies.UNIT_COLUMNS) for row in PlanTally.objects.get(plan=plan).by_unit)
