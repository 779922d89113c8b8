"""Every form of the app, submitted wrong in real Chromium at 375 and 1280 px: the error is VISIBLE where the
person is, and what they typed and chose is still there.

htmx 2 does not swap 4xx answers by default, so a 422 with the form and its errors used to leave the page as
it was: these tests are what keeps that from coming back (base.html's htmx-config decides it for every form).
"""

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from tasks.models import ExtensionRequest, ProgressReport, User
from tests.factories import (
    AreaFactory,
    AssignmentFactory,
    KeyTaskFactory,
    PlanFactory,
    ReportFactory,
)
from tests.helpers import PDF_BYTES
from tests.support_browser import anonymous_page, expect_visible_text, page_for, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(org, committee, secretary_a, secretary_b):
    """This year's published plan: branch A1's assignment at 50 % (secretary_a reports on it) and branch B's
    report waiting for review. Dates are around today: the live server runs on the real clock."""
    today = dt.date.today()
    plan = PlanFactory(year=today.year)
    area = AreaFactory(plan=plan, name="思想建设")
    key_task = KeyTaskFactory(
        plan=plan,
        area=area,
        number="2.4",
        title="开展“月读一书”活动",
        lead_unit=org.committee_unit,
        start_date=today - dt.timedelta(days=100),
        deadline=today + dt.timedelta(days=200),
        metric_name="读书心得",
        metric_unit="篇",
        target_value=4,
    )
    mine = AssignmentFactory(key_task=key_task, unit=org.branch_a1, owner=secretary_a, progress=50)
    theirs = AssignmentFactory(key_task=key_task, unit=org.branch_b, owner=secretary_b)
    waiting = ReportFactory(assignment=theirs, author=secretary_b, percent=30, narrative="已开展两次读书活动")
    return {"plan": plan, "key_task": key_task, "mine": mine, "theirs": theirs, "waiting": waiting}


def report_page(browser, live_server, user, width, assignment):
    page = page_for(browser, live_server, user, width, f"/assignments/{assignment.pk}/report/")
    page.locator("#report-form").wait_for()
    return page


def submit_report(page):
    page.click("#report-form button[type=submit]")


# --- The report (htmx) ------------------------------------------------------------------------------


def test_report_out_of_range(browser, live_server, world, secretary_a, width):
    page = report_page(browser, live_server, secretary_a, width, world["mine"])
    page.fill("#id_percent", "150")
    page.fill("#id_narrative", "组织党员共读一本书")
    submit_report(page)
    expect_visible_text(page, zh("Progress must be between 0 and 100."))
    assert page.input_value("#id_percent") == "150"
    assert page.input_value("#id_narrative") == "组织党员共读一本书"
    assert not ProgressReport.objects.filter(assignment=world["mine"]).exists()


def test_report_missing_narrative_keeps_the_chosen_file(browser, live_server, world, secretary_a, width, tmp_path):
    evidence = tmp_path / "读书心得.pdf"
    evidence.write_bytes(PDF_BYTES)
    page = report_page(browser, live_server, secretary_a, width, world["mine"])
    page.fill("#id_percent", "60")
    page.fill("#id_actual_value", "2")
    page.set_input_files("#id_evidence", str(evidence))
    submit_report(page)
    expect_visible_text(page, zh("Describe the progress made."))
    assert page.input_value("#id_percent") == "60"
    assert page.input_value("#id_actual_value") == "2"
    # The file the secretary chose is still chosen: correcting the text and sending again sends it too.
    assert page.eval_on_selector("#id_evidence", "input => input.files.length") == 1
    page.fill("#id_narrative", "组织党员共读一本书")
    submit_report(page)
    page.locator("#report-form.alert-success").wait_for()
    report = ProgressReport.objects.get(assignment=world["mine"])
    assert [file.original_name for file in report.evidence.all()] == ["读书心得.pdf"]


