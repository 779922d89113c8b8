"""Restart PostgreSQL under load: requests fail cleanly during the outage and the app recovers by itself.

    .venv/bin/python -m bench.fault_postgres_restart [--seconds 30 --restart-at 8 --clients 4]

RESTARTS THIS MACHINE'S POSTGRESQL (`pg_ctlcluster --skip-systemctl-redirect <version> main restart`):
every other connection to it is cut. Run it only when nothing else uses the database server.

Uses the database of bench.bench_web (partybuild_bench). gunicorn (2 sync workers, DEBUG=0, CONN_MAX_AGE
60 s with health checks, as in production) on 127.0.0.1; a few logged-in committee clients loop over
the dashboard, the inbox, an assignment page and /healthz/ with a 10 s client timeout. At --restart-at
seconds PostgreSQL is restarted; gunicorn is never touched. Checks (exit 1 if any fails):
- no request hangs: every answer (or connection error) comes within the client timeout;
- every failure is clean: HTTP 500 with our error page and its X-Error-Ref, 503 from /healthz/ naming
  the database, or a connection error raised to the client (none expected: gunicorn stays up);
- after PostgreSQL accepts connections again, the same gunicorn workers answer 200 within 30 s, and
  every later request succeeds;
- PostgreSQL really restarted (its start time changed).
Prints `name: value` lines.
"""

import argparse
import os
import secrets
import subprocess
import threading
import time

import requests

from bench.harness import (
    DEFAULT_PG,
    django_json,
    ensure_database,
    login,
    manage,
    percentile,
    print,
    report_checks,
    start_gunicorn,
    stop_gunicorn,
    web_env,
    worker_pids,
)

SETUP = """
import json, secrets
from tasks.models import Assignment, Membership, OrgUnit, User
from tasks.demo import ROOT_UNIT
chair, _ = User.objects.get_or_create(username="bench_committee", defaults={{"full_name": "压测委员"}})
chair.set_password({password!r}); chair.save()
Membership.objects.get_or_create(user=chair, unit=OrgUnit.objects.get(name=ROOT_UNIT), role="committee")
first = Assignment.objects.filter(key_task__plan__year={year}).order_by("pk").values_list("pk", flat=True).first()
print("SETUP " + json.dumps({{"assignment": first}}))
"""


def pg_version() -> str:
    versions = sorted(os.listdir("/etc/postgresql"), key=lambda v: float(v))
    return versions[-1]


def pg_ready(timeout: float = 1) -> bool:
    return (
        subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-q", "-t", str(int(timeout))], check=False, timeout=timeout + 5
        ).returncode
        == 0
    )


