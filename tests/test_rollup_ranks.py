"""Rankings stay private to the committee that ranks: a bureau sees its branches' ranks; the 工委 sees the committees'
ranks (on its roll-up, by the dashboards' rule); nobody sees a sister's, nor a committee above's, nor a committee
below's (a drill-down shows no rank, and its order does not tell them)."""

import re

from django.urls import reverse

from tasks.models import Membership, OrgUnit
from tasks.rules import local_today
from tasks.selectors import committee_rollup
from tasks.selectors.dashboard import LightCounts, UnitRow, rank_units, sort_units
from tasks.services.reports import progress_report_approve
from tests.factories import AssignmentFactory, MembershipFactory, PlanFactory, UserFactory


def rank_header(body: str) -> bool:
    return bool(re.search(r'<th scope="col"[^>]*>(<a [^>]*>)?排名', body))


def test_the_gongwei_sees_its_committees_ranked_by_the_dashboards_rule(client, tree):
    progress_report_approve(report=tree.a.report, reviewer=tree.a.member)  # 甲局 40 %, 乙局 0 %
    rows = committee_rollup(tree.top_member, year=local_today().year)
    assert {row.committee: row.rank for row in rows} == {tree.a.committee_unit: 1, tree.b.committee_unit: 2}
    assert [row.committee for row in rows] == [tree.b.committee_unit, tree.a.committee_unit]  # the units' order
    # The same rule as the dashboard's units: rank_units on the same rows gives the same ranks.
    again = rank_units([type(row)(row.committee, row.plan, row.lights, row.progress) for row in rows])
    assert {row.committee: row.rank for row in again} == {row.committee: row.rank for row in rows}
    client.force_login(tree.top_member)
    body = client.get(reverse("rollup")).content.decode()
    assert rank_header(body)
    table = body[body.index('id="rollup-table"') :]
    assert re.search(r"<td>1</td>\s*<td><a [^>]*>甲局党委</a>", table)
    assert re.search(r"<td>2</td>\s*<td><a [^>]*>乙局党委</a>", table)


def test_equal_committees_share_a_rank(tree):
    rows = committee_rollup(tree.top_member, year=local_today().year)  # neither report approved: the same figures
    assert [row.rank for row in rows] == [1, 1]


def test_a_bureau_sees_its_branches_ranks_and_the_gongwei_on_its_dashboard_does_not(client, tree):
    year = local_today().year
    client.force_login(tree.a.member)
    own = client.get(reverse("dashboard"))
    assert own.context["ranks_shown"] and rank_header(own.content.decode())
    assert [row.rank for row, _url, _counts in own.context["units"]] == [1]
    client.force_login(tree.top_member)
    drilled = client.get(f"{reverse('dashboard')}?committee={tree.a.committee_unit.pk}&year={year}&sort=rank")
    assert not drilled.context["ranks_shown"] and not rank_header(drilled.content.decode())
    assert drilled.context["unit_sort"] == "name"  # rank order would tell the ranks


def test_a_bureau_sees_no_rank_of_the_gongwei_nor_of_a_sister(client, tree, cascade):
    year = local_today().year
    client.force_login(tree.a.member)
    # The 工委's plan, which the bureau carries (its answer to 1.1): the 工委's ranks are not the bureau's.
    above = client.get(f"{reverse('dashboard')}?committee={tree.top_unit.pk}&year={year}")
    assert above.context["plan"] == tree.top_plan and not above.context["ranks_shown"]
    assert not rank_header(above.content.decode())
    sister = client.get(f"{reverse('dashboard')}?committee={tree.b.committee_unit.pk}&year={year}")
    assert "乙局" not in sister.content.decode()
    assert client.get(reverse("rollup")).status_code == 403
    # The 工委's own dashboard ranks the committees its key task is given to: its own ranks.
    client.force_login(tree.top_member)
    own = client.get(reverse("dashboard"))
    assert own.context["ranks_shown"] and {row.name for row, _url, _counts in own.context["units"]} == {
        "甲局党委",
        "乙局党委",
    }


def test_a_committee_below_a_bureau_is_the_bureaus_to_rank(client, tree):
    """A 党总支 of 甲局 with a committee of its own: on the 工委's roll-up without a rank, on 甲局's roll-up ranked."""
    year = local_today().year
    nested = OrgUnit.objects.create(name="甲局机关党委", kind=OrgUnit.Kind.COMMITTEE, parent=tree.a.committee_unit)
    plan = PlanFactory(committee=nested, year=year, title="甲局机关党委要点")
    AssignmentFactory(key_task__plan=plan, unit=nested)
    ranks = {row.committee.name: row.rank for row in committee_rollup(tree.top_member, year=year)}
    assert ranks == {"甲局党委": 1, "乙局党委": 1, "甲局机关党委": None}
    assert {row.committee.name: row.rank for row in committee_rollup(tree.a.member, year=year)} == {"甲局机关党委": 1}
    client.force_login(tree.a.member)
    assert client.get(reverse("rollup")).status_code == 200
    # The nested committee's own member has nothing below: no roll-up.
    nested_member = UserFactory(username="committee_nested")
    MembershipFactory(user=nested_member, unit=nested, role=Membership.Role.COMMITTEE)
    client.force_login(nested_member)
    assert client.get(reverse("rollup")).status_code == 403


def unit_row(name, red):
    lights = LightCounts()
    lights.add("red", red, 0, red)
    return UnitRow(unit_id=red, name=name, lights=lights)


def test_units_not_ranked_by_the_viewer_are_in_name_order_whatever_the_sort_asked():
    ranked = rank_units([unit_row("乙", 2), unit_row("甲", 1), unit_row("丙", 0)])
    assert [row.name for row in ranked] == ["丙", "甲", "乙"]  # fewest red first
    by_name = sorted(["乙", "甲", "丙"])
    for asked in ("", "rank", "nonsense"):
        rows, sort = sort_units(ranked, asked, ranked=False)
        assert ([row.name for row in rows], sort) == (by_name, "name")
    assert sort_units(ranked, "-rank", ranked=False)[1] == "-name"
    assert sort_units(ranked, "", ranked=True) == (ranked, "rank")
