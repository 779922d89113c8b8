"""API tokens: created and revoked on the token page (shown once, stored hashed, with an expiry and a scope),
service accounts' tokens by the system administrator (三员分立), Bearer authentication, read-only scope, and rate
limits per token (429 with Retry-After)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tasks.models import ApiToken, AuditEntry, User
from tasks.security.backends import PartyBuildModelBackend
from tasks.security.sso.accounts import SSORefusal, sso_account
from tasks.services.accounts import user_save
from tasks.services.api_tokens import api_token_create, api_token_revoke
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def system_admin(db):
    return UserFactory(username="sysadmin", admin_duty=User.AdminDuty.SYSTEM)


@pytest.fixture
def service_account(system_admin):
    account = User(username="zhdj", full_name="智慧党建平台", is_service_account=True)
    return user_save(actor=system_admin, user=account)


def test_a_token_is_shown_once_and_stored_hashed(secretary_a, assignment_a1):
    row, token = api_token_create(
        actor=secretary_a, user=secretary_a, name="大屏", scope=ApiToken.Scope.READ, expires_on=in_days(30)
    )
    assert token.startswith(f"pb_{row.prefix}_") and len(token) > 40
    stored = ApiToken.objects.values().get(pk=row.pk)
    assert token not in str(stored) and stored["key_hash"] != token
    response = bearer(token).get(reverse("api:assignment-list"))
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [assignment_a1.pk]
    row.refresh_from_db()
    assert row.last_used_at is not None
    created = AuditEntry.objects.get(action=AuditEntry.Action.API_TOKEN)
    assert created.detail["event"] == "created" and created.detail["api_token"] == row.pk
    assert token not in str(created.detail)


@pytest.mark.parametrize("header", ["Bearer pb_nope_nothing", "Bearer", "Bearer a b", "Bearer pb_"])
def test_a_bad_token_is_a_401_never_anonymous(header, secretary_a):
    response = Client(HTTP_AUTHORIZATION=header).get(reverse("api:plan-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response["Content-Type"] == "application/problem+json"


def test_a_right_prefix_with_a_wrong_secret_is_refused(secretary_a):
    _row, token = api_token_create(
        actor=secretary_a, user=secretary_a, name="脚本", scope=ApiToken.Scope.READ, expires_on=in_days(30)
    )
    assert bearer(token[:-2] + "xx").get(reverse("api:plan-list")).status_code == 401


def test_revoked_and_expired_tokens_stop_working(secretary_a):
    row, token = api_token_create(
        actor=secretary_a, user=secretary_a, name="脚本", scope=ApiToken.Scope.READ, expires_on=in_days(1)
    )
    assert bearer(token).get(reverse("api:plan-list")).status_code == 200
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert bearer(token).get(reverse("api:plan-list")).status_code == 401
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() + dt.timedelta(days=1))
    api_token_revoke(actor=secretary_a, token=row)
    response = bearer(token).get(reverse("api:plan-list"))
    assert response.status_code == 401
    assert response.json()["detail"] == "API 令牌无效、已撤销或已过期。"
    secretary_a.is_active = False
    secretary_a.save()


def test_a_token_of_a_deactivated_account_stops_working(secretary_a):
    _row, token = api_token_create(
        actor=secretary_a, user=secretary_a, name="脚本", scope=ApiToken.Scope.READ, expires_on=in_days(5)
    )
    User.objects.filter(pk=secretary_a.pk).update(is_active=False)
    assert bearer(token).get(reverse("api:plan-list")).status_code == 401


def test_a_read_only_token_reads_only(secretary_a):
    _row, reader = api_token_create(
        actor=secretary_a, user=secretary_a, name="读", scope=ApiToken.Scope.READ, expires_on=in_days(5)
    )
    _row, writer = api_token_create(
        actor=secretary_a, user=secretary_a, name="写", scope=ApiToken.Scope.WRITE, expires_on=in_days(5)
    )
    refused = bearer(reader).post(reverse("api:plan-list"), {}, content_type="application/json")
    assert refused.status_code == 403
    assert "只读" in refused.json()["detail"]
    assert bearer(writer).post(reverse("api:plan-list"), {}, content_type="application/json").status_code == 405


def test_creation_rules_say_what_is_wrong(secretary_a, settings):
    settings.API_TOKEN_MAX_DAYS = 30
    with pytest.raises(ValidationError) as error:
        api_token_create(actor=secretary_a, user=secretary_a, name=" ", scope="all", expires_on=in_days(31))
    assert set(error.value.message_dict) == {"name", "scope", "expires_on"}
    with pytest.raises(ValidationError) as error:
        api_token_create(actor=secretary_a, user=secretary_a, name="x", scope="read", expires_on=in_days(0))
    assert "expires_on" in error.value.message_dict
    assert not ApiToken.objects.exists()


def test_nobody_creates_or_revokes_another_persons_tokens(secretary_a, secretary_b, system_admin):
    with pytest.raises(PermissionDenied):
        api_token_create(actor=secretary_b, user=secretary_a, name="x", scope="read", expires_on=in_days(5))
    with pytest.raises(PermissionDenied):  # accounts are the system administrator's, people's tokens are not
        api_token_create(actor=system_admin, user=secretary_a, name="x", scope="read", expires_on=in_days(5))
    row, _token = api_token_create(actor=secretary_a, user=secretary_a, name="x", scope="read", expires_on=in_days(5))
    with pytest.raises(PermissionDenied):
        api_token_revoke(actor=secretary_b, token=row)


def test_administrators_hold_no_tokens(system_admin):
    with pytest.raises(PermissionDenied):
        api_token_create(actor=system_admin, user=system_admin, name="x", scope="read", expires_on=in_days(5))


def test_service_accounts_are_the_system_administrators(system_admin, service_account, secretary_a, committee, org):
    assert not service_account.has_usable_password() and not service_account.must_change_password
    security_admin = UserFactory(username="secadmin", admin_duty=User.AdminDuty.SECURITY)
    with pytest.raises(PermissionDenied):
        user_save(actor=security_admin, user=User(username="other", is_service_account=True))
    _row, token = api_token_create(
        actor=system_admin, user=service_account, name="智慧党建", scope="read", expires_on=in_days(300)
    )
    with pytest.raises(PermissionDenied):
        api_token_create(actor=committee, user=service_account, name="x", scope="read", expires_on=in_days(5))
    # It sees what its work roles let it see: nothing yet.
    assert bearer(token).get(reverse("api:assignment-list")).json()["results"] == []
    # It never logs in: no password, and single sign-on refuses it.
    service_account.set_password(TEST_PASSWORD)  # even were a password set somehow, the backend refuses it
    assert not PartyBuildModelBackend().user_can_authenticate(service_account)
    with pytest.raises(SSORefusal) as refusal:
        sso_account(None, provider="oidc", external_id="zhdj")
    assert refusal.value.reason == "service_account"


def test_a_service_account_has_no_power(service_account):
    service_account.is_staff = True
    with pytest.raises(ValidationError):
        service_account.full_clean()


def test_rate_limit_per_token_answers_429_with_retry_after(secretary_a, secretary_b, settings):
    settings.API_RATE_LIMIT = "3/minute"
    _row, first = api_token_create(actor=secretary_a, user=secretary_a, name="1", scope="read", expires_on=in_days(5))
    _row, second = api_token_create(actor=secretary_b, user=secretary_b, name="2", scope="read", expires_on=in_days(5))
    client = bearer(first)
    assert [client.get(reverse("api:plan-list")).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(reverse("api:plan-list"))
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited["Content-Type"] == "application/problem+json" and limited.json()["code"] == "throttled"
    assert bearer(second).get(reverse("api:plan-list")).status_code == 200  # another token counts apart


# --- The token page ----------------------------------------------------------------------------------------


def test_token_page_creates_shows_once_and_revokes(client, secretary_a):
    client.force_login(secretary_a)
    page = client.get(reverse("api_tokens"))
    assert page.status_code == 200 and "token-form" in page.content.decode()
    assert f'value="{in_days(90).isoformat()}"' in page.content.decode()  # 90 days unless chosen otherwise
    created = client.post(
        reverse("api_tokens"), {"name": "大屏", "scope": "read", "expires_on": in_days(90).isoformat()}
    )
    assert created.status_code == 200
    token = created.context["created"][1]
    assert token in created.content.decode()
    assert token not in client.get(reverse("api_tokens")).content.decode()
    row = ApiToken.objects.get()
    assert bearer(token).get(reverse("api:plan-list")).status_code == 200
    client.post(reverse("api_token_revoke", args=[row.pk]))
    assert bearer(token).get(reverse("api:plan-list")).status_code == 401


def test_token_page_errors_keep_nothing(client, secretary_a):
    client.force_login(secretary_a)
    response = client.post(reverse("api_tokens"), {"name": "", "scope": "read", "expires_on": "2001-01-01"})
    assert response.status_code == 422
    assert "这个字段是必填项" in response.content.decode()
    past = client.post(reverse("api_tokens"), {"name": "大屏", "scope": "read", "expires_on": "2001-01-01"})
    assert past.status_code == 422 and "有效期必须晚于今天" in past.content.decode()
    assert 'value="大屏"' in past.content.decode()  # what was typed stays
    assert not ApiToken.objects.exists()


def test_nobody_revokes_another_persons_token_through_the_page(client, secretary_a, secretary_b):
    row, _token = api_token_create(actor=secretary_a, user=secretary_a, name="x", scope="read", expires_on=in_days(5))
    client.force_login(secretary_b)
    assert client.post(reverse("api_token_revoke", args=[row.pk])).status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_system_administrator_makes_tokens_for_service_accounts_on_the_page(client, system_admin, service_account):
    client.force_login(system_admin)
    response = client.post(
        reverse("api_tokens"),
        {"account": service_account.pk, "name": "智慧党建", "scope": "write", "expires_on": in_days(30).isoformat()},
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    assert ApiToken.objects.get().user == service_account
    missing = client.post(reverse("api_tokens"), {"name": "x", "scope": "read", "expires_on": in_days(3).isoformat()})
    assert missing.status_code == 422
