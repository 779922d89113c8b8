"""Reminder jobs on a real in-process Celery worker (in-memory broker; Redis in CI), a real SMTP server
and a real HTTP server for the robots. Nothing of ours is mocked."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from tasks import jobs
from tasks.models import Bundle, InboxMessage, OrgUnit, Reminder, Urge
from tasks.services.reminders import assignment_urge, reminder_scan
from tests.support_reminders import (
    SmtpServer,
    celery_worker_fixture,  # noqa: F401 - registers the fixture
    free_port,
    smtp_server_fixture,  # noqa: F401
    use_smtp,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _work_reminders_only(transactional_db):
    """The branches here keep no roster and owe their meetings all the same, so organisational life's lines would
    join these bundles; they have their own tests (test_services_orglife_reminders.py). These are about the work."""
    from tasks.models import MeetingType

    MeetingType.objects.update(is_active=False)


D1_DAY = dt.date(2024, 9, 30)  # one working day before the assignments' deadline below


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.REMINDER_RETRY_BASE_SECONDS = 0.2
    settings.REMINDER_RETRY_MAX_SECONDS = 0.5
    settings.REMINDER_MAX_ATTEMPTS = 20


@pytest.fixture
def due_tomorrow(assignment_a1, assignment_b):
    """Two assignments due on 1 October 2024, a holiday: 30 September is the working day before it."""
    for assignment in (assignment_a1, assignment_b):
        assignment.deadline = dt.date(2024, 10, 1)
        assignment.save()
    return assignment_a1, assignment_b


def wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def kind_of(message) -> str:
    """The kind of the items an e-mail carries (one kind in these tests)."""
    [kind] = set(Reminder.objects.filter(bundle=message["X-PartyBuild-Bundle"]).values_list("kind", flat=True))
    return kind


def states(**filters) -> set[str]:
    return set(Reminder.objects.filter(**filters).values_list("state", flat=True))


def test_scan_job_delivers_each_reminder_once_however_often_it_runs(
    celery_worker, smtp_server, due_tomorrow, secretary_a, secretary_b
):
    jobs.scan_reminders.delay(D1_DAY.isoformat())
    celery_worker.wait_idle()
    jobs.scan_reminders.delay(D1_DAY.isoformat())
    celery_worker.wait_idle()

    due_soon = [m for m in smtp_server.messages if kind_of(m) == "due_soon"]
    assert sorted(m["To"] for m in due_soon) == sorted([secretary_a.email, secretary_b.email])
    assert states(channel="email") == {"sent"}
    assert InboxMessage.objects.filter(user=secretary_a, bundle__items__kind="due_soon").count() == 1
    assert smtp_server.handler.connections == 1  # the whole batch over one SMTP connection
    assert len(smtp_server.messages) == Bundle.objects.filter(channel="email").count()


def test_smtp_down_then_back_delivers_once_after_recovery(
    celery_worker, settings, assignment_b, committee, secretary_b
):
    port = free_port()
    use_smtp(settings, port)  # nothing listens there yet

    assignment_urge(assignment=assignment_b, urged_by=committee, message="请尽快报送")
    wait_for(lambda: len([name for name in celery_worker.finished if "deliver" in name]) >= 2)
    assert Reminder.objects.get(channel="email").state in ("pending", "sending")
    server = SmtpServer(port).start()
    try:
        celery_worker.wait_idle()
    finally:
        server.stop()

    row = Reminder.objects.get(channel="email")
    assert row.state == "sent"
    assert row.attempts >= 2
    assert [m["To"] for m in server.messages] == [secretary_b.email]
    assert "请尽快报送" in server.messages[0].get_body(("plain",)).get_content()


def _robot(unit: OrgUnit, httpserver, kind=OrgUnit.Robot.WECOM) -> None:
    unit.robot_kind, unit.robot_webhook_url = kind, httpserver.url_for("/robot")
    unit.save()


def test_webhook_500_is_retried_then_succeeds(celery_worker, smtp_server, httpserver, assignment_b, committee, org):
    _robot(org.branch_b, httpserver)
    httpserver.expect_oneshot_request("/robot", method="POST").respond_with_data("busy", status=500)
    httpserver.expect_request("/robot", method="POST").respond_with_json({"errcode": 0, "errmsg": "ok"})

    assignment_urge(assignment=assignment_b, urged_by=committee)
    celery_worker.wait_idle()

    row = Reminder.objects.get(channel="wecom")
    assert (row.state, row.attempts, row.bundle.attempts) == ("sent", 2, 2)
    assert len(httpserver.log) == 2
    assert httpserver.log[1][0].get_json()["msgtype"] == "markdown"


def test_webhook_400_is_not_retried_and_marked_failed_without_blocking_email(
    celery_worker, smtp_server, httpserver, assignment_b, committee, org, secretary_b
):
    _robot(org.branch_b, httpserver, kind=OrgUnit.Robot.DINGTALK)
    httpserver.expect_request("/robot", method="POST").respond_with_data("bad request", status=400)

    assignment_urge(assignment=assignment_b, urged_by=committee)
    celery_worker.wait_idle()

    row = Reminder.objects.get(channel="dingtalk")
    assert (row.state, row.attempts) == ("failed", 1)
    assert "HTTP 400" in row.last_error
    assert len(httpserver.log) == 1
    assert states(channel="email") == {"sent"}
    assert [m["To"] for m in smtp_server.messages] == [secretary_b.email]


def test_last_attempt_marks_failed_and_the_admin_resends(
    celery_worker, smtp_server, httpserver, settings, assignment_b, committee, org, admin_client
):
    settings.REMINDER_MAX_ATTEMPTS = 3
    settings.REMINDER_RETRY_WINDOW_SECONDS = 0  # the row is past its retry window at once
    _robot(org.branch_b, httpserver)
    httpserver.expect_request("/robot", method="POST").respond_with_data("down", status=503)

    assignment_urge(assignment=assignment_b, urged_by=committee)
    celery_worker.wait_idle()

    row = Reminder.objects.get(channel="wecom")
    assert (row.state, row.attempts) == ("failed", 3)
    assert "HTTP 503" in row.last_error
    assert len(httpserver.log) == 3

    httpserver.clear_all_handlers()
    httpserver.expect_request("/robot", method="POST").respond_with_json({"errcode": 0})
    response = admin_client.post("/admin/tasks/reminder/", {"action": "resend", "_selected_action": [row.pk]})
    assert response.status_code == 302
    celery_worker.wait_idle()

    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == ("sent", 1, "")


def test_broker_outage_loses_nothing_the_sweeper_resends(
    celery_worker, smtp_server, assignment_b, committee, secretary_b, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(jobs.deliver_bundle_batch, "delay", broker_down)
        urge = assignment_urge(assignment=assignment_b, urged_by=committee)  # commits despite the outage

    assert Urge.objects.filter(pk=urge.pk).exists()
    assert states(channel="email") == {"pending"}
    celery_worker.wait_idle()
    assert smtp_server.messages == []

    Bundle.objects.update(created_at=timezone.now() - dt.timedelta(hours=1))
    jobs.sweep_reminders.delay()
    celery_worker.wait_idle()

    assert states(channel="email") == {"sent"}
    assert [m["To"] for m in smtp_server.messages] == [secretary_b.email]


def test_a_row_left_sending_by_a_dead_worker_is_released_and_sent(
    celery_worker, smtp_server, assignment_b, committee, secretary_b, monkeypatch
):
    with monkeypatch.context() as patch:
        patch.setattr(jobs.deliver_bundle_batch, "delay", lambda *args, **kwargs: None)
        assignment_urge(assignment=assignment_b, urged_by=committee)
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    Bundle.objects.filter(channel="email").update(state="sending", claimed_at=an_hour_ago, attempts=1)

    jobs.sweep_reminders.delay()
    celery_worker.wait_idle()

    row = Reminder.objects.get(channel="email")
    assert (row.state, row.attempts) == ("sent", 2)
    assert len(smtp_server.messages) == 1


def test_a_rolled_back_transaction_enqueues_nothing(celery_worker, smtp_server, assignment_b, committee):
    def urge_then_fail():
        with transaction.atomic():
            assignment_urge(assignment=assignment_b, urged_by=committee)
            raise RuntimeError("the view failed after urging")

    with pytest.raises(RuntimeError):
        urge_then_fail()
    time.sleep(0.3)

    assert celery_worker.published == []
    assert Urge.objects.count() == 0
    assert Reminder.objects.count() == 0

    assignment_urge(assignment=assignment_b, urged_by=committee)  # the same, committed
    celery_worker.wait_idle()
    assert "tasks.jobs.deliver_bundle_batch" in celery_worker.published


def test_a_redelivered_job_sends_nothing_twice(celery_worker, smtp_server, assignment_b, committee):
    """acks_late: a job may run again after a worker is lost; the claim makes the second run a no-op."""
    assignment_urge(assignment=assignment_b, urged_by=committee)
    celery_worker.wait_idle()
    row = Reminder.objects.get(channel="email")

    jobs.deliver_bundle_batch.delay([row.bundle_id])
    jobs.deliver_bundle.delay(row.bundle_id)
    celery_worker.wait_idle()

    assert len(smtp_server.messages) == 1


@pytest.mark.postgres
def test_concurrent_scans_on_postgresql_deliver_each_reminder_once(
    celery_worker, smtp_server, due_tomorrow, secretary_a, secretary_b
):
    barrier = threading.Barrier(3)
    results, errors = [], []

    def scan():
        try:
            barrier.wait()
            results.append(reminder_scan(today=D1_DAY))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    celery_worker.wait_idle()

    assert errors == []
    created = [row.pk for result in results for row in result.created]
    assert len(created) == len(set(created)) == Reminder.objects.count() > 0
    assert sorted(result.already_sent for result in results)[0] == 0
    assert len(smtp_server.messages) == Bundle.objects.filter(channel="email").count()
    recipients = [m["To"] for m in smtp_server.messages if kind_of(m) == "due_soon"]
    assert sorted(recipients) == sorted([secretary_a.email, secretary_b.email])
