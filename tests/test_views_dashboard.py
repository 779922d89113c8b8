import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tasks.models import Assignment
from tasks.services import progress_report_approve, progress_report_submit
from tests.factories import AreaFactory, AssignmentFactory, KeyTaskFactory, ReportFactory

# 10 July 2023: assignment_a1 and assignment_b (deadline 29 Dec) are on track; the ones below are not.
NOW = dt.datetime(2023, 7, 10, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def due_soon_a1(key_task, org, secretary_a):
    area = AreaFactory(plan=key_task.plan, name="思想建设", sort_order=2)
    task = KeyTaskFactory(
        plan=key_task.plan,
        area=area,
        number="2.1",
        title="制定中心组学习计划",
        lead_unit=org.branch_a1,
        start_date=dt.date(2023, 1, 3),
        deadline=dt.date(2023, 7, 14),
    )
    return AssignmentFactory(key_task=task, unit=org.branch_a1, owner=secretary_a, progress=90)


@pytest.fixture
def waiting_report(assignment_a1, secretary_a):
    with time_machine.travel(dt.datetime(2023, 7, 3, 10, 0, tzinfo=dt.UTC)):
        return ReportFactory(
            assignment=assignment_a1, author=secretary_a, percent=55, obstacles="缺少场地，请党建办协调会议室。"
        )


def _body(client, url=None, **params):
    response = client.get(url or reverse("dashboard"), params)
    assert response.status_code == 200
    return response.content.decode()


@time_machine.travel(NOW)
def test_dashboard_shows_every_element_for_the_committee(
    client, committee, assignment_a1, assignment_b, overdue_b, due_soon_a1, waiting_report
):
    client.force_login(committee)
    body = _body(client)
    assert "2023年度党建工作要点" in body
    for text in ("政治建设", "思想建设", "办公室党支部", "业务一科党支部"):  # areas, units (labels)
        assert text in body
    assert "<svg" in body and 'class="expected"' in body  # light bar and month chart, server-side
    assert overdue_b.key_task.title in body  # red list
    assert due_soon_a1.key_task.title in body  # next 14 days
    assert f"{reverse('assignment_detail', args=[assignment_a1.pk])}" in body  # report waiting for review
    assert "请党建办协调会议室" in body  # difficulties of a yellow assignment (0 % in July)
    # Drill-downs: a light, an area, a unit and a month open filtered lists.
    assert f"{reverse('assignment_list')}?year=2023&amp;light=red" in body
    assert f"{reverse('key_task_list')}?year=2023&amp;area={key_task_area(assignment_a1)}" in body
    assert f"{reverse('assignment_list')}?year=2023&amp;unit={overdue_b.unit_id}" in body
    assert "deadline_after=2023-04-01&amp;deadline_before=2023-04-30" in body
    # No CDN: every script and stylesheet is served locally.
    assert "https://" not in body.split("<main")[0] and "cdn" not in body.lower()


def key_task_area(assignment):
    return assignment.key_task.area_id


@time_machine.travel(NOW)
def test_counts_by_light_and_overall_completion(client, committee, assignment_a1, assignment_b, overdue_b, due_soon_a1):
    Assignment.objects.filter(pk=assignment_a1.pk).update(progress=50)
    client.force_login(committee)
    response = client.get(reverse("dashboard"))
    data = response.context["data"]
    # a1 at 50 % is on track; b at 0 % lags; 1.3 is overdue; 2.1 is due within 5 working days.
    assert data.lights.counts == {"red": 1, "yellow": 2, "green": 1, "done_late": 0, "done": 0}
    # Key task 1.2: (50 + 0) / 2 = 25; 1.3: 40; 2.1: 90; equal key-task weights.
    assert str(data.overall_progress) == "51.7"
    assert [(row.area.name, str(row.progress)) for row in data.areas] == [("政治建设", "32.5"), ("思想建设", "90.0")]


@time_machine.travel(NOW)
def test_secretary_sees_only_their_units(client, secretary_a, assignment_a1, assignment_b, overdue_b, due_soon_a1):
    client.force_login(secretary_a)
    response = client.get(reverse("dashboard"))
    body = response.content.decode()
    data = response.context["data"]
    assert data.lights.total == 2
    assert {row.unit_id for row in data.units} == {assignment_a1.unit_id}
    assert "业务一科党支部" not in body and overdue_b.key_task.title not in body
    assert data.red_rows == []


@time_machine.travel(NOW)
def test_outsider_sees_no_numbers(client, outsider, assignment_a1, overdue_b):
    client.force_login(outsider)
    body = _body(client)
    assert overdue_b.key_task.title not in body and "办公室党支部" not in body


def test_dashboard_needs_login(client, db):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_an_approval_shows_on_the_next_request(client, committee, secretary_a, assignment_a1):
    client.force_login(committee)
    with time_machine.travel(NOW):
        assert client.get(reverse("dashboard")).context["data"].overall_progress == 0
        report = progress_report_submit(
            assignment=assignment_a1, author=secretary_a, percent=60, narrative="推进中", obstacles="人手不足"
        )
        progress_report_approve(report=report, reviewer=committee)
        data = client.get(reverse("dashboard")).context["data"]
    assert str(data.overall_progress) == "60.0"
    assert data.reports_waiting == []


@time_machine.travel(NOW)
def test_units_table_sorts_and_ranks(client, committee, assignment_a1, assignment_b, overdue_b):
    Assignment.objects.filter(pk=assignment_a1.pk).update(progress=70)
    client.force_login(committee)
    ranked = client.get(reverse("dashboard")).context["units"]
    assert [row.unit_id for row, _, _ in ranked] == [assignment_a1.unit_id, assignment_b.unit_id]
    assert [row.rank for row, _, _ in ranked] == [1, 2]
    by_red = client.get(reverse("dashboard"), {"sort": "-red"}).context["units"]
    assert by_red[0][0].unit_id == overdue_b.unit_id


@time_machine.travel(NOW)
def test_year_selector_shows_another_plan(client, committee, assignment_a1):
    from tests.factories import PlanFactory

    PlanFactory(year=2022, title="2022年度党建工作要点")
    client.force_login(committee)
    assert "2022年度党建工作要点" in _body(client, year=2022)
    assert client.get(reverse("dashboard"), {"year": "x"}).status_code == 200


def test_print_stylesheet_sets_a4_landscape_and_hides_navigation():
    from pathlib import Path

    css = Path(__file__).resolve().parent.parent.joinpath("tasks/static/tasks/app.css").read_text()
    assert "size: A4 landscape" in css and "nav.navbar" in css
