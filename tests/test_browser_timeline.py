"""A key task's timeline in real Chromium at 375 and 1280 px: "older events" brings the next page in place (htmx),
and opens the page at them without JavaScript."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tasks.models import ProgressReport
from tests.factories import ReportFactory
from tests.support_browser import page_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def many_reports(assignment_a1):
    start = dt.datetime(2023, 3, 1, 9, 0, tzinfo=dt.UTC)
    for minutes in range(45):
        report = ReportFactory(assignment=assignment_a1, author=assignment_a1.owner, narrative=f"第{minutes}分钟的报告")
        ProgressReport.objects.filter(pk=report.pk).update(submitted_at=start + dt.timedelta(minutes=minutes))
    return assignment_a1.key_task


@pytest.mark.parametrize("javascript", [True, False])
def test_older_events(browser, live_server, committee, many_reports, width, javascript):
    page = page_for(browser, live_server, committee, width, f"/key-tasks/{many_reports.pk}/", javascript=javascript)
    expect(page.get_by_text("第44分钟的报告")).to_be_visible()
    expect(page.get_by_text("第0分钟的报告")).to_have_count(0)
    page.get_by_role("link", name="更早的动态").click()
    expect(page.get_by_text("第0分钟的报告")).to_be_visible()
    if javascript:  # in place: the newest are still there, the button gone with nothing older left
        expect(page.get_by_text("第44分钟的报告")).to_be_visible()
        assert page.url.endswith(f"/key-tasks/{many_reports.pk}/")
    else:
        expect(page.get_by_text("第44分钟的报告")).to_have_count(0)
        expect(page.locator("#timeline-before")).to_be_visible()
    expect(page.get_by_role("link", name="更早的动态")).to_have_count(0)
