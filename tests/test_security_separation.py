"""三员分立 against each of the three duty accounts, probed as an attacker would: straight POSTs to the admin's
URLs, inline forms, and the services the admin calls. No duty account gives itself (or another) a work role; the
system administrator cannot set the security or audit administrator's password, nor grant administrative power;
a password an administrator sets must be changed at the next login."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tasks.models import AuditEntry, Membership, User
from tasks.services.accounts import membership_save, user_password_set, user_save
from tests.factories import UserFactory

NEW_PASSWORD = "Spring-Rain-2026"


@pytest.fixture
def sysadmin(db):
    return UserFactory(username="sysadmin", is_staff=True, admin_duty=User.AdminDuty.SYSTEM)


@pytest.fixture
def secadmin(db):
    return UserFactory(username="secadmin", is_staff=True, admin_duty=User.AdminDuty.SECURITY)


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", is_staff=True, admin_duty=User.AdminDuty.AUDIT)


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def password_post(password=NEW_PASSWORD):
    return {"password1": password, "password2": password, "usable_password": "true", "set_usable_password": "true"}


def membership_inline(prefix="memberships", **row):
    data = {f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0"}
    data.update({f"{prefix}-0-{name}": value for name, value in row.items()})
    return data


def user_change_post(user, **extra):
    """The user change form as the admin renders it for `user`, with `extra` fields changed."""
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "phone": user.phone,
        "is_active": "on",
        "date_joined_0": timezone.localtime(user.date_joined).strftime("%Y-%m-%d"),
        "date_joined_1": timezone.localtime(user.date_joined).strftime("%H:%M:%S"),
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


# --- Work roles ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("duty", ["sysadmin", "secadmin", "auditor"])
def test_no_duty_account_gives_itself_or_another_duty_account_a_work_role(
    client, request, org, duty, sysadmin, auditor
):
    actor = request.getfixturevalue(duty)
    victim = auditor if actor != auditor else sysadmin
    # Whatever permissions it holds besides its duty's.
    actor.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["add_membership", "change_membership", "change_user", "change_orgunit"]
        )
    )
    client.force_login(actor)
    for target in (actor, victim):
        # The membership admin.
        client.post(
            reverse("admin:tasks_membership_add"),
            {"user": target.pk, "unit": org.committee_unit.pk, "role": Membership.Role.COMMITTEE},
        )
        # The unit's inline.
        client.post(
            reverse("admin:tasks_orgunit_change", args=[org.committee_unit.pk]),
            {
                "name": org.committee_unit.name,
                "kind": org.committee_unit.kind,
                "sort_order": "0",
                "is_active": "on",
                **membership_inline(user=target.pk, role=Membership.Role.COMMITTEE),
            },
        )
        # The user's inline.
        client.post(
            reverse("admin:tasks_user_change", args=[target.pk]),
            user_change_post(target, **membership_inline(unit=org.committee_unit.pk, role=Membership.Role.COMMITTEE)),
        )
        # The service itself.
        with pytest.raises(PermissionDenied):
            membership_save(
                actor=actor,
                membership=Membership(user=target, unit=org.committee_unit, role=Membership.Role.COMMITTEE),
            )
    assert not Membership.objects.filter(user__admin_duty__gt="").exists()
    client.force_login(actor)
    assert client.get(reverse("key_task_list")).status_code in (200, 302)  # still nothing of the work data


def test_the_membership_form_says_why_where_the_administrator_is_looking(client, sysadmin, org):
    client.force_login(sysadmin)
    response = client.post(
        reverse("admin:tasks_membership_add"),
        {"user": sysadmin.pk, "unit": org.committee_unit.pk, "role": Membership.Role.COMMITTEE},
    )
    assert response.status_code == 200
    assert "三员分立" in response.content.decode()
    assert not Membership.objects.filter(user=sysadmin).exists()


def test_the_system_administrator_still_gives_ordinary_accounts_their_roles(client, sysadmin, org, outsider):
    client.force_login(sysadmin)
    response = client.post(
        reverse("admin:tasks_membership_add"),
        {"user": outsider.pk, "unit": org.branch_b.pk, "role": Membership.Role.SECRETARY},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=outsider)
    row = AuditEntry.objects.filter(action="change", object_type="tasks.membership").latest("id")
    assert (row.username, row.object_id, row.detail["history_type"]) == ("sysadmin", str(membership.pk), "+")
    assert row.detail["changes"]["role"] == ["—", "书记"]
    assert row.detail["changes"]["user"] == ["—", str(outsider)]


def test_a_superuser_may_give_a_duty_account_a_work_role(root, auditor, org):
    membership_save(actor=root, membership=Membership(user=auditor, unit=org.branch_a, role=Membership.Role.MEMBER))
    assert Membership.objects.filter(user=auditor).exists()


# --- Passwords ----------------------------------------------------------------------------------------


def test_a_password_set_by_an_administrator_must_be_changed_at_the_next_login(client, sysadmin, secretary_a):
    client.force_login(sysadmin)
    response = client.post(reverse("admin:auth_user_password_change", args=[secretary_a.pk]), password_post())
    assert response.status_code == 302
    secretary_a.refresh_from_db()
    assert secretary_a.check_password(NEW_PASSWORD) and secretary_a.must_change_password

    client.logout()
    client.post(reverse("login"), {"username": "secretary_a", "password": NEW_PASSWORD})
    assert client.get(reverse("home"))["Location"] == reverse("password_change")
    row = AuditEntry.objects.filter(action="password_change").latest("id")
    assert (row.username, row.object_id, row.detail["set_by_administrator"]) == ("sysadmin", str(secretary_a.pk), True)
    assert NEW_PASSWORD not in str(row.detail) and secretary_a.password not in str(row.detail)


@pytest.mark.parametrize("target", ["secadmin", "auditor", "root"])
def test_the_system_administrator_cannot_set_another_duty_or_superuser_password(client, request, sysadmin, target):
    victim = request.getfixturevalue(target)
    before = User.objects.get(pk=victim.pk).password
    client.force_login(sysadmin)
    url = reverse("admin:auth_user_password_change", args=[victim.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, password_post()).status_code == 403
    # Nor through the account form: deactivating, renaming or re-mailing the account is refused as well.
    response = client.post(
        reverse("admin:tasks_user_change", args=[victim.pk]), user_change_post(victim, email="x@x.cn")
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        user_password_set(actor=sysadmin, user=victim, password=NEW_PASSWORD)
    victim.refresh_from_db()
    assert victim.password == before and victim.email != "x@x.cn"
    assert AuditEntry.objects.filter(action="denied", username="sysadmin").exists()


def test_only_the_security_administrator_resets_administrators_passwords_and_never_their_own(
    client, secadmin, sysadmin, auditor
):
    client.force_login(secadmin)
    listing = client.get(reverse("admin:tasks_administratoraccount_changelist")).content.decode()
    assert "auditor" in listing and "sysadmin" in listing
    for account in (auditor, sysadmin):
        url = reverse("admin:tasks_administratoraccount_password_change", args=[account.pk])
        assert client.post(url, password_post()).status_code == 302
        account.refresh_from_db()
        assert account.check_password(NEW_PASSWORD) and account.must_change_password
    own = reverse("admin:tasks_administratoraccount_password_change", args=[secadmin.pk])
    assert client.get(own).status_code == 403
    assert client.post(own, password_post()).status_code == 403
    # The security administrator has no way into ordinary accounts or the user admin.
    assert client.get(reverse("admin:auth_user_password_change", args=[auditor.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        user_password_set(actor=secadmin, user=secadmin, password=NEW_PASSWORD)


def test_the_auditor_resets_nobody(client, auditor, secretary_a, secadmin):
    client.force_login(auditor)
    for url in (
        reverse("admin:auth_user_password_change", args=[secretary_a.pk]),
        reverse("admin:tasks_administratoraccount_password_change", args=[secadmin.pk]),
    ):
        assert client.post(url, password_post()).status_code == 403
    assert not User.objects.get(pk=secretary_a.pk).check_password(NEW_PASSWORD)


# --- Administrative power -----------------------------------------------------------------------------


def test_the_system_administrator_grants_no_duty_staff_status_group_or_permission(client, sysadmin, secretary_a):
    group = Group.objects.create(name="全部权限")
    group.permissions.set(Permission.objects.all())
    client.force_login(sysadmin)
    client.post(
        reverse("admin:tasks_user_change", args=[secretary_a.pk]),
        user_change_post(
            secretary_a,
            admin_duty=User.AdminDuty.SECURITY,
            is_staff="on",
            is_superuser="on",
            groups=[group.pk],
            user_permissions=[Permission.objects.get(codename="view_auditentry").pk],
        ),
    )
    secretary_a.refresh_from_db()
    assert (secretary_a.admin_duty, secretary_a.is_staff, secretary_a.is_superuser) == ("", False, False)
    assert not secretary_a.groups.exists() and not secretary_a.user_permissions.exists()

    secretary_a.admin_duty = User.AdminDuty.AUDIT
    with pytest.raises(PermissionDenied):
        user_save(actor=sysadmin, user=secretary_a)
    with pytest.raises(PermissionDenied):
        user_save(actor=sysadmin, user=User.objects.get(pk=secretary_a.pk), groups=[group])
    with pytest.raises(PermissionDenied):
        user_save(actor=sysadmin, user=User(username="ghost", admin_duty=User.AdminDuty.SECURITY))


def test_the_system_administrator_cannot_change_their_own_duty(client, sysadmin):
    client.force_login(sysadmin)
    client.post(reverse("admin:tasks_user_change", args=[sysadmin.pk]), user_change_post(sysadmin, admin_duty=""))
    sysadmin.refresh_from_db()
    assert sysadmin.admin_duty == User.AdminDuty.SYSTEM


def test_an_account_created_by_the_system_administrator_starts_with_a_forced_change(client, sysadmin, org):
    client.force_login(sysadmin)
    response = client.post(
        reverse("admin:tasks_user_add"),
        {
            "username": "newcomer",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "usable_password": "true",
            **membership_inline(unit=org.branch_b.pk, role=Membership.Role.MEMBER),
        },
    )
    assert response.status_code == 302
    newcomer = User.objects.get(username="newcomer")
    assert newcomer.must_change_password and newcomer.memberships.count() == 1


def test_the_bootstrap_superuser_makes_the_three_administrators(root):
    account = user_save(actor=root, user=User(username="secadmin2", admin_duty=User.AdminDuty.SECURITY, is_staff=True))
    assert account.admin_duty == User.AdminDuty.SECURITY and account.must_change_password
