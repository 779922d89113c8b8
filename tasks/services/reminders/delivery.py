"""Delivery: a job claims its bundles with a conditional update, sends each through its channel's transport and
marks it (with its items) at once. A temporary failure goes back to pending, retried with exponential backoff
and jitter for REMINDER_MAX_ATTEMPTS attempts *and* REMINDER_RETRY_WINDOW_SECONDS; a permanent one fails the
bundle and its items."""

import logging
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from tasks.models import Bundle, Reminder
from tasks.services.reminders.bundles import load_items
from tasks.services.reminders.channels import TransportError, TransportSet

logger = logging.getLogger(__name__)

State = Reminder.State


@dataclass
class DeliveryOutcome:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)  # back to pending after a temporary error
    skipped: list[int] = field(default_factory=list)  # sent, sending, held or gone: not this job's
    attempts: int = 0  # the highest attempt count among bundles to retry (for the backoff)


def reminder_retry_delay(attempt: int) -> float:
    """Exponential backoff with jitter: between half and all of base·2^(attempt-1), never above the cap
    (which settings keep below the broker's visibility timeout)."""
    ceiling = min(settings.REMINDER_RETRY_MAX_SECONDS, settings.REMINDER_RETRY_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


def bundles_claim(bundle_ids) -> dict[int, Bundle]:
    """Take pending bundles for sending with one conditional update; returns the bundles this call took.

    They are stamped with this claim's own time, so a concurrent claimer (which can only take bundles that
    are still pending) never gets the same one, and the claimed bundles load in one query. A bundle held by
    quiet mode is not taken before its time."""
    claimed_at = timezone.now()
    Bundle.objects.filter(pk__in=bundle_ids, state=State.PENDING).filter(
        Q(not_before__isnull=True) | Q(not_before__lte=claimed_at)
    ).update(state=State.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1)
    return (
        Bundle.objects.filter(pk__in=bundle_ids, state=State.SENDING, claimed_at=claimed_at)
        .select_related("recipient", "recipient_unit")
        .in_bulk()
    )


def _mark(bundle_id: int, state: str, *, attempts: int, error: str = "") -> None:
    """A bundle and its items change state together, in one transaction: never some items sent and others
    not. Plain statements: compiling the ORM's update() costs more than running it, on delivery's hot path."""
    bundles = connection.ops.quote_name(Bundle._meta.db_table)
    items = connection.ops.quote_name(Reminder._meta.db_table)
    sent_at = connection.ops.adapt_datetimefield_value(timezone.now()) if state == State.SENT else None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {bundles} SET state = %s, sent_at = %s, last_error = %s WHERE id = %s",  # noqa: S608 - no user input
            [state, sent_at, error, bundle_id],
        )
        cursor.execute(
            f"UPDATE {items} SET state = %s, sent_at = %s, last_error = %s, attempts = %s "  # noqa: S608
            "WHERE bundle_id = %s",
            [state, sent_at, error, attempts, bundle_id],
        )


def _retries_used_up(bundle: Bundle) -> bool:
    """A temporary failure (server down, timeout) is retried until the bundle has had REMINDER_MAX_ATTEMPTS
    attempts *and* is REMINDER_RETRY_WINDOW_SECONDS old. Attempts alone ran out 8 to 15 minutes after the
    first, so a ten-minute SMTP outage failed rows for good until an admin re-sent them (bench/RESULTS.md)."""
    age = (timezone.now() - bundle.created_at).total_seconds()
    return bundle.attempts >= settings.REMINDER_MAX_ATTEMPTS and age >= settings.REMINDER_RETRY_WINDOW_SECONDS


def bundle_deliver(*, bundle_ids, transports: TransportSet | None = None) -> DeliveryOutcome:
    """Claim the bundles, then send them one by one, marking each (with its items) as soon as it is sent: a
    worker dying mid-batch can leave at most the one bundle it was sending both sent and unmarked. One
    bundle's failure never stops the others."""
    outcome = DeliveryOutcome()
    owned = transports is None
    transports = transports or TransportSet()
    bundle_ids = list(bundle_ids)
    try:
        claimed = bundles_claim(bundle_ids)
        items = load_items(claimed)
        for bundle_id in bundle_ids:
            bundle = claimed.get(bundle_id)
            if bundle is None:  # sent, being sent by someone else, held, failed, or gone
                outcome.skipped.append(bundle_id)
                continue
            try:
                transports.for_channel(bundle.channel).send(bundle, items.get(bundle_id, []))
            except TransportError as error:
                failure = error
            except Exception as error:  # a bug in one transport must not block the other bundles
                logger.exception("reminder bundle %s: unexpected error", bundle_id)
                failure = TransportError(repr(error))
            else:
                _mark(bundle_id, State.SENT, attempts=bundle.attempts)
                outcome.sent.append(bundle_id)
                continue
            message = f"attempt {bundle.attempts}: {failure}"[:2000]
            if failure.permanent or _retries_used_up(bundle):
                _mark(bundle_id, State.FAILED, attempts=bundle.attempts, error=message)
                outcome.failed.append(bundle_id)
                logger.warning("reminder bundle %s failed for good: %s", bundle_id, message)
            else:
                Bundle.objects.filter(pk=bundle_id).update(state=State.PENDING, last_error=message)
                outcome.retry.append(bundle_id)
                outcome.attempts = max(outcome.attempts, bundle.attempts)
                logger.info("reminder bundle %s will be retried: %s", bundle_id, message)
    finally:
        if owned:
            transports.close()
    return outcome
