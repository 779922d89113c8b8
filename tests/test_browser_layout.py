"""Every list page fits a 375 px phone: nothing scrolls sideways (the key task list once showed one character per
line in its title column and pushed the page to 511 px)."""

import pytest

from tests.support_browser import page_for
from tests.support_pages import busy_plan, list_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_no_list_page_scrolls_sideways_on_a_phone(browser, live_server, org):
    world = busy_plan(org)
    people = {"committee": world["committee"], "secretary1": world["secretary"], "auditor": world["auditor"]}
    too_wide = []
    for username, paths in list_pages(world).items():
        page = page_for(browser, live_server, people[username], 375)
        for path in paths:
            page.goto(live_server.url + path)
            assert page.locator("main").count() == 1, path
            widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if widths[0] > widths[1]:
                too_wide.append((username, path, widths))
        page.context.close()
    assert too_wide == []


def test_a_long_key_task_title_reads_as_lines_of_words_on_a_phone(browser, live_server, org):
    world = busy_plan(org)
    page = page_for(browser, live_server, world["committee"], 375, "/key-tasks/")
    title = page.get_by_role("link", name=world["key_task"].title)
    box = title.bounding_box()
    # Squeezed into a narrow column the title was one character wide and dozens of lines high.
    assert box["width"] > 250
    assert box["height"] < 120
