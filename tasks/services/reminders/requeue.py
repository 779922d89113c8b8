"""Putting bundles back on the queue: the sweeper, for what a broker outage or a dead worker left behind (and
what quiet mode held until a working day), and the admin's re-send of failed bundles."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tasks.models import Bundle, Reminder
from tasks.services.reminders.outbox import enqueue_on_commit

logger = logging.getLogger(__name__)

State = Reminder.State


@dataclass
class SweepResult:
    released: int  # bundles a dead worker left in "sending"
    requeued: list[int]


def reminder_sweep(*, now: dt.datetime | None = None, limit: int = 10_000, enqueue: bool = True) -> SweepResult:
    """Re-enqueue what a broker outage or a dead worker left behind, and what quiet mode held till now.

    A bundle stuck in "sending" past the claim timeout is released: its worker died after claiming, perhaps
    after sending (the one duplicate the design allows). A pending bundle not handed to the broker for a
    while is handed again; `claimed_at` on a pending bundle records that hand-over, so a long queue is not
    enqueued again every five minutes. A held bundle is handed over once its `not_before` has come."""
    now = now or timezone.now()
    with transaction.atomic():
        stuck = list(
            Bundle.objects.filter(
                state=State.SENDING,
                claimed_at__lt=now - dt.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS),
            ).values_list("pk", flat=True)
        )
        released = Bundle.objects.filter(pk__in=stuck, state=State.SENDING).update(state=State.PENDING)
        cutoff = now - dt.timedelta(seconds=settings.REMINDER_SWEEP_AFTER_SECONDS)
        due = Q(not_before__isnull=True) | Q(not_before__lte=now)
        stale = Bundle.objects.filter(state=State.PENDING).filter(
            Q(pk__in=stuck)
            | Q(claimed_at__lt=cutoff)
            | Q(claimed_at__isnull=True, created_at__lt=cutoff)
            | Q(claimed_at__isnull=True, not_before__lte=now)
        )
        bundles = list(stale.filter(due).order_by("id").only("id", "channel")[:limit])
        Bundle.objects.filter(pk__in=[bundle.pk for bundle in bundles], state=State.PENDING).update(claimed_at=now)
        if enqueue and bundles:
            enqueue_on_commit(bundles)
    if released or bundles:
        logger.warning("reminder sweep: released %d stuck bundles, re-enqueued %d pending ones", released, len(bundles))
    return SweepResult(released=released, requeued=[bundle.pk for bundle in bundles])


def bundle_resend(*, bundles) -> int:
    """The admin's "re-send": failed (or sent) bundles go back to pending with a fresh attempt count, whole
    (a robot message starts again from its first part)."""
    with transaction.atomic():
        ids = list(bundles.exclude(state=State.SENDING).values_list("pk", flat=True))
        Bundle.objects.filter(pk__in=ids).update(
            state=State.PENDING, attempts=0, last_error="", claimed_at=None, sent_at=None, parts_sent=0, not_before=None
        )
        Reminder.objects.filter(bundle_id__in=ids).update(state=State.PENDING, last_error="", sent_at=None)
        resent = list(Bundle.objects.filter(pk__in=ids).only("id", "channel"))
        if resent:
            enqueue_on_commit(resent)
    return len(ids)


def reminder_resend(*, reminders) -> int:
    """Re-send the bundles that carried these reminders (the Reminders page of the admin)."""
    return bundle_resend(bundles=Bundle.objects.filter(pk__in=reminders.values("bundle_id")))
