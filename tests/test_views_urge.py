"""Urging from the page and from the list: one urge a working day, said on the button; several at once, each told."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tasks.models import AuditEntry, InboxMessage, Urge
from tasks.services.reminders import assignment_urge
from tests.factories import AssignmentFactory, KeyTaskFactory

NOW = dt.datetime(2023, 7, 10, 2, 0, tzinfo=dt.UTC)  # Monday 10:00 in Shanghai
pytestmark = pytest.mark.usefixtures("_frozen")


@pytest.fixture
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def late_b(key_task, org, secretary_b):
    task = KeyTaskFactory(plan=key_task.plan, area=key_task.area, number="3.1", deadline=dt.date(2023, 6, 30))
    return AssignmentFactory(key_task=task, unit=org.branch_b, owner=secretary_b)


def test_the_urge_box_says_how_many_and_when_and_waits_for_the_next_working_day(client, committee, assignment_b):
    client.force_login(committee)
    page = client.get(assignment_b.get_absolute_url()).content.decode()
    assert "尚未催办" in page

    client.post(reverse("assignment_urge", args=[assignment_b.pk]), {"message": "请尽快报送"})
    page = client.get(assignment_b.get_absolute_url()).content.decode()

    assert "已催办 1 次，最近一次 2023-07-10 10:00（王建国）" in page
    assert "每项承办任务每个工作日催办一次：下次可于 2023-07-11 催办。" in page
    assert 'disabled aria-describedby="urge-wait"' in page


def test_a_second_urge_the_same_day_is_refused_in_the_box(client, committee, assignment_b):
    client.force_login(committee)
    url = reverse("assignment_urge", args=[assignment_b.pk])
    client.post(url, {"message": "请尽快报送"})

    response = client.post(url, {"message": "再次催办"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    page = response.content.decode()
    assert "已于 2023-07-10 10:00 由王建国催办" in page
    assert "再次催办" in page  # what was typed stays
    assert Urge.objects.count() == 1


def test_urging_several_from_the_list_tells_each_and_names_the_refused(
    client, committee, secretary_a, secretary_b, assignment_a1, assignment_b, late_b
):
    assignment_urge(assignment=assignment_b, urged_by=committee)
    client.force_login(committee)

    response = client.post(
        reverse("assignment_urge_many"),
        {
            "assignment": [assignment_a1.pk, assignment_b.pk, late_b.pk],
            "message": "请本周内报送",
            "next": "/assignments/?light=red",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/assignments/?light=red"
    page = response.content.decode()
    assert "已催办 2 项承办任务" in page
    assert f"{assignment_b.key_task.number} {assignment_b.key_task.title} · {assignment_b.unit.label}：未催办。" in page
    assert Urge.objects.filter(message="请本周内报送").count() == 2
    assert InboxMessage.objects.filter(user=secretary_a, body__contains="请本周内报送").count() == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.URGE).count() == 3


def test_urging_several_with_nothing_ticked_says_so(client, committee, assignment_b):
    client.force_login(committee)
    response = client.post(reverse("assignment_urge_many"), {"message": "请本周内报送"}, follow=True)

    assert "请先勾选要催办的承办任务。" in response.content.decode()
    assert not Urge.objects.exists()


def test_only_the_committee_may_urge_several_and_an_outside_next_is_ignored(
    client, committee, secretary_b, assignment_b
):
    client.force_login(secretary_b)
    url = reverse("assignment_urge_many")
    assert client.post(url, {"assignment": [assignment_b.pk], "message": "x"}).status_code == 404
    client.force_login(committee)
    response = client.post(url, {"assignment": [assignment_b.pk], "message": "x", "next": "https://evil.example/"})
    assert response["Location"] == "/assignments/"


def test_the_committee_list_offers_ticks_and_the_secretary_list_does_not(client, committee, secretary_b, late_b):
    client.force_login(committee)
    page = client.get("/assignments/").content.decode()
    assert f'name="assignment" value="{late_b.pk}" form="urge-many"' in page
    client.force_login(secretary_b)
    assert 'form="urge-many"' not in client.get("/assignments/").content.decode()


def test_the_red_list_says_when_each_last_reported_and_was_last_urged(client, committee, late_b):
    assignment_urge(assignment=late_b, urged_by=committee)
    client.force_login(committee)
    page = client.get("/dashboard/").content.decode()
    assert "尚未反馈 · 已催办 1 次，最近 2023-07-10" in page


# --- Approving several reports ---------------------------------------------------------------------------------


def test_approving_several_reports_names_the_one_that_changed_meanwhile(
    client, committee, secretary_a, secretary_b, assignment_a1, assignment_b
):
    from tasks.models import ProgressReport
    from tasks.services.reports import progress_report_submit

    mine = progress_report_submit(
        assignment=assignment_a1, author=secretary_a, percent=40, narrative="召开专题会", obstacles="缺少场地"
    )
    theirs = progress_report_submit(
        assignment=assignment_b, author=secretary_b, percent=60, narrative="完成学习", obstacles="缺少场地"
    )
    client.force_login(committee)
    queue = client.get(reverse("review_queue")).content.decode()
    assert f'name="report" value="{mine.pk}" form="approve-many"' in queue
    ProgressReport.objects.filter(pk=theirs.pk).update(version=theirs.version + 1)  # someone edited it meanwhile

    response = client.post(
        reverse("reports_approve_many"),
        {"report": [mine.pk, theirs.pk], f"version-{mine.pk}": mine.version, f"version-{theirs.pk}": theirs.version},
        follow=True,
    )

    page = response.content.decode()
    assert "已通过 1 条进展反馈。" in page
    assert (
        f"{theirs.assignment.key_task.number} {theirs.assignment.key_task.title} · 业务一科党支部（60%）：未通过。"
        in page
    )
    states = dict(ProgressReport.objects.values_list("pk", "state"))
    assert states == {mine.pk: "approved", theirs.pk: "submitted"}
    assert AuditEntry.objects.filter(action=AuditEntry.Action.REVIEW).count() == 1


def test_approving_several_with_nothing_ticked_says_so(client, committee):
    client.force_login(committee)
    response = client.post(reverse("reports_approve_many"), {}, follow=True)
    assert "请先勾选要通过的进展反馈。" in response.content.decode()


def test_only_reviewers_may_approve_several(client, secretary_a, assignment_a1):
    from tasks.services.reports import progress_report_submit

    report = progress_report_submit(
        assignment=assignment_a1, author=secretary_a, percent=40, narrative="召开专题会", obstacles="缺少场地"
    )
    client.force_login(secretary_a)
    assert client.post(reverse("reports_approve_many"), {"report": [report.pk]}).status_code == 404
    report.refresh_from_db()
    assert report.state == "submitted"


def test_the_audit_log_shows_an_urge_by_its_assignment_and_message(client, committee, late_b):
    from tasks.models import User
    from tests.factories import UserFactory

    assignment_urge(assignment=late_b, urged_by=committee, message="请本周内报送")
    auditor = UserFactory(username="auditor", is_staff=True, admin_duty=User.AdminDuty.AUDIT)
    client.force_login(auditor)

    page = client.get("/audit/?action=urge").content.decode()

    assert f"承办任务</span> {late_b}" in page
    assert "<dt>留言</dt><dd>请本周内报送</dd>" in page
    assert "tasks.assignment#" not in page and "{&#x27;" not in page


def test_the_committee_home_red_list_says_when_each_last_reported_and_was_last_urged(client, committee, late_b):
    assignment_urge(assignment=late_b, urged_by=committee)
    client.force_login(committee)
    page = client.get("/").content.decode()
    assert "尚未反馈 · 已催办 1 次，最近 2023-07-10" in page
