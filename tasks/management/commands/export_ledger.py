import time

from django.core.management.base import BaseCommand, CommandError

from tasks.management.commands._export_args import add_year_and_output, plan_for_year
from tasks.models import User
from tasks.services.exports import ledger_export


class Command(BaseCommand):
    help = "Write the ledger (台账) of a plan as .xlsx: one row per assignment."

    def add_arguments(self, parser):
        add_year_and_output(parser, suffix=".xlsx")
        parser.add_argument("--user", help="export only what this user may see (default: everything)")

    def handle(self, *args, year, output, user=None, **options):
        plan = plan_for_year(year, options.get("committee"))
        as_user = None
        if user:
            as_user = User.objects.filter(username=user, is_active=True).first()
            if as_user is None:
                raise CommandError(f"No active user {user}.")
        started = time.monotonic()
        count = ledger_export(user=as_user, plan=plan, out=output)
        self.stdout.write(f"{count} rows written to {output} in {time.monotonic() - started:.1f} s")
