"""Which plan a page, an export or a command works on: decided once, in tasks.selectors.plans."""

import datetime as dt

import pytest
import time_machine
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.urls import reverse

from tasks.management.commands._export_args import plan_for_year
from tasks.models import AnnualPlan
from tasks.selectors import current_plan, plan_of_year
from tasks.views.common import year_param
from tests.factories import PlanFactory

IN_2024 = dt.datetime(2024, 3, 5, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def plans(org):
    """2022 closed, 2023 published, 2024 a draft the committee is preparing."""
    return {
        2022: PlanFactory(year=2022, status=AnnualPlan.Status.CLOSED),
        2023: PlanFactory(year=2023, status=AnnualPlan.Status.PUBLISHED),
        2024: PlanFactory(year=2024, status=AnnualPlan.Status.DRAFT),
    }


@time_machine.travel(IN_2024, tick=False)
def test_the_year_asked_for_wins_when_the_user_may_see_it(plans, committee, secretary_a):
    assert current_plan(committee, 2022) == plans[2022]
    assert current_plan(secretary_a, 2022) == plans[2022]


@time_machine.travel(IN_2024, tick=False)
def test_without_a_year_this_years_plan_then_the_newest_published(plans, committee, secretary_a):
    assert current_plan(committee) == plans[2024]  # the committee sees its draft of this year
    assert current_plan(secretary_a) == plans[2023]  # a secretary never sees a draft


@time_machine.travel(IN_2024, tick=False)
def test_a_year_not_visible_or_missing_falls_back_like_no_year(plans, committee, secretary_a):
    assert current_plan(secretary_a, 2024) == plans[2023]
    assert current_plan(secretary_a, 2031) == plans[2023]
    assert current_plan(committee, 2031) == plans[2024]


@time_machine.travel(IN_2024, tick=False)
def test_only_drafts_the_committee_sees_the_newest_a_secretary_none(db, committee, secretary_a):
    PlanFactory(year=2025, status=AnnualPlan.Status.DRAFT)
    PlanFactory(year=2026, status=AnnualPlan.Status.DRAFT)
    assert current_plan(committee).year == 2026
    assert current_plan(secretary_a) is None


def test_the_command_line_sees_every_plan_of_the_exact_year(plans):
    assert plan_of_year(None, 2024) == plans[2024]
    assert plan_for_year(2024) == plans[2024]
    with pytest.raises(CommandError, match="There is no plan for 2031"):
        plan_for_year(2031)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"year": "2024"}, 2024),
        ({"year": " 2023 "}, 2023),
        ({}, None),
        ({"year": ""}, None),
        ({"year": "abcd"}, None),
        ({"year": "²"}, None),  # a digit to str.isdigit, not to int()
        ({"year": "２０２４"}, None),  # full-width digits
        ({"year": "99999999999999999999"}, None),
        ({"year": "-2024"}, None),
    ],
)
def test_the_year_is_read_from_the_query_string_one_way(query, expected):
    assert year_param(RequestFactory().get("/", query)) == expected


@time_machine.travel(IN_2024, tick=False)
@pytest.mark.parametrize("name", ["home", "dashboard", "assignment_list", "key_task_list", "exports"])
def test_every_page_with_a_year_shows_the_plan_asked_for_and_survives_nonsense(client, plans, secretary_a, name):
    client.force_login(secretary_a)
    response = client.get(reverse(name), {"year": "2022"})
    assert response.status_code == 200
    assert response.context["plan"] == plans[2022]
    response = client.get(reverse(name), {"year": "²"})
    assert response.status_code == 200
    assert response.context["plan"] == plans[2023]
