"""Benchmark organisational life's committee matrix and a branch's record list under gunicorn on PostgreSQL.

    .venv/bin/python -m bench.bench_orglife [--units 500 --members 30] [--requests 100 --concurrency 2]

Creates the database (default pb_orglife) if needed, migrates, generates the load once (500 branches × 30 members:
15,000 members, about 35,000 meetings and 600,000 attendance rows; kept for later runs unless --fresh), starts
gunicorn with two workers, logs in as a committee member and prints `name: value` lines: p50/p95 latency (ms)
and the median SQL time and query count of each page. These pages use no shared cache: every request reads.
Targets (issue 15): p50 <= 100 ms, p95 <= 200 ms.
"""

import argparse
import re
import secrets
import statistics
import subprocess
import time

from bench.bench_web import measure
from bench.harness import (
    DEFAULT_PG,
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

COUNT = """
from tasks.models import PartyMember
print("members", PartyMember.objects.filter(unit__name__startswith="压测单位").count())
"""

SETUP = """
from tasks.models import Membership, OrgUnit, User
from tasks.demo import ROOT_UNIT
user, _ = User.objects.get_or_create(username="bench_committee", defaults={{"full_name": "压测委员"}})
user.set_password({password!r}); user.save()
Membership.objects.get_or_create(user=user, unit=OrgUnit.objects.get(name=ROOT_UNIT), role="committee")
from tasks.models import MeetingRecord, Attendance
print("meetings", MeetingRecord.objects.count(), "attendance", Attendance.objects.count())
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="pb_orglife")
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--fresh", action="store_true", help="drop the database and generate the load again")
    args = parser.parse_args()

    ensure_database(f"{args.pg}/postgres", args.database, args.fresh)
    env = web_env(f"{args.pg}/{args.database}", log_level="WARNING", prefix="partybuild-bench-")
    env["CACHE_URL"] = "dummycache://"
    manage(["migrate", "-v0"], env)
    out = manage(["shell", "-c", COUNT], env, capture_output=True, text=True).stdout
    if f"members {args.units * args.members}" not in out:
        started = time.monotonic()
        manage(
            [
                "generate_load",
                *("--units", str(args.units), "--tasks", "1", "--members", str(args.members)),
                *("--seed", str(args.seed), "--i-know-this-is-not-production"),
            ],
            env,
        )
        print(f"generate_load_s: {time.monotonic() - started:.1f}")
        subprocess.run(["psql", f"{args.pg}/{args.database}", "-qc", "VACUUM ANALYZE"], check=True)
    print(manage(["shell", "-c", SETUP.format(password=PASSWORD)], env, capture_output=True, text=True).stdout.strip())
    manage(["collectstatic", "--noinput", "-v0"], env)

    server, base = start_gunicorn(env, app="bench.sql_timing:application")
    try:
        session = login(base, "bench_committee", PASSWORD)
        cookies = session.cookies.get_dict()
        matrix = session.get(f"{base}/orglife/matrix/").text
        branch = re.search(r'href="(/orglife/\d+/meetings/)"', matrix).group(1)
        pages = {
            "matrix_summary": f"{base}/orglife/matrix/",
            "matrix_group_meetings": f"{base}/orglife/matrix/?type=group_meeting",
            "matrix_page_10": f"{base}/orglife/matrix/?page=10",
            "branch_record_list": f"{base}{branch}",
            "absences": f"{base}/orglife/absences/",
        }
        print(f"client: {args.requests} requests per page, {args.concurrency} concurrent; gunicorn 2 workers; no cache")
        for name, url in pages.items():
            measured = measure(cookies, url, args.requests, args.concurrency)
            print(f"{name}_p50_ms: {statistics.median(measured.latencies):.0f}")
            print(f"{name}_p95_ms: {percentile(measured.latencies, 0.95):.0f}")
            print(
                f"{name}_sql_p50_ms: {statistics.median(measured.sql):.1f} "
                f"({statistics.median(measured.queries):.0f} queries)"
            )
    finally:
        stop_gunicorn(server)


if __name__ == "__main__":
    main()
