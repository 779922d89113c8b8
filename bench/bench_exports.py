"""Time the Excel and Word exports on a generated year: the 50,000-row ledger must take under 10 s.

    DEBUG=1 .venv/bin/python -m bench.bench_exports [--units 500] [--tasks 100] [--reports 1] [--convert]

Uses its own SQLite database (override with DATABASE_URL), builds the data with the same generator as
`manage.py generate_load`, then writes the ledger, the assessment table and the annual report, and with
--convert has LibreOffice turn them into PDF. Prints one line per step; record them in bench/RESULTS.md.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partybuild.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.gettempdir()}/partybuild_bench_exports.sqlite3")
LEDGER_LIMIT_SECONDS = 10


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--reports", type=int, default=1, help="progress reports per assignment")
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--convert", action="store_true", help="also convert the files to PDF with LibreOffice")
    args = parser.parse_args()

    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection

    from tasks.demo import load_generate
    from tasks.models import Assignment
    from tasks.services.annual_report import annual_report_build
    from tasks.services.exports import assessment_export, ledger_export

    call_command("migrate", verbosity=0)
    as_of = dt.date(args.year, 10, 31)
    started = time.monotonic()
    result = load_generate(units=args.units, tasks=args.tasks, reports=args.reports, year=args.year, as_of=as_of)
    print(
        f"data: {result.units} units, {result.key_tasks} key tasks, {result.assignments} assignments, "
        f"{result.reports} reports ({connection.vendor}) built in {time.monotonic() - started:.1f} s"
    )
    plan = result.plan
    out_dir = Path(tempfile.mkdtemp(prefix="bench_exports_"))

    ledger = out_dir / "ledger.xlsx"
    started = time.monotonic()
    rows = ledger_export(user=None, plan=plan, out=ledger, today=as_of)
    ledger_seconds = time.monotonic() - started
    print(f"ledger: {rows} rows in {ledger_seconds:.2f} s, {ledger.stat().st_size / 1e6:.1f} MB")

    assessment = out_dir / "assessment.xlsx"
    started = time.monotonic()
    units = assessment_export(plan=plan, out=assessment, today=as_of)
    print(f"assessment: {len(units)} units in {time.monotonic() - started:.2f} s")

    report = out_dir / "report.docx"
    started = time.monotonic()
    figures = annual_report_build(plan=plan, out=report, today=as_of)
    print(f"annual report: {figures.key_tasks} key tasks in {time.monotonic() - started:.2f} s")

    if args.convert:
        office = shutil.which("libreoffice") or shutil.which("soffice")
        if office is None:
            print("convert: LibreOffice is not installed")
        else:
            started = time.monotonic()
            subprocess.run(
                [
                    office,
                    f"-env:UserInstallation=file://{out_dir / 'lo-profile'}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(out_dir),
                    str(ledger),
                    str(assessment),
                    str(report),
                ],
                capture_output=True,
                timeout=1800,
                check=False,
            )
            made = [path.name for path in sorted(out_dir.glob("*.pdf"))]
            print(f"convert: {made} in {time.monotonic() - started:.1f} s")

    assert rows == Assignment.objects.filter(key_task__plan=plan).count()
    print(f"files in {out_dir}")
    if ledger_seconds > LEDGER_LIMIT_SECONDS:
        print(f"FAIL: the ledger took more than {LEDGER_LIMIT_SECONDS} s")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
