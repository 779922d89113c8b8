"""The 工委's roll-up in real Chromium at 375 and 1280 px: its committees with their ranks (the 工委's own) and their
organisational life ("—" and why for one with no roster), and a bureau's member turned away with the reason in
Chinese. Nothing overflows the phone.

With SCREENSHOT_DIR set, the pages are saved there as PNGs at both widths (to be looked at)."""

import os

import pytest

from tasks.models import OrgUnit
from tasks.rules import local_today
from tasks.selectors.orglife import orglife_summary
from tasks.services.reports import progress_report_approve
from tests.factories import AssignmentFactory, PlanFactory
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
        row.locator("td").nth(1).locator("a").inner_text(): row.locator("td").first.inner_text()
        for row in table.locator("tbody tr").all()
    }
    assert first_cells == {"甲局党委": "1", "乙局党委": "2"}
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/rollup-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    bureau = page_for(browser, live_server, tree.a.member, width, "/dashboard/committees/")
    expect_visible_text(bureau, zh(NONE_BELOW), within="body")
    assert "乙局" not in bureau.content()


def test_the_rollup_shows_each_committees_organisational_life(browser, live_server, tree, width):
    """甲局 and 乙局 keep their organisational life here (a roster, a meeting); 丙局 has no roster: a dash, and why."""
    committee = OrgUnit.objects.create(name="丙局党委", kind=OrgUnit.Kind.COMMITTEE, parent=tree.top_unit)
    OrgUnit.objects.create(name="丙局办公室党支部", kind=OrgUnit.Kind.BRANCH, parent=committee)
    AssignmentFactory(key_task__plan=PlanFactory(committee=committee, year=local_today().year), unit=committee)
    page = page_for(browser, live_server, tree.top_member, width, "/dashboard/committees/")
    expect_visible_text(page, zh("Organisational life held"), within="#rollup-table thead")
    cells = {
        row.locator("td").nth(1).locator("a").inner_text(): row.locator("td.orglife-cell")
        for row in page.locator("#rollup-table tbody tr").all()
    }
    expected = orglife_summary(tree.a.member).tally.held_rate
    assert cells["甲局党委"].inner_text().startswith(f"{expected}%" if expected is not None else "–")
    dash = cells["丙局党委"]
    assert dash.inner_text().startswith("—")
    reason = zh("No roster here yet: its branches do not keep their organisational life in this system.")
    assert dash.locator("span[title]").get_attribute("title") == reason
    expect_visible_text(page, "“—”表示其所属支部均未导入党员名册", within="p")  # the page says what a dash means
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/rollup-orglife-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
