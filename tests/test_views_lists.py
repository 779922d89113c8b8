import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from tests.factories import AreaFactory, AssignmentFactory, KeyTaskFactory, OrgUnitFactory

NOW = dt.datetime(2023, 7, 10, 2, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.usefixtures("_frozen")


@pytest.fixture
def _frozen():
    with time_machine.travel(NOW):
        yield


@pytest.fixture
def ideology_a1(key_task, org, secretary_a, committee):
    area = AreaFactory(plan=key_task.plan, name="思想建设", sort_order=2)
    task = KeyTaskFactory(
        plan=key_task.plan,
        area=area,
        number="2.1",
        title="制定中心组学习计划",
        lead_unit=org.branch_a1,
        start_date=dt.date(2023, 1, 3),
        deadline=dt.date(2023, 9, 15),
        responsible_leader=None,
    )
    return AssignmentFactory(key_task=task, unit=org.branch_a1, owner=secretary_a, progress=70)


def _ids(response):
    return [row.assignment.pk for row in response.context["rows"]]


def test_assignment_list_is_most_urgent_first(client, committee, assignment_a1, assignment_b, overdue_b, ideology_a1):
    client.force_login(committee)
    response = client.get(reverse("assignment_list"), {"year": 2023})
    assert response.status_code == 200
    assert _ids(response)[0] == overdue_b.pk  # red
    assert [row.light.value for row in response.context["rows"]] == ["red", "yellow", "yellow", "green"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"light": "red"}, ["overdue_b"]),
        ({"light": ["red", "green"]}, ["overdue_b", "ideology_a1"]),
        ({"unit": "branch_b"}, ["assignment_b", "overdue_b"]),
        ({"area": "ideology"}, ["ideology_a1"]),
        ({"owner": "secretary_b"}, ["assignment_b", "overdue_b"]),
        ({"leader": "committee"}, ["assignment_a1", "assignment_b"]),
        ({"deadline_after": "2023-04-01", "deadline_before": "2023-04-30"}, ["overdue_b"]),
        ({"q": "中心组"}, ["ideology_a1"]),
        ({"status": "in_progress", "sort": "-progress"}, ["ideology_a1", "overdue_b", "assignment_b", "assignment_a1"]),
    ],
)
def test_assignment_list_filters(
    client, committee, org, secretary_b, assignment_a1, assignment_b, overdue_b, ideology_a1, params, expected
):
    objects = {
        "assignment_a1": assignment_a1,
        "assignment_b": assignment_b,
        "overdue_b": overdue_b,
        "ideology_a1": ideology_a1,
    }
    params = dict(params)
    if params.get("unit") == "branch_b":
        params["unit"] = org.branch_b.pk
    if params.get("area") == "ideology":
        params["area"] = ideology_a1.key_task.area_id
    if params.get("owner") == "secretary_b":
        params["owner"] = secretary_b.pk
    if params.get("leader") == "committee":
        params["leader"] = committee.pk
    client.force_login(committee)
    response = client.get(reverse("assignment_list"), {"year": 2023, **params})
    got = _ids(response)
    if "sort" in params:
        assert got == [objects[name].pk for name in expected]
    else:
        assert sorted(got) == sorted(objects[name].pk for name in expected)


def test_filter_state_is_in_the_url_and_kept_by_sorting_and_paging(client, committee, assignment_a1, overdue_b):
    client.force_login(committee)
    body = client.get(reverse("assignment_list"), {"year": 2023, "light": "red", "q": "规则"}).content.decode()
    assert "sort=deadline" in body and "light=red" in body and "q=%E8%A7%84%E5%88%99" in body


def test_pagination(client, committee, key_task, org):
    from tests.factories import OrgUnitFactory

    for _ in range(55):
        AssignmentFactory(key_task=key_task, unit=OrgUnitFactory())
    client.force_login(committee)
    first = client.get(reverse("assignment_list"), {"year": 2023})
    second = client.get(reverse("assignment_list"), {"year": 2023, "page": 2})
    assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == 5
    assert not set(_ids(first)) & set(_ids(second))


def test_rows_a_page(client, committee, key_task, org):
    """50, 100 or 200 rows a page; the links keep the filters and start again from the first page; anything else
    in the address is the default, not an error."""
    for _ in range(120):
        AssignmentFactory(key_task=key_task, unit=OrgUnitFactory())
    client.force_login(committee)
    page = client.get(reverse("assignment_list"), {"year": 2023, "sort": "deadline", "page": 2})
    html = page.content.decode()
    assert 'href="?year=2023&amp;sort=deadline&amp;per_page=100"' in html  # page=2 dropped
    assert "每页条数" in html
    hundred = client.get(reverse("assignment_list"), {"year": 2023, "per_page": 100})
    assert len(hundred.context["rows"]) == 100 and hundred.context["page"].paginator.num_pages == 2
    assert len(client.get(reverse("assignment_list"), {"year": 2023, "per_page": 200}).context["rows"]) == 120
    for wrong in ("7", "abc", "-100", "１００"):
        assert len(client.get(reverse("assignment_list"), {"year": 2023, "per_page": wrong}).context["rows"]) == 50
    key_tasks = client.get(reverse("key_task_list"), {"year": 2023, "per_page": 100})
    assert key_tasks.context["page"].paginator.per_page == 100