def test_report_lowered_without_reason(browser, live_server, world, secretary_a, width):
    page = report_page(browser, live_server, secretary_a, width, world["mine"])
    page.fill("#id_percent", "30")
    page.fill("#id_narrative", "重新核对了进度")
    submit_report(page)
    expect_visible_text(page, zh("Progress is lower than the approved %(progress)d%%: say why.", progress=50))
    assert page.input_value("#id_percent") == "30"


def test_report_file_of_a_refused_type(browser, live_server, world, secretary_a, width, tmp_path):
    script = tmp_path / "notes.txt"
    script.write_text("not evidence")
    page = report_page(browser, live_server, secretary_a, width, world["mine"])
    page.fill("#id_percent", "60")
    page.fill("#id_narrative", "组织党员共读一本书")
    page.set_input_files("#id_evidence", str(script))
    submit_report(page)
    expect_visible_text(
        page, zh("“%(name)s” is not a PDF, JPG, PNG, Word (.docx) or Excel (.xlsx) file.", name="notes.txt")
    )
    assert page.input_value("#id_narrative") == "组织党员共读一本书"


def test_report_without_javascript_says_files_must_be_chosen_again(
    browser, live_server, world, secretary_a, width, tmp_path
):
    """With JavaScript off the form posts as a page; a browser cannot be given files back, so it says so."""
    evidence = tmp_path / "读书心得.pdf"
    evidence.write_bytes(PDF_BYTES)
    page = page_for(
        browser, live_server, secretary_a, width, f"/assignments/{world['mine'].pk}/report/", javascript=False
    )
    page.fill("#id_percent", "60")
    page.set_input_files("#id_evidence", str(evidence))
    page.click("#report-form button[type=submit]")
    expect_visible_text(page, zh("Describe the progress made."))
    expect_visible_text(page, zh("The files you chose were not kept: choose them again."))


# --- The committee's review (htmx), extensions, urge ------------------------------------------------


def test_review_return_without_comment(browser, live_server, world, committee, width):
    page = page_for(browser, live_server, committee, width, "/review/")
    card = page.locator(f"#review-{world['waiting'].pk}")
    card.locator("button[value=return]").click()
    expect_visible_text(page, zh("Say why the report is returned."))
    assert ProgressReport.objects.get(pk=world["waiting"].pk).state == ProgressReport.State.SUBMITTED


def test_review_error_keeps_the_comment(browser, live_server, world, committee, width):
    """A second reviewer got there first: the error shows, and the comment typed is not lost."""
    page = page_for(browser, live_server, committee, width, "/review/")
    card = page.locator(f"#review-{world['waiting'].pk}")
    card.locator("textarea").fill("请补充活动照片")
    ProgressReport.objects.filter(pk=world["waiting"].pk).update(version=99)
    card.locator("button[value=return]").click()
    expect_visible_text(page, zh("Someone else changed this in the meantime. Reload the page and try again."))
    assert page.locator(f"#review-{world['waiting'].pk} textarea").input_value() == "请补充活动照片"


def test_htmx_answer_that_is_not_a_form_error_is_told(browser, live_server, world, committee, width):
    """A 404 (the report was removed meanwhile) or a 500 is not swapped into the card: a message says so."""
    page = page_for(browser, live_server, committee, width, "/review/")
    card = page.locator(f"#review-{world['waiting'].pk}")
    ProgressReport.objects.filter(pk=world["waiting"].pk).delete()
    card.locator("button[value=approve]").click()
    expect_visible_text(page, zh("The server could not do this (error %(status)s).", status=404), within="body")


