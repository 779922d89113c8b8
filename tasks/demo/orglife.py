"""Organisational life for the demo and for load: a roster per branch (党员名册, party groups) and twelve months of
meeting records with attendance, up to a day, with the gaps real branches have.

Rows are written in bulk, each with its first change record (who generated it) but no audit row: generated data
is nobody's change. The same seed gives the same data. Realistic gaps: about one monthly meeting in twelve is not
held, the current month's are partly still to come, a branch (the first one, or any with `missed_june`) skips
June's 主题党日, and one member of a branch is absent without leave from every meeting for seven months (党章第九条's
list shows them).
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.utils.translation import gettext as _

from tasks.cache import data_changed
from tasks.models import Attendance, MeetingRecord, MeetingType, OrgUnit, PartyGroup, PartyMember, User

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲芬燕彬鹏辉兰凤洁梅琳云雪荣瑞凡佳嘉琼"
GROUP_NAMES = ["第一党小组", "第二党小组", "第三党小组"]
PLACES = ["三楼会议室", "党员活动室", "五楼多功能厅", "红色教育基地"]
TOPICS = {
    "committee_meeting": ["研究本月党建工作安排", "讨论发展党员工作", "研究“三会一课”落实情况", "分析党员思想动态"],
    "general_meeting": ["传达学习上级会议精神", "通报支部工作情况", "讨论预备党员转正", "选举支部委员"],
    "group_meeting": ["交流学习体会", "开展批评与自我批评", "学习党章党规", "讨论本组工作"],
    "party_lecture": [
        "学习贯彻党的二十大精神",
        "从党史中汲取奋进力量",
        "严守政治纪律和政治规矩",
        "践行全心全意为人民服务宗旨",
    ],
    "theme_day": ["重温入党誓词", "参观廉政教育基地", "开展志愿服务活动", "集中学习《党纪处分条例》"],
    "life_meeting": ["召开年度组织生活会，开展民主评议党员"],
}
LEAVE_REASONS = ["出差", "病假", "外出培训", "值班", "事假"]


@dataclass
class OrglifeLoadResult:
    units: int
    members: int
    meetings: int
    attendance: int


def _months_back(as_of: dt.date, count: int) -> list[tuple[int, int]]:
    year, month, months = as_of.year, as_of.month, []
    for _step in range(count):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def _day(rng: random.Random, year: int, month: int, as_of: dt.date, earliest: int = 3, latest: int = 26):
    day = dt.date(year, month, rng.randint(earliest, latest))
    return day if day <= as_of else None


def orglife_generate(
    *,
    units: list[OrgUnit],
    members: int,
    as_of: dt.date,
    seed: int = 1,
    author: User,
    missed_june: set[int] = frozenset(),
    absentee_units: set[int] = frozenset(),
    replace: bool = False,
) -> OrglifeLoadResult:
    """Rosters of `members` members (2 or 3 party groups) and twelve months of records for each unit. Units that
    already have a roster are left alone unless `replace` (generate_load rebuilds its own units)."""
    rng = random.Random(seed)
    types = {t.code: t for t in MeetingType.objects.filter(is_active=True)}
    if replace:
        unit_ids = [u.pk for u in units]
        Attendance.objects.filter(record__unit_id__in=unit_ids).delete()
        MeetingRecord.objects.filter(unit_id__in=unit_ids).delete()
        PartyMember.objects.filter(unit_id__in=unit_ids).delete()
        PartyGroup.objects.filter(unit_id__in=unit_ids).delete()
    kept = set(PartyMember.objects.filter(unit__in=units).values_list("unit_id", flat=True).distinct())
    units = [u for u in units if u.pk not in kept]
    if not units:
        return OrglifeLoadResult(0, 0, 0, 0)
    groups_of, members_of = _rosters(units, members=members, rng=rng, as_of=as_of, author=author)
    months = _months_back(as_of, 12)
    planner = _Planner(rng=rng, types=types, as_of=as_of, author=author)
    for unit in units:
        unit_members = members_of[unit.pk]
        absentee = unit_members[3] if unit.pk in absentee_units and len(unit_members) > 3 else None
        for year, month in months:
            planner.month(unit, year, month, unit_members, groups_of[unit.pk], absentee, missed_june=missed_june)
    records, attendance = _records_write(planner.planned, rng=rng, absent_months=set(months[-8:-1]), author=author)
    data_changed()  # bulk_create sends no signals
    return OrglifeLoadResult(len(units), sum(len(m) for m in members_of.values()), records, attendance)


def _first_records(model, rows: list, author: User) -> None:
    """Generated rows get the first change record a service's write would give them (who, "+"), so that a later
    correction's change record and audit row show old → new. No audit row: generated data is nobody's change, and
    a load of thousands of rows is not what the audit log is for."""
    model.history.bulk_history_create(
        rows, batch_size=5000, default_user=author, default_change_reason=_("generated (demo or load data)")
    )


def _rosters(units, *, members: int, rng: random.Random, as_of: dt.date, author: User) -> tuple[dict, dict]:
    """Each unit's party groups and roster, written; returned by unit id."""
    groups = []
    for unit in units:
        for order, name in enumerate(GROUP_NAMES[: rng.choice([2, 3])], start=1):
            groups.append(PartyGroup(unit=unit, name=name, sort_order=order))
    PartyGroup.objects.bulk_create(groups, batch_size=5000)
    _first_records(PartyGroup, groups, author)
    groups_of: dict[int, list[PartyGroup]] = {}
    for group in groups:
        groups_of.setdefault(group.unit_id, []).append(group)
    roster = []
    for unit in units:
        names: set[str] = set()
        while len(names) < members:
            names.add(rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2]))))
        unit_groups = groups_of[unit.pk]
        for index, name in enumerate(sorted(names)):
            joined = dt.date(rng.randint(1975, as_of.year - 1), rng.randint(1, 12), rng.randint(1, 28))
            probationary = index % 12 == 5
            roster.append(
                PartyMember(
                    unit=unit,
                    name=name,
                    gender=rng.choice([PartyMember.Gender.MALE, PartyMember.Gender.FEMALE]),
                    category=PartyMember.Category.PROBATIONARY if probationary else PartyMember.Category.FULL,
                    party_group=unit_groups[index % len(unit_groups)],
                    joined_on=dt.date(as_of.year - 1, 7, 1) if probationary else joined,
                )
            )
    PartyMember.objects.bulk_create(roster, batch_size=5000)
    _first_records(PartyMember, roster, author)
    members_of: dict[int, list[PartyMember]] = {}
    for member in roster:
        members_of.setdefault(member.unit_id, []).append(member)
    return groups_of, members_of


