"""`manage.py send_reminders`: the scan for cron users, delivering synchronously without a worker."""

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from tasks.models import Bundle, InboxMessage, Reminder
from tasks.services.reminders import assignment_urge


@pytest.fixture
def due_on_national_day(assignment_a1, assignment_b):
    for assignment in (assignment_a1, assignment_b):
        assignment.deadline = dt.date(2024, 10, 1)
        assignment.save()


def run(*args) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def test_sends_the_days_reminders_and_prints_one_line_per_message(
    due_on_national_day, secretary_a, secretary_b, committee
):
    output = run("--date", "2024-09-30")

    lines = output.strip().splitlines()
    sent = Reminder.objects.filter(state="sent")
    messages = Bundle.objects.filter(state="sent")
    assert len(lines) == messages.count() + 1
    assert lines[-1].startswith(f"{messages.count()} messages sent ({sent.count()} reminders), 0 failed")
    assert sum("due_soon" in line for line in lines) == 4  # 2 owners x inbox + e-mail
    assert sorted(message.to[0] for message in mail.outbox if "1 项临期" in message.subject) == sorted(
        [secretary_a.email, secretary_b.email]
    )
    assert InboxMessage.objects.filter(user=secretary_b, bundle__items__kind="due_soon").count() == 1


def test_running_twice_for_the_same_date_sends_nothing_new(due_on_national_day):
    run("--date", "2024-09-30")
    outbox = len(mail.outbox)

    output = run("--date", "2024-09-30")

    assert output.strip().splitlines()[-1].startswith("0 messages sent")
    assert "already sent earlier" in output
    assert len(mail.outbox) == outbox


def test_the_ladder_over_several_days(due_on_national_day):
    """Due on 1 October (a holiday, so counted from 30 September): 7, 3 and 1 working days before are
    23, 27 (Sunday the 29th is a make-up working day) and 30 September; overdue on 8 October."""
    seen, periods = set(), []
    for day in ("2024-09-20", "2024-09-23", "2024-09-26", "2024-09-27", "2024-09-30", "2024-10-03", "2024-10-08"):
        run("--date", day)
        now = set(Reminder.objects.filter(kind__in=["due_soon", "overdue"]).values_list("period", flat=True))
        periods.append(sorted(now - seen))
        seen = now
    assert periods == [
        [],
        ["d7:2024-10-01"],
        [],
        ["d3:2024-10-01"],
        ["d1:2024-10-01"],
        [],
        ["o1:2024-10-01"],
    ]


def test_dry_run_prints_and_changes_nothing(due_on_national_day):
    output = run("--date", "2024-09-30", "--dry-run")

    assert "would send" in output
    assert "d1:2024-10-01" in output
    assert "reminders would be sent in" in output.strip().splitlines()[-1]
    assert Reminder.objects.count() == 0
    assert mail.outbox == []


def test_a_holiday_sends_nothing(due_on_national_day):
    output = run("--date", "2024-10-03")
    assert "not a working day" in output
    assert Reminder.objects.count() == 0


def test_rows_left_pending_without_a_worker_are_delivered(assignment_b, committee, secretary_b):
    assignment_urge(assignment=assignment_b, urged_by=committee, message="请尽快报送")  # no worker runs
    assert Reminder.objects.get(channel="email").state == "pending"

    output = run("--date", "2024-10-03")

    assert Reminder.objects.get(channel="email").state == "sent"
    assert [message.to for message in mail.outbox] == [[secretary_b.email]]
    assert "urge" in output


def test_a_bad_date_is_refused(db):
    with pytest.raises(CommandError):
        run("--date", "2024-13-01")


def test_pending_only_delivers_without_scanning(due_on_national_day, assignment_b, committee, secretary_b):
    assignment_urge(assignment=assignment_b, urged_by=committee)

    output = run("--date", "2024-09-30", "--pending-only")

    assert Reminder.objects.filter(kind="due_soon").count() == 0
    assert Reminder.objects.get(channel="email", kind="urge").state == "sent"
    assert output.strip().splitlines()[-1].startswith("1 messages sent (1 reminders)")
