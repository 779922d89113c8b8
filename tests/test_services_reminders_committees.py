"""Reminders, digests and escalations follow the tree of committees (issue [12]): a 机关工委's weekly digest reports
its own plan and one line per committee below, never the bureaus' branches; a bureau's digest is its own subtree's,
nothing of its sister; escalations and review reminders go to the leaders and reviewers of the plan they are about.

The clock stands on a Monday late in the year (the digest goes out, and work given with a deadline of 31 October is
11 working days overdue: past the escalation)."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from tasks.models import Assignment, Bundle, OrgUnit, ProgressReport, Reminder
from tasks.selectors import committee_rollup, weekly_digest
from tasks.services.cascade import cascade_link_set
from tasks.services.reminders import bundle_deliver, reminder_scan
from tasks.services.reminders.bundles import load_items
from tasks.services.reminders.channels import WeComTransport
from tasks.services.reports import progress_report_submit
from tests.factories import AreaFactory, AssignmentFactory, KeyTaskFactory
from tests.support_committees import Tree, tree_build

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = dt.date(2025, 11, 17)
LATE = dt.date(2025, 10, 31)  # 11 working days before MONDAY


@dataclass
class Monday:
    tree: Tree
    top_late: Assignment  # the 工委's own 2.1, given to 乙局's committee: overdue
    to_a: Assignment  # the 工委's 1.1 given to 甲局's committee, answered by 甲局's 1.1 (cascaded): overdue
    a_late: Assignment  # 甲局's own 1.2, of its branch: overdue


def _top_task(tree: Tree, number: str, area: str):
    return KeyTaskFactory(
        plan=tree.top_plan,
        area=AreaFactory(plan=tree.top_plan, name=area),
        number=number,
        title=f"工委要点{number}",
        lead_unit=tree.top_unit,
        responsible_leader=tree.top_member,
        start_date=dt.date(2025, 1, 2),
        deadline=LATE,
    )


@pytest.fixture
def monday(db, meeting_types):
    with time_machine.travel(dt.datetime.combine(MONDAY, dt.time(9), tzinfo=SHANGHAI), tick=False):
        tree = tree_build(meeting_types)
        a, b = tree.a, tree.b
        top_late = AssignmentFactory(key_task=_top_task(tree, "2.1", "组织建设"), unit=b.committee_unit, owner=b.member)
        to_a = AssignmentFactory(key_task=_top_task(tree, "1.1", "政治建设"), unit=a.committee_unit, owner=a.member)
        cascade_link_set(assignment=to_a, user=a.member, key_tasks=[a.key_task])
        a_task = KeyTaskFactory(
            plan=a.plan,
            area=a.key_task.area,
            number="1.2",
            title="甲局逾期任务",
            lead_unit=a.committee_unit,
            responsible_leader=a.member,
            start_date=dt.date(2025, 1, 2),
            deadline=LATE,
        )
        a_late = AssignmentFactory(key_task=a_task, unit=a.branch, owner=a.secretary)
        yield Monday(tree, top_late, Assignment.objects.get(pk=to_a.pk), a_late)


# --- The weekly digest -----------------------------------------------------------------------------------------


def test_the_committee_above_gets_its_own_plan_and_one_line_per_committee_below(monday):
    tree = monday.tree
    digest = weekly_digest(today=MONDAY, committee_id=tree.top_unit.pk)

    # Its own plan, as a leaf committee's digest reports it: its units are the committees its key tasks are given to.
    assert {line.label: (line.red, line.yellow) for line in digest.by_unit} == {"甲局党委": (1, 0), "乙局党委": (1, 0)}
    assert {line.assignment_id for line in digest.most_overdue} == {monday.top_late.pk, monday.to_a.pk}
    assert digest.pending_count == 0  # the bureaus' reports are theirs to review
    # One line per committee below, from its own plan of the year: the roll-up's figures, not worked out again.
    rollup = {row.committee.pk: row for row in committee_rollup(tree.top_member, year=2025)}
    assert sorted(line.label for line in digest.by_committee) == sorted(["甲局党委", "乙局党委"])
    for line in digest.by_committee:
        row = rollup[line.committee_id]
        assert (line.red, line.yellow, line.completion_rate) == (
            row.lights.counts["red"],
            row.lights.counts["yellow"],
            row.lights.completion_rate,
        )
    assert {line.label: line.red for line in digest.by_committee} == {"甲局党委": 1, "乙局党委": 0}  # 甲局's 1.2
    # Never the branches of the bureaus below, nor their assignments.
    text = digest.summary()
    assert "甲局党委: 1 / " in text
    for branch in (tree.a.branch, tree.b.branch):
        assert branch.name not in text
    assert monday.a_late.pk not in {line.assignment_id for line in digest.most_overdue}


def test_a_bureaus_digest_is_its_own_subtrees_as_before(monday):
    tree = monday.tree
    digest = weekly_digest(today=MONDAY, committee_id=tree.a.committee_unit.pk)

    assert digest.by_committee is None  # no committee below: no such table
    assert [line.assignment_id for line in digest.most_overdue] == [monday.a_late.pk]
    assert [line.label for line in digest.by_unit] == [tree.a.branch.name]
    assert digest.pending_count == 1
    assert tree.b.branch.name not in digest.summary()


def scan_and_deliver():
    result = reminder_scan(enqueue=False)
    bundle_deliver(bundle_ids=result.bundle_ids)
    return result


def emails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def test_every_channel_shows_the_committees_below_and_each_committee_only_its_own(monday, httpserver):
    tree = monday.tree
    httpserver.expect_request("/robot", method="POST").respond_with_json({"errcode": 0, "errmsg": "ok"})
    tree.top_unit.robot_kind, tree.top_unit.robot_webhook_url = OrgUnit.Robot.WECOM, httpserver.url_for("/robot")
    tree.top_unit.save()

    scan_and_deliver()

    [top_mail] = emails_to(tree.top_member)
    html, text = top_mail.alternatives[0][0], top_mail.body
    assert "按下级党委" in html and "按下级党委" in text
    a_id = tree.a.committee_unit.pk
    assert f'href="http://127.0.0.1:8000/dashboard/?committee={a_id}&amp;year=2025">甲局党委</a>' in html
    assert f"http://127.0.0.1:8000/dashboard/?committee={a_id}&year=2025" in text
    for branch in (tree.a.branch, tree.b.branch):
        assert branch.name not in html and branch.name not in text
    # The inbox entry and the robot show the digest's summary, with its lines by committee.
    [inbox_row] = Reminder.objects.filter(kind="weekly_digest", recipient=tree.top_member, channel="inbox")
    assert "按下级党委（红灯 / 黄灯 / 完成率）：\n- " in inbox_row.body and "- 甲局党委: 1 / 1 / 0.0%" in inbox_row.body
    [(request, _response)] = httpserver.log
    robot = request.get_json()["markdown"]["content"]
    assert "- 甲局党委: 1 / " in robot and tree.a.branch.name not in robot
    # A bureau's e-mail is its own subtree's: its branch, nothing of its sister, no table of committees.
    [a_mail] = emails_to(tree.a.member)
    assert tree.a.branch.name in a_mail.body
    assert tree.b.branch.name not in a_mail.body and "按下级党委" not in a_mail.body


def test_the_robot_markdown_of_the_committee_above_lists_the_committees(monday):
    tree = monday.tree
    tree.top_unit.robot_kind, tree.top_unit.robot_webhook_url = OrgUnit.Robot.WECOM, "https://robot.invalid/x"
    tree.top_unit.save()
    reminder_scan(enqueue=False)

    bundle = Bundle.objects.get(recipient_unit=tree.top_unit)
    [markdown] = WeComTransport().parts(bundle, load_items([bundle.pk])[bundle.pk])

    assert "**周报**" in markdown and "- 乙局党委: 0 / " in markdown


# --- Escalations and reviews -----------------------------------------------------------------------------------


def recipients(result, kind: str, assignment) -> set:
    return {
        row.recipient.username
        for row in result.created
        if row.kind == kind and row.assignment_id == assignment.pk and row.channel == "inbox"
    }


def test_escalations_go_to_the_leaders_of_the_plan_they_are_about(monday):
    tree = monday.tree
    nine_days_late = reminder_scan(today=dt.date(2025, 11, 13), enqueue=False)
    assert not [row for row in nine_days_late.created if row.kind == "escalation"]  # ESCALATE_AFTER is 10

    result = reminder_scan(today=dt.date(2025, 11, 14), enqueue=False)

    # A bureau branch's overdue work: the bureau's leader, never the 工委's members.
    assert recipients(result, "escalation", monday.a_late) == {tree.a.member.username}
    # The 工委's key task answered by 甲局: 甲局's own leader (of the answering key task) and the 工委's leader of it.
    assert recipients(result, "escalation", monday.to_a) == {tree.a.member.username, tree.top_member.username}
    # The 工委's own work given to 乙局's committee, not answered: the key task's leader, as in one committee.
    assert recipients(result, "escalation", monday.top_late) == {tree.top_member.username}
    assert tree.b.member.username not in {row.recipient.username for row in result.created if row.kind == "escalation"}


def test_a_report_waiting_for_review_reminds_the_committee_whose_plan_it_is(monday):
    tree = monday.tree
    # The 工委 gives a key task of its own straight to 甲局's branch; the branch reports on it.
    direct = AssignmentFactory(key_task=_top_task(tree, "3.1", "纪律作风建设"), unit=tree.a.branch)
    progress_report_submit(assignment=direct, author=tree.a.secretary, percent=30, narrative="进展", obstacles="无")
    ProgressReport.objects.filter(state="submitted").update(submitted_at=dt.datetime(2025, 11, 10, 18, tzinfo=SHANGHAI))

    result = reminder_scan(enqueue=False)

    # 甲局's own report: 甲局's committee, not the 工委's nor the sister's.
    assert recipients(result, "review_pending", tree.a.assignment) == {tree.a.member.username}
    assert recipients(result, "review_pending", tree.b.assignment) == {tree.b.member.username}
    # A report on the 工委's plan is the 工委's to review (access.can_review), though the branch is 甲局's.
    assert recipients(result, "review_pending", direct) == {tree.top_member.username}


def test_a_member_of_two_committees_gets_one_digest_that_of_the_higher(tree):
    from tasks import access
    from tasks.models import Membership
    from tests.factories import MembershipFactory

    MembershipFactory(user=tree.top_member, unit=tree.a.committee_unit, role=Membership.Role.COMMITTEE)

    members = access.committee_members([tree.top_member.pk, tree.a.member.pk])

    assert members == {tree.top_unit.pk: [tree.top_member.pk], tree.a.committee_unit.pk: [tree.a.member.pk]}
    assert access.home_committee_id(tree.top_member) == tree.top_unit.pk  # the digest e-mail's committee


@pytest.mark.django_db
def test_on_a_monday_a_member_of_the_gongwei_gets_one_digest_a_channel_in_the_demo_tree():
    """The demo (a 工委 over two bureaus, a cascaded key task): the 工委's member gets the week's digest once, bundled
    with the day's other reminders into one inbox entry and one e-mail, and it lists the bureaus, not their branches."""
    from django.core.management import call_command

    from tasks.demo import org_data
    from tasks.models import InboxMessage, User

    monday = dt.date(2026, 11, 30)
    with time_machine.travel(dt.datetime.combine(monday, dt.time(9), tzinfo=SHANGHAI), tick=False):
        call_command("seed_demo", "--password", "Demo-pass-2023")
        scan_and_deliver()

    gongwei = User.objects.get(username="gongwei")
    digests = Reminder.objects.filter(kind="weekly_digest", recipient=gongwei)
    assert sorted(digests.values_list("channel", flat=True)) == ["email", "inbox"]
    assert InboxMessage.objects.filter(user=gongwei, bundle__day=monday).count() == 1
    [message] = emails_to(gongwei)
    assert message.body.count("按下级党委") == 1
    for committee in (org_data.COMMITTEE, org_data.SISTER_COMMITTEE):
        assert f"- {OrgUnit.objects.get(name=committee).label}: " in message.body
    branches = OrgUnit.objects.filter(kind=OrgUnit.Kind.BRANCH).values_list("name", flat=True)
    assert not [name for name in branches if name in message.body]


def test_a_bureau_branch_without_a_secretary_is_not_run_by_the_gongweis_secretary(monday):
    """A sub-branch without a secretary of its own is run by the one above it, but not past its committee."""
    from tasks.models import Membership
    from tests.factories import MembershipFactory, UserFactory

    tree = monday.tree
    top_secretary = UserFactory(username="secretary_top")
    MembershipFactory(user=top_secretary, unit=tree.top_unit, role=Membership.Role.SECRETARY)
    bureau_secretary = UserFactory(username="secretary_a_committee")
    MembershipFactory(user=bureau_secretary, unit=tree.a.committee_unit, role=Membership.Role.SECRETARY)
    lone = OrgUnit.objects.create(name="甲局无书记党支部", kind=OrgUnit.Kind.BRANCH, parent=tree.a.committee_unit)
    late = AssignmentFactory(key_task=monday.a_late.key_task, unit=lone, owner=None)

    result = reminder_scan(enqueue=False)

    assert recipients(result, "overdue", late) == {bureau_secretary.username}  # the bureau's, the unit above
    # The 工委's work given to 乙局's committee (no secretary there): its owner, never the 工委's secretary.
    assert recipients(result, "overdue", monday.top_late) == {tree.b.member.username}
