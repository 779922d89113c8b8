"""Single sign-on in real Chromium: the login page's button, the identity provider's redirect and back, on a phone
and a desktop; and a refused identity sees why, on the login page."""

import os

import pytest

from tests.support_sso import FakeOIDCProvider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SCREENSHOT_DIR")


@pytest.mark.parametrize("width", [375, 1280])
def test_a_secretary_logs_in_through_the_identity_platform(
    browser,
    live_server,
    httpserver,
    settings,
    secretary_a,
    width,
):
    FakeOIDCProvider(httpserver).install(settings)
    settings.OIDC_LABEL = "市统一身份认证平台"
    page = browser.new_context(viewport={"width": width, "height": 800}, locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/inbox/")  # sent to the login page, and back here afterwards
    button = page.get_by_role("link", name="市统一身份认证平台")
    assert button.is_visible()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/login-sso-{width}.png", full_page=True)
    button.click()
    page.wait_for_url(f"{live_server.url}/inbox/")
    assert page.locator("h1").first.inner_text().startswith("站内消息")
    assert page.locator("form[action='/accounts/logout/'] button").count() == 1  # signed in (in the menu on a phone)


@pytest.mark.parametrize("width", [375, 1280])
def test_an_identity_without_an_account_is_told_why(browser, live_server, httpserver, settings, org, width):
    provider = FakeOIDCProvider(httpserver).install(settings)
    provider.claims = {"preferred_username": "stranger"}
    page = browser.new_context(viewport={"width": width, "height": 800}, locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="统一身份认证登录").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    message = page.get_by_role("alert")
    assert message.is_visible()
    assert "你的统一身份认证账号在本系统中没有对应账号" in message.inner_text()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/login-sso-refused-{width}.png", full_page=True)
