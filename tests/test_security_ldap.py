"""LDAP / Active Directory login against a real OpenLDAP (Debian's slapd, started by the test on a free port in a
temporary folder). The directory checks the password; the account must already exist here."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from tasks.models import AuditEntry, User
from tests.factories import TEST_PASSWORD, UserFactory
from tests.support_sso import LDAP_PASSWORD, install_ldap, start_slapd


@pytest.fixture(scope="module")
def ldap_installed():
    """Skipped without python-ldap (it compiles against OpenLDAP's headers), as on a fresh machine's `make test`;
    a failure in CI, which installs it."""
    try:
        import django_auth_ldap  # noqa: F401
    except ImportError:
        from tests.conftest import require_service

        require_service("django-auth-ldap is not installed (pip install -e '.[ldap]', needs libldap-dev libsasl2-dev)")


@pytest.fixture(scope="module")
def slapd(ldap_installed, tmp_path_factory):
    server = start_slapd(tmp_path_factory.mktemp("slapd"))
    yield server
    server.stop()


@pytest.fixture
def ldap_on(slapd, settings):
    install_ldap(settings, slapd.uri)
    return slapd


def log_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def logged_in_as(client):
    return User.objects.filter(pk=client.session.get(SESSION_KEY)).first()


def test_the_directory_password_logs_an_existing_account_in(client, ldap_on, secretary_a):
    secretary_a.must_change_password = True
    secretary_a.save()
    response = log_in(client, "secretary_a", LDAP_PASSWORD)
    assert response.status_code == 302 and logged_in_as(client) == secretary_a
    assert AuditEntry.objects.get(action="login").detail == {"via": "ldap"}
    # The directory's password rules apply, not ours: no forced change of a local password it never used.
    assert client.get(reverse("home")).status_code == 200
    secretary_a.refresh_from_db()
    assert secretary_a.full_name == "张伟"  # nothing copied from the directory


def test_a_wrong_directory_password_counts_towards_the_lockout(client, ldap_on, secretary_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = log_in(client, "secretary_a", "wrong")
        assert logged_in_as(client) is None
    assert AccessAttempt.objects.get(username="secretary_a").failures_since_start == settings.AXES_FAILURE_LIMIT
    # Locked: the right directory password is refused too.
    response = log_in(client, "secretary_a", LDAP_PASSWORD)
    assert logged_in_as(client) is None and response.status_code == 429


def test_a_directory_user_without_an_account_is_told_so_and_nothing_is_created(client, ldap_on, org):
    users = User.objects.count()
    response = log_in(client, "nobody_here", LDAP_PASSWORD)
    assert response.status_code == 200 and logged_in_as(client) is None
    assert "在本系统中没有对应账号" in response.content.decode()
    assert User.objects.count() == users
    assert AuditEntry.objects.get(action="login_failed").detail["reason"] == "no_account"


def test_the_directory_maps_an_attribute_to_the_username(client, ldap_on, settings, secretary_b):
    settings.LDAP_USERNAME_ATTR = "employeeNumber"
    log_in(client, "zhang.wei", LDAP_PASSWORD)
    assert logged_in_as(client) == secretary_b


def test_an_administrator_cannot_use_the_directory_but_keeps_the_local_password(client, ldap_on, db):
    UserFactory(username="sysadmin", admin_duty="system")
    response = log_in(client, "sysadmin", LDAP_PASSWORD)
    assert logged_in_as(client) is None
    assert "管理员账号须使用本系统密码登录" in response.content.decode()
    log_in(client, "sysadmin", TEST_PASSWORD)
    assert logged_in_as(client).username == "sysadmin"


def test_an_inactive_account_cannot_use_the_directory(client, ldap_on, db):
    UserFactory(username="secretary_a", is_active=False)
    response = log_in(client, "secretary_a", LDAP_PASSWORD)
    assert logged_in_as(client) is None and "该账号已停用" in response.content.decode()


def test_a_directory_that_is_down_is_said_so(client, ldap_installed, settings, secretary_a):
    install_ldap(settings, "ldap://127.0.0.1:9")
    settings.SSO_HTTP_TIMEOUT = 2
    response = log_in(client, "secretary_a", LDAP_PASSWORD)
    assert logged_in_as(client) is None
    assert "无法连接目录服务器" in response.content.decode()
