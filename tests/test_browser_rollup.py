"""The 工委's roll-up in real Chromium at 375 and 1280 px: its committees with their ranks (the 工委's own), and a
bureau's member turned away with the reason in Chinese. Nothing overflows the phone.

With SCREENSHOT_DIR set, the pages are saved there as PNGs at both widths (to be looked at)."""

import os

import pytest

from tasks.services.reports import progress_report_approve
from tests.support_browser import expect_visible_text, page_for, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SCREENSHOT_DIR")
NONE_BELOW = (
    "This page is for a committee with committees below it (a 机关工委 over bureau committees); yours has none. "
    "Your committee's own figures are on its dashboard."
)


def test_the_rollup_ranks_the_committees_for_the_gongwei_only(browser, live_server, tree, width):
    progress_report_approve(report=tree.a.report, reviewer=tree.a.member)  # 甲局 ahead of 乙局
    page = page_for(browser, live_server, tree.top_member, width, "/dashboard/committees/")
    table = page.locator("#rollup-table")
    expect_visible_text(page, zh("Rank"), within="#rollup-table thead")
    first_cells = {
        row.locator("td").nth(1).inner_text(): row.locator("td").first.inner_text()
        for row in table.locator("tbody tr").all()
    }
    assert first_cells == {"甲局党委\n" + tree.a.plan.title: "1", "乙局党委\n" + tree.b.plan.title: "2"}
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/rollup-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    bureau = page_for(browser, live_server, tree.a.member, width, "/dashboard/committees/")
    expect_visible_text(bureau, zh(NONE_BELOW), within="body")
    assert "乙局" not in bureau.content()
