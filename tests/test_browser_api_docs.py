"""The API's documentation page (Swagger UI from drf-spectacular-sidecar) in real Chromium, under the site's
Content-Security-Policy as it is: it draws the operations, with no violation reported (the `browser` fixture fails
the test on any) and nothing fetched from elsewhere."""

import pytest

from tests.support_browser import page_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_docs_page_draws_the_api_under_the_policy(browser, live_server, committee, width, tmp_path):
    requests = []
    page = page_for(browser, live_server, committee, width, "/")
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for(timeout=15000)
    assert "PartyBuild" in page.locator(".swagger-ui .info .title").inner_text()
    operations = page.locator(".opblock-summary-path")
    operations.first.wait_for()
    paths = operations.all_inner_texts()
    assert any("/api/v1/assignments/" in path for path in paths)
    # Open the assignment list and try it: the session answers, as it would for a committee member.
    page.locator(".opblock-summary", has_text="/api/v1/assignments/").first.click()
    page.get_by_role("button", name="Try it out").first.click()
    page.get_by_role("button", name="Execute").first.click()
    page.locator(".live-responses-table tbody .response-col_status").first.wait_for(timeout=15000)
    assert "200" in page.locator(".live-responses-table tbody .response-col_status").first.inner_text()
    page.screenshot(path=str(tmp_path / f"api-docs-{width}.png"), full_page=False)
    assert all(url.startswith(live_server.url) for url in requests), [
        u for u in requests if not u.startswith(live_server.url)
    ]
    page.context.close()
