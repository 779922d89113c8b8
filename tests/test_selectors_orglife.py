"""Which occurrences a branch owes, their lights, the committee's matrix and the six-month rule (党章第九条)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks.models import Attendance, MeetingRecord, MeetingType, PartyGroup, PartyMember
from tasks.rules import Light, WorkCalendar
from tasks.rules.orglife import occurrence_light, period_of, periods_of_year
from tasks.selectors.orglife import LightTally, absent_members, occurrences_for, orglife_matrix, orglife_summary
from tests.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db


def record(unit, types, held_on, *, party_group=None, attendance=(), user):
    record = MeetingRecord.objects.create(
        unit=unit,
        held_on=held_on,
        place="会议室",
        host="张伟",
        recorder="王芳",
        topics="学习",
        created_by=user,
        party_group=party_group,
        expected_count=len(attendance),
        present_count=sum(status == "present" for _, status in attendance),
        leave_count=sum(status == "leave" for _, status in attendance),
    )
    record.types.set(types)
    for member, status in attendance:
        Attendance.objects.create(
            record=record, member=member, status=status, reason="出差" if status == "leave" else ""
        )
    return record


def lights_of(occurrences, code, group=None):
    return {
        o.period.key: o.light
        for o in occurrences
        if o.meeting_type.code == code and (group is None or o.party_group == group)
    }


def test_periods_of_a_year():
    assert [p.key for p in periods_of_year("quarter", 2024)] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    assert periods_of_year("quarter", 2024)[0].end == dt.date(2024, 3, 31)
    assert periods_of_year("month", 2024)[1].end == dt.date(2024, 2, 29)
    assert period_of("quarter", dt.date(2024, 8, 15)).label == "三季度"
    assert periods_of_year("year", 2024)[0].key == "2024"


@pytest.mark.parametrize(
    ("today", "light"),
    [
        (dt.date(2024, 6, 3), Light.GREEN),
        (dt.date(2024, 6, 21), Light.GREEN),  # 6 working days left (21, 24-28)
        (dt.date(2024, 6, 24), Light.YELLOW),  # the last 5 working days
        (dt.date(2024, 6, 30), Light.YELLOW),  # Sunday, the period's last day
        (dt.date(2024, 7, 1), Light.RED),
        (dt.date(2024, 5, 31), None),  # not started
    ],
)
def test_the_light_of_a_june_occurrence(today, light):
    june = period_of("month", dt.date(2024, 6, 1))
    assert occurrence_light(period=june, met=False, today=today, calendar=WorkCalendar()) == light
    assert occurrence_light(period=june, met=True, today=today, calendar=WorkCalendar()) == Light.DONE


def test_one_meeting_meets_two_types_and_a_quarter(org, secretary_a, roster, meeting_types):
    record(
        org.branch_a1,
        [meeting_types["general_meeting"], meeting_types["theme_day"]],
        dt.date(2024, 5, 10),
        user=secretary_a,
    )
    found = occurrences_for(unit_ids=[org.branch_a1.pk], year=2024, today=dt.date(2024, 7, 10))[org.branch_a1.pk]
    assert lights_of(found, "general_meeting") == {
        "2024-Q1": Light.RED,
        "2024-Q2": Light.DONE,
        "2024-Q3": Light.GREEN,
        "2024-Q4": None,
    }
    themes = lights_of(found, "theme_day")
    assert (themes["2024-04"], themes["2024-05"], themes["2024-06"], themes["2024-07"], themes["2024-08"]) == (
        Light.RED,
        Light.DONE,
        Light.RED,
        Light.GREEN,
        None,
    )
    assert lights_of(found, "life_meeting") == {"2024": Light.GREEN}


def test_each_party_group_owes_its_own_meeting(org, secretary_a, roster, meeting_types):
    group_meeting = meeting_types["group_meeting"]
    record(org.branch_a1, [group_meeting], dt.date(2024, 3, 5), party_group=roster.group_1, user=secretary_a)
    found = occurrences_for(unit_ids=[org.branch_a1.pk], year=2024, today=dt.date(2024, 3, 27))[org.branch_a1.pk]
    assert lights_of(found, "group_meeting", roster.group_1)["2024-03"] == Light.DONE
    assert lights_of(found, "group_meeting", roster.group_2)["2024-03"] == Light.YELLOW
    # A branch without party groups owes no group meeting.
    empty = OrgUnitFactory(name="新建党支部", parent=org.committee_unit)
    assert not lights_of(
        occurrences_for(unit_ids=[empty.pk], year=2024, today=dt.date(2024, 3, 27))[empty.pk], "group_meeting"
    )


def test_a_type_added_mid_year_owes_from_its_month(org, meeting_types):
    added = MeetingType.objects.create(
        code="study", name="专题学习会", cadence="quarter", active_from=dt.date(2024, 5, 1)
    )
    found = occurrences_for(unit_ids=[org.branch_a1.pk], year=2024, today=dt.date(2024, 8, 1))[org.branch_a1.pk]
    assert lights_of(found, added.code) == {"2024-Q2": Light.RED, "2024-Q3": Light.GREEN, "2024-Q4": None}
    # A type no longer in use owes nothing.
    added.is_active = False
    added.save()
    assert not lights_of(
        occurrences_for(unit_ids=[org.branch_a1.pk], year=2024, today=dt.date(2024, 8, 1))[org.branch_a1.pk], "study"
    )


def test_six_consecutive_months_absent_without_reason(org, secretary_a, roster, meeting_types):
    theme = [meeting_types["theme_day"]]
    li, wang, zhao = roster.members[:3]
    for month in range(1, 8):  # January to July
        attendance = [(li, "absent"), (wang, "absent" if month != 4 else "leave"), (zhao, "present")]
        record(org.branch_a1, theme, dt.date(2024, month, 10), attendance=attendance, user=secretary_a)
    runs = absent_members(unit_ids=[org.branch_a1.pk], today=dt.date(2024, 7, 31))
    assert [(run.member, run.months, run.first_month, run.last_month) for run in runs] == [
        (li, 7, dt.date(2024, 1, 1), dt.date(2024, 7, 1))
    ]  # 王芳's leave in April breaks her run at 3 months
    li.status = PartyMember.Status.TRANSFERRED
    li.save()
    assert absent_members(unit_ids=[org.branch_a1.pk], today=dt.date(2024, 7, 31)) == []


def test_a_month_without_a_meeting_breaks_the_run(org, secretary_a, roster, meeting_types):
    li = roster.members[0]
    for month in (1, 2, 3, 5, 6, 7):
        record(
            org.branch_a1,
            [meeting_types["theme_day"]],
            dt.date(2024, month, 10),
            attendance=[(li, "absent")],
            user=secretary_a,
        )
    assert absent_members(unit_ids=[org.branch_a1.pk], today=dt.date(2024, 7, 31)) == []


def test_the_matrix_reads_in_a_fixed_number_of_queries(org, committee, secretary_a, meeting_types):
    def grow(count):
        for index in range(count):
            unit = OrgUnitFactory(parent=org.committee_unit)
            group = PartyGroup.objects.create(unit=unit, name="第一党小组")
            member = PartyMember.objects.create(unit=unit, name=f"党员{index}", gender="male", party_group=group)
            for month in (1, 2, 3):
                record(
                    unit,
                    [meeting_types["theme_day"], meeting_types["general_meeting"]],
                    dt.date(2024, month, 8),
                    attendance=[(member, "present")],
                    user=secretary_a,
                )
                record(
                    unit,
                    [meeting_types["group_meeting"]],
                    dt.date(2024, month, 9),
                    party_group=group,
                    attendance=[(member, "present")],
                    user=secretary_a,
                )

    orglife_matrix(committee, year=2024)  # the user's scope is read once per request, then kept on the user
    counts = []
    for count in (2, 8):
        grow(count)
        for type_code in (None, "group_meeting"):
            with CaptureQueriesContext(connection) as queries:
                orglife_matrix(committee, year=2024, type_code=type_code, today=dt.date(2024, 4, 10))
            counts.append(len(queries))
    assert counts[:2] == counts[2:], counts
    assert max(counts) <= 10
    summary = orglife_matrix(committee, year=2024, today=dt.date(2024, 4, 10))
    row = next(r for r in summary.rows if r.unit.name.startswith("第"))
    theme_cell = next(c for c in row.cells if c.column.code == "theme_day")
    assert (theme_cell.tally.done, theme_cell.tally.owed, theme_cell.tally.red) == (3, 4, 0)
    assert row.attendance_rate == 1.0
    by_group = orglife_matrix(committee, year=2024, type_code="group_meeting", today=dt.date(2024, 4, 10))
    row = next(r for r in by_group.rows if r.unit.name.startswith("第"))
    assert [c.light for c in row.cells[:5]] == [Light.DONE, Light.DONE, Light.DONE, Light.GREEN, None]
    assert row.cells[0].record_id is not None


@pytest.mark.parametrize("today", [dt.date(2024, 3, 27), dt.date(2024, 7, 10), dt.date(2024, 12, 31)])
def test_the_dashboard_summary_counts_what_the_occurrences_say(
    org, committee, secretary_a, roster, meeting_types, today
):
    """The summary counts per duty instead of listing every branch's occurrences: both must agree, party groups,
    a meeting counting for two types, a type added mid-year and a branch without groups included."""
    MeetingType.objects.create(code="study", name="专题学习会", cadence="quarter", active_from=dt.date(2024, 5, 1))
    two = [meeting_types["general_meeting"], meeting_types["theme_day"]]
    record(org.branch_a1, two, dt.date(2024, 1, 12), user=secretary_a)
    record(org.branch_a1, [meeting_types["theme_day"]], dt.date(2024, 3, 5), user=secretary_a)
    record(
        org.branch_a1,
        [meeting_types["group_meeting"]],
        dt.date(2024, 2, 5),
        party_group=roster.group_1,
        user=secretary_a,
    )
    record(org.branch_b, [meeting_types["theme_day"]], dt.date(2024, 2, 20), user=secretary_a)
    summary = orglife_summary(committee, today=today)

    found = occurrences_for(unit_ids=[org.branch_a1.pk, org.branch_b.pk], year=2024, today=today)
    expected = LightTally()
    for occurrences in found.values():
        for occurrence in occurrences:
            expected.add(occurrence.light)
    missing = sum(any(o.light == Light.RED for o in occurrences) for occurrences in found.values())
    assert summary.tally == expected
    assert (summary.branches, summary.branches_missing) == (2, missing)
    assert expected.done == 5  # two types in January, theme day in March, one group in February, branch B


@pytest.mark.parametrize(
    ("months", "run"),
    [
        ([5], (5, 5)),
        ([1, 2, 3, 7, 8, 9, 10], (7, 10)),
        ([1, 2, 3, 5, 6, 7], (1, 3)),  # equally long: the earlier
        ([1, 3, 4, 5, 6, 7, 8, 10], (3, 8)),
    ],
)
def test_the_longest_run_of_months(months, run):
    from tasks.selectors.orglife import _longest_run

    assert _longest_run(months) == run
