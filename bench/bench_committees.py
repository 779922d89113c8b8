"""Benchmark a tree of committees (issue [12]): a bureau committee's pages and the 工委's roll-up, uncached, under
gunicorn on PostgreSQL, and how many rows of assignments and reports each page reads.

    .venv/bin/python -m bench.bench_committees [--committees 20 --units 25 --tasks 100 --reports 12]

Creates the database (default partybuild_committees) if needed, generates the load once (`generate_load
--committees`: a 工委 over 20 committees of 25 branches, 50,000 assignments and 600,000 reports, and the 工委's one
key task answered by every committee), starts gunicorn with two workers without the shared cache, logs in as a
member of the first committee and as a member of the 工委, and prints `name: value` lines: p50/p95 (ms) and SQL p50
of each page, and the rows of assignments and reports it reads per request, from PostgreSQL's table statistics
(pg_stat_user_tables: rows returned by sequential and index scans), read before and after requests made one at a
time, and the same from EXPLAIN ANALYZE of each query the page runs (all of them, and the one that reads most). A
bureau's page must read its own subtree's rows (2,500 assignments of its plan), not the installation's: several
queries may each read them, none may read more.
Targets (issue [12]): p50 <= 80 ms, p95 <= 160 ms.
"""

import argparse
import secrets
import statistics
import subprocess
import time

import psycopg2
import requests

from bench.bench_web import measure
from bench.harness import (
    DEFAULT_PG,
    django_json,
    ensure_database,
    login,
    manage,
    percentile,
    print,
    start_gunicorn,
    stop_gunicorn,
    web_env,
)

PASSWORD = f"Bench-{secrets.token_urlsafe(12)}"
TABLES = ("tasks_assignment", "tasks_progressreport")
STATS_FLUSH_SECONDS = 11

COUNT = """
from tasks.models import Assignment
from tasks.demo import ROOT_UNIT
below = Assignment.objects.filter(key_task__plan__year={year}, key_task__plan__committee__parent__name=ROOT_UNIT)
print("assignments", below.count())
"""

# A member of the first committee (a bureau) and one of the 工委 at the top.
SETUP = """
from tasks.models import Membership, OrgUnit, User
from tasks.demo import ROOT_UNIT
for username, unit in (("bench_bureau", ROOT_UNIT + "01"), ("bench_gongwei", ROOT_UNIT)):
    user, _ = User.objects.get_or_create(username=username, defaults={{"full_name": username}})
    user.set_password({password!r}); user.save()
    Membership.objects.get_or_create(user=user, unit=OrgUnit.objects.get(name=unit), role="committee")
"""


# Each query a page runs, planned and run again with EXPLAIN ANALYZE: the rows each scan of the two big tables
# returned or filtered out. pg_stat_user_tables (above) adds up every query of a page; this says which query reads
# what, and whether any reads beyond the committee's subtree (the largest single read of each table).
EXPLAIN_ROWS = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tasks.models import User
client = Client()
client.force_login(User.objects.get(username={username!r}))
client.get({url!r})
with CaptureQueriesContext(connection) as captured:
    client.get({url!r})
def scans(node):
    if node.get("Relation Name") in {tables!r}:
        yield node["Relation Name"], node["Actual Rows"] * node.get("Actual Loops", 1) + node.get(
            "Rows Removed by Filter", 0
        ) + node.get("Rows Removed by Index Recheck", 0)
    for child in node.get("Plans", ()):
        yield from scans(child)
total, largest = {{}}, {{}}
for query in captured.captured_queries:
    if not query["sql"].lstrip().upper().startswith("SELECT"):
        continue
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    per_table = {{}}
    for table, rows in scans(plan[0]["Plan"]):
        per_table[table] = per_table.get(table, 0) + rows
    for table, rows in per_table.items():
        total[table] = total.get(table, 0) + rows
        largest[table] = max(largest.get(table, 0), rows)
