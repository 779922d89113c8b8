"""Single sign-on against real protocol partners on this machine (tests/support_sso.py): an OpenID Connect
provider, a CAS server, WeCom's and DingTalk's login APIs, and OpenLDAP. An identity logs in to an existing account
only; lockout, inactive accounts, 三员分立, session time-outs and the audit log apply as they do to passwords."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.urls import reverse

from tasks.models import AuditEntry, Membership, User
from tests.factories import TEST_PASSWORD, UserFactory
from tests.support_sso import FakeCAS, FakeOIDCProvider, install_dingtalk, install_wecom, oauth_log_in


def logged_in_as(client):
    return User.objects.filter(pk=client.session.get(SESSION_KEY)).first()


def shown_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def lock(username, settings):
    AccessAttempt.objects.create(
        username=username,
        ip_address="10.0.0.9",
        user_agent="test",
        path_info="/accounts/login/",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        get_data="",
        post_data="",
        http_accept="",
    )


@pytest.fixture
def oidc(httpserver, settings):
    return FakeOIDCProvider(httpserver).install(settings)


@pytest.fixture
def cas(httpserver, settings):
    return FakeCAS(httpserver).install(settings)


# --- OpenID Connect -----------------------------------------------------------------------------------------------


def test_oidc_logs_an_existing_account_in_with_a_new_session_and_an_audit_row(client, oidc, secretary_a):
    secretary_a.must_change_password = True  # a local password rule: it has no say over a single sign-on session
    secretary_a.save()
    client.get(reverse("login"))
    before = client.session.session_key

    response = oidc.log_in(client, next_url="/inbox/")

    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert logged_in_as(client) == secretary_a and client.session.session_key != before
    entry = AuditEntry.objects.get(action="login")
    assert entry.username == "secretary_a" and entry.detail == {"via": "oidc"}
    assert client.get("/inbox/").status_code == 200  # not sent to change a password it does not use
    # The token request carried the PKCE verifier and the client's secret (the provider checked both).
    assert oidc.token_requests[0]["code_verifier"]


def test_oidc_maps_a_configured_claim_to_the_username(client, oidc, settings, secretary_b):
    settings.OIDC_USERNAME_CLAIM = "employee_no"
    oidc.claims = {"preferred_username": "liu.fang", "employee_no": "secretary_b"}
    oidc.log_in(client)
    assert logged_in_as(client) == secretary_b


def test_oidc_identity_without_an_account_is_refused_and_nothing_is_created(client, oidc, org):
    oidc.claims = {"preferred_username": "stranger"}
    users = User.objects.count()

    response = oidc.log_in(client)

    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert logged_in_as(client) is None and User.objects.count() == users
    page = client.get(reverse("login"))
    assert "你的统一身份认证账号在本系统中没有对应账号" in page.content.decode()
    entry = AuditEntry.objects.get(action="login_failed")
    assert entry.username == "stranger" and entry.detail == {"via": "oidc", "reason": "no_account"}
    assert Membership.objects.filter(user__username="stranger").count() == 0


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"is_active": False}, "inactive"),
        ({"admin_duty": "system"}, "administrator"),
        ({"admin_duty": "audit"}, "administrator"),
        ({"is_superuser": True}, "administrator"),
    ],
)
def test_oidc_refuses_inactive_and_administrator_accounts(client, oidc, db, change, reason):
    UserFactory(username="secretary_a", **change)
    response = oidc.log_in(client)
    assert logged_in_as(client) is None
    assert AuditEntry.objects.get(action="login_failed").detail["reason"] == reason
    assert shown_messages(response)


def test_a_locked_account_cannot_get_in_through_oidc(client, oidc, secretary_a, settings):
    lock("secretary_a", settings)
    response = oidc.log_in(client)
    assert logged_in_as(client) is None
    assert "登录失败次数过多" in shown_messages(response)[0]
    assert AuditEntry.objects.get(action="login_failed").detail["reason"] == "locked"


def test_refused_single_sign_ons_lock_nobody_out(client, oidc, secretary_a, settings):
    """A callback has no username: were axes to count it, six strangers would lock every single sign-on out."""
    oidc.claims = {"preferred_username": "stranger"}
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        oidc.log_in(client)
    assert not AccessAttempt.objects.exists()
    oidc.claims = {"preferred_username": "secretary_a"}
    oidc.log_in(client)
    assert logged_in_as(client) == secretary_a


def test_oidc_rejects_an_id_token_signed_by_another_key(client, oidc, secretary_a):
    from cryptography.hazmat.primitives.asymmetric import rsa

    oidc.sign_with = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = oidc.log_in(client)
    assert response.status_code == 302 and logged_in_as(client) is None
    assert AuditEntry.objects.get(action="login_failed").detail["reason"] == "provider_error"


def test_oidc_rejects_a_replayed_nonce(client, oidc, secretary_a):
    oidc.nonce_override = "someone-elses-nonce"
    oidc.log_in(client)
    assert logged_in_as(client) is None
    assert AuditEntry.objects.get(action="login_failed").detail["reason"] == "provider_error"


def test_oidc_token_endpoint_down_is_a_message_not_a_server_error(client, oidc, secretary_a):
    oidc.token_status = 503
    response = oidc.log_in(client)
    assert response.status_code == 302
    assert "统一身份认证平台" in shown_messages(response)[0]


def test_oidc_callback_with_an_unknown_state_or_a_cancel(client, oidc, secretary_a):
    client.get("/accounts/sso/oidc/")
    response = client.get("/accounts/sso/oidc/callback/", {"code": "x", "state": "forged"})
    assert response.status_code == 302 and logged_in_as(client) is None
    response = client.get("/accounts/sso/oidc/callback/", {"error": "access_denied", "state": "forged"})
    assert response.status_code == 302
    reasons = list(AuditEntry.objects.filter(action="login_failed").values_list("detail__reason", flat=True))
    assert sorted(reasons) == ["cancelled", "state"]


def test_single_sign_on_sessions_time_out_like_any_other(client, oidc, secretary_a):
    start = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        oidc.log_in(client)
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=31), tick=False):
        response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert AuditEntry.objects.get(action="logout").detail["reason"] == "idle"


def test_providers_that_are_off_answer_404_and_show_no_button(client, db):
    for path in ("/accounts/sso/oidc/", "/accounts/sso/oidc/callback/", "/accounts/sso/cas/", "/accounts/sso/wecom/"):
        assert client.get(path).status_code == 404, path
    assert "data-sso" not in client.get(reverse("login")).content.decode()


def test_the_login_page_offers_each_provider_that_is_on(client, oidc, cas, settings, httpserver):
    install_wecom(settings, httpserver)
    settings.OIDC_LABEL = "市统一身份认证平台"
    page = client.get(reverse("login") + "?next=/inbox/").content.decode()
    assert "市统一身份认证平台" in page and "统一身份认证（CAS）" in page and "企业微信登录" in page
    assert 'href="/accounts/sso/oidc/?next=/inbox/"' in page


# --- CAS ----------------------------------------------------------------------------------------------------------


def test_cas_logs_an_existing_account_in(client, cas, secretary_a):
    response = cas.log_in(client, next_url="/inbox/")
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert logged_in_as(client) == secretary_a
    assert AuditEntry.objects.get(action="login").detail == {"via": "cas"}


def test_cas_maps_an_attribute_and_never_applies_platform_roles(client, cas, settings, secretary_b):
    settings.CAS_USERNAME_ATTRIBUTE = "employeeNo"
    cas.user, cas.attributes = "liu.fang", {"employeeNo": "secretary_b", "is_superuser": "True", "is_staff": "True"}
    cas.log_in(client)
    secretary_b.refresh_from_db()
    assert logged_in_as(client) == secretary_b and not secretary_b.is_superuser and not secretary_b.is_staff


def test_cas_unknown_user_and_forged_ticket_are_refused_visibly(client, cas, org):
    cas.user = "stranger"
    response = cas.log_in(client)
    assert logged_in_as(client) is None and response["Location"] == reverse("login")
    response = client.get("/accounts/sso/cas/", {"ticket": "ST-forged"})
    assert response.status_code == 302 and shown_messages(response)
    reasons = sorted(AuditEntry.objects.filter(action="login_failed").values_list("detail__reason", flat=True))
    assert reasons == ["no_account", "provider_error"]


def test_cas_single_logout_ends_the_session(client, cas, secretary_a):
    cas.log_in(client)
    from django_cas_ng.models import SessionTicket

    ticket = SessionTicket.objects.get().ticket
    logout_request = (
        '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="1" Version="2.0" '
        'IssueInstant="2026-03-02T08:00:00Z"><saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">'
        f"secretary_a</saml:NameID><samlp:SessionIndex>{ticket}</samlp:SessionIndex></samlp:LogoutRequest>"
    )
    from django.test import Client

    Client().post("/accounts/sso/cas/", {"logoutRequest": logout_request})
    assert client.get(reverse("home")).status_code == 302
    assert AuditEntry.objects.get(action="logout").detail == {"reason": "cas_single_logout"}


# --- WeCom ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def wecom(httpserver, settings):
    install_wecom(settings, httpserver)
    return httpserver


def expect_wecom_token(server, token="wecom-token"):  # noqa: S107 - the fake platform's token
    server.expect_request(
        "/wecom/cgi-bin/gettoken", query_string={"corpid": "ww-corp", "corpsecret": "wecom-secret"}
    ).respond_with_json({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})


def test_wecom_login_from_the_workbench_and_from_a_browser(client, wecom, secretary_a):
    expect_wecom_token(wecom)
    wecom.expect_request(
        "/wecom/cgi-bin/auth/getuserinfo", query_string={"access_token": "wecom-token", "code": "the-code"}
    ).respond_with_json({"errcode": 0, "errmsg": "ok", "userid": "secretary_a", "user_ticket": "t"})

    inside = client.get("/accounts/sso/wecom/", HTTP_USER_AGENT="Mozilla/5.0 wxwork/4.1.0 MicroMessenger/7.0.1")
    assert inside["Location"].startswith(wecom.url_for("/wecom/connect/oauth2/authorize"))
    assert "scope=snsapi_base" in inside["Location"] and inside["Location"].endswith("#wechat_redirect")
    outside = client.get("/accounts/sso/wecom/")
    assert outside["Location"].startswith(wecom.url_for("/wecom/wwlogin/sso/login"))
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A8000%2Faccounts%2Fsso%2Fwecom%2Fcallback%2F" in outside["Location"]

    response = oauth_log_in(client, "wecom")
    assert response.status_code == 302 and logged_in_as(client) == secretary_a
    assert AuditEntry.objects.get(action="login").detail == {"via": "wecom"}


def test_wecom_token_is_kept_and_renewed_when_revoked(client, wecom, secretary_a, secretary_b):
    expect_wecom_token(wecom, token="old")
    wecom.expect_oneshot_request(
        "/wecom/cgi-bin/auth/getuserinfo", query_string={"access_token": "old", "code": "c1"}
    ).respond_with_json({"errcode": 0, "userid": "secretary_a"})
    oauth_log_in(client, "wecom", code="c1")
    client.logout()
    # Second login: the cached token is used (no second gettoken), found revoked, renewed once.
    wecom.clear()
    wecom.expect_oneshot_request(
        "/wecom/cgi-bin/auth/getuserinfo", query_string={"access_token": "old", "code": "c2"}
    ).respond_with_json({"errcode": 42001, "errmsg": "access_token expired"})
    expect_wecom_token(wecom, token="new")
    wecom.expect_request(
        "/wecom/cgi-bin/auth/getuserinfo", query_string={"access_token": "new", "code": "c2"}
    ).respond_with_json({"errcode": 0, "userid": "secretary_b"})
    oauth_log_in(client, "wecom", code="c2")
    assert logged_in_as(client) == secretary_b


def test_wecom_visitor_who_is_not_a_member_is_refused(client, wecom, org):
    expect_wecom_token(wecom)
    wecom.expect_request("/wecom/cgi-bin/auth/getuserinfo").respond_with_json(
        {"errcode": 0, "openid": "o-visitor", "external_userid": "x"}
    )
    response = oauth_log_in(client, "wecom")
    assert logged_in_as(client) is None and shown_messages(response)
    assert AuditEntry.objects.get(action="login_failed").detail["reason"] == "no_account"


def test_wecom_callback_with_a_wrong_state_or_an_unreachable_platform(client, wecom, secretary_a, settings):
    client.get("/accounts/sso/wecom/")
    response = client.get("/accounts/sso/wecom/callback/", {"code": "c", "state": "forged"})
    assert response.status_code == 302 and logged_in_as(client) is None
    settings.WECOM_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port
    response = oauth_log_in(client, "wecom")
    assert logged_in_as(client) is None and "统一身份认证平台" in shown_messages(response)[-1]
    reasons = sorted(AuditEntry.objects.filter(action="login_failed").values_list("detail__reason", flat=True))
    assert reasons == ["provider_error", "state"]


# --- DingTalk -------------------------------------------------------------------------------------------------------


@pytest.fixture
def dingtalk(httpserver, settings):
    install_dingtalk(settings, httpserver)
    httpserver.expect_request(
        "/ding/api/v1.0/oauth2/userAccessToken",
        method="POST",
        json={
            "clientId": "ding-app",
            "clientSecret": "ding-secret",
            "code": "the-code",
            "grantType": "authorization_code",
        },
    ).respond_with_json({"accessToken": "user-token", "refreshToken": "r", "expireIn": 7200})
    httpserver.expect_request(
        "/ding/api/v1.0/contact/users/me", headers={"x-acs-dingtalk-access-token": "user-token"}
    ).respond_with_json({"nick": "刘芳", "unionId": "union-1", "mobile": "13800000000"})
    httpserver.expect_request("/ding/oapi/gettoken").respond_with_json(
        {"errcode": 0, "access_token": "app-token", "expires_in": 7200}
    )
    return httpserver


def test_dingtalk_login_maps_the_staff_userid(client, dingtalk, secretary_b):
    dingtalk.expect_request(
        "/ding/oapi/topapi/user/getbyunionid", query_string={"access_token": "app-token"}, json={"unionid": "union-1"}
    ).respond_with_json({"errcode": 0, "result": {"contact_type": 0, "userid": "secretary_b"}})
    start = client.get("/accounts/sso/dingtalk/")
    assert "client_id=ding-app" in start["Location"] and "scope=openid" in start["Location"]
    response = oauth_log_in(client, "dingtalk")
    assert response.status_code == 302 and logged_in_as(client) == secretary_b
    assert AuditEntry.objects.get(action="login").detail == {"via": "dingtalk"}


def test_dingtalk_can_map_a_profile_field(client, dingtalk, settings, org):
    settings.DINGTALK_USERNAME_CLAIM = "mobile"
    user = UserFactory(username="13800000000")
    oauth_log_in(client, "dingtalk")
    assert logged_in_as(client) == user


def test_dingtalk_personal_account_is_refused(client, dingtalk, org):
    dingtalk.expect_request("/ding/oapi/topapi/user/getbyunionid").respond_with_json(
        {"errcode": 60121, "errmsg": "找不到该用户"}
    )
    response = oauth_log_in(client, "dingtalk")
    assert logged_in_as(client) is None and shown_messages(response)
    assert AuditEntry.objects.get(action="login_failed").detail["reason"] == "no_account"


# --- Local passwords when single sign-on is the way in ---------------------------------------------------------------


def test_local_passwords_for_administrators_only(client, settings, secretary_a):
    settings.SSO_LOCAL_LOGIN = "administrators"
    UserFactory(username="sysadmin", admin_duty="system")

    response = client.post(reverse("login"), {"username": "secretary_a", "password": TEST_PASSWORD})
    assert response.status_code == 200 and logged_in_as(client) is None
    assert "除系统管理员、安全管理员、审计管理员外" in response.content.decode()
    # No password was checked, so the attempt does not count towards a lockout that would also shut SSO.
    assert not AccessAttempt.objects.filter(username="secretary_a").exists()
    assert AuditEntry.objects.get(action="login_failed").detail["reason"] == "local_disabled"

    client.post(reverse("login"), {"username": "sysadmin", "password": TEST_PASSWORD})
    assert logged_in_as(client).username == "sysadmin"


def test_a_wrong_administrator_password_still_counts_towards_the_lockout(client, settings, db):
    settings.SSO_LOCAL_LOGIN = "administrators"
    UserFactory(username="secadmin", admin_duty="security")
    client.post(reverse("login"), {"username": "secadmin", "password": "wrong"})
    assert AccessAttempt.objects.get(username="secadmin").failures_since_start == 1
