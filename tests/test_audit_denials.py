"""Permission denials are audited at most once a minute per user and kind, with the count of the rest: a user who
requests hidden ids in a loop cannot flood the audit log, and the auditor still learns how often it happened."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tasks.audit import audit_denials_flush
from tasks.models import AuditEntry, DenialWindow, User
from tests.factories import AssignmentFactory, KeyTaskFactory, UserFactory

START = dt.datetime(2026, 3, 2, 9, 0, 5, tzinfo=dt.UTC)


def denied():
    return list(AuditEntry.objects.filter(action="denied").order_by("id"))


@pytest.fixture
def hidden(key_task, org, secretary_b):
    """Fifty assignments of branch B, hidden from secretary_a."""
    return [
        AssignmentFactory(
            key_task=KeyTaskFactory(plan=key_task.plan, area=key_task.area, number=f"9.{n}", lead_unit=org.branch_b),
            unit=org.branch_b,
            owner=secretary_b,
        )
        for n in range(50)
    ]


def test_a_flood_of_hidden_ids_is_one_row_a_minute_with_the_count_and_the_first_is_kept(client, secretary_a, hidden):
    client.force_login(secretary_a)
    with time_machine.travel(START, tick=False):
        for assignment in hidden:
            assert client.get(reverse("assignment_detail", args=[assignment.pk])).status_code == 404
        for assignment in hidden[:5]:  # another kind of object: its own row
            assert client.get(reverse("report_create", args=[assignment.pk])).status_code == 404
    rows = denied()
    assert len(rows) == 1, "the assignment pages and the report pages are the same kind: a hidden assignment"
    (first,) = rows
    assert (first.username, first.object_type, first.object_id) == (
        "secretary_a",
        "tasks.assignment",
        str(hidden[0].pk),
    )
    assert first.detail["path"] == f"/assignments/{hidden[0].pk}/"

    # The next minute: the count of the last one is written before the new minute's first denial.
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        client.get(reverse("assignment_detail", args=[hidden[7].pk]))
    first_again, summary, next_minute = denied()
    assert first_again == first
    assert summary.detail["repeated"] == 54 and summary.detail["first_entry"] == first.pk
    assert (summary.username, summary.user_id, summary.result) == ("secretary_a", secretary_a.pk, "failure")
    assert next_minute.object_id == str(hidden[7].pk)


def test_users_and_kinds_are_counted_apart(secretary_a, secretary_b, hidden, org, key_task, client):
    own_of_a = AssignmentFactory(key_task=key_task, unit=org.branch_a1, owner=secretary_a)
    other = Client()
    client.force_login(secretary_a)
    other.force_login(secretary_b)
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            client.get(reverse("assignment_detail", args=[hidden[0].pk]))
            other.get(reverse("assignment_detail", args=[own_of_a.pk]))
            client.get(reverse("audit_log"))  # a refused page: another kind
    assert [(row.username, row.object_type or row.detail["kind"]) for row in denied()] == [
        ("secretary_a", "tasks.assignment"),
        ("secretary_b", "tasks.assignment"),
        ("secretary_a", "audit_log"),
    ]
    with time_machine.travel(START + dt.timedelta(minutes=3), tick=False):
        assert audit_denials_flush() == 3
        assert audit_denials_flush() == 0, "a count is written once"
    assert sorted(row.detail["repeated"] for row in denied()[3:]) == [2, 2, 2]
    assert not DenialWindow.objects.exists()


def test_the_auditor_sees_the_count_of_a_minute_that_just_ended(client, secretary_a, hidden):
    auditor = UserFactory(username="auditor", is_staff=True, admin_duty=User.AdminDuty.AUDIT)
    intruder = Client()
    intruder.force_login(secretary_a)
    with time_machine.travel(START, tick=False):
        for assignment in hidden[:10]:
            intruder.get(reverse("assignment_detail", args=[assignment.pk]))
    client.force_login(auditor)
    with time_machine.travel(START + dt.timedelta(seconds=70), tick=False):
        page = client.get(reverse("audit_log"), {"action": "denied"})
    assert page.status_code == 200
    summary = denied()[-1]
    assert summary.detail["repeated"] == 9


def test_a_denial_in_a_minute_without_repeats_leaves_nothing_to_count(client, secretary_a, hidden):
    client.force_login(secretary_a)
    with time_machine.travel(START, tick=False):
        client.get(reverse("assignment_detail", args=[hidden[0].pk]))
    with time_machine.travel(START + dt.timedelta(minutes=2), tick=False):
        assert audit_denials_flush() == 0
    assert len(denied()) == 1
