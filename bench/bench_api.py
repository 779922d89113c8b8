"""Benchmark the REST API's assignment list: 100 items a page, at 50,000 assignments, uncached, under gunicorn on
PostgreSQL, with an API token (target: p50 <= 60 ms).

    .venv/bin/python -m bench.bench_api [--database partybuild_bench] [--requests 200 --concurrency 2]

Uses bench_web's database and load (`generate_load`, made here once when missing) and the harness. Prints
`name: value` lines: p50/p95 latency (ms), requests per second and the median SQL time inside the server of the
first page, a page deep into the list (cursor), and a filtered first page (red and yellow lights).
"""

import argparse
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from bench.bench_web import COUNT, SETUP
from bench.harness import (
    DEFAULT_PG,
    QUERIES_HEADER,
    SQL_HEADER,
    ensure_database,
    manage,
    percentile,
    print,
    start_gunicorn,
    stop_gunicorn,
    web_env,
)

NEW_API_KEY_CODE = """
import datetime as dt
from django.utils import timezone
from tasks.models import User
from tasks.services.api_tokens import api_token_create
user = User.objects.get(username="bench_committee")
_row, token = api_token_create(actor=user, user=user, name="bench", scope="read",
                               expires_on=timezone.localdate() + dt.timedelta(days=1))
print("TOKEN", token)
"""


def measure(headers: dict, url: str, count: int, concurrency: int):
    def one(_):
        started = time.perf_counter()
        response = requests.get(url, headers=headers, timeout=60)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or len(response.json()["results"]) != 100:
            raise RuntimeError(f"{url}: {response.status_code} {response.text[:200]}")
        return elapsed, float(response.headers[SQL_HEADER]), int(response.headers[QUERIES_HEADER])

    for _ in range(concurrency * 2):
        one(None)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, range(count)))
    return results, count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="partybuild_bench")
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()

    ensure_database(f"{args.pg}/postgres", args.database, False)
    env = web_env(f"{args.pg}/{args.database}", log_level="WARNING", prefix="partybuild-bench-")
    env["CACHE_URL"] = "dummycache://"  # uncached: every request does its work
    env["API_RATE_LIMIT"] = "1000000/minute"
    manage(["migrate", "-v0"], env)
    manage(["collectstatic", "--noinput", "-v0"], env)
    year = time.localtime().tm_year
    out = manage(["shell", "-c", COUNT.format(year=year)], env, capture_output=True, text=True).stdout
    expected = args.units * args.tasks
    if f"assignments {expected}" not in out:  # generated once, as bench_web does, and kept for later runs
        started = time.monotonic()
        load = ["--units", str(args.units), "--tasks", str(args.tasks), "--reports", "12", "--seed", "1"]
        manage(["generate_load", *load, "--i-know-this-is-not-production"], env)
        print(f"generate_load_s: {time.monotonic() - started:.1f}")
        subprocess.run(["psql", f"{args.pg}/{args.database}", "-qc", "VACUUM ANALYZE"], check=True)
    manage(["shell", "-c", SETUP.format(password="unused-" + str(time.time()))], env)
    token_out = manage(["shell", "-c", NEW_API_KEY_CODE], env, capture_output=True, text=True).stdout
    token = token_out.split("TOKEN ", 1)[1].split()[0]
    headers = {"Authorization": f"Bearer {token}"}

    server, base = start_gunicorn(env, app="bench.sql_timing:application")
    try:
        first = f"{base}/api/v1/assignments/?year={year}&page_size=100"
        deep = first
        for _ in range(100):  # 10,000 items in: a cursor page costs what the first one does
            deep = requests.get(deep, headers=headers, timeout=60).json()["next"]
        pages = {
            "api_assignments_first_page": first,
            "api_assignments_page_101": deep,
            "api_assignments_red_yellow": f"{first}&light=red&light=yellow",
        }
        print(
            f"data: {expected} assignments; client: {args.requests} requests, {args.concurrency} concurrent; no cache"
        )
        for name, url in pages.items():
            results, rps = measure(headers, url, args.requests, args.concurrency)
            latencies = [r[0] for r in results]
            print(f"{name}_p50_ms: {statistics.median(latencies):.0f}")
            print(f"{name}_p95_ms: {percentile(latencies, 0.95):.0f}")
            print(f"{name}_rps: {rps:.1f}")
            sql = statistics.median(r[1] for r in results)
            print(f"{name}_sql_p50_ms: {sql:.1f} ({statistics.median(r[2] for r in results):.0f} queries)")
    finally:
        stop_gunicorn(server)


if __name__ == "__main__":
    main()
