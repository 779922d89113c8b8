"""The reminder ladder (DOMAIN.md) as the scan decides it, with the clock moved by time-machine across a
holiday, a make-up working day, a month end and a year end; urges and returned reports."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from tasks.models import (
    Assignment,
    AuditEntry,
    InboxMessage,
    KeyTask,
    Membership,
    OrgUnit,
    ProgressReport,
    Reminder,
    Urge,
)
from tasks.selectors import assignment_timeline, weekly_digest
from tasks.services.reminders import assignment_urge, reminder_scan
from tasks.services.reports import progress_report_return
from tests.factories import AreaFactory, AssignmentFactory, KeyTaskFactory, MembershipFactory, ReportFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at_nine(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=SHANGHAI)


def scan_each_day(first: dt.date, last: dt.date) -> list[tuple[dt.date, Reminder]]:
    """Run the scan as the beat would, at 09:00 every day from first to last; return what each day created."""
    created, day = [], first
    while day <= last:
        with time_machine.travel(at_nine(day), tick=False):
            result = reminder_scan()
        created += [(day, row) for row in result.created]
        day += dt.timedelta(days=1)
    return created


def sent_on(created, *, kind, recipient, channel=Reminder.Channel.INBOX) -> list[tuple[dt.date, str]]:
    return [
        (day, row.period)
        for day, row in created
        if row.kind == kind and row.recipient_id == recipient.pk and row.channel == channel
    ]


@pytest.fixture
def make_assignment(plan, org, committee):
    area = AreaFactory(plan=plan, name="组织建设")

    def make(*, deadline, owner, unit=None, cadence=KeyTask.Cadence.QUARTERLY, start=None):
        key_task = KeyTaskFactory(
            plan=plan,
            area=area,
            lead_unit=org.committee_unit,
            responsible_leader=committee,
            cadence=cadence,
            start_date=start or deadline - dt.timedelta(days=200),
            deadline=deadline,
        )
        return AssignmentFactory(key_task=key_task, unit=unit or org.branch_a1, owner=owner)

    return make


# --- Due soon, overdue, escalation -------------------------------------------------------------------------


def test_due_soon_counts_working_days_across_national_day(make_assignment, member_a, secretary_a):
    """Deadline 2024-10-08, the first working day after the 1-7 October holiday; Sunday 29 September is a
    make-up working day. 7, 3 and 1 working days before are 23, 27 and 30 September."""
    make_assignment(deadline=dt.date(2024, 10, 8), owner=member_a)

    created = scan_each_day(dt.date(2024, 9, 20), dt.date(2024, 10, 8))

    assert sent_on(created, kind=Reminder.Kind.DUE_SOON, recipient=member_a) == [
        (dt.date(2024, 9, 23), "d7:2024-10-08"),
        (dt.date(2024, 9, 27), "d3:2024-10-08"),
        (dt.date(2024, 9, 30), "d1:2024-10-08"),
    ]
    # The unit secretary (of the branch above the sub-branch) is told at 1 day only.
    assert sent_on(created, kind=Reminder.Kind.DUE_SOON, recipient=secretary_a) == [
        (dt.date(2024, 9, 30), "d1:2024-10-08")
    ]
    assert not [day for day, _row in created if dt.date(2024, 10, 1) <= day <= dt.date(2024, 10, 7)]


def test_scan_runs_on_a_make_up_sunday_and_not_on_a_holiday(make_assignment, member_a):
    make_assignment(deadline=dt.date(2024, 9, 30), owner=member_a)

    with time_machine.travel(at_nine(dt.date(2024, 9, 29)), tick=False):  # Sunday, 调休上班
        sunday = reminder_scan()
    with time_machine.travel(at_nine(dt.date(2024, 10, 3)), tick=False):  # National Day holiday
        holiday = reminder_scan()

    assert sunday.is_workday
    assert next((row.kind, row.period) for row in sunday.created if row.recipient_id == member_a.pk) == (
        "due_soon",
        "d1:2024-09-30",
    )
    assert not holiday.is_workday
    assert holiday.created == []


def test_overdue_every_five_working_days_and_escalation_across_year_end(
    make_assignment, member_a, secretary_a, committee
):
    """Deadline 31 December 2024; 1 January 2025 is a holiday. Overdue on the 1st working day after
    (2 January), then the 6th (9 January) and 11th (16 January); escalation at the 10th (15 January)."""
    make_assignment(deadline=dt.date(2024, 12, 31), owner=member_a)

    created = scan_each_day(dt.date(2024, 12, 30), dt.date(2025, 1, 17))

    assert sent_on(created, kind=Reminder.Kind.OVERDUE, recipient=member_a) == [
        (dt.date(2025, 1, 2), "o1:2024-12-31"),
        (dt.date(2025, 1, 9), "o6:2024-12-31"),
        (dt.date(2025, 1, 16), "o11:2024-12-31"),
    ]
    assert [day for day, _ in sent_on(created, kind=Reminder.Kind.OVERDUE, recipient=secretary_a)] == [
        dt.date(2025, 1, 2),
        dt.date(2025, 1, 9),
        dt.date(2025, 1, 16),
    ]
    assert sent_on(created, kind=Reminder.Kind.ESCALATION, recipient=committee) == [
        (dt.date(2025, 1, 15), "2024-12-31")
    ]
    assert sent_on(created, kind=Reminder.Kind.DUE_SOON, recipient=member_a) == [
        (dt.date(2024, 12, 30), "d1:2024-12-31")
    ]
    overdue = next(row for _day, row in created if row.kind == Reminder.Kind.OVERDUE and row.period.startswith("o6"))
    assert "6" in overdue.subject
    assert overdue.url == f"/assignments/{overdue.assignment_id}/"


def test_a_missed_scan_catches_up_once(make_assignment, member_a):
    """The server was down on the 7-days-before day: the next scan still sends the 7-day reminder, once."""
    make_assignment(deadline=dt.date(2024, 10, 8), owner=member_a)

    created = scan_each_day(dt.date(2024, 9, 24), dt.date(2024, 9, 26))

    assert sent_on(created, kind=Reminder.Kind.DUE_SOON, recipient=member_a) == [
        (dt.date(2024, 9, 24), "d7:2024-10-08")
    ]


def test_completed_and_draft_plan_assignments_get_no_reminders(make_assignment, member_a, org):
    done = make_assignment(deadline=dt.date(2024, 9, 30), owner=member_a)
    done.status, done.completed_at = "completed", dt.date(2024, 9, 1)
    done.save()
    draft = make_assignment(deadline=dt.date(2024, 9, 30), owner=member_a, unit=org.branch_b)
    draft.key_task.plan.status = "draft"
    draft.key_task.plan.save()

    with time_machine.travel(at_nine(dt.date(2024, 9, 30)), tick=False):
        result = reminder_scan()

    assert [row for row in result.created if row.assignment_id] == []


# --- Monthly report due --------------------------------------------------------------------------------------


def test_monthly_report_due_on_the_next_working_day_after_a_weekend_25th(make_assignment, member_a, secretary_b, org):
    """25 May 2024 is a Saturday: the report reminder goes out on Monday the 27th, once for May; an
    assignment that reported in May gets none; June's reminder waits for June's 25th."""
    quiet = make_assignment(
        deadline=dt.date(2024, 12, 31), owner=member_a, cadence=KeyTask.Cadence.MONTHLY, start=dt.date(2024, 1, 2)
    )
    reported = make_assignment(
        deadline=dt.date(2024, 12, 31),
        owner=secretary_b,
        unit=org.branch_b,
        cadence=KeyTask.Cadence.MONTHLY,
        start=dt.date(2024, 1, 2),
    )
    ReportFactory(
        assignment=reported, author=secretary_b, submitted_at=dt.datetime(2024, 5, 10, 20, 0, tzinfo=SHANGHAI)
    )

    created = scan_each_day(dt.date(2024, 5, 24), dt.date(2024, 6, 24))

    assert sent_on(created, kind=Reminder.Kind.REPORT_DUE, recipient=member_a) == [(dt.date(2024, 5, 27), "2024-05")]
    assert sent_on(created, kind=Reminder.Kind.REPORT_DUE, recipient=secretary_b) == []
    assert quiet.pk in {row.assignment_id for _day, row in created if row.kind == Reminder.Kind.REPORT_DUE}


def test_monthly_report_due_across_month_end_and_year_end(make_assignment, member_a):
    make_assignment(
        deadline=dt.date(2025, 6, 30), owner=member_a, cadence=KeyTask.Cadence.MONTHLY, start=dt.date(2024, 11, 1)
    )

    created = scan_each_day(dt.date(2024, 12, 24), dt.date(2025, 1, 31))

    # 25 December 2024 is a Wednesday; 25 January 2025 a Saturday, and Sunday the 26th a make-up working day.
    assert sent_on(created, kind=Reminder.Kind.REPORT_DUE, recipient=member_a) == [
        (dt.date(2024, 12, 25), "2024-12"),
        (dt.date(2025, 1, 26), "2025-01"),
    ]


# --- Review pending --------------------------------------------------------------------------------------


def test_review_pending_after_three_working_days_goes_to_reviewers(assignment_b, secretary_b, committee):
    """Submitted Friday 7 June 2024; Monday 10 June is the Dragon Boat holiday: the third working day of
    waiting is Thursday 13 June."""
    report = ReportFactory(
        assignment=assignment_b, author=secretary_b, submitted_at=dt.datetime(2024, 6, 7, 18, 0, tzinfo=SHANGHAI)
    )

    created = scan_each_day(dt.date(2024, 6, 7), dt.date(2024, 6, 17))

    assert sent_on(created, kind=Reminder.Kind.REVIEW_PENDING, recipient=committee) == [
        (dt.date(2024, 6, 13), f"report{report.pk}")
    ]
    assert sent_on(created, kind=Reminder.Kind.REVIEW_PENDING, recipient=secretary_b) == []


# --- Duplicates, channels, dry run ------------------------------------------------------------------------


def test_scan_twice_on_the_same_day_creates_each_reminder_once(make_assignment, member_a):
    make_assignment(deadline=dt.date(2024, 9, 30), owner=member_a)

    with time_machine.travel(at_nine(dt.date(2024, 9, 27)), tick=False):
        first = reminder_scan()
        second = reminder_scan()

    assert first.created
    assert second.created == []
    assert second.already_sent == len(first.created)
    assert Reminder.objects.count() == len(first.created)
    assert len({row.dedup_key for row in first.created}) == len(first.created)


def test_channels_follow_user_choices_and_unit_robots(make_assignment, member_a, secretary_a, org):
    member_a.notify_by_email = False
    member_a.save()
    org.branch_a1.robot_kind, org.branch_a1.robot_webhook_url = OrgUnit.Robot.DINGTALK, "https://oapi.example/robot"
    org.branch_a1.save()
    make_assignment(deadline=dt.date(2024, 9, 30), owner=member_a)

    result = reminder_scan(today=dt.date(2024, 9, 30))

    channels = {(row.recipient_id, row.recipient_unit_id, row.channel) for row in result.created if row.assignment_id}
    assert channels == {
        (member_a.pk, None, "inbox"),
        (secretary_a.pk, None, "inbox"),
        (secretary_a.pk, None, "email"),
        (None, org.branch_a1.pk, "dingtalk"),
    }


def test_inbox_is_delivered_with_the_scan_and_other_channels_wait_for_a_job(make_assignment, member_a):
    make_assignment(deadline=dt.date(2024, 9, 30), owner=member_a)

    result = reminder_scan(today=dt.date(2024, 9, 27))

    inbox = [row for row in result.created if row.channel == Reminder.Channel.INBOX]
    assert {row.state for row in inbox} == {Reminder.State.SENT}
    entry = InboxMessage.objects.get(user=member_a)  # one entry for the day, opening to its items
    assert set(entry.bundle.items.all()) == {row for row in inbox if row.recipient_id == member_a.pk}
    assert {row.state for row in result.to_deliver} == {Reminder.State.PENDING}
    assert {row.channel for row in result.to_deliver} == {Reminder.Channel.EMAIL}


def test_dry_run_writes_nothing(make_assignment, member_a):
    make_assignment(deadline=dt.date(2024, 9, 30), owner=member_a)

    result = reminder_scan(today=dt.date(2024, 9, 27), dry_run=True)

    assert result.created
    assert Reminder.objects.count() == 0
    assert InboxMessage.objects.count() == 0


def test_scan_enqueues_delivery_only_on_commit(make_assignment, member_a, django_capture_on_commit_callbacks):
    make_assignment(deadline=dt.date(2024, 9, 30), owner=member_a)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reminder_scan(today=dt.date(2024, 9, 27))
    with django_capture_on_commit_callbacks(execute=False) as none_for_cron:
        reminder_scan(today=dt.date(2024, 9, 26), enqueue=False)

    assert len(callbacks) == 1
    assert none_for_cron == []


# --- Weekly digest --------------------------------------------------------------------------------------------


def test_weekly_digest_once_a_week_to_committee_members(make_assignment, member_a, secretary_b, committee, org):
    make_assignment(deadline=dt.date(2024, 6, 3), owner=member_a)  # red by 17 June
    make_assignment(deadline=dt.date(2024, 6, 20), owner=secretary_b, unit=org.branch_b)  # yellow (due soon)

    created = scan_each_day(dt.date(2024, 6, 17), dt.date(2024, 6, 25))

    assert sent_on(created, kind=Reminder.Kind.WEEKLY_DIGEST, recipient=committee) == [
        (dt.date(2024, 6, 17), "2024-W25"),
        (dt.date(2024, 6, 24), "2024-W26"),
    ]
    assert sent_on(created, kind=Reminder.Kind.WEEKLY_DIGEST, recipient=secretary_b) == []
    digest_row = next(row for _day, row in created if row.kind == Reminder.Kind.WEEKLY_DIGEST)
    assert "1" in digest_row.subject


def test_weekly_digest_counts_by_area_and_unit_and_lists_the_most_overdue(make_assignment, member_a, secretary_b, org):
    late = make_assignment(deadline=dt.date(2024, 6, 3), owner=member_a)
    later = make_assignment(deadline=dt.date(2024, 5, 6), owner=secretary_b, unit=org.branch_b)
    make_assignment(deadline=dt.date(2024, 6, 20), owner=secretary_b, unit=org.branch_a)
    ReportFactory(assignment=late, author=member_a)

    digest = weekly_digest(today=dt.date(2024, 6, 17))

    assert (digest.red_total, digest.yellow_total) == (2, 1)
    assert [(line.label, line.red, line.yellow) for line in digest.by_area] == [("组织建设", 2, 1)]
    assert {line.label: (line.red, line.yellow) for line in digest.by_unit} == {
        org.branch_a1.name: (1, 0),
        org.branch_b.name: (1, 0),
        org.branch_a.name: (0, 1),
    }
    assert [line.assignment_id for line in digest.most_overdue] == [later.pk, late.pk]
    assert digest.pending_count == 1
    assert digest.pending_reports[0].unit == org.branch_a1.name
    assert org.branch_b.name in digest.summary()


# --- Urge and returned report ------------------------------------------------------------------------------


def test_urge_is_sent_at_once_on_a_holiday_to_owner_and_secretary(make_assignment, member_a, secretary_a, committee):
    assignment = make_assignment(deadline=dt.date(2024, 9, 30), owner=member_a)

    with time_machine.travel(at_nine(dt.date(2024, 10, 3)), tick=False):
        urge = assignment_urge(assignment=assignment, urged_by=committee, message="请本周内报送进展")

    assert Urge.objects.get() == urge
    assert urge.urged_by == committee
    for person in (member_a, secretary_a):
        message = InboxMessage.objects.get(user=person)
        assert "请本周内报送进展" in message.body
        assert committee.full_name in message.title
    rows = Reminder.objects.filter(kind=Reminder.Kind.URGE)
    assert {row.period for row in rows} == {f"urge{urge.pk}"}
    assert set(rows.filter(channel="email").values_list("state", flat=True)) == {"pending"}
    events = assignment_timeline(committee, assignment)
    assert [(event.kind, event.actor, event.body) for event in events if event.kind == "urge"] == [
        ("urge", committee, "请本周内报送进展")
    ]


def test_one_urge_a_working_day_the_second_names_the_first(make_assignment, member_a, committee):
    """Friday 2024-11-15: urged. The same Friday and the weekend after: refused (days off count with the working
    day before them), nothing sent. Monday 2024-11-18: the next urge goes."""
    assignment = make_assignment(deadline=dt.date(2024, 9, 20), owner=member_a)
    with time_machine.travel(at_nine(dt.date(2024, 11, 15)), tick=False):
        assignment_urge(assignment=assignment, urged_by=committee)

    for day in (dt.date(2024, 11, 15), dt.date(2024, 11, 16), dt.date(2024, 11, 17)):
        with (
            time_machine.travel(at_nine(day), tick=False),
            translation.override("zh-hans"),
            pytest.raises(ValidationError) as refused,
        ):
            assignment_urge(assignment=assignment, urged_by=committee, message="再催")
        assert refused.value.messages == [
            "已于 2024-11-15 09:00 由王建国催办（累计 1 次）。每个工作日限催办一次，2024-11-18 起可再次催办。"
        ]
    assert InboxMessage.objects.filter(user=member_a).count() == 1
    assert Urge.objects.count() == 1

    with time_machine.travel(at_nine(dt.date(2024, 11, 18)), tick=False):
        assignment_urge(assignment=assignment, urged_by=committee)
    assert InboxMessage.objects.filter(user=member_a).count() == 2


def test_each_urge_is_one_audit_row_with_its_message(make_assignment, member_a, committee):
    assignment = make_assignment(deadline=dt.date(2024, 9, 20), owner=member_a)

    assignment_urge(assignment=assignment, urged_by=committee, message="请本周内报送进展")

    (row,) = AuditEntry.objects.filter(action=AuditEntry.Action.URGE)
    assert (row.user, row.object_id, row.detail) == (committee, str(assignment.pk), {"message": "请本周内报送进展"})


def test_a_completed_assignment_is_not_urged(make_assignment, member_a, committee):
    assignment = make_assignment(deadline=dt.date(2024, 9, 20), owner=member_a)
    Assignment.objects.filter(pk=assignment.pk).update(
        status=Assignment.Status.COMPLETED, completed_at=dt.date(2024, 9, 1), progress=100
    )

    with pytest.raises(ValidationError):
        assignment_urge(assignment=assignment, urged_by=committee)
    assert not Urge.objects.exists() and not Reminder.objects.exists()


def test_only_committee_members_may_urge(assignment_b, secretary_a, secretary_b):
    with pytest.raises(PermissionDenied):
        assignment_urge(assignment=assignment_b, urged_by=secretary_b)
    assert Urge.objects.count() == 0
    assert Reminder.objects.count() == 0


def test_returned_report_tells_the_author_in_the_inbox_and_by_email(
    assignment_b, secretary_b, committee, django_capture_on_commit_callbacks
):
    report = ReportFactory(assignment=assignment_b, author=secretary_b)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        progress_report_return(report=report, reviewer=committee, reason="请补充会议记录")

    message = InboxMessage.objects.get(user=secretary_b)
    assert "请补充会议记录" in message.body
    assert message.url.endswith(f"#report-{report.pk}")
    email = Reminder.objects.get(kind=Reminder.Kind.RETURNED, channel=Reminder.Channel.EMAIL)
    assert (email.recipient, email.state, email.period) == (secretary_b, "pending", f"report{report.pk}")
    # One delivery job is queued after commit (tasks.cache's invalidation callbacks aside).
    assert len([c for c in callbacks if "enqueue" in c.__qualname__]) == 1
    assert ProgressReport.objects.get().state == "returned"


def test_inactive_users_get_no_reminders(make_assignment, org, member_a):
    member_a.is_active = False
    member_a.save()
    unit = OrgUnit.objects.create(name="独立支部")
    lonely = make_assignment(deadline=dt.date(2024, 9, 30), owner=member_a, unit=unit)
    MembershipFactory(user=member_a, unit=unit, role=Membership.Role.SECRETARY)

    result = reminder_scan(today=dt.date(2024, 9, 27))

    assert [row for row in result.created if row.assignment_id == lonely.pk] == []
