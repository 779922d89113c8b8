"""The secretary's side of the daily loop in real Chromium at 375 and 1280 px: difficulties answered by the
committee, a resubmission after a return, extensions from the top of the page, the homes, evidence previews.
Each form is submitted wrong first: the error is visible where the person is, and what they typed stays.

SCREENSHOT_DIR=folder saves a screenshot of each page at each width."""

import datetime as dt
import os

import pytest

from tasks.models import DifficultyAnswer, ProgressReport
from tasks.services import progress_report_submit
from tests.factories import AreaFactory, AssignmentFactory, KeyTaskFactory, PlanFactory
from tests.support_browser import expect_visible_text, page_for, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name: str, width: int) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)


@pytest.fixture
def world(org, committee, secretary_a, secretary_b):
    """This year's published plan around today (the live server runs on the real clock): branch A1's
    assignment, green, with a report that raises a difficulty."""
    today = dt.date.today()
    plan = PlanFactory(year=today.year)
    area = AreaFactory(plan=plan, name="组织建设")
    key_task = KeyTaskFactory(
        plan=plan,
        area=area,
        number="3.1",
        title="推进支部标准化规范化建设",
        lead_unit=org.committee_unit,
        responsible_leader=committee,
        start_date=today - dt.timedelta(days=30),
        deadline=today + dt.timedelta(days=300),
    )
    mine = AssignmentFactory(key_task=key_task, unit=org.branch_a1, owner=secretary_a, progress=0)
    return {"plan": plan, "key_task": key_task, "mine": mine}


def test_committee_answers_a_difficulty(browser, live_server, world, committee, secretary_a, width):
    report = progress_report_submit(
        assignment=world["mine"], author=secretary_a, percent=20, narrative="已制定方案", obstacles="缺少活动场地"
    )
    page = page_for(browser, live_server, committee, width, world["mine"].get_absolute_url())
    expect_visible_text(page, "缺少活动场地")
    page.get_by_text(zh("Answer the difficulty")).click()
    page.fill(f"#id_difficulty{report.pk}_body", "已协调党群活动中心")
    page.get_by_role("button", name=zh("Send the answer")).click()  # no state chosen
    expect_visible_text(page, zh("Choose coordinated or resolved."))
    assert page.input_value(f"#id_difficulty{report.pk}_body") == "已协调党群活动中心"
    assert not DifficultyAnswer.objects.exists()
    shot(page, "difficulty-error", width)
    page.get_by_label(zh("coordinated")).check()
    page.get_by_role("button", name=zh("Send the answer")).click()
    expect_visible_text(page, zh("Answered the difficulty: %(state)s", state=zh("coordinated")))
    assert ProgressReport.objects.get().difficulty_state == "coordinated"

    secretary = page_for(browser, live_server, secretary_a, width, world["mine"].get_absolute_url())
    expect_visible_text(secretary, "已协调党群活动中心")
    shot(secretary, "difficulty-answered", width)
    inbox = page_for(browser, live_server, secretary_a, width, "/inbox/")
    expect_visible_text(
        inbox, zh("Difficulty %(state)s: %(task)s", state=zh("coordinated"), task="3.1 推进支部标准化规范化建设")
    )


def test_a_correction_starts_from_the_returned_report(browser, live_server, world, committee, secretary_a, width):
    from tasks.services import progress_report_return
    from tests.helpers import pdf

    returned = progress_report_submit(
        assignment=world["mine"],
        author=secretary_a,
        percent=30,
        narrative="召开专题组织生活会",
        obstacles="缺少辅导老师",
        files=[pdf("会议记录.pdf")],
    )
    progress_report_return(report=returned, reviewer=committee, reason="请补充会议纪要")
    page = page_for(browser, live_server, secretary_a, width, f"/assignments/{world['mine'].pk}/report/")
    assert page.input_value("#id_percent") == "30"
    assert page.input_value("#id_narrative") == "召开专题组织生活会"
    assert page.input_value("#id_obstacles") == "缺少辅导老师"
    assert page.is_checked("#id_keep_evidence")
    page.fill("#id_percent", "130")
    page.click("#report-form button[type=submit]")
    expect_visible_text(page, zh("Progress must be between 0 and 100."))
    assert page.is_checked("#id_keep_evidence")
    assert page.input_value("#id_narrative") == "召开专题组织生活会"
    shot(page, "resubmit-error", width)
    page.fill("#id_percent", "35")
    page.fill("#id_narrative", "召开专题组织生活会，补充纪要")
    page.click("#report-form button[type=submit]")
    expect_visible_text(page, zh("Report submitted."))
    correction = ProgressReport.objects.get(corrects=returned)
    assert list(correction.evidence.values_list("original_name", flat=True)) == ["会议记录.pdf"]


def test_extension_from_the_top_of_the_page(browser, live_server, world, secretary_a, width):
    page = page_for(browser, live_server, secretary_a, width, world["mine"].get_absolute_url())
    link = page.locator("#assignment-actions").get_by_role("link", name=zh("Request an extension"))
    assert link.bounding_box()["y"] < 600  # in the first screen, on a phone too
    shot(page, "assignment-top", width)
    link.click()
    page.fill("#id_requested_deadline", (world["mine"].deadline + dt.timedelta(days=30)).isoformat())
    page.click("#extension-form button[type=submit]")  # no reason
    expect_visible_text(page, zh("Say why more time is needed."))
    shot(page, "extension-error", width)


