"""Demonstration and load data: the demo committee and its plan (`org_data`, `plan_data`, built by `build`
through the real services, audit trail included) and a synthetic provincial-scale year for benchmarks
(`load`). May import models, rules and services; nothing in the app imports it except the commands
`seed_demo` and `generate_load` (and tests and bench)."""

from tasks.demo.build import DEMO_YEAR, demo_build
from tasks.demo.load import ROOT_UNIT, LoadRefusedError, LoadResult, load_generate
from tasks.demo.org_data import PRINTED_ACCOUNTS

__all__ = [
    "DEMO_YEAR",
    "PRINTED_ACCOUNTS",
    "ROOT_UNIT",
    "LoadRefusedError",
    "LoadResult",
    "demo_build",
    "load_generate",
]
