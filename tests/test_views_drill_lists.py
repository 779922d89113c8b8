"""A committee above drilled into a committee below (?committee=ID) stays in that committee's plan on the lists: the
filter form, its "clear" link, the links between the lists, paging, sorting, the year picker and the ledger export
all keep naming it. A viewer's own plan needs no `committee` and gets none."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from tasks.rules import local_today
from tasks.templatetags.filters_fold import active_filter_count
from tasks.templatetags.lists import page_url
from tests.factories import PlanFactory


def drilled(tree, name="assignment_list", **params):
    query = {"committee": tree.a.committee_unit.pk, "year": local_today().year, **params}
    return reverse(name) + "?" + "&".join(f"{key}={value}" for key, value in query.items())


def test_the_filter_form_keeps_the_committee_drilled_into(client, tree):
    client.force_login(tree.top_member)
    committee = tree.a.committee_unit.pk
    body = client.get(drilled(tree)).content.decode()
    assert f'<input type="hidden" name="committee" value="{committee}">' in body
    # The filter form submitted: the committee comes back with the filters, and the list is still the bureau's.
    filtered = client.get(drilled(tree, q="专属", unit=tree.a.branch.pk)).content.decode()
    assert tree.a.plan.title in filtered and tree.a.key_task.title in filtered
    assert tree.top_plan.title not in filtered
    # Without it the list falls back to the viewer's own plan: what the hidden field prevents.
    own = client.get(reverse("assignment_list") + "?q=专属").content.decode()
    assert tree.top_plan.title in own and tree.a.key_task.title not in own


def test_the_lists_links_keep_the_committee_drilled_into(client, tree, rf):
    client.force_login(tree.top_member)
    year, committee = local_today().year, tree.a.committee_unit.pk
    kept = f"year={year}&amp;committee={committee}"
    assignments = client.get(drilled(tree, sort="number")).content.decode()
    assert f'href="?{kept}">' in assignments  # the filter form's clear link
    assert f'href="{reverse("key_task_list")}?{kept}"' in assignments
    assert f'href="{reverse("ledger_download")}?committee={committee}&amp;year={year}&amp;sort=number"' in assignments
    assert f'href="?committee={committee}&amp;year={year}&amp;sort=-number"' in assignments  # sorting
    key_tasks = client.get(drilled(tree, "key_task_list")).content.decode()
    assert f'href="{reverse("assignment_list")}?{kept}"' in key_tasks
    assert f'href="{reverse("assignment_list")}?{kept}&amp;key_task={tree.a.key_task.pk}&amp;light=' in key_tasks
    # Paging keeps the whole query, the committee with it.
    request = rf.get(drilled(tree, sort="number"))
    assert page_url({"request": request}, 2) == f"?committee={committee}&year={year}&sort=number&page=2"


def test_a_viewers_own_list_names_no_committee(client, tree):
    client.force_login(tree.a.member)
    body = client.get(reverse("assignment_list")).content.decode()
    assert tree.a.key_task.title in body and 'name="committee"' not in body and "committee=" not in body


def test_the_ledger_of_a_list_drilled_into_is_that_committees(client, tree):
    client.force_login(tree.top_member)
    response = client.get(drilled(tree, "ledger_download"))
    assert response.status_code == 200
    cells = {str(cell) for row in load_workbook(io.BytesIO(response.getvalue())).active.values for cell in row}
    assert any(tree.a.key_task.title in cell for cell in cells)
    # The assessment (ranks) stays the bureau's own: drilled into, it is refused.
    assert client.get(drilled(tree, "assessment_download")).status_code == 403


def test_the_dashboards_year_picker_stays_in_the_committee_drilled_into(client, tree):
    last_year = local_today().year - 1
    PlanFactory(committee=tree.a.committee_unit, year=last_year)  # the bureau's; the 工委 has no plan of last year
    client.force_login(tree.top_member)
    body = client.get(drilled(tree, "dashboard")).content.decode()
    picker = body[: body.index('id="drill-banner"')]
    assert f'<option value="{last_year}"' in picker
    assert f'name="committee" value="{tree.a.committee_unit.pk}"' in picker


def test_which_plan_and_paging_are_not_counted_as_filters():
    from django.http import QueryDict

    assert active_filter_count(QueryDict("year=2026&committee=3&sort=number&page=2&per_page=100")) == 0
    assert active_filter_count(QueryDict("committee=3&light=red&q=学习")) == 2