def test_secretary_cannot_filter_into_another_unit(client, secretary_a, org, assignment_a1, assignment_b, overdue_b):
    client.force_login(secretary_a)
    for url in (reverse("assignment_list"), reverse("key_task_list")):
        for params in ({}, {"unit": org.branch_b.pk}, {"light": "red"}, {"q": "修订"}):
            body = client.get(url, {"year": 2023, **params}).content.decode()
            assert overdue_b.key_task.title not in body, (url, params)
            assert "业务一科" not in body, (url, params)
    rows = client.get(reverse("assignment_list"), {"year": 2023}).context["rows"]
    assert [row.assignment.pk for row in rows] == [assignment_a1.pk]


def test_key_task_list_counts_lights_of_visible_assignments(
    client, committee, secretary_a, assignment_a1, assignment_b, overdue_b, ideology_a1
):
    client.force_login(committee)
    response = client.get(reverse("key_task_list"), {"year": 2023})
    rows = {key_task.number: counts for key_task, counts in response.context["rows"]}
    assert list(rows) == ["1.2", "1.3", "2.1"]
    assert rows["1.2"].counts["yellow"] == 2 and rows["1.3"].counts["red"] == 1
    red = client.get(reverse("key_task_list"), {"year": 2023, "light": "red"})
    assert [key_task.number for key_task, _ in red.context["rows"]] == ["1.3"]
    area = client.get(reverse("key_task_list"), {"year": 2023, "area": ideology_a1.key_task.area_id})
    assert [key_task.number for key_task, _ in area.context["rows"]] == ["2.1"]
    client.force_login(secretary_a)
    mine = client.get(reverse("key_task_list"), {"year": 2023}).context["rows"]
    assert {key_task.number: counts.total for key_task, counts in mine} == {"1.2": 1, "2.1": 1}


def test_lists_need_login(client, db):
    for name in ("assignment_list", "key_task_list"):
        assert client.get(reverse(name)).status_code == 302


def test_filter_choices_offer_only_what_the_user_may_see_and_keep_the_choice(
    client, org, committee, secretary_a, assignment_a1, assignment_b
):
    """The unit and owner choices are cached; the cache must not hand one user's choices to another."""
    client.force_login(committee)
    body = client.get(reverse("assignment_list"), {"year": 2023, "unit": org.branch_b.pk}).content.decode()
    assert f'<option value="{org.branch_b.pk}" selected>{org.branch_b.label}</option>' in body
    assert f'<option value="{org.branch_a1.pk}">' in body
    client.force_login(secretary_a)
    body = client.get(reverse("assignment_list"), {"year": 2023}).content.decode()
    assert f'<option value="{org.branch_a1.pk}">' in body
    assert f'<option value="{org.branch_b.pk}"' not in body and org.branch_b.label not in body


def test_a_new_unit_appears_in_the_choices_at_once(client, org, committee, assignment_a1):
    client.force_login(committee)
    client.get(reverse("assignment_list"), {"year": 2023})  # choices now cached
    new_unit = OrgUnitFactory(name="新成立的党支部<b>")
    body = client.get(reverse("assignment_list"), {"year": 2023}).content.decode()
    assert f'<option value="{new_unit.pk}">新成立的党支部&lt;b&gt;</option>' in body


def test_someone_who_sees_nothing_gets_empty_lists(client, outsider, assignment_a1):
    client.force_login(outsider)
    for name in ("assignment_list", "key_task_list", "dashboard", "home"):
        assert client.get(reverse(name), {"year": 2023, "light": "red"}).status_code == 200, name


def test_a_cached_list_changes_with_the_next_write(client, committee, assignment_a1, assignment_b, overdue_b):
    """Counts and page ids are cached until the next write: a completed assignment leaves the red list at once."""
    client.force_login(committee)
    red = {"year": 2023, "light": "red"}
    assert _ids(client.get(reverse("assignment_list"), red)) == [overdue_b.pk]
    overdue_b.status, overdue_b.completed_at, overdue_b.progress = "completed", dt.date(2023, 7, 7), 100
    overdue_b.save()
    response = client.get(reverse("assignment_list"), red)
    assert _ids(response) == [] and response.context["page"].paginator.count == 0


@pytest.mark.parametrize(
    "path", ["/key-tasks/?sort=-deadline", "/assignments/?sort=-deadline", "/dashboard/?sort=-name"]
)
def test_the_sorted_column_header_carries_aria_sort_with_an_aria_value(client, committee, assignment_a1, path):
    """WCAG (axe-core's aria-allowed-attr and aria-valid-attr-value): aria-sort belongs on the <th>, and its value
    is ARIA's word, not a translated one."""
    client.force_login(committee)
    html = client.get(path).content.decode()
    sorted_headers = re.findall(r"<th\b[^>]*\baria-sort=\"([^\"]*)\"", html)
    assert sorted_headers == ["descending"]
    assert not re.search(r"<a\b[^>]*aria-sort", html)
    assert "(降序)" in html  # still said to screen readers that do not announce aria-sort
