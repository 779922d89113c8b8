import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tasks.audit import AuditChainError, RetentionError, audit_purge


class Command(BaseCommand):
    help = (
        "Delete audit rows older than a date (at least AUDIT_RETENTION_DAYS, 180 by default, ago). "
        "The purge itself is written to the audit log."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--before", help="Delete rows older than this date (YYYY-MM-DD, local time).")
        group.add_argument("--days", type=int, help="Delete rows older than this many days.")
        parser.add_argument("--operator", default="", help="Who runs the purge (recorded in the audit row).")

    def handle(self, *args, before=None, days=None, operator="", **options):
        if days is not None:
            cutoff = timezone.now() - dt.timedelta(days=days)
        else:
            try:
                day = dt.date.fromisoformat(before)
            except ValueError as error:
                raise CommandError(f"--before: {error}") from None
            cutoff = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        try:
            deleted = audit_purge(before=cutoff, by=operator or "manage.py purge_audit")
        except (RetentionError, AuditChainError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Deleted {deleted} audit rows older than {cutoff:%Y-%m-%d %H:%M} "
            f"(retention {settings.AUDIT_RETENTION_DAYS} days)."
        )
