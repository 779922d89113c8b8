from django.conf import settings
from django.core.management.base import BaseCommand

from tasks.demo import PRINTED_ACCOUNTS, demo_build
from tasks.models import AnnualPlan


class Command(BaseCommand):
    help = "Build the demo committee, branches, accounts and plans from the reference report (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", help="Give every demo account this password (otherwise new ones are printed)."
        )
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the database already has a plan.")

    def handle(self, *args, password=None, if_empty=False, **options):
        if if_empty and AnnualPlan.objects.exists():
            self.stdout.write("Database already has data: demo not loaded.")
            passwords, built = None, []
        else:
            passwords, built = demo_build(password=password)
            for year in built:
                self.stdout.write(f"Built the {year} plan.")
        self.stdout.write("")
        self.stdout.write("Demo accounts:")
        for username in PRINTED_ACCOUNTS:
            shown = (passwords or {}).get(username) or password or "(unchanged)"
            self.stdout.write(f"  {username:<12} {shown}")
        self.stdout.write(f"Open {settings.SITE_URL}/ and log in.")
