"""The inbox's reminder preferences and a day's bundle in real Chromium, on a phone-sized screen."""

import datetime as dt

import pytest
import time_machine

from tasks.models import InboxMessage
from tasks.services.reminders import reminder_scan
from tests.factories import TEST_PASSWORD, AssignmentFactory, KeyTaskFactory, PlanFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(browser, live_server, username):
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_preferences_saved_and_a_forged_choice_refused_visibly(browser, live_server, secretary_b):
    secretary_b.set_password(TEST_PASSWORD)
    secretary_b.save()
    page = log_in(browser, live_server, "secretary_b")
    page.goto(f"{live_server.url}/inbox/")

    page.check("#email-each")
    page.uncheck("#quiet-days-off")
    page.click("form#preferences button[type=submit]")

    assert page.locator("text=已开启邮件提醒：每条提醒一封邮件。").is_visible()
    assert page.is_checked("#email-each") and not page.is_checked("#quiet-days-off")

    # A choice the form does not offer (a tampered request) is refused where the user is looking.
    page.eval_on_selector("#email-daily", "element => element.value = 'hourly'")
    page.check("#email-daily")
    page.click("form#preferences button[type=submit]")

    assert page.locator("text=请选择邮件提醒方式：每天一封，或每条提醒一封。").is_visible()
    secretary_b.refresh_from_db()
    assert secretary_b.reminder_email_mode == "each"


def test_a_days_bundle_opens_to_its_items_on_a_phone(browser, live_server, org, secretary_b, committee):
    secretary_b.set_password(TEST_PASSWORD)
    secretary_b.save()
    plan = PlanFactory(year=2024, status="published")
    for number, deadline in enumerate((dt.date(2024, 6, 3), dt.date(2024, 6, 14), dt.date(2024, 6, 19)), start=1):
        task = KeyTaskFactory(plan=plan, number=f"3.{number}", start_date=dt.date(2024, 1, 2), deadline=deadline)
        AssignmentFactory(key_task=task, unit=org.branch_b, owner=secretary_b)
    with time_machine.travel(dt.datetime(2024, 6, 18, 1, 0, tzinfo=dt.UTC), tick=False):
        reminder_scan(enqueue=False)
    entry = InboxMessage.objects.get(user=secretary_b)

    page = log_in(browser, live_server, "secretary_b")
    page.goto(f"{live_server.url}/inbox/")
    page.click(f"text={entry.title}")

    assert page.locator("#bundle-title").inner_text() == "今日提醒：2 项逾期、1 项临期"
    assert page.locator("#bundle-overdue li").count() == 2
    assert page.locator("#bundle-due_soon li").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than the phone