class _Planner:
    """The meetings a unit holds month by month, with the gaps real branches have; `planned` holds (record, types,
    people, (year, month), absentee) for each, not yet written."""

    def __init__(self, *, rng: random.Random, types: dict, as_of: dt.date, author: User):
        self.rng, self.types, self.as_of, self.author = rng, types, as_of, author
        self.planned: list[tuple] = []

    def meeting(self, unit, codes, people, year, month, absentee, *, group=None, earliest=3, latest=26):
        rng = self.rng
        day = _day(rng, year, month, self.as_of, earliest, latest)
        if day is None:
            return
        lecture = codes[0] == "party_lecture"
        record = MeetingRecord(
            unit=unit,
            party_group=group,
            held_on=day,
            place=rng.choice(PLACES),
            host="支部书记",
            recorder="组织委员",
            topics=rng.choice(TOPICS[codes[0]]),
            lecturer="支部书记" if lecture else "",
            lecture_title=rng.choice(TOPICS["party_lecture"]) if lecture else "",
            created_by=self.author,
        )
        self.planned.append(
            (record, [self.types[c] for c in codes if c in self.types], people, (year, month), absentee)
        )

    def month(self, unit, year, month, unit_members, groups, absentee, *, missed_june) -> None:
        rng, as_of = self.rng, self.as_of
        current = (year, month) == (as_of.year, as_of.month)
        skip = 0.08 if not current else (0.9 if as_of.day < 10 else 0.5)
        args = (year, month, absentee)
        if rng.random() >= skip:
            self.meeting(unit, ["committee_meeting"], unit_members[: max(3, len(unit_members) // 5)], *args, latest=12)
        theme = not (month == 6 and unit.pk in missed_june) and rng.random() >= skip
        if month in (1, 4, 7, 10) and rng.random() >= skip / 2:
            self.meeting(unit, ["general_meeting", "theme_day"] if theme else ["general_meeting"], unit_members, *args)
        elif theme:
            self.meeting(unit, ["theme_day"], unit_members, *args)
        if month in (3, 6, 9, 12) and rng.random() >= skip / 2:
            self.meeting(unit, ["party_lecture"], unit_members, *args)
        if month == 1 and rng.random() >= skip / 2:
            self.meeting(unit, ["life_meeting"], unit_members, *args, earliest=10, latest=25)
        for group in groups:
            if rng.random() >= skip:
                people = [m for m in unit_members if m.party_group_id == group.pk]
                self.meeting(unit, ["group_meeting"], people, *args, group=group)


def _attendance_of(people, *, rng: random.Random, absentee, absent: bool) -> list[tuple]:
    """(member, status, reason) of each person expected: mostly present, some on leave, a few absent; the absentee
    absent without leave in the months of their run."""
    rows = []
    for member in people:
        if member is absentee and absent:
            status, reason = Attendance.Status.ABSENT, ""
        else:
            roll = rng.random()
            if roll < 0.88:
                status, reason = Attendance.Status.PRESENT, ""
            elif roll < 0.97:
                status, reason = Attendance.Status.LEAVE, rng.choice(LEAVE_REASONS)
            else:
                status, reason = Attendance.Status.ABSENT, ""
        rows.append((member, status, reason))
    return rows


def _records_write(planned: list[tuple], *, rng: random.Random, absent_months: set, author: User) -> tuple[int, int]:
    """Write the planned records with their counts, types, first change records and attendance; return how many
    records and attendance rows."""
    counts = []
    for record, _types, people, month_key, absentee in planned:
        rows = _attendance_of(people, rng=rng, absentee=absentee, absent=month_key in absent_months)
        record.expected_count = len(people)
        record.present_count = sum(status == Attendance.Status.PRESENT for _, status, _ in rows)
        record.leave_count = sum(status == Attendance.Status.LEAVE for _, status, _ in rows)
        counts.append(rows)
    records = MeetingRecord.objects.bulk_create([entry[0] for entry in planned], batch_size=5000)
    _first_records(MeetingRecord, records, author)
    through = MeetingRecord.types.through
    through.objects.bulk_create(
        [
            through(meetingrecord_id=r.pk, meetingtype_id=t.pk)
            for r, entry in zip(records, planned, strict=True)
            for t in entry[1]
        ],
        batch_size=5000,
    )
    attendance = [
        Attendance(record=record, member=m, status=s, reason=reason)
        for record, rows in zip(records, counts, strict=True)
        for m, s, reason in rows
    ]
    Attendance.objects.bulk_create(attendance, batch_size=5000)
    return len(records), len(attendance)