def pg_started_at(pg: str) -> str:
    return subprocess.run(
        ["psql", f"{pg}/postgres", "-Atc", "SELECT pg_postmaster_start_time()"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="partybuild_bench")
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--restart-at", type=float, default=8)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=10, help="client timeout: a longer answer is a hang")
    parser.add_argument("--recovery-limit", type=float, default=30)
    args = parser.parse_args()

    password = f"Bench-{secrets.token_urlsafe(12)}"
    ensure_database(f"{args.pg}/postgres", args.database, fresh=False)
    env = web_env(f"{args.pg}/{args.database}")
    manage(["migrate", "-v0"], env)
    setup = django_json(env, SETUP.format(password=password, year=time.localtime().tm_year), "SETUP")
    manage(["collectstatic", "--noinput", "-v0"], env)
    version = pg_version()
    started_before = pg_started_at(args.pg)

    server, base = start_gunicorn(env)
    samples = []  # (start, end, kind, outcome, clean, what)
    lock = threading.Lock()
    try:
        session = login(base, "bench_committee", password)
        pages = [
            ("dashboard", f"{base}/dashboard/"),
            ("inbox", f"{base}/inbox/"),
            ("assignment", f"{base}/assignments/{setup['assignment']}/"),
            ("healthz", f"{base}/healthz/"),
        ]
        for _, url in pages:  # warm up: every worker holds a database connection before the fault
            for _ in range(4):
                session.get(url, timeout=60)
        pids_before = sorted(worker_pids(server.pid))
        t0 = time.monotonic()
        deadline = t0 + args.seconds

        def client(offset: int) -> None:
            turn = offset
            while time.monotonic() < deadline:
                kind, url = pages[turn % len(pages)]
                turn += 1
                start = time.monotonic()
                try:
                    response = session.get(url, timeout=args.timeout, allow_redirects=False)
                except requests.RequestException as error:
                    outcome, clean = type(error).__name__, not isinstance(error, requests.Timeout)
                    what = outcome
                else:
                    outcome = response.status_code
                    what = str(response.status_code)
                    if response.status_code == 200:
                        clean = True
                    elif response.status_code == 500:
                        ref = response.headers.get("X-Error-Ref", "")
                        clean = bool(ref) and 'id="error-500"' in response.text and ref in response.text
                        # Not our page: gunicorn's own bare "Internal Server Error" (the app raised past
                        # Django's handler), or something else.
                        what = "500 our page" if clean else "500 bare " + " ".join(response.text.split())[:60]
                    elif response.status_code == 503 and kind == "healthz":
                        clean = response.json().get("database") != "ok"
                    else:
                        clean = False
                with lock:
                    samples.append((start - t0, time.monotonic() - t0, kind, outcome, clean, what))
                if outcome != 200:
                    time.sleep(0.1)  # a browser user does not retry in a tight loop either

        threads = [threading.Thread(target=client, args=(index,)) for index in range(args.clients)]
        for thread in threads:
            thread.start()
        time.sleep(max(0, t0 + args.restart_at - time.monotonic()))
        restart_start = time.monotonic() - t0
        restart = subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        restart_end = time.monotonic() - t0
        while not pg_ready():
            time.sleep(0.1)
        ready_at = time.monotonic() - t0
        for thread in threads:
            thread.join(timeout=args.seconds + args.timeout + 30)
        hung = sum(thread.is_alive() for thread in threads)
        # Keep asking until the recovery limit if the load ended before the app answered again.
        while time.monotonic() - t0 < ready_at + args.recovery_limit:
            if all(session.get(url, timeout=args.timeout).status_code == 200 for _, url in pages):
                break
            time.sleep(0.5)
        final = {kind: session.get(url, timeout=args.timeout).status_code for kind, url in pages}
        pids_after = sorted(worker_pids(server.pid))
        master_alive = server.poll() is None
    finally:
        stop_gunicorn(server)
        if not pg_ready(5):  # never leave the machine without its database
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False)

    started_after = pg_started_at(args.pg)
    failures = [s for s in samples if s[3] != 200]
    after_ready = [s for s in samples if s[0] >= ready_at]
    first_ok = next((s for s in sorted(after_ready, key=lambda s: s[0]) if s[3] == 200), None)
    last_failure = max(failures, key=lambda s: s[0], default=None)
    latencies = [s[1] - s[0] for s in samples]
    by_outcome = {}
    for s in samples:
        by_outcome[str(s[3])] = by_outcome.get(str(s[3]), 0) + 1

    print(f"postgresql: {version}, restart command {restart_end - restart_start:.2f} s (rc {restart.returncode})")
    print(f"restart_started_s: {restart_start:.2f}")
    print(f"postgres_ready_s: {ready_at:.2f}")
    print(f"outage_s: {ready_at - restart_start:.2f}")
    print(f"requests: {len(samples)}")
    print(f"outcomes: {by_outcome}")
    print(f"failed_requests: {len(failures)}")
    if failures:
        print(f"failures_window_s: {min(s[0] for s in failures):.2f} .. {max(s[1] for s in failures):.2f}")
    print(f"unclean_failures: {sum(not s[4] for s in samples)}")
    failure_kinds = {}
    for s in failures:
        failure_kinds[f"{s[2]}: {s[5]}"] = failure_kinds.get(f"{s[2]}: {s[5]}", 0) + 1
    for name, count in sorted(failure_kinds.items()):
        print(f"failure: {count} x {name}")
    print(f"latency_p50_ms: {1000 * percentile(latencies, 0.5):.0f}")
    print(f"latency_max_ms: {1000 * max(latencies):.0f}")
    print(f"first_200_after_ready_s: {first_ok[1] - ready_at:.2f}" if first_ok else "first_200_after_ready_s: none")
    print(
        f"last_failure_after_ready_s: {last_failure[0] - ready_at:.2f}"
        if last_failure
        else "last_failure_after_ready_s: none"
    )
    print(f"final_statuses: {final}")
    print(f"workers_before: {pids_before} after: {pids_after}; master alive: {master_alive}")

    checks = {
        "PostgreSQL restarted (start time changed)": restart.returncode == 0 and started_after != started_before,
        f"no hang: every request answered within {args.timeout:.0f} s": hung == 0
        and max(latencies) < args.timeout
        and not any(s[3] in ("ReadTimeout", "ConnectTimeout", "Timeout") for s in samples),
        "every failure clean (500 + our page + X-Error-Ref, healthz 503, or connection error)": all(
            s[4] for s in samples
        ),
        f"200 again within {args.recovery_limit:.0f} s of PostgreSQL being ready": (
            first_ok is not None and first_ok[1] - ready_at <= args.recovery_limit
        )
        or all(code == 200 for code in final.values()),
        "no failure started after recovery": last_failure is None
        or first_ok is None
        or last_failure[0] <= first_ok[1]
        or last_failure[0] < ready_at,
        "all pages 200 at the end": all(code == 200 for code in final.values()),
        "gunicorn not restarted (same master, same workers)": master_alive and pids_before == pids_after,
    }
    report_checks(checks)


if __name__ == "__main__":
    main()
