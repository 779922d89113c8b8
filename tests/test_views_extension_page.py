"""申请延期 from the top of the assignment page, on a page of its own; past the deadline, why not and whom to ask."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from tasks.models import Assignment, ExtensionRequest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _early_in_the_year():
    with time_machine.travel(dt.datetime(2023, 2, 10, 2, 0, tzinfo=dt.UTC)):
        yield


def test_the_extension_is_one_tap_from_the_top(client, secretary_a, assignment_a1):
    client.force_login(secretary_a)
    page = client.get(assignment_a1.get_absolute_url()).content.decode()
    url = reverse("extension_create", args=[assignment_a1.pk])
    actions = re.search(r'<div[^>]*id="assignment-actions">(.*?)</div>', page, re.S).group(1)
    assert f'href="{url}"' in actions and "申请延期" in actions
    # Before the timeline, which can be long.
    assert page.index('id="assignment-actions"') < page.index("动态记录")
    form = client.get(url)
    assert form.status_code == 200
    assert 'name="requested_deadline"' in form.content.decode()


def test_a_wrong_request_comes_back_on_the_same_page_with_the_text_kept(client, secretary_a, assignment_a1):
    client.force_login(secretary_a)
    response = client.post(
        reverse("extension_create", args=[assignment_a1.pk]), {"requested_deadline": "2023-06-30", "reason": "场地推迟"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "新的截止日期必须晚于当前截止日期" in page or "晚于" in page
    assert "场地推迟</textarea>" in page and 'id="extension-form"' in page
    assert not ExtensionRequest.objects.exists()
    response = client.post(
        reverse("extension_create", args=[assignment_a1.pk]), {"requested_deadline": "2024-01-31", "reason": "场地推迟"}
    )
    assert response.status_code == 302 and response["Location"] == assignment_a1.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert "待党委审批" in page or "2024-01-31" in page
    assert f'href="{reverse("extension_create", args=[assignment_a1.pk])}"' not in page  # one request at a time


def test_past_the_deadline_the_page_says_why_and_whom_to_contact(client, secretary_a, committee, assignment_a1):
    Assignment.objects.filter(pk=assignment_a1.pk).update(deadline=dt.date(2023, 2, 9))
    client.force_login(secretary_a)
    for url in (assignment_a1.get_absolute_url(), reverse("extension_create", args=[assignment_a1.pk])):
        page = client.get(url).content.decode()
        assert "截止日期（2023-02-09）已过，不能再申请延期" in page
        assert "王建国</strong> (责任领导)" in page  # the key task's responsible leader
        assert 'name="requested_deadline"' not in page
    response = client.post(
        reverse("extension_create", args=[assignment_a1.pk]), {"requested_deadline": "2023-03-31", "reason": "来不及"}
    )
    assert response.status_code == 422 and "已过完成时限：延期申请须在完成时限前提出。" in response.content.decode()
    assert not ExtensionRequest.objects.exists()


def test_without_a_leader_the_committee_is_the_contact(client, secretary_a, committee, assignment_a1):
    assignment_a1.key_task.responsible_leader = None
    assignment_a1.key_task.save()
    Assignment.objects.filter(pk=assignment_a1.pk).update(deadline=dt.date(2023, 2, 9))
    client.force_login(secretary_a)
    page = client.get(assignment_a1.get_absolute_url()).content.decode()
    assert "<strong>王建国</strong>" in page and "(责任领导)" not in page


def test_only_reporters_reach_the_extension_page(client, committee, secretary_b, assignment_a1):
    for user in (committee, secretary_b):
        client.force_login(user)
        assert client.get(reverse("extension_create", args=[assignment_a1.pk])).status_code == 404
