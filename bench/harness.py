"""What the benchmark and fault scripts share: processes (manage.py, gunicorn, Celery workers), the SMTP sink,
databases, percentiles, the fault runs' environment and shortened timeouts, and how a script reports its
checks (`check: PASS|FAIL …` lines, exit 1 if any fails).

Scripts are run from the checkout as modules (`.venv/bin/python -m bench.NAME`) and import from here only.
"""

import asyncio
import functools
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg2
import requests

print = functools.partial(print, flush=True)  # figures appear as they are measured

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")

# --- Databases ---------------------------------------------------------------------------------------------


RANDOM_PAGE_COST = 1.1


def ensure_database(admin_url: str, name: str, fresh: bool) -> None:
    connection = psycopg2.connect(admin_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        if fresh:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
        # The planner's cost of a random read on SSD storage, as README's deployment section recommends (the default
        # 4.0 assumes spinning disks and makes the planner hash a whole table rather than look up a few rows by key).
        cursor.execute(f'ALTER DATABASE "{name}" SET random_page_cost = {RANDOM_PAGE_COST}')
    connection.close()


# --- Processes -----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def manage(args, env, **kwargs) -> subprocess.CompletedProcess:
    """`manage.py ARGS` in the checkout with the given environment; raises if it fails."""
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs)


def django_json(env, code: str, marker: str) -> dict:
    """Run `code` in `manage.py shell` and return the JSON it printed after `marker `."""
    out = manage(["shell", "-c", code], env, capture_output=True, text=True).stdout
    line = next(line for line in out.splitlines() if line.startswith(marker + " "))
    return json.loads(line[len(marker) + 1 :])


