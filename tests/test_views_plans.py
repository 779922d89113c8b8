"""The committee's plan pages over HTTP: who may open them (committee yes; a secretary and the system
administrator are told a committee role is needed; what does not exist is a 404), publish and close through
their confirmation pages, edits refused with the reason on the page, and the draft labelled wherever it shows."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tasks.models import AnnualPlan, Assignment, InboxMessage, KeyTask, User
from tests.factories import AreaFactory, AssignmentFactory, KeyTaskFactory, PlanFactory, UserFactory

COMMITTEE_ROLE = "此页面需要党委角色"


@pytest.fixture
def sysadmin(db):
    return UserFactory(username="sysadmin", is_staff=True, admin_duty=User.AdminDuty.SYSTEM)


@pytest.fixture
def draft(org, secretary_a):
    plan = PlanFactory(year=2024, status=AnnualPlan.Status.DRAFT)
    key_task = KeyTaskFactory(
        plan=plan,
        area=AreaFactory(plan=plan, name="组织建设"),
        number="3.1",
        title="开展主题党日活动",
        lead_unit=org.branch_a1,
        start_date=dt.date(2024, 1, 2),
        deadline=dt.date(2024, 12, 31),
    )
    AssignmentFactory(key_task=key_task, unit=org.branch_a1, owner=secretary_a)
    return plan


def plan_urls(plan, key_task, assignment):
    return [
        reverse("plan_list"),
        reverse("plan_detail", args=[plan.year]),
        reverse("plan_publish", args=[plan.year]),
        reverse("plan_close", args=[plan.year]),
        reverse("key_task_edit", args=[key_task.pk]),
        reverse("assignment_edit", args=[assignment.pk]),
        reverse("assignment_remove", args=[assignment.pk]),
        reverse("plan_import"),
    ]


def test_the_committee_opens_every_plan_page(client, draft, committee):
    client.force_login(committee)
    key_task = draft.key_tasks.get()
    for url in plan_urls(draft, key_task, key_task.assignments.get()):
        assert client.get(url).status_code == 200, url


def test_a_secretary_is_told_a_committee_role_is_needed(client, draft, assignment_a1, secretary_a):
    """Even on an assignment she may see and report on: its edit page is the committee's."""
    client.force_login(secretary_a)
    for url in plan_urls(draft, assignment_a1.key_task, assignment_a1):
        response = client.get(url)
        assert response.status_code == 403, url
        assert COMMITTEE_ROLE in response.content.decode(), url
    response = client.post(reverse("plan_publish", args=[draft.year]))
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == AnnualPlan.Status.DRAFT


def test_the_system_administrator_gets_a_403_that_says_why(client, draft, sysadmin):
    client.force_login(sysadmin)
    for url in (reverse("plan_import"), reverse("plan_list"), reverse("plan_detail", args=[draft.year])):
        response = client.get(url)
        assert response.status_code == 403
        body = response.content.decode()
        assert COMMITTEE_ROLE in body and "系统管理员、安全管理员和审计管理员账户不能查看党建业务数据" in body


def test_what_does_not_exist_stays_a_404(client, draft, committee):
    client.force_login(committee)
    assert client.get(reverse("plan_detail", args=[1999])).status_code == 404
    assert client.get(reverse("key_task_edit", args=[987654])).status_code == 404
    assert client.get(reverse("assignment_edit", args=[987654])).status_code == 404


