"""Delivery: a job claims its rows with a conditional update, sends each through its channel's transport and
marks it at once. A temporary failure goes back to pending, retried with exponential backoff and jitter for
REMINDER_MAX_ATTEMPTS attempts *and* REMINDER_RETRY_WINDOW_SECONDS; a permanent one fails the row."""

import logging
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from tasks.models import Reminder
from tasks.services.reminders.channels import TransportError, TransportSet

logger = logging.getLogger(__name__)

State = Reminder.State


@dataclass
class DeliveryOutcome:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)  # back to pending after a temporary error
    skipped: list[int] = field(default_factory=list)  # sent, sending or gone: someone else has it
    attempts: int = 0  # the highest attempt count among rows to retry (for the backoff)


def reminder_retry_delay(attempt: int) -> float:
    """Exponential backoff with jitter: between half and all of base·2^(attempt-1), never above the cap
    (which settings keep below the broker's visibility timeout)."""
    ceiling = min(settings.REMINDER_RETRY_MAX_SECONDS, settings.REMINDER_RETRY_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


def reminders_claim(reminder_ids) -> dict[int, Reminder]:
    """Take pending rows for sending with one conditional update; returns the rows this call took.

    The rows are stamped with this claim's own time, so a concurrent claimer (which can only take rows
    that are still pending) never gets the same row, and the claimed rows load in one query."""
    claimed_at = timezone.now()
    Reminder.objects.filter(pk__in=reminder_ids, state=State.PENDING).update(
        state=State.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1
    )
    return (
        Reminder.objects.filter(pk__in=reminder_ids, state=State.SENDING, claimed_at=claimed_at)
        .select_related("recipient", "recipient_unit", "assignment__key_task", "assignment__unit")
        .in_bulk()
    )


def _mark_sent(reminder_id: int) -> None:
    """Delivery's hot path: a plain statement, because compiling the ORM's update() costs three times as
    much as running it, a sixth of the CPU spent per e-mail (bench/RESULTS.md)."""
    table = connection.ops.quote_name(Reminder._meta.db_table)
    sent_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET state = %s, sent_at = %s, last_error = '' WHERE id = %s",  # noqa: S608 - no user input
            [State.SENT.value, sent_at, reminder_id],
        )


def _retries_used_up(reminder: Reminder) -> bool:
    """A temporary failure (server down, timeout) is retried until the row has had REMINDER_MAX_ATTEMPTS
    attempts *and* is REMINDER_RETRY_WINDOW_SECONDS old. Attempts alone ran out 8 to 15 minutes after the
    first, so a ten-minute SMTP outage failed rows for good until an admin re-sent them (bench/RESULTS.md)."""
    age = (timezone.now() - reminder.created_at).total_seconds()
    return reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS and age >= settings.REMINDER_RETRY_WINDOW_SECONDS


def reminder_deliver(*, reminder_ids, transports: TransportSet | None = None) -> DeliveryOutcome:
    """Claim the rows, then send them one by one, marking each as soon as it is sent (a worker dying
    mid-batch can leave at most the one row it was sending both sent and unmarked). One row's failure
    never stops the others."""
    outcome = DeliveryOutcome()
    owned = transports is None
    transports = transports or TransportSet()
    reminder_ids = list(reminder_ids)
    try:
        claimed = reminders_claim(reminder_ids)
        for reminder_id in reminder_ids:
            reminder = claimed.get(reminder_id)
            if reminder is None:  # sent, being sent by someone else, failed, or gone
                outcome.skipped.append(reminder_id)
                continue
            try:
                transports.for_channel(reminder.channel).send(reminder)
            except TransportError as error:
                failure = error
            except Exception as error:  # a bug in one transport must not block the other rows
                logger.exception("reminder %s: unexpected error", reminder_id)
                failure = TransportError(repr(error))
            else:
                _mark_sent(reminder_id)
                outcome.sent.append(reminder_id)
                continue
            message = f"attempt {reminder.attempts}: {failure}"[:2000]
            if failure.permanent or _retries_used_up(reminder):
                Reminder.objects.filter(pk=reminder_id).update(state=State.FAILED, last_error=message)
                outcome.failed.append(reminder_id)
                logger.warning("reminder %s failed for good: %s", reminder_id, message)
            else:
                Reminder.objects.filter(pk=reminder_id).update(state=State.PENDING, last_error=message)
                outcome.retry.append(reminder_id)
                outcome.attempts = max(outcome.attempts, reminder.attempts)
                logger.info("reminder %s will be retried: %s", reminder_id, message)
    finally:
        if owned:
            transports.close()
    return outcome
