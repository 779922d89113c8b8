"""The committee's actions on several at once, and the urge limit, in Chromium at 375 and 1280 px: what goes wrong
is said on the page where the user is."""

import pytest
from playwright.sync_api import expect

from tasks.models import ProgressReport, Urge
from tasks.services.reminders import assignment_urge
from tests.support_browser import expect_visible_text, page_for, zh
from tests.support_pages import busy_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(org):
    return busy_plan(org)


def test_bulk_approve_with_nothing_ticked(browser, live_server, world, width):
    page = page_for(browser, live_server, world["committee"], width, "/review/")
    page.get_by_role("button", name=zh("Approve the ticked reports")).click()
    expect_visible_text(page, zh("Tick the reports to approve first."), within="body")
    assert ProgressReport.objects.get(pk=world["waiting"].pk).state == ProgressReport.State.SUBMITTED


def test_bulk_approve_approves_the_ticked_and_names_the_one_reviewed_meanwhile(browser, live_server, world, width):
    page = page_for(browser, live_server, world["committee"], width, "/review/")
    page.get_by_label(zh("Tick all")).check()  # shown by app.js, ticks every card
    assert page.locator("input[name=report]:checked").count() == 1
    ProgressReport.objects.filter(pk=world["waiting"].pk).update(version=99)
    page.get_by_role("button", name=zh("Approve the ticked reports")).click()
    expect_visible_text(
        page, zh("Someone else changed this in the meantime. Reload the page and try again."), within="body"
    )


def test_a_second_urge_the_same_day(browser, live_server, world, width):
    """The page was opened before a colleague urged: the button was live, the urge is refused and says when."""
    red = world["red"]
    page = page_for(browser, live_server, world["committee"], width, f"/assignments/{red.pk}/")
    Urge.objects.all().delete()  # the world urged already: start from a page that offers the button
    page.reload()
    expect(page.locator("#urge-history")).to_contain_text(zh("Not urged yet."))
    assignment_urge(assignment=red, urged_by=world["committee"], message="请本周内报送进展。")
    page.fill("#id_urge_message", "再催一次")
    page.click("#urge-box button[type=submit]")
    expect_visible_text(page, "王建国", within="#urge-refused")
    assert page.input_value("#id_urge_message") == "再催一次"
    expect(page.locator("#urge-box button[type=submit]")).to_be_disabled()
    assert Urge.objects.count() == 1


def test_bulk_urge_with_nothing_ticked_and_with_one_urged_today(browser, live_server, world, width):
    page = page_for(browser, live_server, world["committee"], width, "/assignments/?light=red")
    page.get_by_role("button", name=zh("Urge the ticked assignments")).click()
    expect_visible_text(page, zh("Tick the assignments to urge first."), within="body")
    assert page.url.endswith("/assignments/?light=red")

    page.locator(f"input[name=assignment][value='{world['red'].pk}']").check()
    page.get_by_role("button", name=zh("Urge the ticked assignments")).click()
    expect_visible_text(page, "未催办", within="body")
    assert Urge.objects.count() == 1
