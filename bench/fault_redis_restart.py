"""Restart Redis (which keeps nothing on disk) mid-delivery: every bundle still arrives once, whole.

E-mail bundles are queued and one batch is being delivered when Redis restarts: the worker reconnects by
itself, every bundle and reminder ends `sent`, every e-mail arrives exactly once, and no bundle is split.

    .venv/bin/python -m bench.fault_redis_restart [--emails 2000 --restart-at 650 --down 3]
                                                  [--pool prefork --concurrency 2] [--pg postgres://...]

Starts its own redis-server on a free port with `--save "" --appendonly no`, like production Redis here,
so a restart really loses the queue (the shared Redis on 6379 is not touched), and uses its own
PostgreSQL database (partybuild_faults_redis, created if missing). Writes --emails pending e-mail
bundles of 3 reminders each (to 50 users) and hands them to Redis with `bundles_enqueue`, as the daily scan
does after commit. An aiosmtpd sink in this process records the Message-ID of each message. One Celery worker
(`--pool prefork --concurrency 2` by default, as the systemd unit but on 2 cores; `--pool solo` as the
other fault scripts) delivers; once the sink has --restart-at e-mails (in the middle of a batch), Redis is
shut down without saving, left down for --down seconds, and started again, empty. The worker process is
not touched. The sweeper (`reminder_sweep`, which beat runs every 5 minutes) runs here every 2 s.

Timeouts are shortened as in bench.fault_worker_kill so that recovery fits in a run: CELERY_VISIBILITY_TIMEOUT
40 s, REMINDER_CLAIM_TIMEOUT_SECONDS and REMINDER_SWEEP_AFTER_SECONDS 20 s, REMINDER_JOB_TIME_LIMIT 15 s.

Checks (exit 1 if any fails): the restart emptied the queue while bundles were still pending; the worker
process was never restarted and still runs; it waits on the queue again (BRPOP) within 30 s of Redis being
up; every bundle and every reminder in it ends `sent`; every Message-ID arrived exactly once; no message for
a bundle that does not exist; every reminder has its bundle's state at the restart and at the end. Prints
`name: value` lines.
"""

import argparse
import os
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

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


