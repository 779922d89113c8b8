"""The API token form in real Chromium at 375 and 1280 px: submitted wrong, the error is visible next to the field
and what was typed stays; submitted right, the token is shown once."""

import datetime as dt

import pytest
from django.utils import timezone

from tasks.models import ApiToken
from tests.support_browser import expect_visible_text, page_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_token_form_errors_are_seen_and_the_token_shown_once(browser, live_server, secretary_a, width, tmp_path):
    page = page_for(browser, live_server, secretary_a, width, "/account/api-tokens/")
    page.locator("#token-form").wait_for()
    page.fill("#id_name", "")
    page.fill("#id_expires_on", "2001-01-01")
    page.click("#token-form button[type=submit]")
    expect_visible_text(page, "这个字段是必填项", within="#token-form")
    page.fill("#id_name", "大屏看板")
    page.click("#token-form button[type=submit]")
    expect_visible_text(page, "有效期必须晚于今天", within="#token-form")
    assert page.input_value("#id_name") == "大屏看板"
    assert not ApiToken.objects.exists()
    page.screenshot(path=str(tmp_path / f"api-tokens-error-{width}.png"), full_page=True)
    page.fill("#id_expires_on", (timezone.localdate() + dt.timedelta(days=30)).isoformat())
    page.click("#token-form button[type=submit]")
    page.locator("#token-created").wait_for()
    token = page.input_value("#new-token")
    assert token.startswith("pb_") and ApiToken.objects.get().name == "大屏看板"
    page.screenshot(path=str(tmp_path / f"api-tokens-created-{width}.png"), full_page=True)
    page.goto(f"{live_server.url}/account/api-tokens/")
    assert token not in page.content()
    page.context.close()
