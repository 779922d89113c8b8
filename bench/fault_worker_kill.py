"""SIGKILL a Celery worker in the middle of e-mail delivery: no bundle lost, split, or sent more than twice.

Every bundle (and every reminder in it) still ends `sent`, and each e-mail arrives at least once and at most
twice.

    .venv/bin/python -m bench.fault_worker_kill [--emails 2000 --kill-at 650]
                                                [--pg postgres://postgres@127.0.0.1:5432 --redis-db 13]

Uses its own PostgreSQL database (partybuild_faults, created if missing) and Redis database 13 (emptied
first). Writes --emails pending e-mail bundles of 3 reminders each (to 50 users, as a scan writes them) and
hands them to the broker with `bundles_enqueue`, as the daily scan does after commit. An
SMTP sink (aiosmtpd, in this process) records the Message-ID of each message received. One Celery
worker (`--pool solo`, like bench.bench_reminders) delivers; once the sink has received --kill-at e-mails
(in the middle of a batch of 100), the worker gets SIGKILL and a new one is started. The sweeper
(`reminder_sweep`, which beat runs every 5 minutes) runs here every 2 s.

With --hold (the default) the sink delays its "250" to message --kill-at, so the kill lands after that
message arrived and before the worker could mark it sent: the crash window that README.md says may send
one e-mail twice. The timeouts are shortened so that recovery fits in a run, in the same order as in
production (job limit < claim timeout < visibility timeout): CELERY_VISIBILITY_TIMEOUT 40 s,
REMINDER_CLAIM_TIMEOUT_SECONDS and REMINDER_SWEEP_AFTER_SECONDS 20 s, REMINDER_JOB_TIME_LIMIT 15 s.

Checks (exit 1 if any fails): the kill left bundles in `sending`; every bundle and every reminder in it ends
`sent`; every Message-ID arrived at least once and at most twice; no message for a bundle that does not exist;
every reminder has its bundle's state at the kill and at the end (no bundle split). Prints `name: value`
lines.
"""

import argparse
import os
import signal
import tempfile
import time
from collections import Counter

from bench.harness import (
    DEFAULT_PG,
    Sink,
    bundles_whole,
    delivery_fault_env,
    ensure_database,
    free_port,
    fresh_outbox,
    pending_email_bundles,
    print,
    report_checks,
    start_worker,
    stop_process,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="partybuild_faults")
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument(
        "--kill-at",
        type=int,
        default=650,
        help="e-mails received before the kill (not a multiple of 100: in the middle of a batch)",
    )
    parser.add_argument(
        "--hold",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the sink delays its 250 to message --kill-at, so the kill lands after the message arrived "
        "and before the worker could mark it sent (the one case that may send twice)",
    )
    parser.add_argument("--limit", type=float, default=240, help="give up after this many seconds")
    args = parser.parse_args()

    ensure_database(f"{args.pg}/postgres", args.database, fresh=False)
    var_dir = tempfile.mkdtemp(prefix="pb-faults-")
    smtp_port = free_port()
    broker = f"redis://127.0.0.1:6379/{args.redis_db}"
    env = {
        **os.environ,
        **delivery_fault_env(
            var_dir=var_dir, database_url=f"{args.pg}/{args.database}", broker=broker, smtp_port=smtp_port
        ),
    }
    os.environ.update(env)

    import django
    import redis
    from aiosmtpd.controller import Controller

    django.setup()

    from tasks.models import Bundle, Reminder
    from tasks.services.reminders import bundles_enqueue, reminder_sweep

    users = fresh_outbox()
    redis.Redis.from_url(broker).flushdb()
    stamp = int(time.time())
    rows = pending_email_bundles(users, args.emails, f"fault{stamp}")
    ids = {row.pk for row in rows}
    items = Reminder.objects.filter(bundle_id__in=ids).count()
    print(
        f"emails: {len(rows)} bundles of {items // len(rows)} reminders, in batches of 100; broker {broker}; "
        f"database {args.database}"
    )
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the run")

    sink = Sink(hold_at=args.kill_at if args.hold else 0)
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    workers = [start_worker(env)]
    killed_at = None
    try:
        started = time.monotonic()
        bundles_enqueue(rows)
        while sink.received < args.kill_at:
            if time.monotonic() - started > args.limit:
                raise SystemExit("the first worker delivered too little before the limit")
            time.sleep(0.01)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait()
        killed_at = time.monotonic() - started
        states_at_kill = dict(Counter(Bundle.objects.filter(pk__in=ids).values_list("state", flat=True)))
        whole_at_kill = bundles_whole(ids)
        received_at_kill = sink.received
        workers.append(start_worker(env))
        last_sweep = 0.0
        sweeps = released = requeued = 0
        while time.monotonic() - started < args.limit:
            if Bundle.objects.filter(pk__in=ids, state="sent").count() == len(ids):
                break
            if time.monotonic() - last_sweep >= 2:
                result = reminder_sweep()
                sweeps += 1
                released += result.released
                requeued += len(result.requeued)
                last_sweep = time.monotonic()
            time.sleep(0.2)
        finished = time.monotonic() - started
        time.sleep(2)  # a message in flight at the end would still be counted
    finally:
        for worker in workers:
            stop_process(worker)
        controller.stop()

    states = dict(Counter(Bundle.objects.filter(pk__in=ids).values_list("state", flat=True)))
    item_states = dict(Counter(Reminder.objects.filter(bundle_id__in=ids).values_list("state", flat=True)))
    counts = sink.ids
    duplicates = sorted(pk for pk, n in counts.items() if n > 1)
    missing = sorted(ids - set(counts))
    strangers = sorted(set(counts) - ids)
    moment = "while the sink held its reply to" if args.hold else "after"
    print(f"killed_at_s: {killed_at:.2f} (SIGKILL, solo pool, {moment} message {args.kill_at})")
    print(f"received_at_kill: {received_at_kill}")
    print(f"states_at_kill: {states_at_kill}")
    print(f"all_sent_at_s: {finished:.2f}")
    print(f"sweeps: {sweeps}, bundles released from sending: {released}, bundles re-enqueued: {requeued}")
    print(f"final_states: {states}; of their reminders: {item_states}")
    print(f"messages_received: {sink.received}")
    print(f"distinct_message_ids: {len(counts)}")
    print(f"duplicates: {len(duplicates)} {duplicates[:10]}")
    print(f"max_copies_of_one_message: {max(counts.values(), default=0)}")
    print(f"missing: {len(missing)} {missing[:10]}")

    checks = {
        "the kill hit a batch mid-delivery (bundles left in sending)": states_at_kill.get("sending", 0) > 0,
        "every bundle ends sent": states == {"sent": len(ids)},
        "every reminder in them ends sent": item_states == {"sent": items},
        "no bundle split, at the kill or after": whole_at_kill and bundles_whole(ids),
        "every e-mail received at least once": not missing,
        "no e-mail received more than twice": max(counts.values(), default=0) <= 2,
        "no message for an unknown bundle": not strangers,
    }
    report_checks(checks)


if __name__ == "__main__":
    main()
