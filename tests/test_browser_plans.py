"""The committee's plan pages in real Chromium at 375 and 1280 px: every form submitted wrong shows its error
where the person is, and nothing is saved; publishing twice tells nobody twice.

With SCREENSHOT_DIR set, the pages are saved there as PNGs at both widths (to be looked at)."""

import datetime as dt
import os

import pytest

from tasks.models import AnnualPlan, Assignment, KeyTask, Membership, Reminder
from tests.factories import (
    AreaFactory,
    AssignmentFactory,
    KeyTaskFactory,
    MembershipFactory,
    PlanFactory,
    ReportFactory,
    UserFactory,
)
from tests.support_browser import expect_visible_text, page_for, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name: str, width: int) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)


@pytest.fixture
def plans(org, committee, secretary_a, secretary_b):
    """This year's plan, published (branch A1's assignment and branch B's), and next year's draft, rolled over:
    the committee edits and publishes it in December."""
    year = dt.date.today().year
    live = PlanFactory(year=year)
    draft = PlanFactory(year=year + 1, status=AnnualPlan.Status.DRAFT)
    tasks = {}
    for plan in (live, draft):
        area = AreaFactory(plan=plan, name="思想建设")
        tasks[plan.year] = KeyTaskFactory(
            plan=plan,
            area=area,
            number="2.4",
            title="开展“月读一书”活动",
            description="各支部每月组织党员集中学习一次。",
            lead_unit=org.branch_a1,
            start_date=dt.date(plan.year, 1, 5),
            deadline=dt.date(plan.year, 11, 30),
            metric_name="读书心得",
            metric_unit="篇",
            target_value=4,
            responsible_leader=committee,
        )
        AssignmentFactory(key_task=tasks[plan.year], unit=org.branch_a1, owner=secretary_a, weight=2)
        AssignmentFactory(key_task=tasks[plan.year], unit=org.branch_b, owner=secretary_b)
    worker = UserFactory(username="worker_b", full_name="陈晨")
    MembershipFactory(user=worker, unit=org.branch_b, role=Membership.Role.MEMBER)
    return {"live": live, "draft": draft, "live_task": tasks[live.year], "draft_task": tasks[draft.year]}


# --- Publish ------------------------------------------------------------------------------------------------------


def published_text(plan) -> str:
    return zh(
        "The %(year)d plan is published: %(people)d people were told about their %(assignments)d assignments.",
        year=plan.year,
        people=2,
        assignments=2,
    )


def test_publish_then_a_second_click_from_another_tab(browser, live_server, plans, committee, width):
    draft = plans["draft"]
    first = page_for(browser, live_server, committee, width, f"/plans/{draft.year}/publish/")
    second = page_for(browser, live_server, committee, width, f"/plans/{draft.year}/publish/")
    expect_visible_text(first, "办公室党支部", within="#publish-units")
    shot(first, "plan-publish", width)

    first.click("#publish-button")
    expect_visible_text(first, published_text(draft))
    shot(first, "plan-detail-published", width)
    told = Reminder.objects.filter(kind=Reminder.Kind.PLAN_PUBLISHED).count()

    second.click("#publish-button")
    expect_visible_text(
        second, zh("The %(year)d plan is already published; nobody was told a second time.", year=draft.year)
    )
    assert Reminder.objects.filter(kind=Reminder.Kind.PLAN_PUBLISHED).count() == told


def test_a_double_click_on_publish_publishes_once(browser, live_server, plans, committee, width):
    draft = plans["draft"]
    page = page_for(browser, live_server, committee, width, f"/plans/{draft.year}/publish/")
    page.dblclick("#publish-button")
    expect_visible_text(page, published_text(draft))
    assert page.locator(".alert-danger").count() == 0
    assert Reminder.objects.filter(kind=Reminder.Kind.PLAN_PUBLISHED, channel="inbox").count() == 2


def test_closing_a_year_that_is_not_over(browser, live_server, plans, committee, width):
    live = plans["live"]
    page = page_for(browser, live_server, committee, width, f"/plans/{live.year}/close/")
    page.click("#close-button")
    expect_visible_text(
        page,
        zh(
            "The %(year)d plan's year is not over: it can be closed from %(date)s.",
            year=live.year,
            date=f"{live.year + 1}-01-01",
        ),
    )
    live.refresh_from_db()
    assert live.status == AnnualPlan.Status.PUBLISHED


# --- The key task form --------------------------------------------------------------------------------------------


def test_key_task_edit_with_a_stale_version(browser, live_server, plans, committee, width):
    key_task = plans["draft_task"]
    page = page_for(browser, live_server, committee, width, f"/key-tasks/{key_task.pk}/edit/")
    shot(page, "key-task-edit", width)
    page.fill("#id_title", "开展“月读一书”读书分享活动")
    KeyTask.objects.filter(pk=key_task.pk).update(version=5, title="另一位委员的修改")
    page.click("#key-task-form button[type=submit]")
    expect_visible_text(page, zh("Someone else changed this in the meantime. Reload the page and try again."))
    assert page.input_value("#id_title") == "开展“月读一书”读书分享活动"
    assert KeyTask.objects.get(pk=key_task.pk).title == "另一位委员的修改"


