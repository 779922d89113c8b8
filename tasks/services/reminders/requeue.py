"""Putting rows back on the queue: the sweeper, for what a broker outage or a dead worker left behind, and
the admin's re-send of failed rows."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tasks.models import Reminder
from tasks.services.reminders.outbox import enqueue_on_commit

logger = logging.getLogger(__name__)

State = Reminder.State


@dataclass
class SweepResult:
    released: int  # rows a dead worker left in "sending"
    requeued: list[int]


def reminder_sweep(*, now: dt.datetime | None = None, limit: int = 10_000, enqueue: bool = True) -> SweepResult:
    """Re-enqueue what a broker outage or a dead worker left behind.

    A row stuck in "sending" past the claim timeout is released: its worker died after claiming, perhaps
    after sending (the one duplicate the design allows). A pending row not handed to the broker for a
    while is handed again; `claimed_at` on a pending row records that hand-over, so a long queue is not
    enqueued again every five minutes."""
    now = now or timezone.now()
    with transaction.atomic():
        stuck = list(
            Reminder.objects.filter(
                state=State.SENDING,
                claimed_at__lt=now - dt.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS),
            ).values_list("pk", flat=True)
        )
        released = Reminder.objects.filter(pk__in=stuck, state=State.SENDING).update(state=State.PENDING)
        cutoff = now - dt.timedelta(seconds=settings.REMINDER_SWEEP_AFTER_SECONDS)
        stale = Reminder.objects.filter(state=State.PENDING).filter(
            Q(pk__in=stuck) | Q(claimed_at__lt=cutoff) | Q(claimed_at__isnull=True, created_at__lt=cutoff)
        )
        rows = list(stale.order_by("id").only("id", "channel")[:limit])
        Reminder.objects.filter(pk__in=[row.pk for row in rows], state=State.PENDING).update(claimed_at=now)
        if enqueue and rows:
            enqueue_on_commit(rows)
    if released or rows:
        logger.warning("reminder sweep: released %d stuck rows, re-enqueued %d pending rows", released, len(rows))
    return SweepResult(released=released, requeued=[row.pk for row in rows])


def reminder_resend(*, reminders) -> int:
    """The admin's "re-send": failed (or sent) rows go back to pending with a fresh attempt count."""
    with transaction.atomic():
        ids = list(reminders.exclude(state=State.SENDING).values_list("pk", flat=True))
        Reminder.objects.filter(pk__in=ids).update(
            state=State.PENDING, attempts=0, last_error="", claimed_at=None, sent_at=None
        )
        rows = list(Reminder.objects.filter(pk__in=ids).only("id", "channel"))
        if rows:
            enqueue_on_commit(rows)
    return len(ids)
