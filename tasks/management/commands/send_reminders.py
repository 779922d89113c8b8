"""Run the daily reminder scan now, synchronously, and deliver what it decided (for cron and tests).

    python manage.py send_reminders                    # today
    python manage.py send_reminders --date 2024-06-03  # as if it were that day
    python manage.py send_reminders --dry-run          # print what would be sent, change nothing
    python manage.py send_reminders --pending-only     # no scan: deliver urges etc. left pending

It writes the same outbox rows as the Celery scan, so running it twice, or alongside the worker, sends
nothing twice. It also delivers rows left pending (an urge or a returned report while no worker ran),
so a cron-only installation needs no worker.
"""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from tasks.models import Reminder
from tasks.services.reminders import reminder_deliver, reminder_scan


def describe(reminder: Reminder) -> str:
    recipient = reminder.recipient or reminder.recipient_unit
    return f"{reminder.kind:<14} {reminder.channel:<8} {recipient!s:<12} {reminder.period:<18} {reminder.subject}"


class Command(BaseCommand):
    help = "Decide today's reminders (or those of --date) and send them; print one line per reminder."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Scan as if today were this date (YYYY-MM-DD).")
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; write and send nothing.")
        parser.add_argument(
            "--pending-only",
            action="store_true",
            help="Do not scan; only deliver rows left pending (urges, returned reports) when no worker runs.",
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
                self.stdout.write(
                    f"{len(result.created)} reminders would be sent ({result.already_sent} already sent)."
                )
                return
            created = [row.pk for row in result.created]
            # Rows left pending by earlier events (urges, returned reports) when no worker ran.
            leftover = list(
                Reminder.objects.filter(state=Reminder.State.PENDING)
                .exclude(pk__in=created)
                .values_list("pk", flat=True)
            )
            outcome = reminder_deliver(reminder_ids=[row.pk for row in result.to_deliver] + leftover)
            ids = created + leftover
        states = {"sent": "sent", "failed": "FAILED", "retry": "retry later", "skipped": "skipped"}
        labels = {row_id: states[name] for name in states for row_id in getattr(outcome, name)}
        rows = Reminder.objects.filter(pk__in=ids).select_related("recipient", "recipient_unit").order_by("id")
        for row in rows:
            label = labels.get(row.pk, "sent" if row.state == Reminder.State.SENT else row.state)
            self.stdout.write(f"{label:<11} {describe(row)}")
        sent = sum(1 for row in rows if row.state == Reminder.State.SENT)
        self.stdout.write(
            f"{sent} reminders sent, {len(outcome.failed)} failed, {len(outcome.retry)} to retry "
            f"({result.already_sent} already sent earlier)."
        )
