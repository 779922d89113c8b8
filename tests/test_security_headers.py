"""Response headers: a Content-Security-Policy on every page (django-csp) that no template breaks, and
`Cache-Control: private, no-store` on whatever a signed-in user is sent.

The template scan is the guard for new pages: an inline <script>, <style>, style="..." or onclick="..." fails
it with the file and line, before any browser sees it (the browser tests fail on a CSP violation too).
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.template import engines
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse

from tasks.models import Bundle, InboxMessage, MeetingFile, MeetingRecord, OrgUnit, User, WebhookEndpoint
from tasks.services import progress_report_submit
from tests.factories import TEST_PASSWORD, AssignmentFactory, UserFactory
from tests.helpers import pdf

TEMPLATES = Path(__file__).resolve().parent.parent / "tasks" / "templates"
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
}
# What a Content-Security-Policy without 'unsafe-inline' and 'unsafe-eval' refuses, in template source or HTML.
INLINE_CODE = [
    ("inline <script>", re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)),
    ("<style> element", re.compile(r"<style\b", re.I)),
    ("style attribute", re.compile(r"""[\s"']style\s*=""", re.I)),
    ("event handler attribute", re.compile(r"""[\s"']on[a-z]+\s*=\s*["']""", re.I)),
    ("javascript: URL", re.compile(r"javascript:", re.I)),
    ("htmx code attribute (hx-on, hx-vars, js: values)", re.compile(r"hx-on\b|hx-on:|hx-vars|['\"]js:", re.I)),
]


def inline_code(text: str) -> list[tuple[str, int, str]]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for what, pattern in INLINE_CODE:
            if pattern.search(line):
                found.append((what, number, line.strip()[:120]))
    return found


TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S)


def without_comments(source: str) -> str:
    """Template comments are never sent: blanked, keeping the line numbers."""
    return TEMPLATE_COMMENT.sub(lambda match: "\n" * match.group(0).count("\n"), source)


def page_templates() -> list[Path]:
    """Every template of the app that a browser renders as HTML (e-mails are not pages: no CSP applies)."""
    return sorted(path for path in TEMPLATES.rglob("*.html") if "emails" not in path.relative_to(TEMPLATES).parts)


def test_no_template_holds_inline_script_style_or_event_handlers():
    offences = [
        f"{path.relative_to(TEMPLATES)}:{number}: {what}: {line}"
        for path in page_templates()
        for what, number, line in inline_code(without_comments(path.read_text(encoding="utf-8")))
    ]
    assert offences == [], (
        "the Content-Security-Policy refuses inline code: move scripts to tasks/static/tasks/app.js (data-* hooks), "
        "styles to app.css classes\n" + "\n".join(offences)
    )


def test_the_scan_finds_what_a_browser_would_refuse():
    for bad in [
        "<script>alert(1)</script>",
        '<div style="width: 5%">',
        '<button onclick="window.print()">',
        "<select class=x onchange='this.form.submit()'>",
        "<style>.x{}</style>",
        '<a href="javascript:void(0)">',
        '<form hx-on::after-request="x()">',
    ]:
        assert inline_code(bad), bad
    for fine in [
        '<script src="/static/app.js"></script>',
        '<script id="d" type="application/json">{}</script>',
        '<span class="stylesheet">',
        "<p>style=</p> is plain text",
        '<svg><rect class="fill-red"/></svg>',
    ]:
        assert not inline_code(fine), fine


def policy_of(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in (p.strip() for p in header.split(";")) if part}


def assert_strict_policy(response, where: str) -> None:
    assert "Content-Security-Policy" in response, f"{where}: no Content-Security-Policy header"
    policy = policy_of(response)
    for directive, value in POLICY.items():
        assert policy.get(directive) == value, f"{where}: {directive} is {policy.get(directive)!r}"
    assert "unsafe" not in response["Content-Security-Policy"], where


def assert_private(response, where: str) -> None:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= directives, f"{where}: Cache-Control is {response.get('Cache-Control')!r}"


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", is_staff=True, admin_duty=User.AdminDuty.AUDIT)


