"""The roll-up's organisational-life column: each committee below shows its branches' 组织生活开展率 of the year, the
same count as that committee's own dashboard line (selectors.orglife, one definition), read for all committees in
one pass; a committee none of whose branches has a roster here shows "—" with the reason."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks import access
from tasks.models import OrgUnit, PartyGroup
from tasks.selectors import committee_rollup
from tasks.selectors.orglife import LightTally, orglife_by_committee, orglife_summary
from tasks.services.orglife.meetings import AttendanceLine, meeting_record_create
from tests.factories import AssignmentFactory, PlanFactory
from tests.support_committees import tree_build

TODAY = dt.date(2024, 6, 20)
YEAR = TODAY.year


@pytest.fixture
def today():
    with time_machine.travel(dt.datetime(2024, 6, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield TODAY


@pytest.fixture
def tree(db, meeting_types, today):
    """甲局 keeps more of its organisational life than 乙局 (which has only the fixture's meeting of today)."""
    tree = tree_build(meeting_types)
    group = PartyGroup.objects.create(unit=tree.a.branch, name="第一党小组")
    tree.a.party_member.party_group = group
    tree.a.party_member.save()
    for month in (1, 2, 3, 4, 5):
        held(tree.a, [meeting_types["theme_day"], meeting_types["committee_meeting"]], dt.date(YEAR, month, 10))
    held(tree.a, [meeting_types["group_meeting"]], dt.date(YEAR, 2, 12), party_group=group)
    return tree


def held(bureau, types, day, *, party_group=None):
    return meeting_record_create(
        unit=bureau.branch,
        user=bureau.secretary,
        types=types,
        held_on=day,
        place="会议室",
        host="书记",
        recorder="委员",
        topics="学习",
        party_group=party_group,
        attendance=[AttendanceLine(bureau.party_member.pk, "present")],
    )


def bureau_without_roster(tree, name="丙局"):
    committee = OrgUnit.objects.create(name=f"{name}党委", kind=OrgUnit.Kind.COMMITTEE, parent=tree.top_unit)
    OrgUnit.objects.create(name=f"{name}办公室党支部", kind=OrgUnit.Kind.BRANCH, parent=committee)
    plan = PlanFactory(committee=committee, year=YEAR, title=f"{name}要点")
    AssignmentFactory(key_task__plan=plan, unit=committee)
    return committee


def test_each_committee_shows_the_organisational_life_its_own_dashboard_counts(tree):
    rows = {row.committee: row for row in committee_rollup(tree.top_member, year=YEAR)}
    for bureau in (tree.a, tree.b):
        assert rows[bureau.committee_unit].orglife == orglife_summary(bureau.member, today=TODAY).tally
    a, b = rows[tree.a.committee_unit].orglife, rows[tree.b.committee_unit].orglife
    assert a.done > b.done and a.held_rate > b.held_rate  # not the same figure twice
    # 甲局 by June 20: 5 months × (theme day + committee meeting), one group meeting, the general meeting of today
    # (Q2) and of its Q1 none: 12 held; missed: Q1 general meeting, Q1 lecture, 4 group meetings (Jan, Mar-May).
    assert (a.done, a.red) == (12, 6) and a.held_rate == Decimal("66.7")


def test_a_committee_without_a_roster_shows_a_dash_with_the_reason(client, tree):
    none_kept = bureau_without_roster(tree)
    rows = {row.committee: row for row in committee_rollup(tree.top_member, year=YEAR)}
    assert rows[none_kept].orglife is None and rows[tree.b.committee_unit].orglife is not None
    client.force_login(tree.top_member)
    body = client.get(reverse("rollup")).content.decode()
    row = body[body.index("丙局党委") :].split("</tr>")[0]
    assert "—" in row and "尚未导入党员名册" in row
    a_row = body[body.index(">甲局党委<") :].split("</tr>")[0]
    assert "66.7%" in a_row and "未开展" in a_row  # the missed ones with their light


def test_every_committee_is_read_in_one_pass(tree):
    """The queries do not grow with the committees: two committees or four, the same count."""
    ids = [tree.a.committee_unit.pk, tree.b.committee_unit.pk]
    access.scope_for(tree.top_member)  # the user's scope, once a request whatever the page
    with CaptureQueriesContext(connection) as two:
        orglife_by_committee(tree.top_member, committee_ids=ids, year=YEAR, today=TODAY)
    more = [*ids, bureau_without_roster(tree, "丙局").pk, bureau_without_roster(tree, "丁局").pk]
    with CaptureQueriesContext(connection) as four:
        found = orglife_by_committee(tree.top_member, committee_ids=more, year=YEAR, today=TODAY)
    # The tree, rosters, types, party groups, the calendar's overrides, the records.
    assert len(four) == len(two) == 6
    assert found[more[2]] is None and found[tree.a.committee_unit.pk].done == 12


def test_a_committee_inside_a_bureau_counts_for_it_and_for_the_bureau(tree, meeting_types):
    nested = OrgUnit.objects.create(name="甲局机关党委", kind=OrgUnit.Kind.COMMITTEE, parent=tree.a.committee_unit)
    tree.a.branch.parent = nested
    tree.a.branch.save()
    found = orglife_by_committee(
        tree.top_member, committee_ids=[nested.pk, tree.a.committee_unit.pk], year=YEAR, today=TODAY
    )
    assert found[nested.pk] == found[tree.a.committee_unit.pk] == orglife_summary(tree.a.member, today=TODAY).tally


def test_the_held_rate_counts_what_is_held_or_missed():
    assert LightTally(done=3, red=1, yellow=5, green=7).held_rate == Decimal("75.0")
    assert LightTally(yellow=2, green=4).held_rate is None  # nothing due yet: no rate, not 0


def test_the_dashboard_drilled_into_shows_that_committees_organisational_life(client, tree):
    client.force_login(tree.top_member)
    own = client.get(reverse("dashboard")).context["orglife"]
    assert own.branches == 2  # the 工委 sees both bureaus' branches
    drilled = client.get(f"{reverse('dashboard')}?committee={tree.a.committee_unit.pk}&year={YEAR}")
    summary = drilled.context["orglife"]
    assert summary.branches == 1 and summary.tally == orglife_summary(tree.a.member, today=TODAY).tally