def test_key_task_deadline_before_its_start(browser, live_server, plans, committee, width):
    key_task = plans["draft_task"]
    year = key_task.plan.year
    page = page_for(browser, live_server, committee, width, f"/key-tasks/{key_task.pk}/edit/")
    page.fill("#id_start_date", f"{year}-06-01")
    page.fill("#id_deadline", f"{year}-03-31")
    page.click("#key-task-form button[type=submit]")
    expect_visible_text(
        page,
        zh(
            "The deadline %(deadline)s is before the start %(start)s.",
            deadline=f"{year}-03-31",
            start=f"{year}-06-01",
        ),
    )
    assert page.input_value("#id_deadline") == f"{year}-03-31"
    assert KeyTask.objects.get(pk=key_task.pk).deadline == dt.date(year, 11, 30)


def test_key_task_bad_dates(browser, live_server, plans, committee, width):
    key_task = plans["draft_task"]
    page = page_for(browser, live_server, committee, width, f"/key-tasks/{key_task.pk}/edit/")
    page.fill("#id_start_date", "")
    page.click("#key-task-form button[type=submit]")
    expect_visible_text(page, zh("Give a start date."))
    page.fill("#id_start_date", f"{key_task.plan.year}-01-05")
    page.fill("#id_deadline", f"{key_task.plan.year + 5}-03-31")
    page.click("#key-task-form button[type=submit]")
    expect_visible_text(
        page, zh("The date must fall in %(year)d, or the year before or after it.", year=key_task.plan.year)
    )


# --- Assignments --------------------------------------------------------------------------------------------------


def test_assignment_deadline_before_the_key_tasks_start(browser, live_server, plans, committee, width):
    assignment = plans["live_task"].assignments.get(unit__name="业务一科党支部")
    year = assignment.key_task.plan.year
    page = page_for(browser, live_server, committee, width, f"/assignments/{assignment.pk}/edit/")
    shot(page, "assignment-edit", width)
    page.fill("#id_deadline", f"{year}-01-02")
    page.click("#assignment-form button[type=submit]")
    expect_visible_text(
        page,
        zh(
            "The deadline %(deadline)s is before the key task's start %(start)s.",
            deadline=f"{year}-01-02",
            start=f"{year}-01-05",
        ),
    )
    assert Assignment.objects.get(pk=assignment.pk).deadline == dt.date(year, 11, 30)


def test_assignment_edit_with_a_stale_version(browser, live_server, plans, committee, width):
    assignment = plans["live_task"].assignments.get(unit__name="业务一科党支部")
    year = assignment.key_task.plan.year
    page = page_for(browser, live_server, committee, width, f"/assignments/{assignment.pk}/edit/")
    page.select_option("#id_owner", label="陈晨")
    page.fill("#id_deadline", f"{year}-12-15")
    Assignment.objects.filter(pk=assignment.pk).update(version=9)
    page.click("#assignment-form button[type=submit]")
    expect_visible_text(page, zh("Someone else changed this in the meantime. Reload the page and try again."))
    assert page.input_value("#id_deadline") == f"{year}-12-15"
    assert Assignment.objects.get(pk=assignment.pk).deadline == dt.date(year, 11, 30)


def test_assignment_add_without_a_unit(browser, live_server, plans, committee, width):
    key_task = plans["draft_task"]
    page = page_for(browser, live_server, committee, width, f"/key-tasks/{key_task.pk}/edit/")
    page.fill("#id_add-deadline", f"{key_task.plan.year}-10-31")
    page.click("#assignment-add-form button[type=submit]")
    expect_visible_text(page, zh("Choose a unit."))
    assert page.input_value("#id_add-deadline") == f"{key_task.plan.year}-10-31"


def test_removing_an_assignment_that_has_just_reported(browser, live_server, plans, committee, secretary_b, width):
    assignment = plans["live_task"].assignments.get(unit__name="业务一科党支部")
    page = page_for(browser, live_server, committee, width, f"/assignments/{assignment.pk}/remove/")
    shot(page, "assignment-remove", width)
    ReportFactory(assignment=assignment, author=secretary_b)
    page.click("#remove-button")
    expect_visible_text(page, "已有 1 份进展反馈和 0 项延期申请", within="#remove-error")
    assert Assignment.objects.filter(pk=assignment.pk).exists()


# --- Screens --------------------------------------------------------------------------------------------------------


def test_the_plan_pages_at_both_widths(browser, live_server, plans, committee, width):
    """The list and a draft's page: the draft is labelled, nothing scrolls sideways on a phone."""
    page = page_for(browser, live_server, committee, width, "/plans/")
    expect_visible_text(page, zh("draft"), within=f"#plan-{plans['draft'].year}")
    shot(page, "plan-list", width)
    for path in (f"/plans/{plans['draft'].year}/", f"/key-tasks/{plans['draft_task'].pk}/edit/", "/plans/"):
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (path, overflow)
    page.goto(f"{live_server.url}/plans/{plans['draft'].year}/")
    expect_visible_text(
        page,
        zh(
            "Draft: only the committee sees this plan. Units see their assignments, and their owners are told, "
            "once it is published."
        ),
    )
    shot(page, "plan-detail-draft", width)


def test_the_import_check_lists_by_name(browser, live_server, plans, committee, width, tmp_path):
    from tests.test_services_plan_import import good_rows, xlsx

    rows = good_rows()
    rows[1][5] = "各党支部"
    path = tmp_path / "任务清单.xlsx"
    path.write_bytes(xlsx(rows))
    page = page_for(browser, live_server, committee, width, "/plans/import/")
    page.fill("#id_year", "2023")
    page.set_input_files("#id_file", str(path))
    page.check("#id_dry_run")
    page.click("main form button[type=submit]")
    expect_visible_text(page, zh("Key tasks that would be created"))
    expect_visible_text(page, "开展“月读一书”活动", within="#import-created")
    shot(page, "plan-import-check", width)
    assert not KeyTask.objects.filter(plan__year=2023).exists()