@pytest.fixture
def sysadmin(db):
    return UserFactory(username="sysadmin", is_staff=True, admin_duty=User.AdminDuty.SYSTEM)


@pytest.fixture
def report(org, secretary_a, assignment_a1):
    """On another assignment than assignment_a1, which stays open for a report."""
    return progress_report_submit(
        assignment=AssignmentFactory(key_task=assignment_a1.key_task, unit=org.branch_a, owner=secretary_a),
        author=secretary_a,
        percent=20,
        narrative="有附件",
        obstacles="人手不足",
        files=[pdf("学习记录.pdf")],
    )


def crawl(client, urls) -> tuple[set[str], list]:
    """GET each url; the templates rendered on the way, and the responses."""
    rendered: set[str] = set()

    def note(sender, template, **kwargs):
        if template.name:
            rendered.add(template.name)

    template_rendered.connect(note)
    try:
        responses = [(url, client.get(url)) for url in urls]
    finally:
        template_rendered.disconnect(note)
    return rendered, responses


def test_every_page_template_is_served_with_the_policy_and_without_inline_code(
    client, settings, committee, secretary_a, auditor, sysadmin, assignment_a1, report, org, roster
):
    """Each page template, rendered through a real request: the header is there and the HTML, with every tag and
    widget expanded, holds no inline code. A new page template must be added to the crawl below."""
    settings.DEBUG = False  # django-csp leaves DEBUG's 404 and 500 pages alone; ours get the policy
    key_task = assignment_a1.key_task
    bundle = Bundle.objects.create(
        recipient=secretary_a, channel="inbox", day=dt.date(2023, 5, 8), daily=True, key="daily", subject="今日提醒"
    )
    daily = InboxMessage.objects.create(user=secretary_a, title="今日提醒", bundle=bundle)
    meeting = MeetingRecord.objects.create(
        unit=org.branch_a1,
        held_on=dt.date(2023, 5, 8),
        place="会议室",
        host="张伟",
        recorder="王芳",
        topics="学习",
        created_by=secretary_a,
    )
    meeting_file = MeetingFile.objects.create(
        record=meeting, original_name="签到表.png", stored_name="ab.png", content_type="image/png", size=9
    )
    branch = org.branch_a1.pk
    # A committee below (a 机关党委 under the bureau's), so that the roll-up is the committee's page, not a 403.
    OrgUnit.objects.create(name="机关党委", kind=OrgUnit.Kind.COMMITTEE, parent=org.committee_unit)
    hook = WebhookEndpoint.objects.create(owner=committee, url="https://oa.example/hooks", events=["report.approved"])
    visits = {
        None: [reverse("login"), "/no-such-page/"],
        committee: [
            reverse("home"),
            reverse("dashboard"),
            reverse("rollup"),
            reverse("key_task_list"),
            reverse("assignment_list"),
            reverse("key_task_detail", args=[key_task.pk]),
            reverse("assignment_detail", args=[assignment_a1.pk]),
            reverse("review_queue"),
            reverse("inbox"),
            reverse("exports"),
            reverse("plan_import"),
            reverse("plan_list"),
            reverse("plan_detail", args=[key_task.plan.year]),
            reverse("plan_publish", args=[key_task.plan.year]),
            reverse("plan_close", args=[key_task.plan.year]),
            reverse("key_task_edit", args=[key_task.pk]),
            reverse("assignment_edit", args=[assignment_a1.pk]),
            reverse("assignment_remove", args=[assignment_a1.pk]),
            reverse("password_change"),
            reverse("password_change_done"),
            reverse("audit_log"),  # not the auditor: the 403 page
            reverse("api_tokens"),
            reverse("api:docs"),
            reverse("orglife_home"),
            reverse("orglife_matrix"),
            reverse("meeting_types"),
            reverse("webhook_list"),
            reverse("webhook_detail", args=[hook.pk]),
            reverse("webhook_edit", args=[hook.pk]),
            reverse("webhook_delete", args=[hook.pk]),
        ],
        secretary_a: [
            reverse("home"),  # the workbench (a committee member's home is the review queue and red list)
            reverse("report_create", args=[assignment_a1.pk]),
            reverse("extension_create", args=[assignment_a1.pk]),
            reverse("inbox_open", args=[daily.pk]),
            reverse("meeting_list", args=[branch]),
            reverse("meeting_create", args=[branch]),
            reverse("meeting_detail", args=[meeting.pk]),
            reverse("meeting_file_delete", args=[meeting.pk, meeting_file.pk]),
            reverse("roster", args=[branch]),
            reverse("member_create", args=[branch]),
            reverse("roster_import", args=[branch]),
            reverse("orglife_absences"),
        ],
        auditor: [reverse("audit_log")],
        sysadmin: [reverse("admin:index"), reverse("admin:tasks_user_changelist")],
    }
    rendered, offences = set(), []
    for user, urls in visits.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        seen, responses = crawl(client, urls)
        rendered |= seen
        for url, response in responses:
            assert_strict_policy(response, url)
            if user is not None:
                assert_private(response, url)
            body = response.content.decode() if not response.streaming else ""
            offences += [f"{url}: {what}: {line}" for what, _number, line in inline_code(body)]
    # The 400 page (a request for an unknown host) and the lockout page.
    bad_host = Client().get("/", HTTP_HOST="attacker.example")
    assert bad_host.status_code == 400
    assert_strict_policy(bad_host, "400")
    locked = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        lockout = locked.post(reverse("login"), {"username": "secretary_a", "password": "wrong"})
    assert lockout.status_code == 429
    assert_strict_policy(lockout, "lockout")
    rendered |= {"400.html", "registration/lockout.html"}

    assert offences == []
    pages = {
        str(path.relative_to(TEMPLATES))
        for path in page_templates()
        if re.search(r"""\{%\s*extends\s+["']base\.html["']""", path.read_text(encoding="utf-8"))
    }
    assert pages - rendered == set(), "page templates this test does not visit yet: add a URL for each"


