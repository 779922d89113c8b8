"""上级要点 → 本级要点: a bureau answers the 工委's key task with key tasks of its own plan; the 工委 sees that
assignment's progress and light as theirs, drills down read-only, and nobody reports twice."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tasks import access
from tasks.models import Assignment, AuditEntry, CascadeLink
from tasks.rules import Light, local_today
from tasks.selectors import cascade_answers
from tasks.services.cascade import cascade_link_set
from tasks.services.reports import progress_report_approve, progress_report_submit
from tests.factories import AssignmentFactory, KeyTaskFactory


def test_linked_key_tasks_give_the_assignment_their_weighted_progress(tree, cascade):
    a = tree.a
    second = KeyTaskFactory(
        plan=a.plan, area=a.key_task.area, number="1.2", title="甲局第二项", lead_unit=a.committee_unit, weight=3
    )
    AssignmentFactory(key_task=second, unit=a.branch, owner=a.secretary, progress=80)
    cascade_link_set(assignment=cascade.to_a, user=a.member, key_tasks=[a.key_task, second])
    progress_report_approve(report=a.report, reviewer=a.member)  # 甲局 1.1 at 40 %

    cascade.to_a.refresh_from_db()
    assert cascade.to_a.is_cascaded
    assert cascade.to_a.progress == 70  # (40 × 1 + 80 × 3) / 4
    assert cascade.to_a.last_approved_at == local_today()
    assert cascade.to_b.progress == 0 and not Assignment.objects.get(pk=cascade.to_b.pk).is_cascaded


def test_done_when_every_linked_assignment_is_done_and_the_light_follows(tree, cascade):
    a = tree.a
    cascade_link_set(assignment=cascade.to_a, user=a.member, key_tasks=[a.key_task])
    progress_report_approve(report=a.report, reviewer=a.member)
    final = progress_report_submit(
        assignment=a.assignment, author=a.secretary, percent=100, narrative="完成", obstacles="无"
    )
    progress_report_approve(report=final, reviewer=a.member)

    cascade.to_a.refresh_from_db()
    assert (cascade.to_a.status, cascade.to_a.progress) == (Assignment.Status.COMPLETED, 100)
    assert cascade.to_a.completed_at == local_today()
    assert cascade.to_a.light == Light.DONE  # the one light rule, on the stored fields


def test_nobody_reports_twice(tree, cascade):
    cascade_link_set(assignment=cascade.to_a, user=tree.a.member, key_tasks=[tree.a.key_task])
    cascade.to_a.refresh_from_db()
    assert not access.can_report(tree.a.member, cascade.to_a)  # its owner
    with pytest.raises(PermissionDenied):
        progress_report_submit(assignment=cascade.to_a, author=tree.a.member, percent=50, narrative="重复上报")


def test_the_link_is_replaced_and_audited(tree, cascade):
    a = tree.a
    second = KeyTaskFactory(plan=a.plan, area=a.key_task.area, number="1.2", lead_unit=a.committee_unit)
    cascade_link_set(assignment=cascade.to_a, user=a.member, key_tasks=[a.key_task])
    cascade_link_set(assignment=cascade.to_a, user=a.member, key_tasks=[second])
    assert list(CascadeLink.objects.values_list("key_task_id", flat=True)) == [second.pk]
    rows = AuditEntry.objects.filter(object_type="tasks.assignment", object_id=str(cascade.to_a.pk), user=tree.a.member)
    last = rows.order_by("pk").last()
    assert last.detail["cascade"] == {"before": ["1.1"], "after": ["1.2"]}


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        (lambda tree: [], "请至少选择一项"),
        (lambda tree: [tree.b.key_task], "只能选择本委员会"),
        (lambda tree: [tree.a.key_task, tree.top_plan.key_tasks.get()], "只能选择本委员会"),
    ],
)
def test_a_wrong_choice_is_refused_and_nothing_is_linked(tree, cascade, chosen, message):
    with pytest.raises(ValidationError) as refused:
        cascade_link_set(assignment=cascade.to_a, user=tree.a.member, key_tasks=chosen(tree))
    from django.utils import translation

    with translation.override("zh-hans"):
        assert message in " ".join(refused.value.message_dict["key_tasks"])
    assert not CascadeLink.objects.exists()
    assert not Assignment.objects.get(pk=cascade.to_a.pk).is_cascaded


def test_only_the_lower_committee_links(tree, cascade):
    for user in (tree.top_member, tree.b.member, tree.a.secretary):
        with pytest.raises(PermissionDenied):
            cascade_link_set(assignment=cascade.to_a, user=user, key_tasks=[tree.a.key_task])


def test_the_committee_above_drills_down_read_only(client, tree, cascade):
    cascade_link_set(assignment=cascade.to_a, user=tree.a.member, key_tasks=[tree.a.key_task])
    [answer] = cascade_answers(tree.top_member, cascade.to_a)
    assert answer.visible and answer.key_task == tree.a.key_task
    client.force_login(tree.top_member)
    page = client.get(reverse("assignment_detail", args=[cascade.to_a.pk])).content.decode()
    assert tree.a.key_task.get_absolute_url() in page and 'id="cascade-answers"' in page
    assert 'name="cascade-key_tasks"' not in page  # the 工委 does not choose the bureau's answer
    assert client.get(tree.a.key_task.get_absolute_url()).status_code == 200
    assert not access.can_run_plan(tree.top_member, tree.a.plan)
    assert client.post(reverse("cascade_link", args=[cascade.to_a.pk]), {}).status_code == 404


def test_the_lower_committee_links_from_the_assignment_page(client, tree, cascade):
    client.force_login(tree.a.member)
    page = client.get(reverse("assignment_detail", args=[cascade.to_a.pk])).content.decode()
    assert 'name="cascade-key_tasks"' in page and tree.a.key_task.title in page and tree.b.key_task.title not in page
    response = client.post(reverse("cascade_link", args=[cascade.to_a.pk]), {"cascade-key_tasks": [tree.a.key_task.pk]})
    assert response.status_code == 302
    assert Assignment.objects.get(pk=cascade.to_a.pk).is_cascaded
    refused = client.post(reverse("cascade_link", args=[cascade.to_a.pk]), {})
    assert refused.status_code == 422 and "请至少选择一项" in refused.content.decode()
    assert CascadeLink.objects.count() == 1  # the refused post changed nothing


def test_urging_a_cascaded_assignment_tells_the_lower_committee(client, tree, cascade):
    from tasks.models import Reminder

    cascade_link_set(assignment=cascade.to_a, user=tree.a.member, key_tasks=[tree.a.key_task])
    client.force_login(tree.top_member)
    client.post(reverse("assignment_urge", args=[cascade.to_a.pk]), {"message": "请加快进度"})
    told = set(Reminder.objects.filter(kind="urge").values_list("recipient_id", flat=True))
    assert told == {tree.a.member.pk}


def test_the_committee_above_reads_but_does_not_act_on_a_lower_plan(client, tree):
    """The 工委 opens a bureau branch's assignment, but reviewing, urging and deciding are the bureau's."""
    from tasks.services.extensions import extension_request_decide
    from tasks.services.reminders import assignment_urge

    top, a = tree.top_member, tree.a
    client.force_login(top)
    page = client.get(reverse("assignment_detail", args=[a.assignment.pk])).content.decode()
    assert a.key_task.title in page and 'id="urge-box"' not in page
    for deny in (
        lambda: progress_report_approve(report=a.report, reviewer=top),
        lambda: assignment_urge(assignment=a.assignment, urged_by=top),
        lambda: extension_request_decide(extension=a.extension, decided_by=top, approve=True),
    ):
        with pytest.raises(PermissionDenied):
            deny()
    queue = client.get(reverse("review_queue")).content.decode()
    assert a.report.narrative not in queue  # the bureau reviews its own branches' reports
    assert access.can_review(a.member, a.assignment) and not access.can_review(top, a.assignment)
