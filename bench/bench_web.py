"""Benchmark the dashboard, the filtered assignment list and a key task page under gunicorn on PostgreSQL.

    .venv/bin/python bench/bench_web.py [--units 500 --tasks 100 --reports 12] [--requests 200 --concurrency 4]

Creates the database (default partybuild_bench) if needed, migrates, generates the load once (kept for
later runs unless --fresh), starts gunicorn with two workers, logs in as a committee member and prints
`name: value` lines: p50/p95 latency (ms) and requests per second per page, and the workers' RSS (MB).
"""

import argparse
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# A fresh password each run: the bench account must never have a known one.
PASSWORD = f"Bench-{secrets.token_urlsafe(12)}"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ensure_database, free_port, percentile, print  # noqa: E402


def sh(args, env, **kwargs):
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs)


COUNT = """
from tasks.models import Assignment
print("assignments", Assignment.objects.filter(key_task__plan__year={year}).count())
"""

# Run after generate_load: the committee account belongs to the generated root unit.
SETUP = """
from tasks.models import Membership, OrgUnit, User
from tasks.demo import ROOT_UNIT
user, _ = User.objects.get_or_create(username="bench_committee", defaults={{"full_name": "压测委员"}})
user.set_password({password!r}); user.save()
Membership.objects.get_or_create(user=user, unit=OrgUnit.objects.get(name=ROOT_UNIT), role="committee")
"""


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


def measure(session_cookies, url: str, count: int, concurrency: int) -> tuple[list[float], float]:
    def one(_):
        started = time.perf_counter()
        response = requests.get(url, cookies=session_cookies, timeout=60)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
        return elapsed

    for _ in range(concurrency * 2):  # warm-up
        one(None)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = list(pool.map(one, range(count)))
    return latencies, count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="partybuild_bench")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--reports", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--key-task-requests", type=int, default=40, help="the key task page is much slower")
    parser.add_argument("--fresh", action="store_true", help="drop the database and generate the load again")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="no shared cache: every request works its figures out, as the first one after a write does",
    )
    args = parser.parse_args()

    ensure_database(f"{args.pg}/postgres", args.database, args.fresh)
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.pg}/{args.database}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "VAR_DIR": tempfile.mkdtemp(prefix="partybuild-bench-"),
        "LOG_LEVEL": "WARNING",
        # Plain HTTP on the loopback: no TLS redirect, cookies allowed without HTTPS.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
    }
    if args.no_cache:
        env["CACHE_URL"] = "dummycache://"

    sh(["migrate", "-v0"], env)
    year = time.localtime().tm_year
    out = sh(["shell", "-c", COUNT.format(year=year)], env, capture_output=True, text=True).stdout
    expected = args.units * args.tasks
    if f"assignments {expected}" not in out:
        started = time.monotonic()
        sh(
            [
                "generate_load",
                "--units",
                str(args.units),
                "--tasks",
                str(args.tasks),
                "--reports",
                str(args.reports),
                "--seed",
                str(args.seed),
            ],
            env,
        )
        print(f"generate_load_s: {time.monotonic() - started:.1f}")
        subprocess.run(["psql", f"{args.pg}/{args.database}", "-qc", "VACUUM ANALYZE"], check=True)
    sh(["shell", "-c", SETUP.format(password=PASSWORD)], env)
    sh(["collectstatic", "--noinput", "-v0"], env)

    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "partybuild.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/accounts/login/", timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.2)
        session = requests.Session()
        login = session.get(f"{base}/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
        response = session.post(
            f"{base}/accounts/login/",
            data={"username": "bench_committee", "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{base}/accounts/login/"},
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise SystemExit(f"login failed: {response.status_code}")
        cookies = session.cookies.get_dict()
        key_task_page = re.search(r'href="(/key-tasks/\d+/)"', session.get(f"{base}/key-tasks/?year={year}").text)
        pages = {
            "dashboard": f"{base}/dashboard/",
            "assignment_list_filtered": f"{base}/assignments/?light=red&light=yellow&sort=deadline",
            "key_task_page": f"{base}{key_task_page.group(1)}",
            "workbench": f"{base}/",  # the committee's home: every assignment of the plan, most urgent first
        }
        print(
            f"data: {args.units} units x {args.tasks} key tasks = {expected} assignments, "
            f"{expected * args.reports} reports"
        )
        print(
            f"client: {args.requests} requests per page, {args.concurrency} concurrent; gunicorn 2 workers; "
            f"shared cache {'off' if args.no_cache else 'on'}"
        )
        for name, url in pages.items():
            count = args.key_task_requests if name in ("key_task_page", "workbench") else args.requests
            latencies, rps = measure(cookies, url, count, args.concurrency)
            print(f"{name}_p50_ms: {statistics.median(latencies):.0f}")
            print(f"{name}_p95_ms: {percentile(latencies, 0.95):.0f}")
            print(f"{name}_rps: {rps:.1f}")
        for index, size in enumerate(sorted(rss_mb(worker_pids(server.pid)).values()), start=1):
            print(f"worker{index}_rss_mb: {size:.0f}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
