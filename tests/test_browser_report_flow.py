"""End to end in real Chromium: a secretary reports with a PDF, the committee approves, numbers move."""

import datetime as dt

import pytest

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
from tests.helpers import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(org):
    today = dt.date.today()
    plan = PlanFactory(year=today.year)
    area = AreaFactory(plan=plan, name="思想建设")
    key_task = KeyTaskFactory(
        plan=plan,
        area=area,
        number="2.4",
        title="开展“月读一书”活动",
        lead_unit=org.committee_unit,
        start_date=today - dt.timedelta(days=10),
        deadline=today + dt.timedelta(days=200),
        metric_name="读书心得",
        metric_unit="篇",
        target_value=4,
    )
    committee = UserFactory(username="committee", full_name="王建国")
    MembershipFactory(user=committee, unit=org.committee_unit, role=Membership.Role.COMMITTEE)
    secretary1 = UserFactory(username="secretary1", full_name="张伟")
    MembershipFactory(user=secretary1, unit=org.branch_a1, role=Membership.Role.SECRETARY)
    secretary2 = UserFactory(username="secretary2", full_name="刘芳")
    MembershipFactory(user=secretary2, unit=org.branch_b, role=Membership.Role.SECRETARY)
    assignment = AssignmentFactory(key_task=key_task, unit=org.branch_a1, owner=secretary1)
    AssignmentFactory(key_task=key_task, unit=org.branch_b, owner=secretary2)
    return {"assignment": assignment, "key_task": key_task}


def log_in(browser, live_server, username):
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_secretary_reports_committee_approves_numbers_move(browser, live_server, world, tmp_path):
    assignment, key_task = world["assignment"], world["key_task"]
    evidence = tmp_path / "读书心得.pdf"
    evidence.write_bytes(PDF_BYTES)

    secretary = log_in(browser, live_server, "secretary1")
    secretary.click(f'a[href="/assignments/{assignment.pk}/report/"]')
    secretary.fill("#id_percent", "60")
    secretary.fill("#id_actual_value", "2")
    secretary.fill("#id_narrative", "本月组织支部党员共读《习近平新时代中国特色社会主义思想学习纲要》")
    secretary.set_input_files("#id_evidence", str(evidence))
    secretary.click("#report-form button[type=submit]")
    secretary.wait_for_selector("#report-form.alert-success")
    assert "已提交" in secretary.inner_text("#report-form")

    committee = log_in(browser, live_server, "committee")
    committee.goto(f"{live_server.url}/review/")
    assert "读书心得.pdf" in committee.inner_text("main")
    # Read the report's card from the page, not the database: the live server thread may hold a write lock
    # on SQLite's shared in-memory test database, where the busy timeout does not apply.
    card = committee.locator("[id^=review-]").first
    card.locator("button[value=approve]").click()
    card.locator(".alert-success").wait_for()

    committee.goto(f"{live_server.url}/key-tasks/{key_task.pk}/")
    assert committee.inner_text("#key-task-progress") == "30.0%"  # (60 + 0) / 2 assignments
    assert "60%" in committee.inner_text(f"#assignment-{assignment.pk}")

    secretary.goto(f"{live_server.url}/")
    assert "60%" in secretary.inner_text(f"#assignment-{assignment.pk}")
    secretary.screenshot(path=str(tmp_path / "home-375.png"), full_page=True)

    other = log_in(browser, live_server, "secretary2")
    response = other.goto(f"{live_server.url}/assignments/{assignment.pk}/")
    assert response.status == 404
