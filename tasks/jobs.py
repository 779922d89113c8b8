"""Celery jobs. Each takes ids or a date, and calls a service; none holds business rules.

Delivery jobs are `acks_late` with `reject_on_worker_lost`: a worker that dies mid-job leaves the message
to be delivered again, and the bundle claim (tasks.services.reminders.delivery.bundles_claim) makes that harmless.

Services are imported inside each job, never at the top: the reminder services enqueue these jobs (one module,
tasks.services.reminders.outbox, imports them), and importing them back here would close an import circle.
"""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import translation

DELIVERY_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    # Attempts are counted on the row (REMINDER_MAX_ATTEMPTS), not by Celery.
    "max_retries": None,
    "time_limit": settings.REMINDER_JOB_TIME_LIMIT,
}


def _deliver(job, bundle_ids: list[int], *, one: bool) -> dict:
    from tasks.services import reminders

    with translation.override(settings.LANGUAGE_CODE):
        outcome = reminders.bundle_deliver(bundle_ids=bundle_ids)
    if outcome.retry:
        # A new message for the bundles that failed for a temporary reason; its delay stays below the
        # broker's visibility timeout (settings, tests/test_settings_celery.py).
        args = [outcome.retry[0]] if one else [outcome.retry]
        raise job.retry(args=args, kwargs={}, countdown=reminders.reminder_retry_delay(outcome.attempts))
    return {"sent": len(outcome.sent), "failed": len(outcome.failed), "skipped": len(outcome.skipped)}


@shared_task(name="tasks.jobs.deliver_bundle", **DELIVERY_OPTIONS)
def deliver_bundle(self, bundle_id: int) -> dict:
    """Send one bundle alone (a group-robot message, in parts if long; a re-sent inbox entry)."""
    return _deliver(self, [bundle_id], one=True)


@shared_task(name="tasks.jobs.deliver_bundle_batch", **DELIVERY_OPTIONS)
def deliver_bundle_batch(self, bundle_ids: list[int]) -> dict:
    """Send e-mails over one SMTP connection; each bundle is still claimed and marked on its own."""
    return _deliver(self, list(bundle_ids), one=False)


@shared_task(name="tasks.jobs.deliver_webhook", **DELIVERY_OPTIONS)
def deliver_webhook(self, delivery_id: int) -> dict:
    """POST one webhook delivery, signed; a failure comes back with the reminders' backoff."""
    from tasks.services import reminders, webhooks

    with translation.override(settings.LANGUAGE_CODE):
        outcome = webhooks.webhook_deliver(delivery_id=delivery_id)
    if outcome.state == "pending":
        raise self.retry(args=[delivery_id], kwargs={}, countdown=reminders.reminder_retry_delay(outcome.attempts))
    return {"state": outcome.state, "attempts": outcome.attempts}


@shared_task(name="tasks.jobs.scan_reminders", acks_late=True, reject_on_worker_lost=True)
def scan_reminders(date: str | None = None) -> dict:
    """The daily scan (django-celery-beat, 09:00 Asia/Shanghai). Safe to run any number of times."""
    from tasks.services import reminders

    today = dt.date.fromisoformat(date) if date else None
    with translation.override(settings.LANGUAGE_CODE):
        result = reminders.reminder_scan(today=today)
    return {
        "date": result.today.isoformat(),
        "workday": result.is_workday,
        "created": len(result.created),
        "already_sent": result.already_sent,
    }


@shared_task(name="tasks.jobs.sweep_reminders", acks_late=True, reject_on_worker_lost=True)
def sweep_reminders() -> dict:
    """Every few minutes: re-enqueue reminder bundles and webhook deliveries a broker outage or a dead worker left
    behind."""
    from tasks.services import reminders, webhooks

    result = reminders.reminder_sweep()
    # Webhook deliveries share the sweep: the same claim timeout and the same hand-over to the broker.
    requeued_webhooks = webhooks.webhook_sweep()
    return {"released": result.released, "requeued": len(result.requeued), "webhooks": len(requeued_webhooks)}


@shared_task(name="tasks.jobs.recompute_lights", acks_late=True, reject_on_worker_lost=True)
def recompute_lights() -> dict:
    """Just after midnight (django-celery-beat, 00:05 Asia/Shanghai): every stored light becomes today's. Safe to
    run any number of times; a read that comes first does the same work, and the second finds it done."""
    from tasks.services.lights import lights_current

    return {"computed": lights_current()}
