"""Personas (STYLE.md): `committee` sees all; `secretary_a` runs branch A (and its sub-branch A1);
`secretary_b` runs branch B; `outsider` belongs nowhere; `member_a` is a plain member of branch A."""

import datetime as dt
import logging
import os
import re
import shutil
from dataclasses import dataclass

import pytest
from django.db import connection, connections

from tasks.models import Membership, OrgUnit
from tests.factories import (
    AreaFactory,
    AssignmentFactory,
    KeyTaskFactory,
    MembershipFactory,
    OrgUnitFactory,
    PlanFactory,
    UserFactory,
)

# Fixtures of organisational life (meeting types, a branch's roster), for every test module that asks for them.
pytest_plugins = ["tests.support_orglife", "tests.support_committees"]

# aiosmtpd's server threads log each closed connection, sometimes after the test that started them has
# ended and pytest has closed the stream the log handler writes to ("--- Logging error ---" noise).
logging.getLogger("mail.log").setLevel(logging.WARNING)


def require_service(reason: str) -> None:
    """Skip a test that needs something this machine lacks, except in CI, where that is a failure."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run this test but: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite tests use a database file, as the app itself does, not the default in-memory database.

    Live-server and Celery-worker tests run threads beside the test. In SQLite's shared-cache in-memory
    database their connections lock whole tables and the busy timeout does not apply, so a write racing a
    read failed at once ("database table is locked", seen in CI). A file gives every thread its own
    connection with WAL and the busy timeout of settings.py.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests (row locks under real concurrency) are deselected on SQLite, not skipped:
    CI runs the suite a second time on PostgreSQL, where they run."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("postgres") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@dataclass
class Org:
    committee_unit: OrgUnit
    branch_a: OrgUnit
    branch_a1: OrgUnit
    branch_b: OrgUnit


@pytest.fixture
def org(db):
    committee_unit = OrgUnitFactory(name="市局党委", kind=OrgUnit.Kind.COMMITTEE)
    branch_a = OrgUnitFactory(name="机关党总支", kind=OrgUnit.Kind.GENERAL_BRANCH, parent=committee_unit)
    branch_a1 = OrgUnitFactory(name="办公室党支部", parent=branch_a)
    branch_b = OrgUnitFactory(name="业务一科党支部", parent=committee_unit)
    return Org(committee_unit, branch_a, branch_a1, branch_b)


@pytest.fixture
def committee(org):
    user = UserFactory(username="committee", full_name="王建国")
    MembershipFactory(user=user, unit=org.committee_unit, role=Membership.Role.COMMITTEE)
    return user


@pytest.fixture
def secretary_a(org):
    user = UserFactory(username="secretary_a", full_name="张伟")
    MembershipFactory(user=user, unit=org.branch_a, role=Membership.Role.SECRETARY)
    return user


@pytest.fixture
def secretary_b(org):
    user = UserFactory(username="secretary_b", full_name="刘芳")
    MembershipFactory(user=user, unit=org.branch_b, role=Membership.Role.SECRETARY)
    return user


@pytest.fixture
def member_a(org):
    user = UserFactory(username="member_a", full_name="郭晓")
    MembershipFactory(user=user, unit=org.branch_a1, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider", full_name="路人")


@pytest.fixture
def plan(org):
    return PlanFactory(year=2023, committee=org.committee_unit)


@pytest.fixture
def key_task(plan, org, committee):
    area = AreaFactory(plan=plan, name="政治建设")
    return KeyTaskFactory(
        plan=plan,
        area=area,
        number="1.2",
        title="全面贯彻“第一议题”制度",
        lead_unit=org.committee_unit,
        responsible_leader=committee,
        start_date=dt.date(2023, 1, 3),
        deadline=dt.date(2023, 12, 29),
        metric_name="第一议题学习",
        metric_unit="项",
        target_value=24,
    )


@pytest.fixture
def assignment_a1(key_task, org, secretary_a):
    """Branch A1 (under A): secretary_a sees and reports on it."""
    return AssignmentFactory(key_task=key_task, unit=org.branch_a1, owner=secretary_a)


@pytest.fixture
def assignment_b(key_task, org, secretary_b):
    return AssignmentFactory(key_task=key_task, unit=org.branch_b, owner=secretary_b)


@pytest.fixture
def overdue_b(key_task, org, secretary_b):
    """Branch B's assignment of another key task, due 28 April 2023 and 40 % done: red from then on."""
    task = KeyTaskFactory(
        plan=key_task.plan,
        area=key_task.area,
        number="1.3",
        title="修订党委工作规则",
        lead_unit=org.branch_b,
        start_date=dt.date(2023, 1, 9),
        deadline=dt.date(2023, 4, 28),
    )
    return AssignmentFactory(key_task=task, unit=org.branch_b, owner=secretary_b, progress=40)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    from django.core.cache import cache

    # A cache of this process only: the default one is files under var/ shared with any other test run or
    # `make run` on the machine, whose writes and clear() would change this test's query counts and figures.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
    cache.clear()  # cached dashboard figures must not leak from one test's database into another
    # settings.py builds the evidence storage from EVIDENCE_ROOT once, at import: each test moves both.
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": settings.EVIDENCE_ROOT},
        },
    }
    # Real hashing is slow on purpose; tests need speed, not resistance to brute force.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Browser tests (tests/support_browser.py has the helpers) -----------------------------------------

CHROMIUM = "/usr/bin/chromium"
# How Chromium reports what the Content-Security-Policy refused ("Executing inline script violates the following
# Content Security Policy directive ...").
CSP_VIOLATION = re.compile(r"Content[ -]Security[ -]Policy", re.IGNORECASE)
# A phone (the secretary the evening before a deadline) and a desktop (the committee in the office).
WIDTHS = (375, 1280)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, one per test module. Every page opened through it is watched: a
    Content-Security-Policy violation in the console fails the test that caused it (`_no_csp_violations`)."""
    if not shutil.which(CHROMIUM):
        require_service("Debian's Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_service("the playwright package is not installed")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        chromium.csp_violations = []
        _watch_csp(chromium, chromium.csp_violations)
        yield chromium
        chromium.close()
        # The test's ORM calls ran in this context on a connection of their own (Playwright's greenlets carry
        # their own contextvars); left open, it would keep PostgreSQL from dropping the test database.
        connections.close_all()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def width(request):
    return request.param


@pytest.fixture(autouse=True)
def _no_csp_violations(request):
    """A browser test fails when a page it opened reported a Content-Security-Policy violation."""
    if "browser" not in request.fixturenames:
        yield
        return
    violations = request.getfixturevalue("browser").csp_violations
    violations.clear()
    yield
    assert violations == [], "the page broke the Content-Security-Policy:\n" + "\n".join(violations)


def _watch_csp(browser, violations: list[str]) -> None:
    def watch(context):
        def note(message):
            if CSP_VIOLATION.search(message.text):
                violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

        context.on("console", note)
        return context

    new_context, new_page = browser.new_context, browser.new_page
    browser.new_context = lambda *args, **kwargs: watch(new_context(*args, **kwargs))

    def page_in_watched_context(*args, **kwargs):
        page = new_page(*args, **kwargs)
        watch(page.context)
        return page

    browser.new_page = page_in_watched_context
