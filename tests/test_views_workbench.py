"""The workbench (我的任务): filters, light and order run in the database, whatever the user's scope."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks.demo import load_generate
from tasks.models import Assignment, ProgressReport
from tasks.views import pages
from tests.factories import AreaFactory, AssignmentFactory, KeyTaskFactory, ReportFactory

TODAY = dt.datetime(2023, 12, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def workbench(plan, org, committee, secretary_a, key_task):
    """Branch A's four assignments: red, yellow (due soon), green, completed; one per report state."""
    other_area = AreaFactory(plan=plan, name="组织建设")
    unit = org.branch_a

    def assign(title, area, deadline, **fields):
        number = f"9.{len(rows) + 1}"
        task = KeyTaskFactory(
            plan=plan, area=area, number=number, title=title, start_date=dt.date(2023, 1, 3), deadline=deadline
        )
        return AssignmentFactory(key_task=task, unit=unit, owner=secretary_a, deadline=deadline, **fields)

    rows = {}
    rows["red"] = assign("逾期的任务", key_task.area, dt.date(2023, 12, 1), progress=90)
    rows["yellow"] = assign("临期的任务", other_area, dt.date(2023, 12, 22), progress=90)
    rows["green"] = assign("正常的任务", other_area, dt.date(2024, 6, 28), progress=99)
    rows["done"] = assign(
        "完成的任务",
        key_task.area,
        dt.date(2023, 11, 30),
        progress=100,
        status=Assignment.Status.COMPLETED,
        completed_at=dt.date(2023, 11, 20),
    )
    ReportFactory(assignment=rows["yellow"], author=secretary_a, state=ProgressReport.State.SUBMITTED)
    ReportFactory(
        assignment=rows["red"],
        author=secretary_a,
        state=ProgressReport.State.RETURNED,
        reviewer=committee,
        reviewed_at=TODAY - dt.timedelta(days=3),
    )
    return rows


def titles(client, **params) -> list[str]:
    body = client.get(reverse("home"), params).content.decode()
    order = ["逾期的任务", "临期的任务", "正常的任务", "完成的任务"]
    return sorted((title for title in order if title in body), key=body.index)


@time_machine.travel(TODAY)
def test_most_urgent_first_and_every_filter(client, secretary_a, workbench):
    client.force_login(secretary_a)
    assert titles(client) == ["逾期的任务", "临期的任务", "正常的任务", "完成的任务"]
    assert titles(client, light="red") == ["逾期的任务"]
    assert titles(client, light="yellow") == ["临期的任务"]
    assert titles(client, light="done") == ["完成的任务"]
    assert titles(client, status="open") == ["逾期的任务", "临期的任务", "正常的任务"]
    assert titles(client, status="completed") == ["完成的任务"]
    assert titles(client, status="submitted") == ["临期的任务"]
    assert titles(client, status="returned") == ["逾期的任务"]
    assert titles(client, area=workbench["green"].key_task.area_id) == ["临期的任务", "正常的任务"]
    assert titles(client, q="临期") == ["临期的任务"]
    assert titles(client, q=workbench["red"].key_task.number) == ["逾期的任务"]
    assert titles(client, q="no such words") == []


@time_machine.travel(TODAY)
def test_a_long_list_comes_in_pages_most_urgent_first(client, secretary_a, workbench, monkeypatch):
    monkeypatch.setattr(pages, "HOME_PAGE_SIZE", 2)
    client.force_login(secretary_a)
    assert titles(client) == ["逾期的任务", "临期的任务"]
    assert titles(client, page=2) == ["正常的任务", "完成的任务"]
    body = client.get(reverse("home"), {"page": 2, "status": "open"}).content.decode()
    assert "第 3–3 项，共 3 项承办任务" in body and "正常的任务" in body
    assert "?page=1&amp;status=open" in body  # the previous page keeps the filter


@time_machine.travel(TODAY)
def test_a_secretary_never_sees_other_units_through_filters(client, secretary_b, workbench):
    client.force_login(secretary_b)
    assert titles(client) == [] and titles(client, light="red") == [] and titles(client, q="任务") == []


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_committees_plan(client, committee, org):
    """A committee member's home (review queue, red list) covers every assignment of the plan: it must stay a
    few queries."""
    load_generate(units=3, tasks=2, reports=1, seed=5, year=2023, as_of=dt.date(2023, 9, 20))
    client.force_login(committee)
    url = reverse("home") + "?year=2023"

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    load_generate(units=30, tasks=10, reports=2, seed=5, year=2023, as_of=dt.date(2023, 9, 20))
    assert count() == small
