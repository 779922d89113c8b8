"""Organisational life in the daily reminder scan: one line per duty not met, to the branch's secretary, bundled
with the day's other reminders, written once however often the scan runs."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from tasks.models import Bundle, InboxMessage, MeetingRecord, Membership, Reminder
from tasks.services.reminders import bundle_deliver, reminder_scan
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def scan(day: dt.date):
    with time_machine.travel(dt.datetime.combine(day, dt.time(9, 0), tzinfo=SHANGHAI), tick=False):
        result = reminder_scan(enqueue=False)
        bundle_deliver(bundle_ids=result.bundle_ids)
    return result


@pytest.fixture
def secretary_a1(org):
    user = UserFactory(username="secretary_a1", full_name="陈芳", email="a1@example.org")
    MembershipFactory(user=user, unit=org.branch_a1, role=Membership.Role.SECRETARY)
    return user


def meeting(unit, types, held_on, user, party_group=None):
    record = MeetingRecord.objects.create(
        unit=unit,
        held_on=held_on,
        place="会议室",
        host="张伟",
        recorder="王芳",
        topics="学习",
        created_by=user,
        party_group=party_group,
    )
    record.types.set(types)
    return record


def test_due_soon_and_missed_meetings_reach_the_secretary_once(org, secretary_a1, roster, meeting_types):
    # June 2024: the general meeting of Q2 and everything monthly held on 3 June, except the theme party day and
    # group 2's meeting; May had everything but the committee meeting.
    monthly = [meeting_types[c] for c in ("committee_meeting", "general_meeting", "party_lecture", "life_meeting")]
    meeting(org.branch_a1, monthly, dt.date(2024, 6, 3), secretary_a1)
    meeting(org.branch_a1, [meeting_types["group_meeting"]], dt.date(2024, 6, 4), secretary_a1, roster.group_1)
    for month in range(1, 6):
        meeting(org.branch_a1, [meeting_types["theme_day"]], dt.date(2024, month, 8), secretary_a1)
        if month != 5:
            meeting(org.branch_a1, [meeting_types["committee_meeting"]], dt.date(2024, month, 8), secretary_a1)
        for group in (roster.group_1, roster.group_2):
            meeting(org.branch_a1, [meeting_types["group_meeting"]], dt.date(2024, month, 9), secretary_a1, group)
    for quarter_month in (2,):
        meeting(
            org.branch_a1,
            [meeting_types["general_meeting"], meeting_types["party_lecture"]],
            dt.date(2024, quarter_month, 20),
            secretary_a1,
        )

    scan(dt.date(2024, 6, 24))  # Monday: the last 5 working days of June
    rows = Reminder.objects.filter(recipient=secretary_a1, channel="inbox")
    due = sorted(rows.filter(kind="meeting_due").values_list("subject", flat=True))
    missed = sorted(rows.filter(kind="meeting_missed").values_list("subject", flat=True))
    assert due == ["办公室党支部：6月主题党日须于06-30前开展", "办公室党支部：6月党小组会（第二党小组）须于06-30前开展"]
    assert missed == ["办公室党支部：5月支委会未开展"]
    [entry] = InboxMessage.objects.filter(user=secretary_a1)
    assert "1 项组织生活未开展" in entry.title and "2 项组织生活即将到期" in entry.title
    assert len([m for m in mail.outbox if m.to == ["a1@example.org"]]) == 1  # one e-mail with all three lines
    # The next day's scan writes nothing again for the same occurrences.
    result = scan(dt.date(2024, 6, 25))
    assert not [row for row in result.created if row.kind.startswith("meeting")]
    # Once June is over, the theme party day not held is reported once.
    scan(dt.date(2024, 7, 1))
    assert rows.filter(kind="meeting_missed", subject__contains="6月主题党日").count() == 1
    assert Bundle.objects.filter(recipient=secretary_a1).count() == 4  # two scan days with items × inbox and e-mail


def test_old_misses_are_not_reminded(org, secretary_a1, roster, meeting_types):
    scan(dt.date(2024, 6, 24))
    subjects = list(
        Reminder.objects.filter(recipient=secretary_a1, kind="meeting_missed").values_list("subject", flat=True)
    )
    assert any("5月" in s for s in subjects)
    assert not any("3月" in s or "一季度" in s for s in subjects)


def test_a_branch_without_a_roster_is_reminded_to_import_it_and_record(org, secretary_a1, meeting_types):
    """No roster in the app yet: the branch still owes its meetings; each line says to import the roster first and
    leads to the import page (a record lists who attended)."""
    scan(dt.date(2024, 6, 24))
    rows = Reminder.objects.filter(recipient=secretary_a1, channel="inbox")
    due = rows.filter(kind="meeting_due")
    assert sorted(due.values_list("subject", flat=True)) == [
        "办公室党支部：6月主题党日须于06-30前开展",
        "办公室党支部：6月支委会须于06-30前开展",
        "办公室党支部：二季度党员大会须于06-30前开展",
        "办公室党支部：二季度党课须于06-30前开展",
    ]
    assert rows.filter(kind="meeting_missed", subject__contains="5月主题党日").exists()
    for reminder in rows:
        assert "党员名册" in reminder.body and "导入" in reminder.body, reminder.body
        assert reminder.url.endswith(f"/orglife/{org.branch_a1.pk}/members/import/")
    # Once the roster is imported, the lines are the usual ones and lead to the branch's meetings.
    from tasks.models import PartyMember

    PartyMember.objects.create(unit=org.branch_a1, name="李明", gender="male")
    scan(dt.date(2024, 7, 1))
    late = rows.get(kind="meeting_missed", subject__contains="6月主题党日")
    assert "党员名册" not in late.body and late.url.endswith(f"/orglife/{org.branch_a1.pk}/meetings/")
    assert rows.filter(subject__contains="6月主题党日").count() == 2  # due, then missed: each once
