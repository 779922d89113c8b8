"""The webhook forms in real Chromium at 375 and 1280 px: an address that is not one (or not http) and no event chosen
are both said next to their fields, what was typed stays; once right, the webhook's page shows its signing secret
(once). Editing, rotating the secret, turning on again and deleting (which asks first) on the webhook's page."""

import pytest

from tasks.models import WebhookEndpoint
from tasks.services.webhooks import webhook_endpoint_create, webhook_endpoint_disable
from tests.support_browser import expect_visible_text, page_for, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_webhook_form_errors_are_seen(browser, live_server, committee, width, tmp_path):
    page = page_for(browser, live_server, committee, width, "/webhooks/")
    page.locator("#webhook-form").wait_for()
    page.fill("#id_url", "oa 系统")
    page.fill("#id_description", "OA 系统")
    page.click("#webhook-form button[type=submit]")
    expect_visible_text(page, "请输入接收系统的完整地址，以 https:// 或 http:// 开头", within="#webhook-form")
    expect_visible_text(page, zh("Choose at least one event."), within="#webhook-form")
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


def test_editing_rotating_re_enabling_and_deleting_a_webhook(browser, live_server, committee, width, tmp_path):
    """The webhook's own page: its edit form refuses an address that is not http(s) and no event, said next to each
    field; a rotated secret is shown once; an endpoint turned off after failures is turned on again; deleting asks
    for the box to be ticked, saying the delivery log goes with it."""
    endpoint = webhook_endpoint_create(
        user=committee, url="https://oa.intranet.example/hooks", events=["report.approved"], description="OA 系统"
    )
    webhook_endpoint_disable(endpoint=endpoint, reason="attempt 6: HTTP 503: down")
    shots = tmp_path / f"webhook-{width}"
    page = page_for(browser, live_server, committee, width, f"/webhooks/{endpoint.pk}/")
    expect_visible_text(page, "HTTP 503", within="#webhook-off")
    expect_visible_text(
        page,
        zh(
            "Shown once, when the webhook was registered or its secret last rotated. Lost it? Rotate it and give the "
            "receiving system the new one."
        ),
    )
    page.screenshot(path=f"{shots}-detail-off.png", full_page=True)
    page.click("#webhook-toggle")
    expect_visible_text(page, zh("Webhook turned on."))
    assert page.locator("#webhook-off").count() == 0

    page.click("#webhook-edit")
    page.locator("#webhook-edit-form").wait_for()
    page.fill("#id_url", "ftp://oa.intranet.example/hooks")
    page.uncheck("input[name=events][value='report.approved']")
    page.fill("#id_description", "OA 系统（新）")
    page.click("#webhook-edit-form button[type=submit]")
    expect_visible_text(page, "请输入接收系统的完整地址，以 https:// 或 http:// 开头", within="#webhook-edit-form")
    expect_visible_text(page, zh("Choose at least one event."), within="#webhook-edit-form")
    assert page.input_value("#id_description") == "OA 系统（新）"
    page.screenshot(path=f"{shots}-edit-error.png", full_page=True)
    endpoint.refresh_from_db()
    assert endpoint.url == "https://oa.intranet.example/hooks" and endpoint.events == ["report.approved"]
    page.fill("#id_url", "https://oa2.intranet.example/hooks")
    page.check("input[name=events][value='plan.published']")
    page.click("#webhook-edit-form button[type=submit]")
    expect_visible_text(page, zh("Webhook saved."))
    endpoint.refresh_from_db()
    assert endpoint.url == "https://oa2.intranet.example/hooks" and endpoint.events == ["plan.published"]

    old = endpoint.secret
    page.click("#webhook-rotate")
    page.locator("#webhook-secret").wait_for()
    endpoint.refresh_from_db()
    assert endpoint.secret != old and page.input_value("#webhook-secret") == endpoint.secret
    page.screenshot(path=f"{shots}-rotated.png", full_page=True)
    page.reload()
    page.locator("#webhook-secret-hidden").wait_for()
    assert page.locator("#webhook-secret").count() == 0

    page.click("#webhook-delete")
    page.locator("#webhook-delete-form").wait_for()
    expect_visible_text(page, "投递记录", within="#delete-loses")
    page.click("#webhook-delete-form button[type=submit]")
    expect_visible_text(
        page,
        zh("Tick the box to confirm: the delivery log is deleted with the webhook."),
        within="#webhook-delete-form",
    )
    page.screenshot(path=f"{shots}-delete-error.png", full_page=True)
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    page.check("#id_confirm")
    page.click("#webhook-delete-form button[type=submit]")
    expect_visible_text(page, zh("Webhook deleted."))
    assert not WebhookEndpoint.objects.exists()
    page.context.close()
