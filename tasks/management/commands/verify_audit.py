import sys

from django.core.management.base import BaseCommand, CommandError

from tasks.services.audit import audit_verify


class Command(BaseCommand):
    help = "Check the audit log's hash chain; exits non-zero and names the first broken row if any was edited."

    def handle(self, *args, **options):
        checked, broken, why = audit_verify()
        if broken is not None:
            sys.stderr.write(
                f"BROKEN at audit row id={broken.pk} ({broken}): {why}. {checked} rows before it verified.\n"
            )
            raise CommandError("audit log verification failed", returncode=1)
        self.stdout.write(f"OK: {checked} audit rows verified.")
