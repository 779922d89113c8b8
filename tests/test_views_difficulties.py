import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tasks.models import DifficultyAnswer, ProgressReport
from tasks.services import difficulty_answer, progress_report_submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _early_in_the_year():
    with time_machine.travel(dt.datetime(2023, 2, 10, 2, 0, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def raised(assignment_a1, secretary_a):
    return progress_report_submit(
        assignment=assignment_a1,
        author=secretary_a,
        percent=20,
        narrative="已制定方案",
        obstacles="缺少场地，请协调会议室",
    )


def test_the_report_form_offers_difficulties_on_a_green_assignment(client, secretary_a, assignment_a1):
    client.force_login(secretary_a)
    page = client.get(reverse("report_create", args=[assignment_a1.pk])).content.decode()
    assert 'name="obstacles"' in page and "选填：遇到的困难或需要党委协调的事项" in page
    data = {"version": assignment_a1.version, "percent": "20", "actual_value": "", "narrative": "起步"}
    client.post(reverse("report_create", args=[assignment_a1.pk]), {**data, "obstacles": "经费未到位"})
    assert ProgressReport.objects.get().obstacles == "经费未到位"


def test_committee_answers_under_the_report(client, committee, raised):
    client.force_login(committee)
    page = client.get(raised.assignment.get_absolute_url()).content.decode()
    assert f'action="{reverse("difficulty_answer", args=[raised.pk])}#difficulty-{raised.pk}"' in page
    assert "待协调" in page
    response = client.post(
        reverse("difficulty_answer", args=[raised.pk]), {"state": "coordinated", "body": "已协调办公室提供会议室"}
    )
    assert response.status_code == 302
    assert response["Location"] == raised.assignment.get_absolute_url() + f"#report-{raised.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "困难已标记为已协调，已通知张伟。" in page and "答复困难：已协调" in page


def test_a_wrong_answer_comes_back_where_it_was_with_the_text_kept(client, committee, raised):
    client.force_login(committee)
    response = client.post(reverse("difficulty_answer", args=[raised.pk]), {"state": "", "body": "已电话沟通"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "请选择“已协调”或“已解决”。" in page and "已电话沟通" in page
    assert '<details class="mt-1" open>' in page
    assert not DifficultyAnswer.objects.exists()


def test_the_secretary_sees_the_answer_and_cannot_answer(client, committee, secretary_a, raised):
    difficulty_answer(report=raised, answered_by=committee, state="resolved", body="会议室已落实")
    client.force_login(secretary_a)
    page = client.get(raised.assignment.get_absolute_url()).content.decode()
    assert "会议室已落实" in page and "已解决" in page and "答复困难：已解决" in page
    assert reverse("difficulty_answer", args=[raised.pk]) not in page
    response = client.post(reverse("difficulty_answer", args=[raised.pk]), {"state": "resolved", "body": "x"})
    assert response.status_code == 404


def test_the_dashboard_drops_an_answered_difficulty(client, committee, raised):
    client.force_login(committee)
    assert "缺少场地，请协调会议室" in client.get(reverse("dashboard")).content.decode()
    difficulty_answer(report=raised, answered_by=committee, state="coordinated", body="已协调")
    body = client.get(reverse("dashboard")).content.decode()
    assert "缺少场地，请协调会议室" not in body and "没有待协调的困难" in body
