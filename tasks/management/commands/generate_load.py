import datetime as dt
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tasks.demo import LoadRefusedError, load_generate

NOT_PRODUCTION = "--i-know-this-is-not-production"


class Command(BaseCommand):
    help = (
        "Build a deterministic synthetic year for benchmarks: N units, M key tasks each assigned to every unit, "
        "K reports each. Replaces only a plan it made itself; refuses to run with DEBUG off unless told "
        f"{NOT_PRODUCTION}."
    )

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, required=True)
        parser.add_argument("--tasks", type=int, required=True)
        parser.add_argument("--reports", type=int, default=0)
        parser.add_argument(
            "--members",
            type=int,
            default=0,
            help="party members per unit: a roster and twelve months of meeting records (organisational life)",
        )
        parser.add_argument(
            "--committees",
            type=int,
            default=0,
            help="a 工委 over this many committees, each with --units branches and a plan of --tasks key tasks, and "
            "the 工委's plan of one key task answered by every committee's first (上级要点 → 本级要点)",
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--year", type=int, help="plan year (default: the current year)")
        parser.add_argument(
            "--as-of", type=dt.date.fromisoformat, help="date the generated history runs up to (default: today)"
        )
        parser.add_argument(
            NOT_PRODUCTION,
            action="store_true",
            dest="not_production",
            help="run although DEBUG is off (a benchmark database on production settings)",
        )

    def handle(self, *args, units, tasks, reports, members, committees, seed, year, as_of, not_production, **options):
        if not settings.DEBUG and not not_production:
            raise CommandError(
                "DEBUG is off, so this may be a production database: generate_load writes thousands of synthetic "
                f"units, accounts and reports. If it is a benchmark database, run again with {NOT_PRODUCTION}."
            )
        if committees < 0:
            raise CommandError("--committees is a number of committees, 0 or more.")
        started = time.monotonic()
        try:
            result = load_generate(
                units=units,
                tasks=tasks,
                reports=reports,
                members=members,
                committees=committees,
                seed=seed,
                year=year,
                as_of=as_of,
            )
        except LoadRefusedError as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(
            (f"{result.committees} committees under {result.plan.committee}, " if result.committees else "")
            + f"plan {result.plan.year}: {result.units} units, {result.key_tasks} key tasks, "
            f"{result.assignments} assignments, {result.reports} reports, {result.members} party members, "
            f"{result.meetings} meetings, {result.attendance} attendance rows in {time.monotonic() - started:.1f} s"
        )
