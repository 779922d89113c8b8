"""The mail server down for ten minutes of simulated time: every bundle arrives after, once, whole.

Every e-mail bundle is delivered after the server's return, exactly once, whole, and none is marked failed.
Prints the retry schedule that got them there.

    .venv/bin/python -m bench.fault_smtp_down [--emails 2000 --urges 20 --outage 10 --seed 1]
                                              [--shortest-jitter] [--retry-window 86400] [--pg postgres://...]

Uses its own PostgreSQL database (partybuild_faults_smtp, created if missing). No real minute passes: the
broker and beat are played in simulated time by tests/support_simulated.py (`SimulatedCelery`), which
runs the real delivery jobs and the real sweep job when they are due and moves the clock (time-machine)
from one to the next; a job's `retry(countdown=...)` comes back `countdown` simulated seconds later. The
jobs, services, SMTP backend and database are the production code; the retry settings are production's
(30 s doubling, at most 600 s, 6 attempts, the retry window), not shortened.

At 0:00 (a scan at 09:00) --emails bundles of 3 reminders each are written and handed to the broker in
batches of 100, as the scan does after commit; --urges more are written one by one during the outage (an urge
each, alone, spread evenly).
Nothing listens on the SMTP port (connection refused) until --outage minutes, when an aiosmtpd sink in this
process starts and counts Message-IDs. `--shortest-jitter` puts every retry delay at the short end of its
jitter, so attempts come fastest (the worst case for a budget of attempts); `--retry-window 0` restores the
old rule (6 attempts and no more) to show what it did.

Checks (exit 1 if any fails): every bundle and every reminder in it ends `sent`; none `failed`; none sent
before the server's return; every bundle sent within REMINDER_RETRY_MAX_SECONDS of it; every Message-ID
arrived exactly once; no message for a bundle that does not exist; no bundle split. Prints `name: value` lines.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

from bench.harness import (
    DEFAULT_PG,
    Sink,
    bundles_whole,
    ensure_database,
    free_port,
    fresh_outbox,
    pending_email_bundles,
    print,
    report_checks,
)

START = dt.datetime(2025, 6, 16, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def clock(seconds: float) -> str:
    return f"{int(seconds) // 3600}:{int(seconds) % 3600 // 60:02d}:{int(seconds) % 60:02d}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="partybuild_faults_smtp")
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--emails", type=int, default=2000, help="written at 0:00 and enqueued in batches")
    parser.add_argument("--urges", type=int, default=20, help="single e-mails written during the outage")
    parser.add_argument("--outage", type=float, default=10, help="minutes of simulated time the server is down")
    parser.add_argument("--seed", type=int, default=1, help="seeds the retry jitter")
    parser.add_argument("--shortest-jitter", action="store_true", help="every retry delay at its lower bound")
    parser.add_argument("--retry-window", type=int, help="REMINDER_RETRY_WINDOW_SECONDS (default: the setting's)")
    parser.add_argument("--limit", type=float, default=48, help="hours of simulated time before giving up")
    args = parser.parse_args()

    ensure_database(f"{args.pg}/postgres", args.database, fresh=False)
    smtp_port = free_port()
    env = {
        "DEBUG": "1",
        "VAR_DIR": tempfile.mkdtemp(prefix="pb-faults-smtp-"),
        "DATABASE_URL": f"{args.pg}/{args.database}",
        "CELERY_BROKER_URL": "memory://",  # never used: the simulation takes every delay()
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "LOG_LEVEL": "ERROR",  # one "will be retried" line per row and attempt would bury the figures
        "DJANGO_SETTINGS_MODULE": "partybuild.settings",
    }
    if args.retry_window is not None:
        env["REMINDER_RETRY_WINDOW_SECONDS"] = str(args.retry_window)
    os.environ.update(env)

    import django
    from aiosmtpd.controller import Controller

    django.setup()
    from django.conf import settings
    from django.utils import translation

    from tasks.models import Bundle, Reminder
    from tasks.services import reminders
    from tasks.services.reminders import delivery
    from tests.support_simulated import SimulatedCelery

    translation.activate(settings.LANGUAGE_CODE)
    random.seed(args.seed)
    if args.shortest_jitter:
        delivery.random = type("Shortest", (), {"uniform": staticmethod(lambda low, high: low)})
    users = fresh_outbox()
    outage = dt.timedelta(minutes=args.outage)
    base, cap = settings.REMINDER_RETRY_BASE_SECONDS, settings.REMINDER_RETRY_MAX_SECONDS
    attempts_budget = sum(min(cap, base * 2 ** (n - 1)) / 2 for n in range(1, settings.REMINDER_MAX_ATTEMPTS))
    print(
        f"emails: {args.emails} bundles of 3 reminders at 0:00 in batches of {settings.REMINDER_EMAIL_BATCH_SIZE}, "
        f"{args.urges} urges"
    )
    print(f"outage: 0:00 to {clock(outage.total_seconds())} of simulated time (connection refused)")
    print(
        f"retry settings: base {base:g} s doubling, at most {cap} s apart, REMINDER_MAX_ATTEMPTS "
        f"{settings.REMINDER_MAX_ATTEMPTS}, REMINDER_RETRY_WINDOW_SECONDS {settings.REMINDER_RETRY_WINDOW_SECONDS}; "
        f"jitter {'at its shortest' if args.shortest_jitter else f'random (seed {args.seed})'}"
    )
    print(f"attempts alone would run out {clock(attempts_budget)} after the first at the shortest jitter")

    def write(count: int, tag: str, urge: bool = False) -> list:
        bundles = pending_email_bundles(users, count, tag, urge=urge)
        reminders.bundles_enqueue(bundles)  # as reminders_store does after commit
        return bundles

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    stamp = int(time.time())
    started = time.monotonic()
    ids: set[int] = set()

    def settled() -> bool:
        return not Bundle.objects.filter(pk__in=ids, state__in=["pending", "sending"]).exists()

    try:
        with SimulatedCelery(start=START) as celery:
            ids.update(row.pk for row in write(args.emails, f"smtp{stamp}"))
            for number in range(args.urges):
                at = outage * (number + 0.5) / args.urges
                celery.at(
                    at, lambda number=number: ids.update(r.pk for r in write(1, f"smtp{stamp}-u{number}", urge=True))
                )
            celery.at(outage, controller.start, name="smtp up")
            limit = dt.timedelta(hours=args.limit)
            celery.run(until=limit, stop=lambda: celery.elapsed > outage.total_seconds() and settled())
            time.sleep(0.5)  # the sink's last answers
    finally:
        controller.stop()
    real_seconds = time.monotonic() - started

    rows = list(Bundle.objects.filter(pk__in=ids).values("id", "state", "attempts", "sent_at"))
    states = dict(Counter(row["state"] for row in rows))
    item_states = dict(Counter(Reminder.objects.filter(bundle_id__in=ids).values_list("state", flat=True)))
    items = Reminder.objects.filter(bundle_id__in=ids).count()
    back = START + outage
    sent_after = [(row["sent_at"] - back).total_seconds() for row in rows if row["sent_at"]]
    schedules = defaultdict(list)  # a job's first bundle -> (time, bundles, outcome) of each of its runs
    for run in celery.runs:
        outcome = f"retry in {run.retry_in:.0f} s" if run.result is None else str(run.result)
        schedules[run.ids[0]].append((run.at, len(run.ids), outcome))
    counts = sink.ids
    duplicates = sorted(pk for pk, n in counts.items() if n > 1)
    missing = sorted(ids - set(counts))
    strangers = sorted(set(counts) - ids)

    first = schedules[min(ids)]
    print(f"first_batch_schedule: {len(first)} runs of {first[0][1]} bundles")
    for at, _count, outcome in first:
        print(f"  {clock(at)}  {outcome}")
    last_urge = schedules[max(ids)]
    print(f"last_urge_schedule ({clock(last_urge[0][0])}): " + ", ".join(clock(at) for at, *_ in last_urge))
    runs_per_job = Counter(len(runs) for runs in schedules.values())
    print(f"jobs: {len(schedules)}, runs: {len(celery.runs)}; runs per job: {dict(sorted(runs_per_job.items()))}")
    print(f"attempts_per_bundle: {dict(sorted(Counter(row['attempts'] for row in rows).items()))}")
    print(f"sweeps: {len(celery.sweeps)}, bundles they re-enqueued: {sum(s['requeued'] for s in celery.sweeps)}")
    if sent_after:
        print(
            f"sent_after_return_s: first {min(sent_after):.0f}, median {statistics.median(sent_after):.0f}, "
            f"last {max(sent_after):.0f}"
        )
    print(f"all_settled_at: {clock(celery.elapsed)} simulated, in {real_seconds:.1f} s of real time")
    print(f"final_states: {states}; of their reminders: {item_states}")
    print(f"messages_received: {sink.received}, distinct_message_ids: {len(counts)}")
    print(f"duplicates: {len(duplicates)} {duplicates[:10]}")
    print(f"missing: {len(missing)} {missing[:10]}")

    checks = {
        "every bundle ends sent": states == {"sent": len(ids)},
        "every reminder in them ends sent": item_states == {"sent": items},
        "no bundle split": bundles_whole(ids),
        "no bundle marked failed": "failed" not in states,
        "no bundle sent before the server's return": all(after >= 0 for after in sent_after),
        f"every bundle sent within {cap} s of the server's return": bool(sent_after) and max(sent_after) <= cap,
        "every e-mail received exactly once": not missing and not duplicates,
        "no message for an unknown bundle": not strangers,
    }
    report_checks(checks)


if __name__ == "__main__":
    main()
