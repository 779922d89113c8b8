"""Celery and reminder settings that keep delivery safe. A countdown, ETA or retry delay at or beyond the
broker's visibility timeout makes Redis hand the message to a second worker: a duplicate."""

import pytest
from django.conf import settings
from django_celery_beat.models import PeriodicTask

from partybuild.celery import app
from tasks import jobs
from tasks.services.reminders import reminder_retry_delay


def test_delivery_jobs_ack_late_and_are_redelivered_when_a_worker_is_lost():
    for job in (jobs.deliver_bundle, jobs.deliver_bundle_batch):
        assert job.acks_late is True
        assert job.reject_on_worker_lost is True
    assert settings.CELERY_TASK_ACKS_LATE
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


def test_no_delay_reaches_the_visibility_timeout():
    timeout = settings.BROKER_VISIBILITY_TIMEOUT
    retry_max = settings.REMINDER_RETRY_MAX_SECONDS
    assert retry_max < timeout
    assert max(reminder_retry_delay(attempt) for attempt in range(1, 60) for _ in range(20)) <= retry_max
    assert jobs.deliver_bundle.time_limit < timeout
    assert jobs.deliver_bundle_batch.time_limit < timeout
    # A claimed row is released only once its job cannot still be running, and a pending row is swept
    # only after its scheduled retry had its chance.
    claim_timeout, sweep_after = settings.REMINDER_CLAIM_TIMEOUT_SECONDS, settings.REMINDER_SWEEP_AFTER_SECONDS
    assert claim_timeout > jobs.deliver_bundle_batch.time_limit
    assert sweep_after > retry_max


def test_retry_delays_grow_exponentially_with_jitter():
    first = [reminder_retry_delay(1) for _ in range(50)]
    third = [reminder_retry_delay(3) for _ in range(50)]
    base = settings.REMINDER_RETRY_BASE_SECONDS
    assert all(base / 2 <= delay <= base for delay in first)
    assert all(2 * base <= delay <= 4 * base for delay in third)
    assert len(set(first)) > 1  # jitter


def test_the_broker_is_told_the_visibility_timeout():
    options = app.conf.broker_transport_options or {}
    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        assert "visibility_timeout" not in options  # the filesystem transport has none; CI checks Redis
    else:
        assert options["visibility_timeout"] == settings.BROKER_VISIBILITY_TIMEOUT


@pytest.mark.django_db
def test_schedules_are_stored_with_django_celery_beat():
    scan = PeriodicTask.objects.get(task="tasks.jobs.scan_reminders")
    assert (scan.crontab.hour, scan.crontab.minute, str(scan.crontab.timezone)) == ("9", "0", "Asia/Shanghai")
    assert scan.enabled
    sweep = PeriodicTask.objects.get(task="tasks.jobs.sweep_reminders")
    assert (sweep.interval.every, sweep.interval.period) == (5, "minutes")
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"


def test_jobs_are_registered_under_tasks_jobs():
    app.loader.import_default_modules()
    for name in ("deliver_bundle", "deliver_bundle_batch", "scan_reminders", "sweep_reminders"):
        assert f"tasks.jobs.{name}" in app.tasks