class RedisServer:
    """A private redis-server that keeps nothing on disk: a restart loses every queued message."""

    def __init__(self, port: int, directory: str):
        self.port, self.directory, self.process = port, directory, None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                *("--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
                *("--dir", self.directory, "--logfile", os.path.join(self.directory, "redis.log")),
            ],
        )
        import redis

        client = redis.Redis(port=self.port)
        for _ in range(200):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise SystemExit(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        """SIGTERM with `--save ""`: Redis exits without writing anything."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def queued_messages(port: int) -> int:
    import redis

    return redis.Redis(port=port).llen("celery")


def consuming(port: int) -> bool:
    """A worker waits for messages with BRPOP on the queue: one such client means it is connected again."""
    import redis

    try:
        return any(client.get("cmd") == "brpop" for client in redis.Redis(port=port).client_list())
    except redis.ConnectionError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="partybuild_faults_redis")
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--restart-at", type=int, default=650, help="e-mails received before Redis goes down")
    parser.add_argument("--down", type=float, default=3, help="seconds Redis stays down")
    parser.add_argument("--pool", choices=["prefork", "solo"], default="prefork")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--limit", type=float, default=240, help="give up after this many seconds")
    args = parser.parse_args()

    ensure_database(f"{args.pg}/postgres", args.database, fresh=False)
    var_dir = tempfile.mkdtemp(prefix="pb-faults-redis-")
    redis_server = RedisServer(free_port(), var_dir)
    smtp_port = free_port()
    broker = f"redis://127.0.0.1:{redis_server.port}/0"
    env = {
        **os.environ,
        **delivery_fault_env(
            var_dir=var_dir, database_url=f"{args.pg}/{args.database}", broker=broker, smtp_port=smtp_port
        ),
    }
    os.environ.update(env)

    import django
    from aiosmtpd.controller import Controller

    django.setup()

    from tasks.models import Bundle, Reminder
    from tasks.services.reminders import bundles_enqueue, reminder_sweep

    users = fresh_outbox()
    stamp = int(time.time())
    rows = pending_email_bundles(users, args.emails, f"redis{stamp}")
    ids = {row.pk for row in rows}
    items = Reminder.objects.filter(bundle_id__in=ids).count()
    print(
        f"emails: {len(rows)} bundles of {items // len(rows)} reminders, in batches of 100; "
        f"broker {broker} (private, --save '' --appendonly no)"
    )
    print(f"worker: --pool {args.pool} --concurrency {args.concurrency}; database {args.database}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the run")

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    redis_server.start()
    worker_log = Path(var_dir) / "worker.log"
    worker = start_worker(env, pool=args.pool, concurrency=args.concurrency, log=worker_log)
    worker_pid = worker.pid
    try:
        started = time.monotonic()
        bundles_enqueue(rows)
        while sink.received < args.restart_at:
            if time.monotonic() - started > args.limit or worker.poll() is not None:
                raise SystemExit("the worker delivered too little before the limit")
            time.sleep(0.01)
        queued_at_restart = queued_messages(redis_server.port)
        redis_server.stop()
        down_at = time.monotonic() - started
        received_at_restart = sink.received
        states_at_restart = dict(Counter(Bundle.objects.filter(pk__in=ids).values_list("state", flat=True)))
        whole_at_restart = bundles_whole(ids)
        time.sleep(args.down)
        redis_server.start()
        up_at = time.monotonic() - started
        queued_after_restart = queued_messages(redis_server.port)
        while not consuming(redis_server.port) and time.monotonic() - started < args.limit:
            time.sleep(0.05)
        consuming_at = time.monotonic() - started
        last_sweep = 0.0
        sweeps = released = requeued = 0
        sweep_errors = 0
        received_when_up = sink.received
        first_after_requeue = None
        while time.monotonic() - started < args.limit:
            if Bundle.objects.filter(pk__in=ids, state="sent").count() == len(ids):
                break
            if requeued and first_after_requeue is None and sink.received > received_when_up:
                first_after_requeue = time.monotonic() - started
            if time.monotonic() - last_sweep >= 2:
                try:
                    result = reminder_sweep()
                except Exception as error:  # a broker error must not end the run: beat would try again
                    sweep_errors += 1
                    print(f"sweep error: {error!r}")
                else:
                    sweeps += 1
                    released += result.released
                    requeued += len(result.requeued)
                last_sweep = time.monotonic()
            time.sleep(0.2)
        finished = time.monotonic() - started
        time.sleep(2)  # a message in flight at the end would still be counted
        worker_alive = worker.poll() is None
    finally:
        stop_process(worker)
        controller.stop()
        redis_server.stop()

    states = dict(Counter(Bundle.objects.filter(pk__in=ids).values_list("state", flat=True)))
    item_states = dict(Counter(Reminder.objects.filter(bundle_id__in=ids).values_list("state", flat=True)))
    counts = sink.ids
    duplicates = sorted(pk for pk, n in counts.items() if n > 1)
    missing = sorted(ids - set(counts))
    strangers = sorted(set(counts) - ids)
    print(f"redis_down_at_s: {down_at:.2f} (SIGTERM, nothing saved), up again at {up_at:.2f} s")
    print(f"received_at_restart: {received_at_restart}")
    print(f"states_at_restart: {states_at_restart}")
    print(f"worker_consuming_again_at_s: {consuming_at:.2f} ({consuming_at - up_at:.2f} s after Redis was up)")
    print(f"queued_messages_before / after restart: {queued_at_restart} / {queued_after_restart}")
    print(f"received_while_redis_down_or_before_requeue: {received_when_up - received_at_restart}")
    if first_after_requeue is not None:
        print(f"first_email_from_a_requeued_job_at_s: {first_after_requeue:.2f}")
    print(f"all_sent_at_s: {finished:.2f} (from the first enqueue)")
    print(f"sweeps: {sweeps}, errors: {sweep_errors}, bundles released: {released}, bundles re-enqueued: {requeued}")
    print(f"worker_pid: {worker_pid}, still running at the end: {worker_alive}")
    log = worker_log.read_text(errors="replace")
    print(
        f"worker_log: {worker_log} ({log.count('Connection to broker lost')} 'Connection to broker lost', "
        f"{log.count('Cannot connect to')} 'Cannot connect to')"
    )
    print(f"final_states: {states}; of their reminders: {item_states}")
    print(f"messages_received: {sink.received}")
    print(f"distinct_message_ids: {len(counts)}")
    print(f"duplicates: {len(duplicates)} {duplicates[:10]}")
    print(f"missing: {len(missing)} {missing[:10]}")

    checks = {
        "the restart lost queued messages while bundles were pending": queued_at_restart > 0
        and queued_after_restart == 0
        and states_at_restart.get("pending", 0) > 0,
        "the same worker process ran throughout (reconnected by itself)": worker_alive,
        "the worker consumed again within 30 s of Redis being up": consuming_at - up_at < 30,
        "every bundle ends sent": states == {"sent": len(ids)},
        "every reminder in them ends sent": item_states == {"sent": items},
        "no bundle split, at the restart or after": whole_at_restart and bundles_whole(ids),
        "every e-mail received exactly once": not missing and not duplicates,
        "no message for an unknown bundle": not strangers,
    }
    report_checks(checks)


if __name__ == "__main__":
    main()
