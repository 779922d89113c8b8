"""A tree of committees for tests: a 机关工委 over two sister bureaus (甲局, 乙局), each bureau with one branch, its
plan of this year and one of everything its people write (tests/test_access_committees.py, the cascade tests)."""

import datetime as dt
from dataclasses import dataclass

import pytest

from tasks.models import (
    AnnualPlan,
    Assignment,
    Comment,
    ExtensionRequest,
    MeetingRecord,
    Membership,
    OrgUnit,
    PartyMember,
    ProgressReport,
)
from tasks.rules import local_today
from tasks.services.comments import comment_create
from tasks.services.extensions import extension_request_create
from tasks.services.orglife.meetings import AttendanceLine, meeting_record_create
from tasks.services.reports import progress_report_submit
from tests.factories import AreaFactory, AssignmentFactory, KeyTaskFactory, MembershipFactory, PlanFactory, UserFactory
from tests.helpers import pdf


@dataclass
class Bureau:
    committee_unit: OrgUnit
    branch: OrgUnit
    member: object  # committee member (党委委员)
    secretary: object
    plan: AnnualPlan
    assignment: Assignment
    report: ProgressReport
    extension: ExtensionRequest
    comment: Comment
    party_member: PartyMember
    meeting: MeetingRecord

    @property
    def key_task(self):
        return self.assignment.key_task

    @property
    def evidence(self):
        return self.report.evidence.get()

    @property
    def meeting_file(self):
        return self.meeting.files.get()


def bureau_build(name: str, *, parent: OrgUnit, tag: str, meeting_types) -> Bureau:
    """A bureau committee with one branch, its plan of this year, and one of everything its people write."""
    today = local_today()
    committee_unit = OrgUnit.objects.create(name=f"{name}党委", kind=OrgUnit.Kind.COMMITTEE, parent=parent)
    branch = OrgUnit.objects.create(name=f"{name}办公室党支部", kind=OrgUnit.Kind.BRANCH, parent=committee_unit)
    member = UserFactory(username=f"committee_{tag}", full_name=f"{name}委员")
    MembershipFactory(user=member, unit=committee_unit, role=Membership.Role.COMMITTEE)
    secretary = UserFactory(username=f"secretary_{tag}", full_name=f"{name}书记")
    MembershipFactory(user=secretary, unit=branch, role=Membership.Role.SECRETARY)
    plan = PlanFactory(committee=committee_unit, year=today.year, title=f"{name}{today.year}年度党建工作要点")
    key_task = KeyTaskFactory(
        plan=plan,
        area=AreaFactory(plan=plan, name="政治建设"),
        number="1.1",
        title=f"{name}专属重点任务",
        lead_unit=committee_unit,
        responsible_leader=member,
        start_date=dt.date(today.year, 1, 1),
        deadline=dt.date(today.year, 12, 31),
    )
    assignment = AssignmentFactory(key_task=key_task, unit=branch, owner=secretary)
    report = progress_report_submit(
        assignment=assignment, author=secretary, percent=40, narrative=f"{name}进展", obstacles="无", files=[pdf()]
    )
    extension = extension_request_create(
        assignment=assignment, requested_by=secretary, requested_deadline=dt.date(today.year + 1, 1, 29), reason="延期"
    )
    comment = comment_create(key_task=key_task, author=secretary, body=f"{name}评论", assignment=assignment)
    party_member = PartyMember.objects.create(unit=branch, name=f"{name}党员", gender=PartyMember.Gender.MALE)
    meeting = meeting_record_create(
        unit=branch,
        user=secretary,
        types=[meeting_types["general_meeting"]],
        held_on=today,
        place="会议室",
        host=secretary.full_name,
        recorder=secretary.full_name,
        topics=f"{name}会议议题",
        attendance=[AttendanceLine(party_member.pk, "present")],
        files=[pdf("会议记录.pdf")],
    )
    return Bureau(
        committee_unit, branch, member, secretary, plan, assignment, report, extension, comment, party_member, meeting
    )


@dataclass
class Tree:
    top_unit: OrgUnit
    top_member: object
    top_plan: AnnualPlan
    a: Bureau
    b: Bureau


@pytest.fixture
def tree(db, meeting_types):
    return tree_build(meeting_types)


def tree_build(meeting_types) -> Tree:
    """The tree as of today (`local_today`): a test that moves the clock builds it inside its travel."""
    top_unit = OrgUnit.objects.create(name="市直机关工委", kind=OrgUnit.Kind.COMMITTEE)
    top_member = UserFactory(username="committee_top", full_name="工委委员")
    MembershipFactory(user=top_member, unit=top_unit, role=Membership.Role.COMMITTEE)
    top_plan = PlanFactory(committee=top_unit, year=local_today().year, title="工委年度党建工作要点")
    a = bureau_build("甲局", parent=top_unit, tag="a", meeting_types=meeting_types)
    b = bureau_build("乙局", parent=top_unit, tag="b", meeting_types=meeting_types)
    return Tree(top_unit, top_member, top_plan, a, b)


@dataclass
class Cascade:
    top_task: object  # the 工委's key task
    to_a: Assignment  # given to 甲局's committee
    to_b: Assignment  # given to 乙局's committee


@pytest.fixture
def cascade(tree):
    """The 工委's key task 1.1 given to both bureaus' committees (上级要点), owned by a member of each."""
    today = local_today()
    top_task = KeyTaskFactory(
        plan=tree.top_plan,
        area=AreaFactory(plan=tree.top_plan, name="政治建设"),
        number="1.1",
        title="深入学习贯彻全会精神",
        lead_unit=tree.top_unit,
        responsible_leader=tree.top_member,
        start_date=dt.date(today.year, 1, 1),
        deadline=dt.date(today.year, 12, 31),
    )
    to_a = AssignmentFactory(key_task=top_task, unit=tree.a.committee_unit, owner=tree.a.member)
    to_b = AssignmentFactory(key_task=top_task, unit=tree.b.committee_unit, owner=tree.b.member)
    return Cascade(top_task, to_a, to_b)
