"""Benchmark the reminder scan and e-mail delivery (not a test; see bench/RESULTS.md, "Reminders").

    .venv/bin/python -m bench.bench_reminders [--units 500 --tasks 100] [--emails 10000]
                                              [--database-url postgres://...] [--broker-url redis://...]

Builds 500 units x 100 key tasks = 50,000 assignments with tasks.demo.load (in a throw-away SQLite
database under a temporary VAR_DIR unless --database-url is given), then:
1. times the daily scan (`reminder_scan`) on a working day, and a second run of it (nothing new);
2. tops the outbox up to --emails pending e-mails and times their delivery by ONE real Celery worker
   process (`celery worker --pool solo`; `--concurrency N` for prefork) to a local SMTP sink (aiosmtpd's Sink handler in
   its own process), from the first enqueue until every row is marked sent.
Prints `name: value` lines.
"""

import argparse
import cProfile
import datetime as dt
import os
import pstats
import subprocess
import sys
import tempfile
import time

from bench.harness import cpu_seconds, ensure_database, free_port, start_worker, stop_process, wait_port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--reports", type=int, default=1, help="progress reports per assignment")
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--date", default="2025-06-16", help="the scan's day (a Monday: the digest goes out too)")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--broker-url", default="filesystem://")
    parser.add_argument("--profile", action="store_true", help="print the scan's cProfile (top 25 by cumulative)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        help="1: solo pool; more: the prefork pool with that many processes (the Procfile uses 2)",
    )
    args = parser.parse_args()

    if args.database_url.startswith("postgres"):
        # Created on first use, like the other benchmarks' databases.
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

    django.setup()
    from django.core.management import call_command
    from django.db.models import Value
    from django.db.models.functions import Concat

    from tasks.demo import ROOT_UNIT, load_generate
    from tasks.models import InboxMessage, Membership, OrgUnit, Reminder, User
    from tasks.services.reminders import reminder_scan, reminders_enqueue

    today = dt.date.fromisoformat(args.date)
    call_command("migrate", verbosity=0)
    # A kept database (--database-url) still holds the last run's outbox, which points at the assignments
    # that load_generate is about to replace.
    InboxMessage.objects.all().delete()
    Reminder.objects.all().delete()
    started = time.perf_counter()
    load = load_generate(units=args.units, tasks=args.tasks, reports=args.reports, year=today.year, as_of=today)
    User.objects.filter(username__startswith="load_").update(email=Concat("username", Value("@bench.example")))
    # A committee member, so that the scan (a Monday's) also works out the weekly digest over all 50,000.
    chair, _ = User.objects.get_or_create(username="bench_committee", defaults={"email": "chair@bench.example"})
    Membership.objects.get_or_create(user=chair, unit=OrgUnit.objects.get(name=ROOT_UNIT), role="committee")
    print(
        f"data: {load.assignments} assignments, {load.units} units, {load.reports} reports "
        f"(built in {time.perf_counter() - started:.1f} s)"
    )
    print(f"database: {django.db.connection.vendor}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the run")

    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    result = reminder_scan(today=today, enqueue=False)
    scan_seconds = time.perf_counter() - started
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    print(f"scan_seconds: {scan_seconds:.2f}")
    print(f"scan_rows_created: {len(result.created)}")
    by_kind = {}
    for row in result.created:
        by_kind[row.kind] = by_kind.get(row.kind, 0) + 1
    print(f"scan_rows_by_kind: { {str(kind): count for kind, count in sorted(by_kind.items())} }")
    started = time.perf_counter()
    again = reminder_scan(today=today, enqueue=False)
    print(
        f"scan_again_seconds: {time.perf_counter() - started:.2f} (created {len(again.created)}, "
        f"already sent {again.already_sent})"
    )

    # Top the outbox up to the e-mail count with urges (one period per row), all to real addresses.
    pending = list(Reminder.objects.filter(state="pending", channel="email").values_list("pk", flat=True))
    users = list(User.objects.filter(username__startswith="load_sec").values_list("pk", flat=True))
    extra = [
        Reminder(
            kind="urge",
            recipient_id=users[index % len(users)],
            channel="email",
            period=f"bench{index}",
            subject="催办：压测重点任务",
            body="请尽快报送进展。",
            url="/",
            dedup_key=f"-:urge:u{users[index % len(users)]}:email:bench{index}",
        )
        for index in range(max(0, args.emails - len(pending)))
    ]
    Reminder.objects.bulk_create(extra, batch_size=5000)
    rows = list(Reminder.objects.filter(state="pending", channel="email").only("id", "channel")[: args.emails])
    print(f"emails: {len(rows)}")

    sink = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}", "-c", "aiosmtpd.handlers.Sink"],
        env=env,
    )
    worker = start_worker(
        env,
        pool="solo" if args.concurrency == 1 else "prefork",
        concurrency=args.concurrency,
        heartbeat=True,
    )
    try:
        wait_port(smtp_port)
        time.sleep(3)  # let the worker connect to the broker
        started = time.perf_counter()
        reminders_enqueue(rows)
        ids = [row.pk for row in rows]
        watched = Reminder.objects.filter(channel="email", pk__gte=min(ids), pk__lte=max(ids))
        while True:
            done = watched.filter(state__in=["sent", "failed"]).count()
            if done == len(ids) or time.perf_counter() - started > 600:
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        worker_cpu = cpu_seconds(worker.pid)
    finally:
        stop_process(worker)
        sink.terminate()
        sink.wait(10)
    failed = watched.filter(state="failed").count()
    print(f"worker: {'solo pool, 1 process' if args.concurrency == 1 else f'prefork, {args.concurrency} processes'}")
    print(f"delivery_seconds: {seconds:.2f}")
    print(f"delivery_sent: {done - failed}, failed: {failed}")
    print(f"delivery_emails_per_second: {(done - failed) / seconds:.0f}")
    print(f"delivery_worker_cpu_seconds: {worker_cpu:.1f} ({(done - failed) / worker_cpu:.0f} e-mails per CPU second)")
    print(f"load_average_at_end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
