import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.factories import TEST_PASSWORD


def test_login_page_speaks_chinese(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "登录" in body and "用户名" in body


def test_wrong_password_gets_a_chinese_message(client, secretary_a):
    response = client.post(reverse("login"), {"username": "secretary_a", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名" in response.content.decode() and "密码" in response.content.decode()


def test_login_and_logout(client, secretary_a):
    response = client.post(reverse("login"), {"username": "secretary_a", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


@time_machine.travel(dt.datetime(2023, 12, 27, 10, 0, tzinfo=dt.UTC))
def test_home_shows_visible_assignments_with_light_deadline_and_progress(
    client, secretary_a, assignment_a1, assignment_b
):
    client.force_login(secretary_a)
    body = client.get(reverse("home")).content.decode()
    assert assignment_a1.key_task.title in body
    assert "预警" in body  # two working days before the deadline
    assert "2023-12-29" in body
    assert assignment_b.unit.name not in body


@time_machine.travel(dt.datetime(2023, 12, 27, 10, 0, tzinfo=dt.UTC))
def test_home_navigation_differs_by_role(client, committee, secretary_a, assignment_a1):
    client.force_login(secretary_a)
    assert "管理后台" not in client.get(reverse("home")).content.decode()


def test_healthz_reports_database_and_broker(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "status": "ok"}


@pytest.mark.django_db
def test_healthz_reports_a_broken_broker(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
