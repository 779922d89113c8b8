"""The admin's account and group pages read in Chinese in a real browser, words drawn by its JavaScript included
("Choose 组 by selecting them…"), and the user form has one name field (姓名), not 名字/姓氏 beside it."""

import re

import pytest

from tasks.models import User
from tests.factories import UserFactory
from tests.support_browser import page_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENGLISH_SEEN_BEFORE = [
    "After you",
    "This password is too short",
    "too short",
    "Choose",
    "by selecting them",
    "Available",
    "Chosen",
    "Remove all",
    "First name",
    "Last name",
    "historical",
    "ticket",
    "Historical",
]
# Names that stay as they are in Chinese text: products, the schedule syntax and Webhook (as WeCom and DingTalk
# write it in Chinese: "Webhook 地址").
LATIN_ALLOWED = {
    "Celery",
    "Cron",
    "CAS",
    "Webhook",
    "Control",
    "Command",
    "Mac",
    "ADMIN",
    "admin",
    "sysadmin",
    "newbie",
}


def english_words(text: str) -> set[str]:
    return {word for word in re.findall(r"[A-Za-z][A-Za-z_]{3,}", text) if word not in LATIN_ALLOWED}


@pytest.fixture
def sysadmin(db):
    return UserFactory(username="sysadmin", full_name="系统管理员", is_staff=True, admin_duty=User.AdminDuty.SYSTEM)


@pytest.mark.parametrize("path", ["/admin/tasks/user/add/", "user_change", "/admin/auth/group/add/"])
def test_the_account_and_group_pages_have_no_english_left(browser, live_server, sysadmin, secretary_a, path, width):
    if path == "user_change":
        path = f"/admin/tasks/user/{secretary_a.pk}/change/"
    page = page_for(browser, live_server, sysadmin, width, path)
    page.wait_for_load_state("networkidle")  # the pickers are drawn by the admin's JavaScript
    text = page.inner_text("body")
    assert [phrase for phrase in ENGLISH_SEEN_BEFORE if phrase in text] == []
    options = page.locator("select[multiple] option").all_inner_texts()
    assert sorted({word for option in options for word in english_words(option)}) == []
    assert "名字" not in text and "姓氏" not in text


def test_a_short_password_is_refused_in_chinese(browser, live_server, sysadmin, width):
    page = page_for(browser, live_server, sysadmin, width, "/admin/tasks/user/add/")
    page.fill("input[name=username]", "newbie")
    if page.locator("input[name=usable_password]").count():
        page.locator("input[name=usable_password][value=true]").check()
    page.fill("input[name=password1]", "Ab1!")
    page.fill("input[name=password2]", "Ab1!")
    page.locator("input[type=submit][name=_save]").click()
    page.wait_for_load_state()
    text = page.inner_text("body")
    assert "密码太短" in text
    assert [phrase for phrase in ENGLISH_SEEN_BEFORE if phrase in text] == []
    assert not User.objects.filter(username="newbie").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/tasks/meetingtype/add/",
        "/admin/tasks/partymember/",
        "member_change",
        "record_change",
        "/admin/tasks/meetingrecord/",
        "/admin/tasks/historicalmeetingrecord/",
    ],
)
def test_the_organisational_life_pages_have_no_english_left(
    browser, live_server, committee, secretary_a, org, path, width
):
    """The committee's own account, staff with the organisational-life permissions (tests/test_admin_orglife.py
    holds the scope): the roster, a record with its attendance and files, the types' form and the change log."""
    from tests.support_orglife import recorded_meeting
    from tests.test_admin_orglife import staff

    record = recorded_meeting(org, secretary_a)
    member = record.attendance.first().member
    path = {
        "member_change": f"/admin/tasks/partymember/{member.pk}/change/",
        "record_change": f"/admin/tasks/meetingrecord/{record.pk}/change/",
    }.get(path, path)
    page = page_for(browser, live_server, staff(committee), width, path)
    page.wait_for_load_state("networkidle")
    text = page.inner_text("body")
    assert "学习党纪处分条例" in text or "党员名册" in text or "组织生活" in text or "会议类型" in text
    assert [phrase for phrase in ENGLISH_SEEN_BEFORE if phrase in text] == []
    left = sorted(word for word in english_words(text) if word.lower() != committee.username)
    assert left == [], left


@pytest.mark.parametrize("path", ["/admin/tasks/cascadelink/", "link_change"])
def test_the_cascade_link_pages_have_no_english_left(browser, live_server, tree, cascade, path, width):
    """The 工委 member, staff with the links' permissions (tests/test_admin_cascade.py holds the scope and read-only):
    the list and a link's read-only page."""
    from tasks.models import CascadeLink
    from tasks.services.cascade import cascade_link_set
    from tests.test_admin_cascade import staff

    cascade_link_set(assignment=cascade.to_a, user=tree.a.member, key_tasks=[tree.a.key_task])
    link = CascadeLink.objects.get()
    path = {"link_change": f"/admin/tasks/cascadelink/{link.pk}/change/"}.get(path, path)
    page = page_for(browser, live_server, staff(tree.top_member), width, path)
    page.wait_for_load_state("networkidle")
    text = page.inner_text("body")
    assert "上下级要点关联" in text and "甲局专属重点任务" in text and "上级党委" in text
    assert [phrase for phrase in ENGLISH_SEEN_BEFORE if phrase in text] == []
    left = sorted(word for word in english_words(text) if word.lower() != tree.top_member.username)
    assert left == [], left
