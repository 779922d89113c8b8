import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_every_model_has_a_chinese_admin_that_searches(client, superuser, assignment_a1):
    client.force_login(superuser)
    index = client.get(reverse("admin:index")).content.decode()
    assert "重点任务" in index
    assert "任务分解" in index
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        query = "?q=党" if model_admin.search_fields else ""
        response = client.get(url + query)
        assert response.status_code == 200, (model, response.status_code)


def test_change_log_is_searchable_and_read_only(client, superuser, assignment_a1):
    from tasks.models import Assignment

    client.force_login(superuser)
    url = reverse("admin:tasks_historicalassignment_changelist")
    assert client.get(url).status_code == 200
    record = Assignment.history.first()
    change_url = reverse("admin:tasks_historicalassignment_change", args=[record.pk])
    response = client.post(change_url, {})
    assert response.status_code == 403
