"""The permission matrix: who sees which assignment, key task, report and plan."""

import re

import pytest
from django.urls import reverse

from tasks import access
from tasks.models import AnnualPlan
from tests.factories import AssignmentFactory, ReportFactory


@pytest.fixture
def member_assignment(key_task, org, member_a):
    return AssignmentFactory(key_task__plan=key_task.plan, unit=org.branch_b, owner=member_a)


def visible_ids(user):
    return set(access.visible_assignments(user).values_list("pk", flat=True))


def test_committee_sees_every_assignment(committee, assignment_a1, assignment_b):
    assert visible_ids(committee) == {assignment_a1.pk, assignment_b.pk}


def test_secretary_sees_own_unit_and_sub_units_only(secretary_a, secretary_b, assignment_a1, assignment_b):
    assert visible_ids(secretary_a) == {assignment_a1.pk}  # A1 sits under A
    assert visible_ids(secretary_b) == {assignment_b.pk}


def test_member_sees_only_what_they_own(member_a, assignment_a1, member_assignment):
    assert visible_ids(member_a) == {member_assignment.pk}


def test_outsider_sees_nothing(outsider, assignment_a1, assignment_b):
    assert visible_ids(outsider) == set()


def test_draft_plan_is_committee_only(committee, secretary_a, assignment_a1):
    AnnualPlan.objects.filter(pk=assignment_a1.key_task.plan_id).update(status=AnnualPlan.Status.DRAFT)
    assert visible_ids(secretary_a) == set()
    assert visible_ids(committee) == {assignment_a1.pk}


def test_key_tasks_and_reports_follow_assignments(secretary_a, secretary_b, assignment_a1, assignment_b):
    report_b = ReportFactory(assignment=assignment_b, author=secretary_b)
    assert list(access.visible_key_tasks(secretary_a)) == [assignment_a1.key_task]
    assert report_b not in access.visible_reports(secretary_a)
    assert report_b in access.visible_reports(secretary_b)


def test_decisions(committee, secretary_a, secretary_b, outsider, assignment_a1, settings):
    assert access.can_report(secretary_a, assignment_a1)
    assert not access.can_report(secretary_b, assignment_a1)
    assert not access.can_report(outsider, assignment_a1)
    assert access.can_review(committee) and not access.can_review(secretary_a)
    assert access.can_urge(committee) and not access.can_urge(secretary_a)


@pytest.mark.parametrize("url_name", ["assignment_detail", "key_task_detail"])
def test_other_branch_object_is_the_same_404_as_a_missing_one(client, secretary_a, assignment_b, url_name):
    client.force_login(secretary_a)
    pk = assignment_b.pk if url_name == "assignment_detail" else assignment_b.key_task_id
    hidden = client.get(reverse(url_name, args=[pk]))
    missing = client.get(reverse(url_name, args=[999999]))
    assert hidden.status_code == missing.status_code == 404
    # The CSRF token is masked afresh for every response; everything else must be identical.
    assert without_csrf_token(hidden.content) == without_csrf_token(missing.content)


def without_csrf_token(content: bytes) -> bytes:
    return re.sub(rb'"X-CSRFToken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


def test_own_assignment_opens(client, secretary_a, assignment_a1):
    client.force_login(secretary_a)
    response = client.get(reverse("assignment_detail", args=[assignment_a1.pk]))
    assert response.status_code == 200
    assert assignment_a1.key_task.title in response.content.decode()


def test_anonymous_is_sent_to_login(client, assignment_a1):
    response = client.get(reverse("assignment_detail", args=[assignment_a1.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_committee_of_branches_only_has_no_plans_below_and_asks_no_query(committee, plan, django_assert_num_queries):
    access.scope_for(committee)  # the scope is read once a request
    with django_assert_num_queries(0):
        assert not access.plans_below(committee).exists()
