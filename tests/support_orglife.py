"""A branch's organisational life for tests: the regulations' meeting types, two party groups of 办公室党支部
(org.branch_a1, kept by secretary_a) with members, and one member of 业务一科党支部 (org.branch_b)."""

from dataclasses import dataclass

import pytest

from tasks.models import MeetingType, PartyGroup, PartyMember
from tasks.services.orglife.meetings import AttendanceLine
from tasks.services.orglife.types import meeting_types_ensure_defaults


@dataclass
class Roster:
    group_1: PartyGroup
    group_2: PartyGroup
    members: list[PartyMember]  # of branch_a1; the first three in group 1, the others in group 2
    other_branch_member: PartyMember  # of branch_b
    other_group: PartyGroup  # of branch_b

    def all_present(self, members=None):
        return [AttendanceLine(member.pk, "present") for member in (members or self.members)]


def meeting_type(code: str) -> MeetingType:
    return MeetingType.objects.get(code=code)


@pytest.fixture
def meeting_types(db):
    meeting_types_ensure_defaults()
    return {t.code: t for t in MeetingType.objects.all()}


@pytest.fixture
def roster(org, meeting_types):
    group_1 = PartyGroup.objects.create(unit=org.branch_a1, name="第一党小组", sort_order=1)
    group_2 = PartyGroup.objects.create(unit=org.branch_a1, name="第二党小组", sort_order=2)
    names = ["李明", "王芳", "赵强", "陈静", "周杰"]
    members = [
        PartyMember.objects.create(
            unit=org.branch_a1,
            name=name,
            gender=PartyMember.Gender.FEMALE if index % 2 else PartyMember.Gender.MALE,
            party_group=group_1 if index < 3 else group_2,
        )
        for index, name in enumerate(names)
    ]
    other_group = PartyGroup.objects.create(unit=org.branch_b, name="业务党小组")
    other = PartyMember.objects.create(
        unit=org.branch_b, name="孙丽", gender=PartyMember.Gender.FEMALE, party_group=other_group
    )
    return Roster(group_1, group_2, members, other, other_group)


def recorded_meeting(org, secretary, *, topics="学习党纪处分条例"):
    """One theme day of org.branch_a1 on 2024-06-18, recorded by `secretary` through the service, with two members
    (one on leave) and the regulations' types: for pages that only need a record to show."""
    import datetime as dt

    from tasks.services.orglife import meeting_record_create

    meeting_types_ensure_defaults()
    members = [
        PartyMember.objects.get_or_create(unit=org.branch_a1, name=name, defaults={"gender": gender})[0]
        for name, gender in (("李明", PartyMember.Gender.MALE), ("王芳", PartyMember.Gender.FEMALE))
    ]
    return meeting_record_create(
        unit=org.branch_a1,
        user=secretary,
        types=[meeting_type("theme_day")],
        held_on=dt.date(2024, 6, 18),
        place="三楼会议室",
        host="张伟",
        recorder="王芳",
        topics=topics,
        attendance=[AttendanceLine(members[0].pk, "present"), AttendanceLine(members[1].pk, "leave", "外出培训")],
    )
