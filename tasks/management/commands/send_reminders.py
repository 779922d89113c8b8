"""Run the daily reminder scan now, synchronously, and deliver what it decided (for cron and tests).

    python manage.py send_reminders                    # today
    python manage.py send_reminders --date 2024-06-03  # as if it were that day
    python manage.py send_reminders --dry-run          # print what would be sent, change nothing
    python manage.py send_reminders --pending-only     # no scan: deliver urges etc. left pending

It writes the same outbox rows and bundles as the Celery scan, so running it twice, or alongside the worker,
sends nothing twice. It also delivers messages left pending (an urge or a returned report while no worker
ran, an e-mail that quiet mode held over a day off), so a cron-only installation needs no worker. It prints
one line per message (a bundle: everything one person gets on one channel).
"""

import datetime as dt
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone, translation

from tasks.models import Bundle, Reminder
from tasks.services.reminders import bundle_deliver, reminder_scan


def describe(reminder: Reminder) -> str:
    recipient = reminder.recipient or reminder.recipient_unit
    return f"{reminder.kind:<14} {reminder.channel:<8} {recipient!s:<12} {reminder.period:<18} {reminder.subject}"


def describe_bundle(bundle: Bundle, kinds: Counter) -> str:
    recipient = bundle.recipient or bundle.recipient_unit
    what = " ".join(f"{kind}x{count}" for kind, count in sorted(kinds.items()))
    return f"{bundle.channel:<8} {recipient!s:<12} {what:<28} {bundle.subject}"


class Command(BaseCommand):
    help = "Decide today's reminders (or those of --date) and send them; print one line per message."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Scan as if today were this date (YYYY-MM-DD).")
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; write and send nothing.")
        parser.add_argument(
            "--pending-only",
            action="store_true",
            help="Do not scan; only deliver messages left pending (urges, returned reports) when no worker runs.",
        )

    def handle(self, *args, date=None, dry_run=False, pending_only=False, **options):
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError as error:
            raise CommandError(f"--date must be YYYY-MM-DD: {error}") from error
        with translation.override(settings.LANGUAGE_CODE):
            result = reminder_scan(today=today, dry_run=dry_run, enqueue=False, scan=not pending_only)
            if not result.is_workday and not pending_only:
                self.stdout.write(f"{result.today} is not a working day: no scheduled reminders.")
            if dry_run:
                for row in result.created:
                    self.stdout.write(f"would send  {describe(row)}")
                people = Counter((row.recipient_id, row.recipient_unit_id, row.channel) for row in result.created)
                self.stdout.write(
                    f"{len(result.created)} reminders would be sent in {len(people)} messages "
                    f"({result.already_sent} already sent)."
                )
                return
            scanned = set(result.bundle_ids)
            # Messages left pending by earlier events (urges, returned reports) when no worker ran, and those
            # that quiet mode held until now.
            now = timezone.now()
            leftover = list(
                Bundle.objects.filter(state=Reminder.State.PENDING)
                .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
                .exclude(pk__in=scanned)
                .values_list("pk", flat=True)
            )
            outcome = bundle_deliver(bundle_ids=sorted(scanned) + leftover)
            created_bundles = {row.bundle_id for row in result.created if row.bundle_id}
            ids = sorted(created_bundles | set(leftover))
        states = {"sent": "sent", "failed": "FAILED", "retry": "retry later", "skipped": "skipped"}
        labels = {bundle_id: states[name] for name in states for bundle_id in getattr(outcome, name)}
        bundles = Bundle.objects.filter(pk__in=ids).select_related("recipient", "recipient_unit").order_by("id")
        kinds: dict[int, Counter] = {bundle_id: Counter() for bundle_id in ids}
        for bundle_id, kind in Reminder.objects.filter(bundle_id__in=ids).values_list("bundle_id", "kind"):
            kinds[bundle_id][kind] += 1
        for bundle in bundles:
            label = labels.get(bundle.pk, "sent" if bundle.state == Reminder.State.SENT else bundle.state)
            self.stdout.write(f"{label:<11} {describe_bundle(bundle, kinds[bundle.pk])}")
        sent = [bundle for bundle in bundles if bundle.state == Reminder.State.SENT]
        self.stdout.write(
            f"{len(sent)} messages sent ({sum(bundle.item_count for bundle in sent)} reminders), "
            f"{len(outcome.failed)} failed, {len(outcome.retry)} to retry "
            f"({result.already_sent} reminders already sent earlier)."
        )