def test_the_policy_allows_no_inline_code_in_the_browser_sense():
    """htmx is configured not to inject its indicator style nor evaluate code, which the policy would refuse."""
    html = engines["django"].get_template("base.html").render({})
    config = re.search(r"""<meta name="htmx-config" content='([^']*)'""", html)
    assert config is not None
    assert '"includeIndicatorStyles": false' in config.group(1)
    assert '"allowEval": false' in config.group(1)
    css = (Path(__file__).resolve().parent.parent / "tasks" / "static" / "tasks" / "app.css").read_text()
    assert ".htmx-indicator" in css and ".pct-100" in css


def test_signed_in_pages_downloads_and_exports_are_never_stored(
    client, committee, secretary_a, assignment_a1, report, settings
):
    evidence = report.evidence.get()
    client.force_login(committee)
    plan = assignment_a1.key_task.plan
    for url in [
        reverse("home"),
        reverse("evidence_download", args=[evidence.pk]),
        reverse("ledger_download") + f"?year={plan.year}",
        reverse("assessment_download") + f"?year={plan.year}",
        reverse("annual_report_download") + f"?year={plan.year}",
        reverse("plan_import_template"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_private(response, url)

    auditor = UserFactory(username="auditor", is_staff=True, admin_duty=User.AdminDuty.AUDIT)
    client.force_login(auditor)
    for export in ("csv", "xlsx"):
        response = client.get(reverse("audit_log"), {"export": export})
        assert response.status_code == 200
        assert_private(response, f"audit export {export}")

    # The calendar feed is fetched without a session (the token is the credential): an export all the same.
    client.logout()
    client.force_login(secretary_a)
    feed_page = client.get(reverse("exports")).content.decode()
    feed_url = re.search(r"/calendar/[\w-]+\.ics", feed_page).group(0)
    anonymous = Client()
    response = anonymous.get(feed_url)
    assert response.status_code == 200
    assert_private(response, "calendar feed")


def test_logging_in_and_out_answers_private(client, secretary_a):
    login = client.post(reverse("login"), {"username": "secretary_a", "password": TEST_PASSWORD})
    assert login.status_code == 302
    assert_private(client.get(reverse("home")), "home")
    logout = client.post(reverse("logout"))
    assert_private(logout, "logout")  # signed in when the request came
