import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_every_model_has_a_chinese_admin_that_searches(client, superuser, assignment_a1):
    client.force_login(superuser)
    index = client.get(reverse("admin:index")).content.decode()
    assert "重点任务" in index
    assert "承办任务" in index
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        query = "?q=党" if model_admin.search_fields else ""
        response = client.get(url + query)
        assert response.status_code == 200, (model, response.status_code)


def test_change_log_is_searchable_and_read_only(client, superuser, assignment_a1):
    from tasks.models import Assignment

    client.force_login(superuser)
    url = reverse("admin:tasks_historicalassignment_changelist")
    assert client.get(url).status_code == 200
    record = Assignment.history.first()
    change_url = reverse("admin:tasks_historicalassignment_change", args=[record.pk])
    response = client.post(change_url, {})
    assert response.status_code == 403


@pytest.fixture
def sysadmin(db):
    from tasks.models import User

    return UserFactory(username="sysadmin", is_staff=True, admin_duty=User.AdminDuty.SYSTEM)


@pytest.fixture
def secadmin(db):
    from tasks.models import User

    return UserFactory(username="secadmin", is_staff=True, admin_duty=User.AdminDuty.SECURITY)


def test_the_user_forms_are_in_chinese_with_one_name_field(client, sysadmin, secretary_a):
    client.force_login(sysadmin)
    add = client.get(reverse("admin:tasks_user_add")).content.decode()
    assert "创建用户后" in add and "After you" not in add

    change = client.get(reverse("admin:tasks_user_change", args=[secretary_a.pk])).content.decode()
    assert 'name="full_name"' in change
    assert 'name="first_name"' not in change and 'name="last_name"' not in change
    assert "名字" not in change and "姓氏" not in change

    refused = client.post(
        reverse("admin:tasks_user_add"),
        {"username": "newbie", "usable_password": "true", "password1": "Ab1!", "password2": "Ab1!"},
    ).content.decode()
    assert "密码太短" in refused and "too short" not in refused


def test_the_group_pickers_and_their_javascript_words_are_in_chinese(client, sysadmin):
    client.force_login(sysadmin)
    page = client.get(reverse("admin:auth_group_add")).content.decode()
    assert "可以查看定时作业" in page and "Can view" not in page
    catalogue = client.get("/admin/jsi18n/").content.decode()
    assert "\\u9009\\u4e2d\\u8981\\u6dfb\\u52a0" in catalogue or "选中要添加" in catalogue  # 选中要添加的%s…


def test_celery_schedules_are_labelled_as_system_jobs_not_party_tasks(client, sysadmin):
    client.force_login(sysadmin)
    index = client.get(reverse("admin:index")).content.decode()
    assert "系统定时作业" in index and "定时作业" in index
    assert "周期任务" not in index and "周期性任务" not in index
    form = client.get(reverse("admin:django_celery_beat_periodictask_add")).content.decode()
    assert "Translation:" not in form and "作业 (已注册的)" in form


def test_the_security_administrator_reads_login_lockouts_in_chinese(client, secadmin):
    client.force_login(secadmin)
    index = client.get(reverse("admin:index")).content.decode()
    assert "登录锁定" in index and "Axes" not in index
    attempts = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert "登录尝试" in attempts and "Access attempt" not in attempts


