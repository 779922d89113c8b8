"""The roll-up of a committee above: one row per committee below, the same figures as that committee's own
dashboard, and a read-only drill-down into it; nobody else's."""

from django.urls import reverse

from tasks.models import AnnualPlan
from tasks.rules import local_today
from tasks.selectors import committee_rollup, dashboard_get
from tasks.services.reports import progress_report_approve


def test_one_row_per_committee_below_with_its_dashboards_figures(client, tree):
    progress_report_approve(report=tree.a.report, reviewer=tree.a.member)
    rows = {row.committee: row for row in committee_rollup(tree.top_member, year=local_today().year)}
    assert set(rows) == {tree.a.committee_unit, tree.b.committee_unit}
    for bureau in (tree.a, tree.b):
        own = dashboard_get(user=bureau.member, plan=bureau.plan)
        row = rows[bureau.committee_unit]
        assert row.lights.counts == own.lights.counts
        assert (row.lights.completion_rate, row.lights.on_time_rate) == (
            own.lights.completion_rate,
            own.lights.on_time_rate,
        )
        assert row.progress == own.overall_progress
    assert rows[tree.a.committee_unit].progress == 40

    client.force_login(tree.top_member)
    body = client.get(reverse("rollup")).content.decode()
    assert "甲局党委" in body and "乙局党委" in body and "下级党委汇总" in body


def test_a_bureau_has_no_rollup_and_a_secretary_neither(client, tree):
    client.force_login(tree.a.member)
    response = client.get(reverse("rollup"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "贵党委没有下级党委" in body and "乙局" not in body
    client.force_login(tree.a.secretary)
    assert client.get(reverse("rollup")).status_code == 403


def test_a_committee_above_without_plans_below_this_year_is_told_so(client, tree):
    AnnualPlan.objects.filter(committee__in=[tree.a.committee_unit, tree.b.committee_unit]).update(year=2001)
    client.force_login(tree.top_member)
    assert "下级党委尚无本年度工作要点" in client.get(reverse("rollup")).content.decode()


def test_the_drill_down_is_read_only_and_keeps_to_the_lower_plan(client, tree):
    year = local_today().year
    client.force_login(tree.top_member)
    url = f"{reverse('dashboard')}?committee={tree.a.committee_unit.pk}&year={year}"
    body = client.get(url).content.decode()
    assert tree.a.plan.title in body and 'id="drill-banner"' in body
    assert f"committee={tree.a.committee_unit.pk}" in body  # its links stay in the lower plan
    assert "<td>1</td>" not in body  # no rank column: the bureau's ranks are its own
    listed = client.get(f"{reverse('assignment_list')}?committee={tree.a.committee_unit.pk}&year={year}")
    assert tree.a.key_task.title in listed.content.decode()
    client.force_login(tree.a.member)
    assert "<td>1</td>" in client.get(reverse("dashboard")).content.decode()  # the bureau ranks its branch
    client.force_login(tree.top_member)
    own = client.get(reverse("dashboard")).content.decode()
    assert tree.top_plan.title in own and 'id="drill-banner"' not in own and "下级党委" in own


def test_a_sister_cannot_be_drilled_into(client, tree):
    client.force_login(tree.a.member)
    body = client.get(f"{reverse('dashboard')}?committee={tree.b.committee_unit.pk}").content.decode()
    assert "乙局" not in body