def test_an_overdue_assignment_says_whom_to_contact(browser, live_server, world, secretary_a, width):
    from tasks.models import Assignment

    Assignment.objects.filter(pk=world["mine"].pk).update(deadline=dt.date.today() - dt.timedelta(days=3))
    page = page_for(browser, live_server, secretary_a, width, world["mine"].get_absolute_url())
    message = expect_visible_text(page, zh("If something exceptional is in the way, contact:"))
    assert "王建国" in message.inner_text()
    assert page.locator("#assignment-actions").get_by_text(zh("Request an extension")).count() == 0
    shot(page, "assignment-overdue", width)


def test_the_secretary_home_counts_and_folded_filters(browser, live_server, world, secretary_a, width):
    from tasks.models import Assignment

    Assignment.objects.filter(pk=world["mine"].pk).update(deadline=dt.date.today() - dt.timedelta(days=3))
    page = page_for(browser, live_server, secretary_a, width, "/")
    counts = page.locator("#home-counts")
    expect_visible_text(page, zh("Overdue"), within="#home-counts")
    search = page.locator("#home-filters input[name=q]")
    toggle = page.get_by_role("button", name=zh("Filters"))
    if width < 768:
        assert not search.is_visible() and toggle.is_visible()
        shot(page, "home-secretary", width)
        toggle.click()
        search.wait_for(state="visible")
    else:
        assert search.is_visible() and not toggle.is_visible()
        shot(page, "home-secretary", width)
    counts.get_by_role("link").first.click()
    page.wait_for_url("**/assignments/?*light=red*")
    expect_visible_text(page, world["key_task"].title)
    shot(page, "list-red", width)


def test_the_committee_home(browser, live_server, world, committee, secretary_a, width):
    from tasks.models import Assignment

    progress_report_submit(assignment=world["mine"], author=secretary_a, percent=20, narrative="已制定方案")
    overdue = AssignmentFactory(
        key_task=world["key_task"], unit=world["mine"].unit.parent, deadline=dt.date.today() - dt.timedelta(days=5)
    )
    Assignment.objects.filter(pk=overdue.pk).update(deadline=dt.date.today() - dt.timedelta(days=5))
    page = page_for(browser, live_server, committee, width, "/")
    expect_visible_text(page, zh("Reports waiting for review"), within="#home-review")
    expect_visible_text(page, overdue.unit.label, within="#home-red")
    shot(page, "home-committee", width)


def test_evidence_previews_in_the_page(browser, live_server, world, secretary_a, width):
    from tests.helpers import pdf, upload
    from tests.test_views_evidence_preview import real_png

    report = progress_report_submit(
        assignment=world["mine"],
        author=secretary_a,
        percent=20,
        narrative="附现场照片",
        files=[upload("现场照片.png", real_png(40, 30)), pdf("会议记录.pdf")],
    )
    photo = report.evidence.get(original_name="现场照片.png")
    page = page_for(browser, live_server, secretary_a, width, world["mine"].get_absolute_url())
    thumbnail = page.locator(f"img.evidence-thumb[alt='{photo.original_name}']")
    thumbnail.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth === 40", arg=thumbnail.element_handle())
    shot(page, "evidence-thumbnails", width)
    with page.context.expect_page() as opened:
        thumbnail.click()
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url.endswith(f"/evidence/{photo.pk}/view/")
    assert tab.evaluate("document.images.length === 1 && document.images[0].naturalWidth === 40")
    # The PDF opens in a tab, in Chromium's PDF viewer, rather than downloading.
    record = report.evidence.get(original_name="会议记录.pdf")
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    with page.context.expect_page() as opened:
        page.get_by_role("link", name=record.original_name).click()
    viewer = opened.value
    viewer.wait_for_load_state()
    assert viewer.url.endswith(f"/evidence/{record.pk}/view/") and not downloads


def test_the_committee_sees_open_difficulties_and_evidence_in_the_queue(
    browser, live_server, world, committee, secretary_a, width
):
    from tests.helpers import upload
    from tests.test_views_evidence_preview import real_png

    report = progress_report_submit(
        assignment=world["mine"],
        author=secretary_a,
        percent=20,
        narrative="已制定方案",
        obstacles="缺少活动场地，请党建办协调",
        files=[upload("现场照片.png", real_png(40, 30))],
    )
    dashboard = page_for(browser, live_server, committee, width, "/dashboard/")
    expect_visible_text(dashboard, "缺少活动场地，请党建办协调")
    shot(dashboard, "dashboard-difficulties", width)
    queue = page_for(browser, live_server, committee, width, "/review/")
    thumbnail = queue.locator(f"#review-{report.pk} img.evidence-thumb")
    thumbnail.scroll_into_view_if_needed()
    queue.wait_for_function("img => img.complete && img.naturalWidth === 40", arg=thumbnail.element_handle())
    shot(queue, "review-evidence", width)
