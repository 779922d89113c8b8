"""The demo's organisational life: every branch a roster and a year of records, with the gaps that make every
light and the six-month list show something; generate_load's --members builds the same at scale."""

import datetime as dt

import pytest
from django.core.management import call_command

from tasks.demo.orglife import orglife_generate
from tasks.models import MeetingRecord, OrgUnit, PartyGroup, PartyMember
from tasks.rules import Light
from tasks.selectors.orglife import absent_members, occurrences_for

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2024, 9, 20)


def test_rosters_records_and_realistic_gaps(org, committee, meeting_types):
    branches = [org.branch_a1, org.branch_b]
    result = orglife_generate(
        units=branches,
        members=16,
        as_of=AS_OF,
        seed=3,
        author=committee,
        missed_june={org.branch_a1.pk},
        absentee_units={org.branch_a1.pk},
    )
    assert result.members == 32 and result.meetings > 80 and result.attendance > 600
    for unit in branches:
        assert PartyMember.objects.filter(unit=unit).count() == 16
        assert PartyGroup.objects.filter(unit=unit).count() in (2, 3)
    found = occurrences_for(unit_ids=[org.branch_a1.pk], year=2024, today=AS_OF)[org.branch_a1.pk]
    june = next(o for o in found if o.meeting_type.code == "theme_day" and o.period.key == "2024-06")
    assert june.light == Light.RED
    lights = {o.light for o in found}
    assert {Light.DONE, Light.RED} <= lights
    [run] = absent_members(unit_ids=[org.branch_a1.pk], today=AS_OF)
    assert run.months == 7 and run.last_month == dt.date(2024, 8, 1)
    assert not MeetingRecord.objects.filter(held_on__gt=AS_OF).exists()
    # Run again: branches with a roster are left alone.
    assert orglife_generate(units=branches, members=16, as_of=AS_OF, seed=3, author=committee).meetings == 0


def test_generate_load_with_members(settings, meeting_types):
    settings.DEBUG = True
    call_command("generate_load", units=3, tasks=2, members=12, as_of=dt.date(2024, 5, 20), year=2024)
    units = OrgUnit.objects.filter(name__startswith="压测单位")
    assert PartyMember.objects.filter(unit__in=units).count() == 36
    first = MeetingRecord.objects.filter(unit__in=units).count()
    assert first > 50
    call_command("generate_load", units=3, tasks=2, members=12, as_of=dt.date(2024, 5, 20), year=2024)
    assert MeetingRecord.objects.filter(unit__in=units).count() == first  # rebuilt, not doubled


def test_generated_rows_have_their_first_change_record(org, committee, secretary_a, meeting_types):
    """Like a record the service writes: a later correction's change record and audit row show old → new."""
    import time_machine

    from tasks.models import AuditEntry
    from tasks.services.orglife import meeting_record_update
    from tasks.services.orglife.meetings import AttendanceLine

    with time_machine.travel(dt.datetime(2024, 9, 20, 2, tzinfo=dt.UTC)):
        result = orglife_generate(units=[org.branch_a1], members=8, as_of=AS_OF, seed=3, author=committee)
        assert MeetingRecord.history.filter(history_type="+", history_user=committee).count() == result.meetings
        assert PartyMember.history.filter(history_type="+", history_user=committee).count() == result.members
        assert PartyGroup.history.filter(history_type="+").count() == PartyGroup.objects.count()
        assert not AuditEntry.objects.filter(object_type="tasks.meetingrecord").exists()
        record = MeetingRecord.objects.filter(party_group=None).order_by("-held_on").first()
        attendance = [AttendanceLine(row.member_id, row.status, row.reason) for row in record.attendance.all()]
    with time_machine.travel(dt.datetime(2024, 9, 20, 3, tzinfo=dt.UTC)):
        meeting_record_update(
            record=record,
            user=secretary_a,
            types=list(record.types.all()),
            held_on=record.held_on,
            place="党员活动室（更正）",
            host=record.host,
            recorder=record.recorder,
            topics=record.topics,
            lecturer=record.lecturer,
            lecture_title=record.lecture_title,
            attendance=attendance,
        )
    change = AuditEntry.objects.filter(object_type="tasks.meetingrecord", detail__history_type="~").get()
    assert change.detail["changes"]["place"] == [record.place, "党员活动室（更正）"]
