"""The number of SQL queries of a page does not grow with the data."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks.demo import ROOT_UNIT, load_generate
from tasks.models import KeyTask, Membership, OrgUnit
from tasks.views import pages
from tests.factories import UserFactory

AS_OF = dt.date(2023, 9, 20)


@pytest.fixture(autouse=True)
def _short_pages(monkeypatch):
    """Both data sizes overflow the workbench and key task page, so both pay for the count query."""
    monkeypatch.setattr(pages, "HOME_PAGE_SIZE", 2)
    monkeypatch.setattr(pages, "KEY_TASK_ROW_LIMIT", 2)


def _query_counts(client, user) -> dict[str, int]:
    client.force_login(user)
    key_task = KeyTask.objects.order_by("id").first()
    urls = {
        "dashboard": reverse("dashboard") + "?year=2023",
        "dashboard_sorted": reverse("dashboard") + "?year=2023&sort=-red&units=all",
        "assignments": reverse("assignment_list") + "?year=2023",
        # Every light, through the light filter: rows at both sizes (an empty page saves its queries).
        "assignments_filtered": reverse("assignment_list")
        + f"?year=2023&light=red&light=yellow&light=green&light=done&light=done_late&area={key_task.area_id}",
        "key_tasks": reverse("key_task_list") + "?year=2023",
        "key_tasks_filtered": reverse("key_task_list") + "?year=2023&light=green",
        "key_task_page": reverse("key_task_detail", args=[key_task.pk]),
        "workbench": reverse("home") + "?year=2023",
    }
    counts = {}
    assert client.get(urls["assignments"]).context["page"].paginator.count > 0, "the user must see some of the plan"
    for name, url in urls.items():
        client.get(url)  # warm per-process caches (content types, calendars)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[name] = len(queries)
    return counts


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_the_data(client):
    committee = UserFactory(username="committee")
    load_generate(units=3, tasks=2, reports=1, seed=5, year=2023, as_of=AS_OF)
    Membership.objects.create(user=committee, unit=OrgUnit.objects.get(name=ROOT_UNIT), role=Membership.Role.COMMITTEE)
    small = _query_counts(client, committee)
    load_generate(units=40, tasks=12, reports=3, seed=5, year=2023, as_of=AS_OF)
    large = _query_counts(client, committee)
    assert small == large


@pytest.mark.django_db
def test_secretary_query_counts_do_not_grow_either(client):
    load_generate(units=3, tasks=2, reports=1, seed=5, year=2023, as_of=AS_OF)
    secretary = UserFactory(username="sec")
    Membership.objects.create(
        user=secretary, unit=OrgUnit.objects.get(name="压测单位0001"), role=Membership.Role.SECRETARY
    )
    small = _query_counts(client, secretary)
    load_generate(units=30, tasks=10, reports=2, seed=5, year=2023, as_of=AS_OF)
    assert _query_counts(client, secretary) == small
