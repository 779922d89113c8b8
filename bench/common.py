"""What the benchmark and fault scripts share: ports, databases, percentiles, the fault runs' shortened
timeouts and how a script reports its checks (`check: PASS|FAIL …` lines, exit 1 if any fails)."""

import functools
import socket
import sys

import psycopg2

print = functools.partial(print, flush=True)  # figures appear as they are measured


def ensure_database(admin_url: str, name: str, fresh: bool) -> None:
    connection = psycopg2.connect(admin_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        if fresh:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# Delivery faults shorten the timeouts so that recovery fits in a run, in the same order as in production
# (job limit < claim timeout < visibility timeout), and retry quickly.
SHORT_DELIVERY_TIMEOUTS = {
    "CELERY_VISIBILITY_TIMEOUT": "40",
    "REMINDER_CLAIM_TIMEOUT_SECONDS": "20",
    "REMINDER_SWEEP_AFTER_SECONDS": "20",
    "REMINDER_JOB_TIME_LIMIT": "15",
    "REMINDER_RETRY_BASE_SECONDS": "1",
    "REMINDER_RETRY_MAX_SECONDS": "5",
}


def report_checks(checks: dict[str, bool]) -> None:
    for name, ok in checks.items():
        print(f"check: {'PASS' if ok else 'FAIL'} {name}")
    if not all(checks.values()):
        sys.exit(1)