def stop_process(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL if it is still there after `timeout` seconds."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def rss_mb(pids) -> dict[int, float]:
    sizes = {}
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        if match:
            sizes[pid] = int(match.group(1)) / 1024
    return sizes


def worker_pids(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children still running (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def start_worker(
    env, *, pool: str = "solo", concurrency: int | None = None, heartbeat: bool = False, log: Path | None = None
) -> subprocess.Popen:
    """One Celery worker of the checkout (`celery -A partybuild worker`), its output to `log` when given."""
    command = [PYTHON, "-m", "celery", "-A", "partybuild", "worker", "--pool", pool]
    if concurrency is not None:
        command += ["--concurrency", str(concurrency)]
    command += ["--without-gossip", "--without-mingle"]
    if not heartbeat:
        command.append("--without-heartbeat")
    command += ["--loglevel", "WARNING"]
    if log is None:
        return subprocess.Popen(command, cwd=ROOT, env=env)
    with log.open("ab") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


# --- gunicorn and a signed-in client ---------------------------------------------------------------------------


# Response headers of bench.sql_timing: time inside Django, time of its SQL, number of queries.
APP_HEADER = "X-Bench-App-Ms"
SQL_HEADER = "X-Bench-Sql-Ms"
QUERIES_HEADER = "X-Bench-Queries"


def web_env(database_url: str, *, log_level: str = "ERROR", prefix: str = "partybuild-load-") -> dict:
    """Production settings (DEBUG off) on plain HTTP on the loopback, with a VAR_DIR of the run's own."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "VAR_DIR": tempfile.mkdtemp(prefix=prefix),
        "LOG_LEVEL": log_level,
        # Plain HTTP on the loopback: no TLS redirect, cookies allowed without HTTPS.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
    }


def start_gunicorn(
    env, workers: int = 2, timeout: int = 30, app: str = "partybuild.wsgi"
) -> tuple[subprocess.Popen, str]:
    """gunicorn serving `app` (bench.sql_timing adds each request's SQL time to the response headers)."""
    port = free_port()
    server = subprocess.Popen(
        [
            *(PYTHON, "-m", "gunicorn", app, "-w", str(workers), "-b", f"127.0.0.1:{port}"),
            *("--timeout", str(timeout), "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            requests.get(f"{base}/accounts/login/", timeout=10)
            return server, base
        except requests.RequestException:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def stop_gunicorn(server: subprocess.Popen) -> None:
    stop_process(server, timeout=30)


def input_value(html: str, name: str) -> str | None:
    """The value attribute of the first <input> named `name` (attribute order does not matter)."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    if not tag:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def login(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=60)
    response = session.post(
        f"{base}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": input_value(page.text, "csrfmiddlewaretoken"),
        },
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=60,
    )
    if response.status_code != 302 or "/accounts/password/" in response.headers.get("Location", ""):
        raise SystemExit(f"login of {username} failed: {response.status_code} {response.headers.get('Location')}")
    return session


# --- SMTP sink -------------------------------------------------------------------------------------------------

MESSAGE_ID = re.compile(rb"^Message-ID:\s*<bundle-(\d+)@partybuild>", re.IGNORECASE | re.MULTILINE)


class Sink:
    """aiosmtpd handler: counts the Message-IDs of accepted messages and notes when the last one arrived.

    With `hold_at`, it delays its "250" to that message by `hold_seconds`: the message is here, but the sender
    has not heard so yet (the crash window between sending and marking a row sent)."""

    def __init__(self, hold_at: int = 0, hold_seconds: float = 3):
        self.lock = threading.Lock()
        self.ids = Counter()  # Message-ID (a bundle's id) -> copies received
        self.recipients = Counter()  # address -> messages received
        self.connections = 0  # SMTP sessions (one EHLO or HELO each)
        self.largest = 0  # bytes of the largest message
        self.received = 0
        self.last_at = 0.0
        self.hold_at, self.hold_seconds = hold_at, hold_seconds

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):  # noqa: N802
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        match = MESSAGE_ID.search(envelope.content)
        with self.lock:
            self.received += 1
            self.ids[int(match.group(1)) if match else -1] += 1
            self.recipients.update(envelope.rcpt_tos)
            self.largest = max(self.largest, len(envelope.content))
            self.last_at = time.monotonic()
            hold = self.received == self.hold_at
        if hold:
            await asyncio.sleep(self.hold_seconds)
        return "250 OK"


# --- Figures and checks ----------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report_checks(checks: dict[str, bool]) -> None:
    for name, ok in checks.items():
        print(f"check: {'PASS' if ok else 'FAIL'} {name}")
    if not all(checks.values()):
        sys.exit(1)


# --- Delivery fault runs ---------------------------------------------------------------------------------------

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

    from tasks.models import Bundle, InboxMessage, Reminder, User

    call_command("migrate", verbosity=0)
    InboxMessage.objects.all().delete()
    Reminder.objects.all().delete()
    Bundle.objects.all().delete()
    return [
        User.objects.get_or_create(
            username=f"fault_user{number:02d}", defaults={"email": f"fault_user{number:02d}@bench.example"}
        )[0].pk
        for number in range(1, users + 1)
    ]


def pending_email_bundles(users: list[int], count: int, tag: str, items: int = 3, urge: bool = False) -> list:
    """`count` pending e-mail bundles spread over `users`, each carrying `items` reminders of different kinds,
    written as a scan writes them (the bundle first, then its items); with `urge`, urges, each alone, as
    pressing "urge" writes them. Returns the bundles."""
    from django.utils import timezone

    from tasks.models import Bundle, Reminder

    kinds = ["urge"] if urge else ["overdue", "due_soon", "report_due"]
    items = 1 if urge else items
    day = timezone.localdate()
    bundles = Bundle.objects.bulk_create(
        [
            Bundle(
                recipient_id=users[index % len(users)],
                channel="email",
                day=day,
                daily=not urge,
                key=f"fault:{tag}:{index}",
                subject=f"{items} 项故障演练提醒",
                item_count=items,
            )
            for index in range(count)
        ],
        batch_size=5000,
    )
    Reminder.objects.bulk_create(
        [
            Reminder(
                bundle=bundle,
                kind=kinds[number % len(kinds)],
                recipient_id=bundle.recipient_id,
                channel="email",
                period=f"{tag}-{index}-{number}",
                subject=f"故障演练任务 {index}-{number}",
                body="请尽快报送进展。",
                url="/",
                dedup_key=f"-:fault:u{bundle.recipient_id}:email:{tag}-{index}-{number}",
            )
            for index, bundle in enumerate(bundles)
            for number in range(items)
        ],
        batch_size=5000,
    )
    return bundles


def bundles_whole(bundle_ids) -> bool:
    """No bundle split: the reminders of each bundle share one state, and they are sent exactly when their
    bundle is (items stay pending while their bundle is being sent, and change with it when it is marked)."""
    from collections import defaultdict

    from tasks.models import Reminder

    states = defaultdict(set)
    bundle_state = {}
    for bundle_id, state, item_state in Reminder.objects.filter(bundle_id__in=list(bundle_ids)).values_list(
        "bundle_id", "bundle__state", "state"
    ):
        states[bundle_id].add(item_state)
        bundle_state[bundle_id] = state
    return all(
        len(items) == 1 and (("sent" in items) == (bundle_state[bundle_id] == "sent"))
        for bundle_id, items in states.items()
    )