print("EXPLAINED", json.dumps({{"total": total, "largest": largest}}))
"""


def rows_explained(env, username: str, path: str) -> dict:
    """{"total": {table: rows}, "largest": {table: rows of the query that read most}} for one request of `path`."""
    return django_json(env, EXPLAIN_ROWS.format(username=username, url=path, tables=TABLES), "EXPLAINED")


def rows_read(connection) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables"
            " WHERE relname = ANY(%s)",
            [list(TABLES)],
        )
        return dict(cursor.fetchall())


def rows_per_request(connection, cookies, url: str, count: int = 10) -> dict[str, float]:
    """Rows of each table read per request, requests one at a time (nothing else runs on the bench's database)."""
    # A backend reports its statistics at the end of a transaction at most once a second, and an idle one after
    # 10 s: wait that long before and after, so that no earlier request is counted and none of these is missed.
    time.sleep(STATS_FLUSH_SECONDS)
    before = rows_read(connection)
    for _ in range(count):
        requests.get(url, cookies=cookies, timeout=60).raise_for_status()
    time.sleep(STATS_FLUSH_SECONDS)
    after = rows_read(connection)
    return {table: (after[table] - before[table]) / count for table in TABLES}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="partybuild_committees")
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--committees", type=int, default=20)
    parser.add_argument("--units", type=int, default=25)
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--reports", type=int, default=12)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--fresh", action="store_true", help="drop the database and generate the load again")
    args = parser.parse_args()

    ensure_database(f"{args.pg}/postgres", args.database, args.fresh)
    env = web_env(f"{args.pg}/{args.database}", log_level="WARNING", prefix="partybuild-bench-")
    env["CACHE_URL"] = "dummycache://"  # the first view after a write
    manage(["migrate", "-v0"], env)
    year = time.localtime().tm_year
    expected = args.committees * args.units * args.tasks
    out = manage(["shell", "-c", COUNT.format(year=year)], env, capture_output=True, text=True).stdout
    if f"assignments {expected}" not in out:
        started = time.monotonic()
        generate = ["generate_load", "--committees", str(args.committees), "--units", str(args.units)]
        generate += ["--tasks", str(args.tasks), "--reports", str(args.reports), "--i-know-this-is-not-production"]
        manage(generate, env)
        print(f"generate_load_s: {time.monotonic() - started:.1f}")
        subprocess.run(["psql", f"{args.pg}/{args.database}", "-qc", "VACUUM ANALYZE"], check=True)
    manage(["shell", "-c", SETUP.format(password=PASSWORD)], env)
    manage(["collectstatic", "--noinput", "-v0"], env)

    connection = psycopg2.connect(f"{args.pg}/{args.database}")
    connection.autocommit = True
    server, base = start_gunicorn(env, app="bench.sql_timing:application")
    try:
        bureau = login(base, "bench_bureau", PASSWORD).cookies.get_dict()
        gongwei = login(base, "bench_gongwei", PASSWORD).cookies.get_dict()
        pages = {
            "bureau_dashboard": ("bench_bureau", bureau, "/dashboard/"),
            "bureau_assignment_list": (
                "bench_bureau",
                bureau,
                "/assignments/?light=red&light=yellow&sort=deadline&per_page=100",
            ),
            "bureau_workbench": ("bench_bureau", bureau, "/"),
            "gongwei_rollup": ("bench_gongwei", gongwei, "/dashboard/committees/"),
            "gongwei_dashboard": ("bench_gongwei", gongwei, "/dashboard/"),
        }
        print(
            f"data: a 工委 over {args.committees} committees x {args.units} branches x {args.tasks} key tasks = "
            f"{expected} assignments, {expected * args.reports} reports"
        )
        print(f"client: {args.requests} requests per page, {args.concurrency} concurrent; gunicorn 2 workers; no cache")
        for name, (username, cookies, path) in pages.items():
            measured = measure(cookies, base + path, args.requests, args.concurrency)
            print(f"{name}_p50_ms: {statistics.median(measured.latencies):.0f}")
            print(f"{name}_p95_ms: {percentile(measured.latencies, 0.95):.0f}")
            sql, queries = statistics.median(measured.sql), statistics.median(measured.queries)
            print(f"{name}_sql_p50_ms: {sql:.1f} ({queries:.0f} queries)")
            for table, rows in rows_per_request(connection, cookies, base + path).items():
                print(f"{name}_rows_read_{table.removeprefix('tasks_')}: {rows:.0f}")
            explained = rows_explained(env, username, path)
            for table in TABLES:
                short = table.removeprefix("tasks_")
                print(f"{name}_explain_rows_{short}: {explained['total'].get(table, 0):.0f}")
                print(f"{name}_explain_largest_query_{short}: {explained['largest'].get(table, 0):.0f}")
    finally:
        stop_gunicorn(server)
        connection.close()


if __name__ == "__main__":
    main()