def test_a_deadline_moved_in_the_admin_moves_the_stored_light(client, superuser, assignment_a1):
    import datetime as dt

    import time_machine

    from tasks.services.lights import lights_current

    client.force_login(superuser)
    url = reverse("admin:tasks_assignment_change", args=[assignment_a1.pk])
    with time_machine.travel(dt.datetime(2023, 7, 10, 2, 0, tzinfo=dt.UTC)):
        lights_current()
        assignment_a1.refresh_from_db()
        assert assignment_a1.light == "yellow"  # 0 % in July
        response = client.post(
            url,
            {
                "key_task": assignment_a1.key_task_id,
                "unit": assignment_a1.unit_id,
                "owner": assignment_a1.owner_id,
                "deadline": "2023-07-07",
                "weight": "1",
                "_save": "1",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    assignment_a1.refresh_from_db()
    assert (assignment_a1.deadline, assignment_a1.light) == (dt.date(2023, 7, 7), "red")


def test_reverting_an_assignment_in_the_admin_stores_its_light(client, superuser, assignment_a1):
    """simple-history's revert page saves the old version past save_related: the light follows all the same."""
    import datetime as dt

    import time_machine

    from tasks.services.lights import lights_current, lights_refresh

    client.force_login(superuser)
    with time_machine.travel(dt.datetime(2023, 7, 10, 2, 0, tzinfo=dt.UTC)):
        lights_current()
        before = assignment_a1.history.first()
        assignment_a1.deadline = dt.date(2023, 7, 7)
        assignment_a1.save()
        lights_refresh(assignment_a1)
        assert assignment_a1.light == "red"
        url = reverse("admin:tasks_assignment_simple_history", args=[assignment_a1.pk, before.history_id])
        response = client.post(
            url,
            {
                "key_task": assignment_a1.key_task_id,
                "unit": assignment_a1.unit_id,
                "owner": assignment_a1.owner_id,
                "deadline": before.deadline.isoformat(),
                "weight": "1",
                "_save": "1",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    assignment_a1.refresh_from_db()
    assert (assignment_a1.deadline, assignment_a1.light) == (before.deadline, "yellow")


def _key_task_form(key_task):
    """The key task's change form as the admin posts it, with its assignments inline."""
    from django.forms.models import model_to_dict

    data = {name: value for name, value in model_to_dict(key_task).items() if value is not None}
    data["cooperating_units"] = [unit.pk for unit in data.get("cooperating_units", [])]
    assignments = list(key_task.assignments.order_by("pk"))
    data |= {
        "assignments-TOTAL_FORMS": len(assignments),
        "assignments-INITIAL_FORMS": len(assignments),
        "assignments-MIN_NUM_FORMS": 0,
        "assignments-MAX_NUM_FORMS": 1000,
        "_save": "1",
    }
    for i, assignment in enumerate(assignments):
        data |= {
            f"assignments-{i}-id": assignment.pk,
            f"assignments-{i}-key_task": key_task.pk,
            f"assignments-{i}-unit": assignment.unit_id,
            f"assignments-{i}-owner": assignment.owner_id,
            f"assignments-{i}-deadline": assignment.deadline.isoformat(),
            f"assignments-{i}-weight": assignment.weight,
        }
    return data


def test_a_key_task_saved_in_the_admin_refreshes_its_assignments_lights_once(client, superuser, assignment_a1):
    """After the inlines, not once more after the key task alone."""
    from unittest import mock

    from tasks.services.lights import lights_refresh

    key_task = assignment_a1.key_task
    client.force_login(superuser)
    data = _key_task_form(key_task) | {"title": "全面贯彻“第一议题”制度（修订）"}
    with mock.patch("tasks.admin.work.lights_refresh", wraps=lights_refresh) as refresh:
        response = client.post(reverse("admin:tasks_keytask_change", args=[key_task.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    key_task.refresh_from_db()
    assert key_task.title == "全面贯彻“第一议题”制度（修订）"
    refresh.assert_called_once()
    assert list(refresh.call_args.args[0]) == [assignment_a1]


def test_a_key_task_reverted_in_the_admin_refreshes_its_assignments_lights_once(client, superuser, assignment_a1):
    from unittest import mock

    from tasks.services.lights import lights_refresh

    key_task = assignment_a1.key_task
    before = key_task.history.first()
    key_task.title = "改过的标题"
    key_task.save()
    client.force_login(superuser)
    url = reverse("admin:tasks_keytask_simple_history", args=[key_task.pk, before.history_id])
    data = _key_task_form(before.instance)
    with mock.patch("tasks.admin.work.lights_refresh", wraps=lights_refresh) as refresh:
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    key_task.refresh_from_db()
    assert key_task.title == before.title
    refresh.assert_called_once()
    assert list(refresh.call_args.args[0]) == [assignment_a1]


def test_a_report_cannot_be_reverted_to_an_old_version_in_the_admin(client, superuser, assignment_a1, secretary_a):
    """Reports move only through the services (an approval moves progress): simple-history's revert page would save
    an old version past them."""
    from tasks.models import Membership
    from tasks.services import progress_report_approve, progress_report_submit
    from tests.factories import MembershipFactory

    report = progress_report_submit(
        assignment=assignment_a1, author=secretary_a, percent=40, narrative="完成学习", obstacles="无"
    )
    submitted = report.history.first()
    MembershipFactory(user=superuser, unit=assignment_a1.unit, role=Membership.Role.COMMITTEE)
    progress_report_approve(report=report, reviewer=superuser)
    client.force_login(superuser)
    url = reverse("admin:tasks_progressreport_simple_history", args=[report.pk, submitted.history_id])
    assert client.get(url).status_code == 200  # the old version can be read
    assert client.post(url, {"_save": "1"}).status_code == 403
    report.refresh_from_db()
    assert report.state == "approved"
