"""Every change to accounts, memberships, units, duties, working-day overrides, robot webhooks and periodic
schedules writes an audit row: who, when, from where, and old → new (`detail["changes"]`), secrets masked.
Users, memberships and units keep change history like the work data."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from tasks.models import AuditEntry, Membership, OrgUnit, User, WorkdayOverride
from tests.factories import UserFactory

SECRET = "SEC0123456789abcdefSECRET"
TOKEN = "d1e5a9c07f0b4c2aTOKEN"


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def sysadmin(db):
    return UserFactory(username="sysadmin", is_staff=True, admin_duty=User.AdminDuty.SYSTEM)


def last_change(obj) -> AuditEntry:
    return AuditEntry.objects.filter(action="change", object_type=obj._meta.label_lower, object_id=str(obj.pk)).latest(
        "id"
    )


def test_a_unit_renamed_in_the_admin_is_audited_with_who_where_and_old_to_new(client, sysadmin, org):
    unit = org.branch_b
    client.force_login(sysadmin)
    response = client.post(
        reverse("admin:tasks_orgunit_change", args=[unit.pk]),
        {
            "name": "业务一科第一党支部",
            "short_name": "",
            "kind": unit.kind,
            "parent": unit.parent_id,
            "sort_order": "0",
            "is_active": "on",
            "robot_kind": "",
            "robot_webhook_url": "",
            "robot_secret": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
        HTTP_X_REAL_IP="10.8.8.8",
    )
    assert response.status_code == 302
    row = last_change(unit)
    assert (row.username, row.ip, row.result) == ("sysadmin", "10.8.8.8", "success")
    assert row.detail["changes"] == {"name": ["业务一科党支部", "业务一科第一党支部"]}
    assert unit.history.count() == 2  # created, renamed


def test_robot_webhooks_and_secrets_are_said_to_change_never_shown(sysadmin, org):
    unit = org.branch_b
    unit.robot_kind = OrgUnit.Robot.DINGTALK
    unit.robot_webhook_url = f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"
    unit.robot_secret = SECRET
    unit.save()
    unit.robot_webhook_url = f"https://evil.example/robot/send?access_token={TOKEN}"
    unit.save()
    unit.robot_secret = SECRET + "2"
    unit.save()
    rows = AuditEntry.objects.filter(object_type="tasks.orgunit", object_id=str(unit.pk)).order_by("id")
    details = " ".join(str(row.detail) for row in rows)
    assert TOKEN not in details and SECRET not in details
    robot, moved, secret = (row.detail["changes"] for row in rows[len(rows) - 3 :])
    assert robot["robot_kind"] == ["—", "钉钉群机器人"]
    assert robot["robot_webhook_url"] == ["—", "https://oapi.dingtalk.com/…"]
    assert robot["robot_secret"][1] == "已更改"
    assert moved == {"robot_webhook_url": ["https://oapi.dingtalk.com/…", "https://evil.example/…"]}
    assert secret == {"robot_secret": ["******", "已更改"]}


def test_accounts_duties_and_memberships_are_audited_and_have_history(root, org, client):
    client.force_login(root)
    client.post(
        reverse("admin:tasks_user_add"),
        {
            "username": "newadmin",
            "password1": "Spring-Rain-2026",
            "password2": "Spring-Rain-2026",
            "usable_password": "true",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    account = User.objects.get(username="newadmin")
    created = last_change(account)
    assert created.detail["history_type"] == "+" and created.username == "root"
    assert created.detail["changes"]["username"] == ["—", "newadmin"]
    assert "password" not in created.detail["changes"]
    assert account.password not in str(created.detail)

    account.admin_duty = User.AdminDuty.AUDIT
    account.save()
    assert last_change(account).detail["changes"] == {"admin_duty": ["—", "审计管理员"]}

    membership = Membership.objects.create(user=UserFactory(username="worker"), unit=org.branch_a, role="member")
    membership.role = Membership.Role.WORKER
    membership.save()
    assert last_change(membership).detail["changes"] == {"role": ["党员", "党务工作者"]}
    membership_id = membership.pk
    membership.delete()
    deleted = AuditEntry.objects.filter(object_type="tasks.membership", object_id=str(membership_id)).latest("id")
    assert deleted.detail["history_type"] == "-" and deleted.detail["changes"]["role"] == ["党务工作者", "—"]
    assert {record.history_type for record in Membership.history.filter(id=membership_id)} == {"+", "~", "-"}
    assert account.history.count() == 2


def test_a_login_is_not_a_change_of_the_account(client, secretary_a):
    before = AuditEntry.objects.filter(action="change").count()
    client.post(reverse("login"), {"username": "secretary_a", "password": "Correct-Horse-42"})
    assert AuditEntry.objects.filter(action="change").count() == before
    assert secretary_a.history.count() == 1


def test_groups_and_permissions_of_an_account_are_audited(root, secretary_a):
    group = Group.objects.create(name="值班")
    group_row = last_change(group)
    assert group_row.detail["changes"] == {"name": ["—", "值班"]}
    secretary_a.groups.add(group)
    row = last_change(secretary_a)
    assert row.detail["changes"] == {"groups": ["—", "值班"]}
    group.permissions.add(Permission.objects.get(codename="view_auditentry"))
    assert "审计" in last_change(group).detail["changes"]["permissions"][1]


def test_working_day_overrides_are_audited_from_the_admin(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post(
        reverse("admin:tasks_workdayoverride_add"),
        {"date": "2027-02-06", "is_workday": "on", "note": "调休上班"},
        HTTP_X_REAL_IP="10.9.9.9",
    )
    assert response.status_code == 302
    override = WorkdayOverride.objects.get()
    row = last_change(override)
    assert (row.username, row.ip, row.detail["history_type"]) == ("sysadmin", "10.9.9.9", "+")
    assert row.detail["changes"]["date"] == ["—", "2027-02-06"] and row.detail["changes"]["note"] == ["—", "调休上班"]
    override.is_workday = False
    override.save()
    assert last_change(override).detail["changes"] == {"is_workday": ["是", "否"]}
    pk = override.pk
    override.delete()
    gone = AuditEntry.objects.filter(object_type="tasks.workdayoverride", object_id=str(pk)).latest("id")
    assert gone.detail["history_type"] == "-"


def test_periodic_schedules_are_audited_but_not_the_schedulers_own_bookkeeping(db):
    crontab = CrontabSchedule.objects.create(minute="0", hour="9", timezone="Asia/Shanghai")
    task = PeriodicTask.objects.create(name="每日提醒", task="tasks.jobs.scan_reminders", crontab=crontab)
    assert last_change(task).detail["history_type"] == "+"
    crontab.hour = "7"
    crontab.save()
    assert last_change(crontab).detail["changes"] == {"hour": ["9", "7"]}
    task.enabled = False
    task.save()
    assert last_change(task).detail["changes"] == {"enabled": ["是", "否"]}

    rows = AuditEntry.objects.count()
    task.last_run_at = timezone.now()
    task.total_run_count = 12
    task.save()  # what beat writes after every run
    assert AuditEntry.objects.count() == rows

    interval = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES)
    task.crontab, task.interval = None, interval
    task.save()
    changes = last_change(task).detail["changes"]
    assert set(changes) == {"crontab", "interval"} and changes["interval"][0] == "—"


def test_the_admin_enable_action_on_schedules_is_audited(client, root):
    crontab = CrontabSchedule.objects.create(minute="0", hour="9", timezone="Asia/Shanghai")
    task = PeriodicTask.objects.create(
        name="每周汇总", task="tasks.jobs.scan_reminders", crontab=crontab, enabled=False
    )
    client.force_login(root)
    client.post(
        reverse("admin:django_celery_beat_periodictask_changelist"),
        {"action": "enable_tasks", "_selected_action": [task.pk]},
    )
    task.refresh_from_db()
    assert task.enabled
    assert last_change(task).detail["changes"] == {"enabled": ["否", "是"]}
    assert last_change(task).username == "root"


def test_history_started_for_rows_that_existed_before(db):
    """The data migration gave existing rows a first record, so the first change after it shows old → new."""
    from importlib import import_module

    from django.apps import apps

    unit = OrgUnit.objects.create(name="老单位")
    OrgUnit.history.filter(id=unit.pk).delete()  # as before the upgrade: no history
    import_module("tasks.migrations.0009_account_history_initial").first_records(apps, None)
    unit.name = "新单位"
    unit.save()
    assert last_change(unit).detail["changes"] == {"name": ["老单位", "新单位"]}
    assert OrgUnit.history.filter(id=unit.pk).earliest("history_date").history_change_reason == "history started"