def test_extension_with_a_date_before_today(browser, live_server, world, secretary_a, width):
    page = page_for(browser, live_server, secretary_a, width, f"/assignments/{world['mine'].pk}/")
    page.locator("#assignment-actions").get_by_role("link", name=zh("Request an extension")).click()
    yesterday = dt.date.today() - dt.timedelta(days=1)
    page.fill("#id_requested_deadline", yesterday.isoformat())
    page.fill("#id_reason", "活动场地推迟")
    page.click("form[action*='/extension/'] button[type=submit]")
    expect_visible_text(page, zh("The new deadline must be later than the current one."))
    assert page.input_value("#id_reason") == "活动场地推迟"
    assert not ExtensionRequest.objects.exists()


def test_extension_refused_without_comment(browser, live_server, world, committee, secretary_a, width):
    extension = ExtensionRequest.objects.create(
        assignment=world["mine"],
        requested_by=secretary_a,
        reason="活动场地推迟",
        current_deadline=world["mine"].deadline,
        requested_deadline=world["mine"].deadline + dt.timedelta(days=30),
        current_progress=50,
    )
    page = page_for(browser, live_server, committee, width, "/review/")
    page.locator(f"form[action$='/extensions/{extension.pk}/decide/'] button[value=refuse]").click()
    expect_visible_text(page, zh("Say why the extension is refused."))
    extension.refresh_from_db()
    assert extension.state == ExtensionRequest.State.PENDING


def test_urge_with_an_empty_message(browser, live_server, world, committee, width):
    page = page_for(browser, live_server, committee, width, f"/assignments/{world['theirs'].pk}/")
    page.fill("#id_urge_message", "   ")
    page.click("#urge-box button[type=submit]")
    expect_visible_text(page, zh("Write what you ask of the unit."))
    assert not world["theirs"].urges.exists()


# --- Comments, inbox, accounts ----------------------------------------------------------------------


def test_comment_empty(browser, live_server, world, secretary_a, width):
    page = page_for(browser, live_server, secretary_a, width, f"/assignments/{world['mine'].pk}/")
    page.fill("#id_comment_body", "   ")
    page.click("form[action*='/comments/'] button[type=submit]")
    expect_visible_text(page, zh("Write a comment first."))


def test_inbox_email_without_an_address(browser, live_server, world, secretary_a, width):
    User.objects.filter(pk=secretary_a.pk).update(email="", notify_by_email=False)
    page = page_for(browser, live_server, secretary_a, width, "/inbox/")
    page.check("#channel-email")
    page.click("form#preferences button[type=submit]")
    expect_visible_text(page, zh("You have no e-mail address on file: ask an administrator to add one first."))
    secretary_a.refresh_from_db()
    assert secretary_a.notify_by_email is False


def test_password_change_wrong_old_password(browser, live_server, world, secretary_a, width):
    page = page_for(browser, live_server, secretary_a, width, "/accounts/password/")
    page.fill("#id_old_password", "not-my-password")
    page.fill("#id_new_password1", "Quite-New-Passw0rd!")
    page.fill("#id_new_password2", "Quite-New-Passw0rd!")
    page.click("main button[type=submit]")
    expect_visible_text(page, zh("Your old password was entered incorrectly. Please enter it again."))


def test_login_wrong_password(browser, live_server, world, width):
    page = anonymous_page(browser, live_server, width, "/accounts/login/")
    page.fill("#id_username", "secretary_a")
    page.fill("#id_password", "wrong-password")
    page.click("main button[type=submit]")
    expect_visible_text(
        page,
        zh(
            "Please enter a correct %(username)s and password. Note that both fields may be case-sensitive.",
            username=zh("username"),
        ),
    )
    assert page.input_value("#id_username") == "secretary_a"


# --- The plan import --------------------------------------------------------------------------------


