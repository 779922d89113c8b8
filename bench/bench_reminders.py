"""Benchmark the daily reminder job end to end, bundles included (not a test; see bench/RESULTS.md, "Reminders").

    .venv/bin/python -m bench.bench_reminders [--units 300 --tasks 100 --reports 12] [--date 2025-06-16]
        [--database-url postgres://postgres@127.0.0.1:5432/pb_reminders_bench] [--broker-url redis://127.0.0.1:6379/3]
        [--concurrency 2] [--reuse] [--profile]

Builds units x key tasks assignments with `reports` progress reports each (tasks.demo.load_generate; in a
throw-away SQLite database unless --database-url is given; with --reuse a database that already holds the
same data is kept), gives every generated person an e-mail address and adds one committee member (the
reviewer, who also gets the Monday digest). Then, with an empty outbox:

1. starts an SMTP sink in this process (aiosmtpd; it counts connections, messages, recipients, bytes) and ONE
   real Celery worker (`--concurrency 1`: the solo pool; more: prefork with that many processes, as the
   Procfile's 2), and sends the real daily job, `tasks.jobs.scan_reminders`, through the broker;
2. times it end to end: from sending the job until the scan's transaction is visible (its bundles written),
   and until every e-mail bundle is marked sent;
3. sends the job again for the same day: nothing new may be sent.

Prints `name: value` lines, the e-mails each person received in the scan (max and mean), and checks (exit 1
if any fails): at most one scan e-mail per person; every bundle and reminder sent; the bundles hold exactly
the rows the scan decided; the second run sent nothing.
"""

import argparse
import cProfile
import datetime as dt
import os
import pstats
import statistics
import tempfile
import time
from collections import Counter

from bench.harness import (
    Sink,
    cpu_seconds,
    ensure_database,
    free_port,
    print,
    report_checks,
    start_worker,
    stop_process,
    wait_port,
)


def build(args, today: dt.date) -> None:
    """The generated year, unless --reuse finds it already there."""
    from django.db.models import Value
    from django.db.models.functions import Concat

    from tasks.demo import ROOT_UNIT, load_generate
    from tasks.models import Assignment, Membership, OrgUnit, ProgressReport, User

    expected = args.units * args.tasks
    if args.reuse and Assignment.objects.filter(key_task__plan__year=today.year).count() == expected:
        print(f"data: reused ({expected} assignments, {ProgressReport.objects.count()} reports)")
    else:
        started = time.perf_counter()
        load = load_generate(units=args.units, tasks=args.tasks, reports=args.reports, year=today.year, as_of=today)
        print(
            f"data: {load.assignments} assignments, {load.units} units, {load.reports} reports "
            f"(built in {time.perf_counter() - started:.1f} s)"
        )
    User.objects.filter(username__startswith="load_").update(email=Concat("username", Value("@bench.example")))
    chair, _ = User.objects.get_or_create(username="bench_committee", defaults={"email": "chair@bench.example"})
    Membership.objects.get_or_create(user=chair, unit=OrgUnit.objects.get(name=ROOT_UNIT), role="committee")


