"""上级要点 → 本级要点 in real Chromium at 375 and 1280 px: the bureau's committee member answers the 工委's key task
on its assignment page; the form submitted with nothing ticked says so in Chinese where the person is, and nothing
is linked; then a right choice links it.

With SCREENSHOT_DIR set, the pages are saved there as PNGs at both widths (to be looked at)."""

import os

import pytest

from tasks.models import Assignment, CascadeLink
from tests.support_browser import expect_visible_text, page_for, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SCREENSHOT_DIR")


def test_the_linking_form_submitted_wrong_then_right(browser, live_server, tree, cascade, width):
    page = page_for(browser, live_server, tree.a.member, width, f"/assignments/{cascade.to_a.pk}/")
    expect_visible_text(page, tree.a.key_task.title, within="#cascade-box")
    page.locator("#cascade-box button[type=submit]").click()
    expect_visible_text(page, zh("Choose at least one key task of your plan that answers it."), within="#cascade-box")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/cascade-refused-{width}.png", full_page=True)
    assert not CascadeLink.objects.exists()

    page.locator("#cascade-box").get_by_label(f"{tree.a.key_task.number} {tree.a.key_task.title}").check()
    page.locator("#cascade-box button[type=submit]").click()
    expect_visible_text(page, zh("Linked: its progress is now that of the key tasks you chose."))
    expect_visible_text(page, tree.a.key_task.title, within="#cascade-answers")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/cascade-linked-{width}.png", full_page=True)
    assert Assignment.objects.get(pk=cascade.to_a.pk).is_cascaded
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing overflows the phone