def test_plan_import_with_errors(browser, live_server, world, committee, width, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["工作方面", "序号", "重点任务", "牵头单位", "开始时间", "完成时限"])
    sheet.append(["政治建设", "1.1", "学习贯彻党的二十大精神", "不存在的单位", "2027-01-04", "2027-12-31"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = tmp_path / "2027年度要点.xlsx"
    path.write_bytes(buffer.getvalue())
    page = page_for(browser, live_server, committee, width, "/plans/import/")
    page.fill("#id_year", "2027")
    page.set_input_files("#id_file", str(path))
    page.click("main form button[type=submit]")
    expect_visible_text(page, "不存在的单位")
    assert page.input_value("#id_year") == "2027"


def test_every_form_is_covered():
    """A form added to a template without a test here shows up as a failure of this list (update it)."""
    from pathlib import Path

    import tasks

    forms = []
    for template in sorted((Path(tasks.__file__).parent / "templates").rglob("*.html")):
        text = template.read_text()
        if "<form" in text and 'method="post"' in text:
            forms.append(template.relative_to(Path(tasks.__file__).parent / "templates").as_posix())
    assert forms == COVERED_POST_FORMS


COVERED_POST_FORMS = [
    "base.html",  # log out: no input, no error path
    "registration/login.html",  # test_login_wrong_password
    "registration/password_change_form.html",  # test_password_change_wrong_old_password
    "tasks/api_tokens.html",  # tests/test_browser_api_tokens.py; "revoke" is a button without input
    "tasks/assignment_edit.html",  # test_browser_plans: stale version, deadline before the key task's start
    "tasks/assignment_list.html",  # test_browser_bulk: test_bulk_urge_with_nothing_ticked_and_with_one_urged_today
    "tasks/assignment_remove.html",  # test_browser_plans: test_removing_an_assignment_that_has_just_reported
    "tasks/exports.html",  # rollover and calendar reset: buttons without input
    "tasks/extension_form.html",  # test_extension_with_a_date_before_today
    "tasks/inbox.html",  # test_inbox_email_without_an_address; "mark as read" has no input
    "tasks/key_task_edit.html",  # test_browser_plans: stale version, dates, a unit added without a unit
    "tasks/orglife/meeting_file_delete.html",  # test_browser_orglife: test_deleting_the_last_file_a_type_asks_for
    "tasks/orglife/meeting_form.html",  # test_browser_orglife: test_meeting_in_the_future_and_leave_without_reason
    "tasks/orglife/meeting_types.html",  # test_browser_orglife: test_a_meeting_type_of_a_name_taken
    "tasks/orglife/member_form.html",  # test_browser_orglife: test_member_without_name_or_gender
    "tasks/orglife/roster.html",  # test_browser_orglife: test_a_second_party_group_of_the_same_name
    "tasks/orglife/roster_import.html",  # test_browser_orglife: test_roster_import_shows_each_row_error
    "tasks/partials/cascade_box.html",  # test_browser_cascade: test_the_linking_form_submitted_wrong_then_right
    "tasks/partials/comment_form.html",  # test_comment_empty
    "tasks/partials/difficulty.html",  # test_browser_secretary.py: test_committee_answers_a_difficulty
    # publish and close: test_browser_plans (a second click from another tab, a double click, closing a year not over)
    "tasks/partials/plan_confirm_form.html",
    "tasks/partials/report_form.html",  # test_report_* (out of range, narrative, lowered, refused file, no JS)
    "tasks/partials/review_card.html",  # test_review_return_without_comment, test_review_error_keeps_the_comment
    "tasks/partials/urge_form.html",  # test_urge_with_an_empty_message, test_browser_bulk: a second urge the same day
    "tasks/plan_import.html",  # test_plan_import_with_errors
    "tasks/plan_list.html",  # rollover: a button without input (its refusal is a message, test_views_exports)
    "tasks/review_queue.html",  # test_extension_refused_without_comment; test_browser_bulk: bulk approve, none ticked
    "tasks/webhook_delete.html",  # test_browser_webhooks: deleting without ticking the box
    "tasks/webhook_detail.html",  # turn off/on, rotate the secret, re-send: buttons without input
    "tasks/webhook_edit.html",  # test_browser_webhooks: an ftp:// address and no event
    "tasks/webhooks.html",  # tests/test_browser_webhooks.py
]
