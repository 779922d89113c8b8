"""The two homes: a secretary's starts with counts (逾期 / 预警 / 本月待反馈) that open the list filtered to
exactly them; a committee member's is the review queue and the red list, not every assignment of the plan."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from tasks.models import KeyTask
from tasks.services import progress_report_submit
from tests.factories import AssignmentFactory, KeyTaskFactory, ReportFactory

pytestmark = pytest.mark.django_db

# 10 July 2023: overdue_b (28 April) is red; assignment_a1 and assignment_b (29 December) are not.
NOW = dt.datetime(2023, 7, 10, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _mid_year():
    with time_machine.travel(NOW):
        yield


@pytest.fixture
def monthly_b(key_task, org, secretary_b):
    task = KeyTaskFactory(
        plan=key_task.plan,
        area=key_task.area,
        number="2.1",
        title="每月开展主题党日",
        lead_unit=org.branch_b,
        start_date=dt.date(2023, 1, 3),
        deadline=dt.date(2023, 12, 29),
        cadence=KeyTask.Cadence.MONTHLY,
    )
    return AssignmentFactory(key_task=task, unit=org.branch_b, owner=secretary_b, progress=50)


def counts(page: str) -> dict[str, tuple[int, str]]:
    block = page[page.index('id="home-counts"') : page.index('id="workbench-rows"')]
    found = re.findall(
        r'href="([^"]+)">\s*<div class="card-body p-2">\s*<div class="home-count-number[^"]*">(\d+)</div>'
        r'\s*<div class="small text-body">([^<]+)</div>',
        block,
    )
    return {label: (int(number), url.replace("&amp;", "&")) for url, number, label in found}


def listed(client, url: str) -> int:
    page = client.get(url).content.decode()
    return int(re.search(r"共 (\d+) 项承办任务", page).group(1))


def test_the_secretary_home_starts_with_counts_that_open_the_filtered_list(
    client, secretary_b, assignment_b, overdue_b, monthly_b
):
    client.force_login(secretary_b)
    page = client.get(reverse("home")).content.decode()
    found = counts(page)
    assert list(found) == ["逾期", "预警", "本月待反馈"]
    number = {label: value for label, (value, _url) in found.items()}
    assert number["逾期"] == 1
    monthly_label = "本月待反馈"
    assert number[monthly_label] == 1
    assert page.index('id="home-counts"') < page.index('id="workbench-rows"')
    for value, url in found.values():
        assert url.startswith(reverse("assignment_list") + "?year=2023&")
        assert listed(client, url) == value
    # Reported this month (any state): no longer due.
    progress_report_submit(
        assignment=monthly_b, author=secretary_b, percent=60, narrative="七月主题党日", obstacles="场地紧张"
    )
    page = client.get(reverse("home")).content.decode()
    assert counts(page)[monthly_label][0] == 0


def test_a_report_of_last_month_does_not_count_for_this_one(client, secretary_b, monthly_b):
    ReportFactory(assignment=monthly_b, author=secretary_b, submitted_at=dt.datetime(2023, 6, 30, 8, tzinfo=dt.UTC))
    client.force_login(secretary_b)
    url = reverse("assignment_list") + "?year=2023&report=due_this_month"
    assert listed(client, url) == 1


def test_filters_fold_behind_one_button_on_a_phone(client, secretary_b, assignment_b):
    client.force_login(secretary_b)
    for url in (reverse("home"), reverse("assignment_list"), reverse("key_task_list")):
        page = client.get(url + "?year=2023&q=x").content.decode()
        target = re.search(r'data-bs-toggle="collapse" data-bs-target="#([\w-]+-filters)"', page).group(1)
        assert f'class="collapse d-md-block" id="{target}"' in page
        assert re.search(r'd-md-none[^>]*>\s*筛选条件 <span class="badge text-bg-secondary">1</span>', page)
        assert "<script>" not in page  # CSP: Bootstrap's collapse by data attributes, no inline code


def test_the_committee_home_is_the_review_queue_and_the_red_list(
    client, committee, secretary_a, assignment_a1, assignment_b, overdue_b
):
    waiting = progress_report_submit(
        assignment=assignment_a1, author=secretary_a, percent=30, narrative="推进", obstacles="人手不足"
    )
    client.force_login(committee)
    response = client.get(reverse("home"))
    page = response.content.decode()
    assert response.templates[0].name == "tasks/committee_home.html"
    assert f'href="{reverse("review_queue")}#review-{waiting.pk}"' in page  # the queue
    assert overdue_b.key_task.title in page  # the red list
    assert assignment_b.get_absolute_url() not in page  # not every assignment of the plan
    assert 'id="workbench-rows"' not in page
    assert f"{reverse('assignment_list')}?year=2023&amp;light=red&amp;sort=deadline" in page
    assert f"{reverse('assignment_list')}?year=2023&amp;owner={committee.pk}" in page


def test_the_scan_reminds_exactly_the_assignments_the_home_counts(client, secretary_b, monthly_b, key_task, org):
    """本月待反馈 is one rule: on the 25th the monthly reminders go to what the home counts and lists."""
    from tasks.models import Reminder
    from tasks.services import reminders

    reported = AssignmentFactory(key_task=monthly_b.key_task, unit=org.branch_a1, progress=50)
    with time_machine.travel(dt.datetime(2023, 7, 25, 2, 0, tzinfo=dt.UTC)):
        ReportFactory(assignment=reported, submitted_at=dt.datetime(2023, 7, 3, 8, tzinfo=dt.UTC))
        reminders.reminder_scan(enqueue=False)
        reminded = set(Reminder.objects.filter(kind=Reminder.Kind.REPORT_DUE).values_list("assignment_id", flat=True))
        client.force_login(secretary_b)
        count = counts(client.get(reverse("home")).content.decode())["本月待反馈"][0]
    assert reminded == {monthly_b.pk}
    assert count == 1
