"""Browser tests' shared pieces: Debian's Chromium driven by Playwright, a page per user and width, and what a
person sees on it.

The fixtures `browser` (one Chromium per test module) and `width` (each test at both widths) are in conftest.
Users are logged in by a session cookie, not through the login form: the login form has a test of its own,
and each login through it costs a second of a 2-core machine.
"""

from django.conf import settings
from django.test import Client
from django.utils import translation


def page_for(browser, live_server, user, width: int, path: str = "/", *, javascript: bool = True):
    """A new browser context logged in as `user`, `width` pixels wide, showing `path`."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        viewport={"width": width, "height": 800}, locale="zh-CN", java_script_enabled=javascript
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}{path}")
    return page


def anonymous_page(browser, live_server, width: int, path: str = "/"):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}{path}")
    return page


def zh(message: str, **values) -> str:
    """What the user reads for a source string: its Chinese translation, with its values filled in."""
    with translation.override("zh-hans"):
        text = translation.gettext(message)
    return text % values if values else text


def expect_visible_text(page, text: str, *, within: str = "main", timeout: float = 5000):
    """The text is on the page where the user looks and not hidden (display, visibility, size, collapsed
    <details>): Playwright's visibility test, applied to the smallest element holding the text."""
    from playwright.sync_api import expect

    locator = page.locator(within).get_by_text(text, exact=False).last
    expect(locator).to_be_visible(timeout=timeout)
    return locator
