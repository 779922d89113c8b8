"""The Content-Security-Policy in real Chromium: the app's pages and the admin's (with their scripts, selects and
history views) run with no violation reported (the `browser` fixture fails a test on any), and what used to be
inline script still works from app.js."""

import datetime as dt

import pytest
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from tasks.models import Membership
from tests.factories import (
    TEST_PASSWORD,
    AreaFactory,
    AssignmentFactory,
    KeyTaskFactory,
    MembershipFactory,
    PlanFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(org):
    today = dt.date.today()
    plans = [PlanFactory(year=today.year - 1), PlanFactory(year=today.year)]
    area = AreaFactory(plan=plans[1], name="思想建设")
    key_task = KeyTaskFactory(
        plan=plans[1],
        area=area,
        number="2.4",
        title="开展“月读一书”活动",
        lead_unit=org.committee_unit,
        start_date=today - dt.timedelta(days=10),
        deadline=today + dt.timedelta(days=200),
    )
    committee = UserFactory(username="committee", full_name="王建国")
    MembershipFactory(user=committee, unit=org.committee_unit, role=Membership.Role.COMMITTEE)
    secretary = UserFactory(username="secretary1", full_name="张伟")
    MembershipFactory(user=secretary, unit=org.branch_a1, role=Membership.Role.SECRETARY)
    assignment = AssignmentFactory(key_task=key_task, unit=org.branch_a1, owner=secretary, progress=35)
    UserFactory(username="root", is_staff=True, is_superuser=True)
    return {"key_task": key_task, "assignment": assignment, "committee": committee, "plans": plans}


def log_in(browser, live_server, username, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_app_pages_run_under_the_policy_and_the_year_chooser_still_submits(browser, live_server, world):
    page = log_in(browser, live_server, "committee", width=375)
    key_task, assignment = world["key_task"], world["assignment"]
    for path in [
        "/",
        "/dashboard/",
        "/key-tasks/",
        "/assignments/",
        f"/key-tasks/{key_task.pk}/",
        f"/assignments/{assignment.pk}/",
        "/review/",
        "/inbox/",
        "/exports/",
        "/plans/import/",
        "/accounts/password/",
    ]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    # The progress bar's width comes from a class now, not a style attribute.
    page.goto(f"{live_server.url}/assignments/")
    bar = page.locator(".progress-bar").first
    assert bar.evaluate("element => element.getBoundingClientRect().width") > 0
    assert "pct-35" in bar.get_attribute("class")
    # The year chooser submits on change (was an inline onchange handler).
    page.goto(f"{live_server.url}/dashboard/")
    last_year = str(world["plans"][0].year)
    with page.expect_navigation():
        page.select_option("#year", last_year)
    assert f"year={last_year}" in page.url


def test_admin_pages_with_their_scripts_run_under_the_policy(browser, live_server, world):
    page = log_in(browser, live_server, "root")
    crontab = CrontabSchedule.objects.create(minute="0", hour="9", timezone="Asia/Shanghai")
    task = PeriodicTask.objects.create(name="每日提醒", task="tasks.jobs.scan_reminders", crontab=crontab)
    committee = world["committee"]
    for path in [
        "/admin/",
        "/admin/tasks/user/add/",
        f"/admin/tasks/user/{committee.pk}/change/",
        "/admin/tasks/orgunit/add/",
        "/admin/tasks/membership/add/",
        f"/admin/tasks/keytask/{world['key_task'].pk}/history/",
        "/admin/django_celery_beat/periodictask/add/",
        f"/admin/django_celery_beat/periodictask/{task.pk}/change/",
    ]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert page.locator("#content").count() == 1, path
    # The crontab's help in words comes from admin_periodictask.js (was an inline script).
    page.goto(f"{live_server.url}/admin/django_celery_beat/periodictask/{task.pk}/change/")
    page.select_option("#id_crontab", str(crontab.pk))
    assert "执行时间：" in page.inner_text(".field-crontab .help")
    # The autocomplete widget (select2) opens and lists units without inline code.
    page.goto(f"{live_server.url}/admin/tasks/membership/add/")
    page.click(".field-unit .select2-selection")
    page.wait_for_selector(".select2-results__option")
