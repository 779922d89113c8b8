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


def delivery_fault_env(*, var_dir: str, database_url: str, broker: str, smtp_port: int, **overrides) -> dict:
    """The environment of a delivery fault run: its own database, broker and SMTP port, shortened timeouts."""
    return {
        "DEBUG": "1",
        "VAR_DIR": var_dir,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "partybuild.settings",
        **SHORT_DELIVERY_TIMEOUTS,
        **overrides,
    }


def fresh_outbox(users: int = 50) -> list[int]:
    """Migrate, empty the outbox and the inbox, and return the ids of `users` recipients with an e-mail
    address (Django must be set up)."""
    from django.core.management import call_command

    from tasks.models import InboxMessage, Reminder, User

    call_command("migrate", verbosity=0)
    InboxMessage.objects.all().delete()
    Reminder.objects.all().delete()
    return [
        User.objects.get_or_create(
            username=f"fault_user{number:02d}", defaults={"email": f"fault_user{number:02d}@bench.example"}
        )[0].pk
        for number in range(1, users + 1)
    ]


def pending_urge_emails(users: list[int], count: int, tag: str) -> list:
    """`count` pending urge e-mails spread over `users`, written as the outbox writes them."""
    from tasks.models import Reminder

    return Reminder.objects.bulk_create(
        [
            Reminder(
                kind="urge",
                recipient_id=users[index % len(users)],
                channel="email",
                period=f"{tag}-{index}",
                subject="催办：故障演练",
                body="请尽快报送进展。",
                url="/",
                dedup_key=f"-:urge:u{users[index % len(users)]}:email:{tag}-{index}",
            )
            for index in range(count)
        ],
        batch_size=5000,
    )
