"""The 工委 drills into a bureau in real Chromium at 375 and 1280 px: from the roll-up to the bureau's dashboard, into
its assignment list, then a filter changed and submitted: the list is still the bureau's plan (the filter form keeps
`committee`; without it the list fell back to the 工委's own plan).

With SCREENSHOT_DIR set, the list is saved there as PNGs at both widths (to be looked at)."""

import os

import pytest

from tests.support_browser import expect_visible_text, page_for, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SCREENSHOT_DIR")


def test_a_filter_changed_on_a_list_drilled_into_stays_in_that_bureaus_plan(browser, live_server, tree, width):
    page = page_for(browser, live_server, tree.top_member, width, "/dashboard/committees/")
    page.locator("#rollup-table").get_by_role("link", name=tree.a.committee_unit.name).click()
    expect_visible_text(page, tree.a.plan.title, within="h1")
    page.get_by_role("link", name=tree.a.branch.name, exact=True).click()  # the units table: the branch's assignments
    expect_visible_text(page, tree.a.key_task.title)
    if width < 768:  # on a phone the filters fold behind one button; wait for them to have unfolded
        page.locator("button[aria-controls=list-filters]").click()
        page.locator("#list-filters.collapse.show").wait_for()
    page.locator("#f-q").fill("专属")
    with page.expect_navigation():
        page.locator("#list-filters").get_by_role("button", name=zh("Filter"), exact=True).click()
    assert "q=" in page.url
    expect_visible_text(page, tree.a.plan.title, within="h1")
    expect_visible_text(page, tree.a.key_task.title, within="table")
    assert tree.top_plan.title not in page.locator("h1").inner_text()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/drill-list-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
