"""上级要点 → 本级要点 in the admin (zh-hans): read-only, with the rows tasks.access gives the account in the app (the
工委 both bureaus' answers, a bureau its own, never a sister's), behind the duty rule (三员分立). Writes would skip
the service's checks, audit and progress sync (tasks/admin/cascade.py says why): none is offered or accepted."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tasks.models import CascadeLink, User
from tasks.services.cascade import cascade_link_set
from tests.factories import MembershipFactory, UserFactory
from tests.support_browser import zh

pytestmark = pytest.mark.django_db


def staff(user):
    """The account given the admin and every permission on the links: only the rows' scope and read-only limit it."""
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__model="cascadelink"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def links(tree, cascade):
    cascade_link_set(assignment=cascade.to_a, user=tree.a.member, key_tasks=[tree.a.key_task])
    cascade_link_set(assignment=cascade.to_b, user=tree.b.member, key_tasks=[tree.b.key_task])
    return {tag: CascadeLink.objects.get(key_task=bureau.key_task) for tag, bureau in (("a", tree.a), ("b", tree.b))}


def test_the_gongwei_reads_every_answer_below_it_in_chinese(client, tree, links):
    client.force_login(staff(tree.top_member))
    index = client.get(reverse("admin:index")).content.decode()
    assert zh("cascade links") in index  # 上下级要点关联
    listing = client.get(reverse("admin:tasks_cascadelink_changelist")).content.decode()
    for header in ("higher committee", "assignment", "key task", "linked by", "linked at"):
        assert f">{zh(header)}<" in listing, header
    assert "甲局专属重点任务" in listing and "乙局专属重点任务" in listing and "市直机关工委" in listing
    searched = client.get(reverse("admin:tasks_cascadelink_changelist") + "?q=乙局").content.decode()
    assert "乙局专属重点任务" in searched and "甲局专属重点任务" not in searched


def test_a_bureau_reads_its_own_answer_and_nothing_of_its_sister(client, tree, links):
    client.force_login(staff(tree.a.member))
    listing = client.get(reverse("admin:tasks_cascadelink_changelist")).content.decode()
    assert "甲局专属重点任务" in listing and "乙局" not in listing
    assert client.get(reverse("admin:tasks_cascadelink_change", args=[links["a"].pk])).status_code == 200
    # The sister's link is as a link that does not exist: back to the admin's index with a message, nothing shown.
    hidden = client.get(reverse("admin:tasks_cascadelink_change", args=[links["b"].pk]))
    assert hidden.status_code == 302 and "乙局专属重点任务" not in client.get(hidden["Location"]).content.decode()


def test_links_are_never_written_in_the_admin(client, tree, links):
    client.force_login(staff(tree.a.member))
    link = links["a"]
    change_url = reverse("admin:tasks_cascadelink_change", args=[link.pk])
    page = client.get(change_url).content.decode()
    assert 'name="_save"' not in page and zh("Delete") not in page
    assert client.get(reverse("admin:tasks_cascadelink_add")).status_code == 403
    add = {"assignment": link.assignment_id, "key_task": tree.a.key_task.pk, "_save": "1"}
    assert client.post(reverse("admin:tasks_cascadelink_add"), add).status_code == 403
    client.post(change_url, {"assignment": link.assignment_id, "key_task": tree.b.key_task.pk, "_save": "1"})
    assert client.post(reverse("admin:tasks_cascadelink_delete", args=[link.pk]), {"post": "yes"}).status_code == 403
    assert CascadeLink.objects.get(pk=link.pk).key_task == tree.a.key_task
    assert CascadeLink.objects.count() == 2


def test_an_administrator_without_a_work_role_opens_none_of_it(client, links):
    sysadmin = staff(UserFactory(username="sysadmin", admin_duty=User.AdminDuty.SYSTEM))
    client.force_login(sysadmin)
    assert client.get(reverse("admin:tasks_cascadelink_changelist")).status_code == 403
    # A superuser without a work role: the page opens (superuser) but no row is in its scope.
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    listing = client.get(reverse("admin:tasks_cascadelink_changelist"))
    assert listing.status_code == 200 and "甲局专属重点任务" not in listing.content.decode()
    MembershipFactory(user=root, unit=links["a"].assignment.key_task.plan.committee, role="committee")  # the 工委
    root = User.objects.get(pk=root.pk)
    client.force_login(root)
    assert "甲局专属重点任务" in client.get(reverse("admin:tasks_cascadelink_changelist")).content.decode()
