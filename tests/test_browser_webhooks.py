"""The webhook form in real Chromium at 375 and 1280 px: an address that is not one and no event chosen are both
said next to their fields, what was typed stays; once right, the webhook's page shows its signing secret."""

import pytest

from tasks.models import WebhookEndpoint
from tests.support_browser import expect_visible_text, page_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_webhook_form_errors_are_seen(browser, live_server, committee, width, tmp_path):
    page = page_for(browser, live_server, committee, width, "/webhooks/")
    page.locator("#webhook-form").wait_for()
    page.fill("#id_url", "oa 系统")
    page.fill("#id_description", "OA 系统")
    page.click("#webhook-form button[type=submit]")
    expect_visible_text(page, "输入一个有效的 URL", within="#webhook-form")
    expect_visible_text(page, "这个字段是必填项", within="#webhook-form")
    assert page.input_value("#id_description") == "OA 系统"
    page.screenshot(path=str(tmp_path / f"webhooks-error-{width}.png"), full_page=True)
    assert not WebhookEndpoint.objects.exists()
    page.fill("#id_url", "https://oa.intranet.example/hooks/partybuild")
    page.check("input[name=events][value='report.approved']")
    page.click("#webhook-form button[type=submit]")
    page.locator("#webhook-secret").wait_for()
    assert page.input_value("#webhook-secret") == WebhookEndpoint.objects.get().secret
    page.screenshot(path=str(tmp_path / f"webhook-detail-{width}.png"), full_page=True)
    page.context.close()
