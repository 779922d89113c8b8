"""Random and hostile input against the forms a user can post: nothing may answer with a 5xx.

Hypothesis draws field values from plain text, known-hostile strings (script tags, NUL bytes, SQL, bidi
controls, astral characters, huge numbers, full-width digits), integers, lists (a field sent twice) and
oversized text. Kept fast: a few dozen examples per form.
"""

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.models import User
from tests.factories import ReportFactory, UserFactory

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "\x00",
    "a\x00b",
    "'; DROP TABLE tasks_user; --",
    "\u202eevil",
    "𝕏𝕐ℤ🚩",
    "\ufeff",
    "9" * 400,
    "-1",
    "-0",
    "1e309",
    "NaN",
    "Infinity",
    "１００",
    "٣",
    "0x10",
    " ",
    "",
    "2023-02-30",
    "9999-12-31",
    "0001-01-01",
    "2023-13-01",
    "null",
    "[]",
    "{}",
    "true",
    "../../etc/passwd",
    "%00",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "{% debug %}",
]
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
scalar = st.one_of(text, st.sampled_from(HOSTILE), st.integers().map(str), st.just("长" * 6000))
value = st.one_of(scalar, st.lists(scalar, min_size=2, max_size=3))
FAST = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def form(*fields):
    return st.fixed_dictionaries({}, optional=dict.fromkeys(fields, value)).flatmap(
        lambda data: st.dictionaries(st.sampled_from(["next", "action", "junk", "version"]), value, max_size=2).map(
            lambda extra: {**extra, **data}
        )
    )


def assert_no_server_error(response):
    assert response.status_code < 500, (response.status_code, response.content[:500])


@pytest.fixture
def submitted_report(assignment_a1, secretary_a):
    return ReportFactory(assignment=assignment_a1, author=secretary_a)


@FAST
@given(data=form("username", "password", "next"))
def test_login(client, secretary_a, data):
    assert_no_server_error(client.post(reverse("login"), data, HTTP_X_REAL_IP="10.9.8.7"))


@FAST
@given(data=form("percent", "actual_value", "narrative", "obstacles", "decrease_reason", "version"))
def test_report_form(client, secretary_a, assignment_a1, data):
    client.force_login(secretary_a)
    assert_no_server_error(client.post(reverse("report_create", args=[assignment_a1.pk]), data))
    assert_no_server_error(client.post(reverse("report_create", args=[assignment_a1.pk]), data, HTTP_HX_REQUEST="true"))


@FAST
@given(data=form("review_comment", "version", "action", "next"))
def test_review(client, committee, submitted_report, data):
    client.force_login(committee)
    assert_no_server_error(client.post(reverse("report_review", args=[submitted_report.pk]), data))


@FAST
@given(data=form("requested_deadline", "reason"))
def test_extension_request(client, secretary_a, assignment_a1, data):
    client.force_login(secretary_a)
    assert_no_server_error(client.post(reverse("extension_create", args=[assignment_a1.pk]), data))


@FAST
@given(data=form("decision_comment", "action"))
def test_extension_decision(client, committee, assignment_a1, data):
    from tasks.models import ExtensionRequest

    extension = ExtensionRequest.objects.create(
        assignment=assignment_a1,
        requested_by=assignment_a1.owner,
        reason="x",
        current_deadline=assignment_a1.deadline,
        requested_deadline=assignment_a1.deadline + dt.timedelta(days=10),
        current_progress=0,
    )
    client.force_login(committee)
    assert_no_server_error(client.post(reverse("extension_decide", args=[extension.pk]), data))


@FAST
@given(data=form("body", "assignment"))
def test_comment(client, secretary_a, assignment_a1, data):
    client.force_login(secretary_a)
    assert_no_server_error(client.post(reverse("comment_create", args=[assignment_a1.key_task_id]), data))


@FAST
@given(data=form("year", "q", "area", "light", "status", "page"))
def test_workbench_filters(client, secretary_a, assignment_a1, data):
    client.force_login(secretary_a)
    assert_no_server_error(client.get(reverse("home"), data))
    assert_no_server_error(client.get(reverse("home"), data, HTTP_HX_REQUEST="true"))


@FAST
@given(data=form("q", "action", "result", "date_from", "date_to", "page", "export"))
def test_audit_search(client, db, data):
    auditor = UserFactory(username="auditor", is_staff=True, admin_duty=User.AdminDuty.AUDIT)
    client.force_login(auditor)
    assert_no_server_error(client.get(reverse("audit_log"), data))


@FAST
@given(data=form("old_password", "new_password1", "new_password2"))
def test_password_change(client, secretary_a, data):
    client.force_login(secretary_a)
    assert_no_server_error(client.post(reverse("password_change"), data))


@pytest.mark.parametrize("pk", ["0", "99999999999999999999999", "-1"])
def test_odd_ids_in_urls(client, secretary_a, pk):
    client.force_login(secretary_a)
    for name in ("assignment_detail", "key_task_detail", "report_create"):
        assert_no_server_error(client.get(f"{reverse(name, args=[1]).replace('/1/', f'/{pk}/')}"))


def test_an_oversized_body_is_refused_cleanly(client, secretary_a, assignment_a1, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client.force_login(secretary_a)
    response = client.post(reverse("report_create", args=[assignment_a1.pk]), {"narrative": "x" * 20_000})
    assert response.status_code == 400


@pytest.mark.parametrize("username", ["长" * 6000, ["a", "x" * 300]])
def test_an_absurdly_long_username_is_a_failed_login_not_a_database_error(client, db, username):
    # Found by test_login on PostgreSQL: django-axes stored the raw username in a 255-character column.
    response = client.post(reverse("login"), {"username": username, "password": "x"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
