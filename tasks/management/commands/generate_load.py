import datetime as dt
import time

from django.core.management.base import BaseCommand

from tasks.demo import load_generate


class Command(BaseCommand):
    help = "Build a deterministic synthetic year: N units, M key tasks each assigned to every unit, K reports each."

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, required=True)
        parser.add_argument("--tasks", type=int, required=True)
        parser.add_argument("--reports", type=int, default=0)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--year", type=int, help="plan year (default: the current year)")
        parser.add_argument(
            "--as-of", type=dt.date.fromisoformat, help="date the generated history runs up to (default: today)"
        )

    def handle(self, *args, units, tasks, reports, seed, year, as_of, **options):
        started = time.monotonic()
        result = load_generate(units=units, tasks=tasks, reports=reports, seed=seed, year=year, as_of=as_of)
        self.stdout.write(
            f"plan {result.plan.year}: {result.units} units, {result.key_tasks} key tasks, "
            f"{result.assignments} assignments, {result.reports} reports in {time.monotonic() - started:.1f} s"
        )