def test_publish_says_who_gets_what_then_publishes_once(client, draft, committee, secretary_a):
    client.force_login(committee)
    page = client.get(reverse("plan_publish", args=[draft.year])).content.decode()
    table = page.split('id="publish-units"')[1].split("</table>")[0]
    assert "办公室党支部" in table and "张伟" in table
    assert "向 1 人各发送一次通知" in page

    response = client.post(reverse("plan_publish", args=[draft.year]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("plan_detail", args=[draft.year])
    assert "2024年度计划已发布：已就 1 项承办任务通知 1 人。" in response.content.decode()
    again = client.post(reverse("plan_publish", args=[draft.year]))
    assert again.status_code == 422
    assert "2024年度计划已经发布，未重复通知任何人。" in again.content.decode()
    assert InboxMessage.objects.filter(user=secretary_a).count() == 1


def test_closing_before_the_year_ends_is_refused_on_the_page(client, committee):
    plan = PlanFactory(year=dt.date.today().year)
    client.force_login(committee)
    response = client.post(reverse("plan_close", args=[plan.year]))
    assert response.status_code == 422
    assert f"{plan.year}年度尚未结束" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == AnnualPlan.Status.PUBLISHED


def key_task_post(key_task, **changes):
    data = {
        "title": key_task.title,
        "description": key_task.description,
        "start_date": key_task.start_date.isoformat(),
        "deadline": key_task.deadline.isoformat(),
        "metric_name": key_task.metric_name,
        "metric_unit": key_task.metric_unit,
        "target_value": "" if key_task.target_value is None else str(key_task.target_value),
        "weight": str(key_task.weight),
        "cadence": key_task.cadence,
        "responsible_leader": key_task.responsible_leader_id or "",
        "version": key_task.version,
    }
    data.update(changes)
    return data


def test_a_key_task_edit_saves_and_a_stale_one_says_so(client, key_task, committee):
    client.force_login(committee)
    url = reverse("key_task_edit", args=[key_task.pk])
    response = client.post(url, key_task_post(key_task, title="全面贯彻“第一议题”制度（修订）", evidence_required="on"))
    assert response.status_code == 302
    key_task.refresh_from_db()
    assert key_task.title.endswith("（修订）") and key_task.evidence_required and key_task.version == 2

    stale = client.post(url, key_task_post(key_task, title="另一人的修改", version=1))
    assert stale.status_code == 422
    assert "该内容已被他人修改，请刷新页面后重试。" in stale.content.decode()
    assert KeyTask.objects.get(pk=key_task.pk).title.endswith("（修订）")


def test_a_key_task_deadline_before_its_start_is_shown_at_the_field(client, key_task, committee):
    client.force_login(committee)
    response = client.post(reverse("key_task_edit", args=[key_task.pk]), key_task_post(key_task, deadline="2023-01-01"))
    assert response.status_code == 422
    assert "完成时限 2023-01-01 早于开始日期 2023-01-03。" in response.content.decode()


def test_an_assignment_is_added_and_changed_from_the_key_task_page(client, key_task, committee, org, secretary_b):
    client.force_login(committee)
    response = client.post(reverse("assignment_add", args=[key_task.pk]), {"add-unit": org.branch_b.pk})
    assert response.status_code == 302
    assignment = Assignment.objects.get(key_task=key_task, unit=org.branch_b)
    assert assignment.owner == secretary_b

    response = client.post(
        reverse("assignment_edit", args=[assignment.pk]),
        {"owner": secretary_b.pk, "deadline": "2023-11-30", "version": assignment.version},
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.deadline == dt.date(2023, 11, 30)
    timeline = client.get(reverse("key_task_detail", args=[key_task.pk])).content.decode()
    assert "2023-12-29" in timeline and "2023-11-30" in timeline


def test_the_draft_is_labelled_in_the_year_choosers(client, draft, committee, plan):
    client.force_login(committee)
    for name in ("home", "dashboard", "exports"):
        body = client.get(reverse(name)).content.decode()
        assert "2024（草稿）" in body, name
    body = client.get(reverse("plan_list")).content.decode()
    assert "plan-status-draft" in body.split('id="plan-2024"')[1].split('id="plan-2023"')[0]


def test_the_import_check_lists_by_name_what_would_change(client, org, committee, secretary_a, secretary_b):
    from tests.test_services_plan_import import good_rows, xlsx

    client.force_login(committee)
    rows = good_rows()
    rows[1][5] = "各党支部"
    upload = SimpleUploadedFile("任务清单.xlsx", xlsx(rows))

    response = client.post(reverse("plan_import"), {"file": upload, "year": 2023, "dry_run": "on"})

    body = response.content.decode()
    created = body.split('id="import-created"')[1].split("</ul>")[0]
    assert "将新增的重点任务" in body and "开展“月读一书”活动" in created
    assert "机关党总支、业务一科党支部、办公室党支部" in created
    assert not KeyTask.objects.exists()


def test_the_unit_sees_in_its_timeline_that_the_committee_moved_its_deadline(
    client, assignment_a1, committee, secretary_a
):
    from tasks.services.plans import assignment_update

    assignment_update(
        assignment=assignment_a1, user=committee, expected_version=1, owner=secretary_a, deadline=dt.date(2023, 10, 31)
    )
    client.force_login(secretary_a)
    body = client.get(reverse("assignment_detail", args=[assignment_a1.pk])).content.decode()
    assert "党委调整了完成时限" in body
    assert "<del>2023-12-29</del> → <ins>2023-10-31</ins>" in body
