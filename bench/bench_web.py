"""Benchmark the dashboard, the filtered assignment list and a key task page under gunicorn on PostgreSQL.

    .venv/bin/python -m bench.bench_web [--units 500 --tasks 100 --reports 12] [--requests 200 --concurrency 4]

Creates the database (default partybuild_bench) if needed, migrates, generates the load once (kept for
later runs unless --fresh), starts gunicorn with two workers, logs in as a committee member and prints
`name: value` lines: p50/p95 latency (ms) and requests per second per page, the median time of the page's
SQL alone (measured inside the server by bench.sql_timing), the ratio of the page's p50 to it, and the
workers' RSS (MB).
"""

import argparse
import re
import secrets
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from bench.harness import (
    DEFAULT_PG,
    QUERIES_HEADER,
    SQL_HEADER,
    ensure_database,
    login,
    manage,
    percentile,
    print,
    rss_mb,
    start_gunicorn,
    stop_gunicorn,
    web_env,
    worker_pids,
)

# A fresh password each run: the bench account must never have a known one.
PASSWORD = f"Bench-{secrets.token_urlsafe(12)}"


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


@dataclass
class Measured:
    latencies: list[float]  # ms, as the client saw them
    sql: list[float]  # ms of SQL inside the server, per request
    queries: list[int]
    rps: float


def measure(session_cookies, url: str, count: int, concurrency: int) -> Measured:
    def one(_):
        started = time.perf_counter()
        response = requests.get(url, cookies=session_cookies, timeout=60)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
        return elapsed, float(response.headers[SQL_HEADER]), int(response.headers[QUERIES_HEADER])

    for _ in range(concurrency * 2):  # warm-up
        one(None)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, range(count)))
    rps = count / (time.perf_counter() - started)
    return Measured([r[0] for r in results], [r[1] for r in results], [r[2] for r in results], rps)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="partybuild_bench")
    parser.add_argument("--pg", default=DEFAULT_PG)
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
    env = web_env(f"{args.pg}/{args.database}", log_level="WARNING", prefix="partybuild-bench-")
    if args.no_cache:
        env["CACHE_URL"] = "dummycache://"

    manage(["migrate", "-v0"], env)
    year = time.localtime().tm_year
    out = manage(["shell", "-c", COUNT.format(year=year)], env, capture_output=True, text=True).stdout
    expected = args.units * args.tasks
    if f"assignments {expected}" not in out:
        started = time.monotonic()
        manage(
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
                "--i-know-this-is-not-production",  # the bench's own database, on production settings
            ],
            env,
        )
        print(f"generate_load_s: {time.monotonic() - started:.1f}")
        subprocess.run(["psql", f"{args.pg}/{args.database}", "-qc", "VACUUM ANALYZE"], check=True)
    manage(["shell", "-c", SETUP.format(password=PASSWORD)], env)
    manage(["collectstatic", "--noinput", "-v0"], env)

    server, base = start_gunicorn(env, app="bench.sql_timing:application")
    try:
        session = login(base, "bench_committee", PASSWORD)
        cookies = session.cookies.get_dict()
        key_task_page = re.search(r'href="(/key-tasks/\d+/)"', session.get(f"{base}/key-tasks/?year={year}").text)
        pages = {
            "dashboard": f"{base}/dashboard/",
            "assignment_list_filtered": f"{base}/assignments/?light=red&light=yellow&sort=deadline&per_page=100",
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
            measured = measure(cookies, url, count, args.concurrency)
            p50, sql_p50 = statistics.median(measured.latencies), statistics.median(measured.sql)
            print(f"{name}_p50_ms: {p50:.0f}")
            print(f"{name}_p95_ms: {percentile(measured.latencies, 0.95):.0f}")
            print(f"{name}_rps: {measured.rps:.1f}")
            print(f"{name}_sql_p50_ms: {sql_p50:.1f} ({statistics.median(measured.queries):.0f} queries)")
            print(f"{name}_page_to_sql: {p50 / sql_p50 if sql_p50 else float('inf'):.1f}")
        for index, size in enumerate(sorted(rss_mb(worker_pids(server.pid)).values()), start=1):
            print(f"worker{index}_rss_mb: {size:.0f}")
    finally:
        stop_gunicorn(server)


if __name__ == "__main__":
    main()
