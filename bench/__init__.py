"""Benchmarks and fault drills, run from the checkout as `.venv/bin/python -m bench.NAME --help`; figures in
bench/RESULTS.md. Every script imports what it shares from `bench.harness`."""
