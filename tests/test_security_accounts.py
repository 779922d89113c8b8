"""等保 accounts: lockout by username, password rules and age, demo passwords, 三员分立."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tasks.models import AuditEntry, Membership, User
from tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def login(client, username, password, ip="10.0.0.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, HTTP_X_REAL_IP=ip)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def secadmin(db):
    return UserFactory(username="secadmin", is_staff=True, admin_duty=User.AdminDuty.SECURITY)


@pytest.fixture
def sysadmin(db):
    return UserFactory(username="sysadmin", is_staff=True, admin_duty=User.AdminDuty.SYSTEM)


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", is_staff=True, admin_duty=User.AdminDuty.AUDIT)


# --- Lockout ---------------------------------------------------------------------------------------


@time_machine.travel(START, tick=False)
def test_five_failures_lock_the_username_for_30_minutes_whatever_the_address(client, secretary_a, secretary_b):
    for attempt in range(5):
        login(client, "secretary_a", "wrong-password", ip=f"10.0.0.{attempt + 1}")
    response = login(client, "secretary_a", TEST_PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429
    assert b'id="account-locked"' in response.content
    assert not logged_in(client)

    # Behind NAT everybody shares an address: another user from the same address is not locked.
    login(client, "secretary_b", TEST_PASSWORD, ip="10.0.0.5")
    assert logged_in(client)
    client.post(reverse("logout"))

    assert AuditEntry.objects.filter(action="login_failed", username="secretary_a").count() == 6
    lock = AuditEntry.objects.get(action="lockout")
    assert (lock.username, lock.result) == ("secretary_a", "failure")

    with time_machine.travel(START + dt.timedelta(minutes=29), tick=False):
        assert login(client, "secretary_a", TEST_PASSWORD).status_code == 429
    with time_machine.travel(START + dt.timedelta(minutes=61), tick=False):
        login(client, "secretary_a", TEST_PASSWORD)
        assert logged_in(client)
    release = AuditEntry.objects.get(action="unlock")
    assert release.detail["username"] == "secretary_a"
    assert release.detail["released_by"] == "cool-off expired"


def test_four_failures_then_success_resets_the_count(client, secretary_a):
    for _ in range(4):
        login(client, "secretary_a", "wrong-password")
    login(client, "secretary_a", TEST_PASSWORD)
    assert logged_in(client)
    client.post(reverse("logout"))
    for _ in range(4):
        login(client, "secretary_a", "wrong-password")
    login(client, "secretary_a", TEST_PASSWORD)
    assert logged_in(client)


def test_the_security_administrator_unlocks_in_the_admin(client, secretary_a, secadmin, sysadmin):
    for _ in range(5):
        login(client, "secretary_a", "wrong-password")
    attempt = AccessAttempt.objects.get(username="secretary_a")

    client.force_login(sysadmin)  # not the system administrator's duty
    url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()

    client.force_login(secadmin)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200
    client.post(url, {"post": "yes"})
    assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()
    release = AuditEntry.objects.get(action="unlock")
    assert (release.username, release.detail["released_by"]) == ("secadmin", "administrator")

    client.post(reverse("logout"))
    login(client, "secretary_a", TEST_PASSWORD)
    assert logged_in(client)


# --- Password rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Ab1-xyz", "password_too_short"),
        ("abcdefghij12", "password_too_simple"),  # two classes
        ("ABCDEFGHIJKL", "password_too_simple"),
        ("Xsecretary_a-9", "password_is_username"),
        ("9-A_yraterces", "password_is_username"),  # reversed
    ],
)
def test_weak_passwords_are_refused(secretary_a, password, code):
    with pytest.raises(ValidationError) as error:
        validate_password(password, secretary_a)
    assert code in [e.code for e in error.value.error_list]


def test_three_classes_and_ten_characters_are_enough(secretary_a):
    validate_password("tea-garden-2031", secretary_a)
    validate_password("TeaGarden2031", secretary_a)


def test_none_of_the_last_five_passwords_may_come_back(secretary_a):
    passwords = [f"Lantern-{n}-Road" for n in range(1, 7)]
    for password in passwords:
        validate_password(password, secretary_a)
        secretary_a.set_password(password)
        secretary_a.save()
    # Current: #6; the last five are #2..#6; #1 has dropped out.
    for recent in passwords[1:]:
        with pytest.raises(ValidationError) as error:
            validate_password(recent, secretary_a)
        assert "password_reused" in [e.code for e in error.value.error_list]
    validate_password(passwords[0], secretary_a)


@time_machine.travel(START, tick=False)
def test_a_password_older_than_90_days_must_be_changed_before_anything_else(client, secretary_a):
    User.objects.filter(pk=secretary_a.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=89))
    client.force_login(secretary_a)
    assert client.get(reverse("home")).status_code == 200

    User.objects.filter(pk=secretary_a.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=90))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("password_change")
    assert client.get(reverse("inbox")).status_code == 302
    page = client.get(reverse("password_change"))
    assert page.status_code == 200 and b'id="password-change-required"' in page.content

    # The same password again is refused.
    response = client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": TEST_PASSWORD,
            "new_password2": TEST_PASSWORD,
        },
    )
    assert response.status_code == 200 and "new_password2" in response.context["form"].errors
    response = client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Autumn-Lake-77",
            "new_password2": "Autumn-Lake-77",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200, "still logged in, and free to go"
    assert AuditEntry.objects.filter(action="password_change", username="secretary_a").count() == 1


def test_an_account_created_in_the_admin_changes_its_password_at_first_login(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post(
        reverse("admin:tasks_user_add"),
        {
            "username": "newcomer",
            "password1": "Spring-Rain-2026",
            "password2": "Spring-Rain-2026",
            "usable_password": "true",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    newcomer = User.objects.get(username="newcomer")
    assert newcomer.must_change_password
    client.force_login(newcomer)
    assert client.get(reverse("home"))["Location"] == reverse("password_change")


def test_demo_passwords_are_refused_outside_debug(client, settings, secretary_a):
    User.objects.filter(pk=secretary_a.pk).update(has_demo_password=True)
    settings.DEBUG = False
    login(client, "secretary_a", TEST_PASSWORD)
    assert not logged_in(client)
    settings.DEBUG = True
    login(client, "secretary_a", TEST_PASSWORD)
    assert logged_in(client)

    secretary_a.refresh_from_db()
    secretary_a.set_password("Winter-Pine-88")
    secretary_a.save()
    settings.DEBUG = False
    client.post(reverse("logout"))
    login(client, "secretary_a", "Winter-Pine-88")
    assert logged_in(client)


# --- 三员分立 ----------------------------------------------------------------------------------------


def test_no_account_is_both_a_duty_administrator_and_a_superuser(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="root", is_staff=True, is_superuser=True, admin_duty=User.AdminDuty.SYSTEM)


def status(client, url_name, *args):
    return client.get(reverse(url_name, args=args)).status_code


@pytest.mark.parametrize(
    ("duty_fixture", "allowed", "refused"),
    [
        (
            "sysadmin",
            ["admin:tasks_user_changelist", "admin:tasks_orgunit_changelist", "admin:tasks_workdayoverride_changelist"],
            [
                "admin:tasks_auditentry_changelist",
                "admin:axes_accessattempt_changelist",
                "admin:tasks_keytask_changelist",
                "admin:tasks_assignment_changelist",
                "admin:tasks_progressreport_changelist",
                "audit_log",
            ],
        ),
        (
            "secadmin",
            ["admin:axes_accessattempt_changelist"],
            [
                "admin:tasks_user_changelist",
                "admin:tasks_auditentry_changelist",
                "admin:tasks_keytask_changelist",
                "admin:tasks_assignment_changelist",
                "audit_log",
            ],
        ),
        (
            "auditor",
            ["admin:tasks_auditentry_changelist", "audit_log"],
            [
                "admin:tasks_user_changelist",
                "admin:axes_accessattempt_changelist",
                "admin:tasks_keytask_changelist",
                "admin:tasks_assignment_changelist",
                "admin:tasks_progressreport_changelist",
                "admin:tasks_historicalassignment_changelist",
            ],
        ),
    ],
)
def test_each_duty_opens_its_own_pages_only(client, request, assignment_a1, duty_fixture, allowed, refused):
    client.force_login(request.getfixturevalue(duty_fixture))
    for url_name in allowed:
        assert status(client, url_name) == 200, url_name
    for url_name in refused:
        assert status(client, url_name) == 403, url_name
    assert AuditEntry.objects.filter(action="denied", username=duty_fixture).count() == len(refused)


def test_duty_accounts_see_no_work_data_in_the_app(client, auditor, assignment_a1):
    client.force_login(auditor)
    assert assignment_a1.key_task.title not in client.get(reverse("home")).content.decode()
    assert status(client, "assignment_detail", assignment_a1.pk) == 404


def test_audit_records_are_never_changed_even_by_the_auditor(client, auditor, assignment_a1):
    entry = AuditEntry.objects.filter(action="change").first()
    client.force_login(auditor)
    assert status(client, "admin:tasks_auditentry_change", entry.pk) == 200  # read-only view
    assert client.post(reverse("admin:tasks_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_duty_account_with_a_work_role_sees_work_data_through_ordinary_permissions(
    client, sysadmin, org, assignment_a1
):
    from django.contrib.auth.models import Permission

    sysadmin.user_permissions.add(Permission.objects.get(codename="view_keytask"))
    client.force_login(sysadmin)
    assert status(client, "admin:tasks_keytask_changelist") == 403, "a permission alone is not enough"
    MembershipFactory(user=sysadmin, unit=org.branch_a, role=Membership.Role.WORKER)
    sysadmin = User.objects.get(pk=sysadmin.pk)
    client.force_login(sysadmin)
    assert status(client, "admin:tasks_keytask_changelist") == 200


def test_a_system_administrator_cannot_change_their_own_duty_or_make_superusers(client, sysadmin):
    from django.contrib.admin import site

    client.force_login(sysadmin)
    model_admin = site._registry[User]
    request = client.get(reverse("admin:tasks_user_change", args=[sysadmin.pk])).wsgi_request
    readonly = model_admin.get_readonly_fields(request, sysadmin)
    assert "admin_duty" in readonly and "is_superuser" in readonly
