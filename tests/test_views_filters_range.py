"""Numbers in the query string that no database column holds (past 64 bits, or not whole) get a form error on
the list, never a 500; the ledger download sends the user to the list, where the error shows. Run on SQLite
and PostgreSQL (CI's second pass)."""

import pytest
from django.urls import reverse

HUGE = ["9223372036854775808", "-9223372036854775809", "1e400"]
ID_PARAMETERS = ["key_task", "area", "unit", "owner", "leader"]


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("parameter", ID_PARAMETERS)
@pytest.mark.parametrize("page", ["assignment_list", "key_task_list"])
def test_an_id_out_of_range_is_a_form_error_on_the_lists(client, committee, assignment_a1, page, parameter, value):
    client.force_login(committee)
    response = client.get(reverse(page), {"year": assignment_a1.key_task.plan.year, parameter: value})
    assert response.status_code == 200
    body = response.content.decode()
    if parameter in response.context["filter"].filters:
        assert "部分筛选条件无效" in body, (page, parameter, value)
        assert assignment_a1.key_task.title not in body.split("部分筛选条件无效")[1]  # nothing listed after the error


@pytest.mark.parametrize("value", HUGE)
def test_the_ledger_with_an_id_out_of_range_goes_to_the_list_that_says_why(client, committee, assignment_a1, value):
    client.force_login(committee)
    query = {"year": assignment_a1.key_task.plan.year, "key_task": value}
    response = client.get(reverse("ledger_download"), query)
    assert response.status_code == 302 and response["Location"].startswith(reverse("assignment_list"))
    follow = client.get(response["Location"])
    assert follow.status_code == 200 and "部分筛选条件无效" in follow.content.decode()


def test_a_valid_key_task_filter_still_narrows_both(client, committee, assignment_a1, assignment_b):
    client.force_login(committee)
    key_task = assignment_a1.key_task
    response = client.get(reverse("assignment_list"), {"year": key_task.plan.year, "key_task": key_task.pk})
    assert response.status_code == 200 and "部分筛选条件无效" not in response.content.decode()
    ledger = client.get(reverse("ledger_download"), {"year": key_task.plan.year, "key_task": key_task.pk})
    assert ledger.status_code == 200