def wait_until(condition, *, limit: float, started: float) -> float:
    while not condition():
        if time.perf_counter() - started > limit:
            raise SystemExit("the daily job did not finish within the limit")
        time.sleep(0.05)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--reports", type=int, default=12, help="progress reports per assignment")
    parser.add_argument("--date", default="2025-06-16", help="the scan's day (a Monday: the digest goes out too)")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--broker-url", default="filesystem://")
    parser.add_argument("--reuse", action="store_true", help="keep a database that already holds this data")
    parser.add_argument("--profile", action="store_true", help="print the scan's cProfile (run in this process)")
    parser.add_argument("--limit", type=float, default=600, help="give up after this many seconds")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        help="1: solo pool; more: the prefork pool with that many processes (the Procfile uses 2)",
    )
    args = parser.parse_args()

    if args.database_url.startswith("postgres"):
        server, _, name = args.database_url.rpartition("/")
        ensure_database(f"{server}/postgres", name, fresh=False)
    var_dir = tempfile.mkdtemp(prefix="pb-bench-")
    smtp_port = free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "VAR_DIR": var_dir,
        "DATABASE_URL": args.database_url or f"sqlite:///{var_dir}/bench.sqlite3",
        "CELERY_BROKER_URL": args.broker_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "partybuild.settings",
    }
    os.environ.update(env)

    import django
    from aiosmtpd.controller import Controller

    django.setup()
    from django.core.management import call_command

    from partybuild.celery import app
    from tasks import jobs
    from tasks.models import Bundle, InboxMessage, Reminder

    today = dt.date.fromisoformat(args.date)
    call_command("migrate", verbosity=0)
    build(args, today)
    InboxMessage.objects.all().delete()
    Reminder.objects.all().delete()
    Bundle.objects.all().delete()
    if args.broker_url.startswith("redis"):
        import redis

        redis.Redis.from_url(args.broker_url).flushdb()
    print(f"database: {django.db.connection.vendor}; broker: {args.broker_url}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the run")

    if args.profile:
        from tasks.services.reminders import reminder_scan

        profiler = cProfile.Profile()
        profiler.enable()
        with django.db.transaction.atomic():
            reminder_scan(today=today, enqueue=False)
            profiler.disable()
            django.db.transaction.set_rollback(True)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    wait_port(smtp_port)
    pool = "solo" if args.concurrency == 1 else "prefork"
    worker = start_worker(env, pool=pool, concurrency=args.concurrency)
    emails = Bundle.objects.filter(channel="email")
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5) and time.monotonic() < deadline:
            time.sleep(0.2)  # a broker without remote control (the filesystem one) answers nothing: just wait
        if not args.broker_url.startswith(("redis", "amqp")):
            time.sleep(5)
        idle_cpu = cpu_seconds(worker.pid)  # start-up: imports, Django, connecting to the broker
        started = time.perf_counter()
        jobs.scan_reminders.delay(today.isoformat())
        scanned = wait_until(lambda: Bundle.objects.exists(), limit=args.limit, started=started)
        delivered = wait_until(
            lambda: not emails.filter(state__in=["pending", "sending"]).exists(), limit=args.limit, started=started
        )
        time.sleep(0.5)  # a message the sink has not answered yet
        worker_cpu = cpu_seconds(worker.pid)
        received, connections, per_person = sink.received, sink.connections, Counter(sink.recipients)
        largest = sink.largest

        again_started = time.perf_counter()
        before = Reminder.objects.count()
        jobs.scan_reminders.delay(today.isoformat())
        time.sleep(2)
        wait_until(
            lambda: not emails.filter(state__in=["pending", "sending"]).exists(), limit=60, started=again_started
        )
        time.sleep(3)
        again_seconds = time.perf_counter() - again_started
        again_rows = Reminder.objects.count() - before
        again_received = sink.received - received
    finally:
        stop_process(worker)
        controller.stop()

    rows = Reminder.objects.all()
    decided = Counter(rows.values_list("recipient_id", "recipient_unit_id", "channel"))
    bundled = Counter()
    for recipient, unit, channel, count in Bundle.objects.values_list(
        "recipient_id", "recipient_unit_id", "channel", "item_count"
    ):
        bundled[(recipient, unit, channel)] += count
    by_kind = Counter(rows.values_list("kind", flat=True))
    email_rows = rows.filter(channel="email").count()
    people = len(per_person)
    print(f"scan_rows: {rows.count()} {dict(sorted(by_kind.items()))}")
    print(f"email_rows_decided: {email_rows} (one e-mail each before bundles)")
    print(
        f"bundles: {Bundle.objects.count()} "
        f"{dict(sorted(Counter(Bundle.objects.values_list('channel', flat=True)).items()))}, "
        f"inbox entries: {InboxMessage.objects.count()}"
    )
    print(f"emails_sent: {received} to {people} people over {connections} SMTP connections")
    print(
        f"emails_per_person: max {max(per_person.values(), default=0)}, "
        f"mean {statistics.mean(per_person.values()) if per_person else 0:.2f}"
    )
    print(f"largest_email_bytes: {largest}")
    print(f"worker: {'solo pool, 1 process' if pool == 'solo' else f'prefork, {args.concurrency} processes'}")
    print(f"scan_seconds: {scanned:.2f} (from sending the daily job until its bundles were committed)")
    print(f"delivery_seconds: {delivered - scanned:.2f}")
    print(f"total_seconds: {delivered:.2f} (the daily job end to end, scan included)")
    print(f"worker_cpu_seconds: {worker_cpu:.1f} ({worker_cpu - idle_cpu:.1f} for the job, {idle_cpu:.1f} start-up)")
    print(f"again: {again_rows} new rows, {again_received} e-mails, in {again_seconds:.1f} s (with waits)")
    print(f"load_average_at_end: {os.getloadavg()[0]:.1f}")

    states = set(rows.values_list("state", flat=True)) | set(emails.values_list("state", flat=True))
    report_checks(
        {
            "at most one scan e-mail per person": max(per_person.values(), default=0) == 1,
            "every e-mail bundle arrived once": received == emails.count()
            and not any(count > 1 for count in sink.ids.values()),
            "every bundle and every reminder sent": states == {"sent"},
            "the bundles hold exactly the rows the scan decided": bundled == decided,
            "the second run sent nothing": again_rows == 0 and again_received == 0,
        }
    )


if __name__ == "__main__":
    main()
