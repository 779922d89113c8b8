"""WCAG 2 A and AA on the main pages, checked by axe-core in Chromium at both widths: zero violations.

axe-core comes from npm (tests/browser_assets, installed by `make test` and .ci/run with `npm ci`; nothing is
fetched while the tests run). Its script is injected with Playwright; the page's Content-Security-Policy (script
from 'self' only) would refuse it, so the context bypasses the policy for that injection: tests/test_browser_csp.py
checks the pages under the policy.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import require_service
from tests.support_pages import busy_plan, list_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "browser_assets" / "node_modules" / "axe-core" / "axe.min.js"
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        require_service("axe-core is not installed: run `make test` (npm ci in tests/browser_assets)")
    return AXE.read_text()


def axe_page(browser, live_server, user, width):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN", bypass_csp=True)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context.new_page()


def violations(page, axe_source) -> list[str]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate("options => axe.run(document, options)", RULES)
    return [
        f"{item['id']} ({item['impact']}): {item['help']} at "
        + "; ".join(json.dumps(node["target"]) for node in item["nodes"][:5])
        for item in result["violations"]
    ]


def test_main_pages_have_no_wcag_violations(browser, live_server, org, axe_source, width):
    world = busy_plan(org)
    people = {"committee": world["committee"], "secretary1": world["secretary"], "auditor": world["auditor"]}
    found = {}
    for username, paths in list_pages(world).items():
        page = axe_page(browser, live_server, people[username], width)
        for path in paths:
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            problems = violations(page, axe_source)
            if problems:
                found[f"{username} {path}"] = problems
        page.context.close()
    assert found == {}


def test_the_login_page_has_no_wcag_violations(browser, live_server, db, axe_source, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert violations(page, axe_source) == []
