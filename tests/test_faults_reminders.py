"""Faults of reminder delivery, quick enough for every CI run: the mail server down for ten minutes of
simulated time, and Redis restarted (losing its queue) while reminders wait in it. The long versions, at
volume and on PostgreSQL, are bench/fault_smtp_down.py and bench/fault_redis_restart.py."""

import asyncio
import datetime as dt
import shutil
import threading
import time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tasks.models import Reminder
from tasks.services.reminders import assignment_urge, delivery, reminder_sweep
from tests.conftest import require_service
from tests.support_reminders import RedisServer, SmtpRecorder, SmtpServer, free_port, running_worker, use_smtp
from tests.support_simulated import SimulatedCelery

pytestmark = pytest.mark.django_db(transaction=True)

START = dt.datetime(2025, 6, 16, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
OUTAGE = dt.timedelta(minutes=10)


@pytest.fixture
def production_retries(settings, monkeypatch):
    """The production schedule (30 s doubling, at most 10 minutes, 6 attempts), each delay at the short end
    of its jitter: retries come as fast as they can, so attempts run out soonest (the worst case)."""
    settings.REMINDER_RETRY_BASE_SECONDS = 30
    settings.REMINDER_RETRY_MAX_SECONDS = 600
    settings.REMINDER_MAX_ATTEMPTS = 6
    monkeypatch.setattr(delivery, "random", SimpleNamespace(uniform=lambda low, high: low))


def email_rows():
    return Reminder.objects.filter(channel=Reminder.Channel.EMAIL).order_by("id")


def settled() -> bool:
    return not email_rows().filter(state__in=[Reminder.State.PENDING, Reminder.State.SENDING]).exists()


def test_smtp_down_for_ten_minutes_every_email_arrives_once_after_recovery(
    production_retries, settings, assignment_a1, assignment_b, overdue_b, committee, secretary_a, secretary_b
):
    port = free_port()
    use_smtp(settings, port)  # nothing listens there until the server is started
    server = SmtpServer(port)
    try:
        with SimulatedCelery(start=START) as celery:
            assignment_urge(assignment=assignment_b, urged_by=committee, message="请尽快报送")
            celery.at(dt.timedelta(minutes=3), lambda: assignment_urge(assignment=assignment_a1, urged_by=committee))
            # Another of branch B's assignments: one urge a working day per assignment.
            celery.at(dt.timedelta(minutes=9), lambda: assignment_urge(assignment=overdue_b, urged_by=committee))
            celery.at(OUTAGE, server.start)
            celery.run(until=dt.timedelta(hours=2), stop=lambda: celery.elapsed > OUTAGE.total_seconds() and settled())
    finally:
        server.stop()

    rows = list(email_rows())
    assert [row.recipient for row in rows] == [secretary_b, secretary_a, secretary_b]
    assert [row.state for row in rows] == ["sent"] * 3
    message_ids = sorted(message["Message-ID"] for message in server.messages)
    assert message_ids == sorted(f"<bundle-{row.bundle_id}@partybuild>" for row in rows)  # each once, nothing else
    recovered = START + OUTAGE
    assert all(recovered <= row.sent_at <= recovered + dt.timedelta(minutes=10) for row in rows)
    # The first urge's batch: tried at 0, 15 s, 45 s, 1:45, 3:45 and 7:45, all while the server was down; its
    # sixth attempt used up REMINDER_MAX_ATTEMPTS, yet the seventh, at 12:45, delivered it.
    first = [run for run in celery.runs if run.ids == [rows[0].bundle_id]]
    assert [run.at for run in first] == [0, 15, 45, 105, 225, 465, 765]
    assert [run.result for run in first][-1] == {"sent": 1, "failed": 0, "skipped": 0}
    assert rows[0].attempts == 7
    assert "cannot connect to the mail server" not in rows[0].last_error  # cleared when sent


def test_a_mail_server_that_never_comes_back_fails_the_row_after_the_retry_window(
    production_retries, settings, assignment_b, committee
):
    settings.REMINDER_RETRY_WINDOW_SECONDS = 3600
    use_smtp(settings, free_port())  # never started

    with SimulatedCelery(start=START) as celery:
        assignment_urge(assignment=assignment_b, urged_by=committee)
        celery.run(until=dt.timedelta(hours=3), stop=settled)

    row = email_rows().get()
    assert row.state == "failed"
    assert "cannot connect to the mail server" in row.last_error
    failed_at = celery.runs[-1].at
    assert 3600 <= failed_at < 3600 + settings.REMINDER_RETRY_MAX_SECONDS
    assert celery.runs[-1].result == {"sent": 0, "failed": 1, "skipped": 0}
    assert row.attempts == len(celery.runs) > settings.REMINDER_MAX_ATTEMPTS
    assert len(celery.sweeps) >= 11  # the sweep ran all along and never took the row from its retries
    assert not any(sweep["requeued"] or sweep["released"] for sweep in celery.sweeps)


# --- Redis restarted while reminders wait in its queue ------------------------------------------------------


class HeldSmtp(SmtpRecorder):
    """Holds its answer to the first message until released: the worker is busy in the middle of a job."""

    def __init__(self):
        super().__init__()
        self.arrived, self.release = threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if not self.arrived.is_set():
            self.arrived.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 20)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        require_service("redis-server is not installed")
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def wait_for(condition, timeout=60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def test_redis_restarted_while_reminders_wait_in_its_queue_each_arrives_once(
    settings, private_redis, assignment_a1, assignment_b, overdue_b, committee, secretary_a, secretary_b
):
    smtp = SmtpServer(free_port())
    smtp.handler = HeldSmtp()
    smtp.start()
    use_smtp(settings, smtp.port)
    try:
        with running_worker(private_redis.url, visibility_timeout=settings.BROKER_VISIBILITY_TIMEOUT):
            assignment_urge(assignment=assignment_b, urged_by=committee)
            assert smtp.handler.arrived.wait(10)  # the worker is sending it; the server holds its answer
            assignment_urge(assignment=assignment_a1, urged_by=committee)
            assignment_urge(assignment=overdue_b, urged_by=committee)  # one urge a working day per assignment
            assert private_redis.queued() == 2

            private_redis.restart()
            assert private_redis.queued() == 0  # nothing was kept on disk: both jobs are gone
            smtp.handler.release.set()
            wait_for(private_redis.consuming)  # the same worker reconnected by itself
            wait_for(lambda: email_rows().filter(state="sent").count() == 1)
            assert [row.state for row in email_rows()] == ["sent", "pending", "pending"]

            # The sweep (every 5 minutes) finds the two rows pending past REMINDER_SWEEP_AFTER_SECONDS.
            later = timezone.now() + dt.timedelta(seconds=settings.REMINDER_SWEEP_AFTER_SECONDS + 1)
            assert len(reminder_sweep(now=later).requeued) == 2
            wait_for(lambda: settled() and len(smtp.messages) == 3)
            time.sleep(0.3)  # a duplicate would arrive now
    finally:
        smtp.handler.release.set()
        smtp.stop()

    rows = list(email_rows())
    assert [(row.recipient, row.state) for row in rows] == [
        (secretary_b, "sent"),
        (secretary_a, "sent"),
        (secretary_b, "sent"),
    ]
    message_ids = sorted(message["Message-ID"] for message in smtp.messages)
    assert message_ids == sorted(f"<bundle-{row.bundle_id}@partybuild>" for row in rows)
