"""Organisational life's forms in real Chromium at 375 and 1280 px, submitted wrong: the error is visible where
the secretary is, what was typed and tapped is still there, and nothing is saved. SCREENSHOT_DIR=... keeps
screenshots of each page for a person to look at."""

import datetime as dt
import io
import os

import pytest
from openpyxl import Workbook

from tasks.models import MeetingRecord, PartyGroup, PartyMember
from tests.support_browser import expect_visible_text, page_for, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name, width):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)


def test_meeting_in_the_future_and_leave_without_reason(browser, live_server, org, secretary_a, roster, width):
    page = page_for(browser, live_server, secretary_a, width, f"/orglife/{org.branch_a1.pk}/meetings/new/")
    page.locator("#meeting-types label", has_text="支部党员大会").click()
    page.locator("#meeting-types label", has_text="主题党日").click()
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    page.fill("#id_held_on", tomorrow.isoformat())
    page.fill("#id_place", "三楼会议室")
    page.fill("#id_recorder", "王芳")
    page.fill("#id_topics", "学习党纪处分条例")
    chen = roster.members[3]
    page.click(f"label[for=att-{chen.pk}-leave]")
    assert page.is_visible(f"input[name=reason-{chen.pk}]")
    assert not page.is_visible(f"input[name=reason-{roster.members[0].pk}]")
    page.click(f"label[for=att-{roster.members[4].pk}-absent]")
    expect_visible_text(page, "应到 5 · 实到 3 · 请假 1 · 缺席 1")
    shot(page, "meeting-form", width)
    page.click("#meeting-form button[type=submit]")
    expect_visible_text(page, zh("The meeting date cannot be in the future: record a meeting after it is held."))
    expect_visible_text(page, zh("Give the reason for leave of %(name)s.", name=chen.name))
    assert page.input_value("#id_topics") == "学习党纪处分条例"
    assert page.is_checked(f"#att-{chen.pk}-leave")
    shot(page, "meeting-form-errors", width)
    assert not MeetingRecord.objects.exists()
    # Corrected, it is saved and the record shows its counts.
    page.fill("#id_held_on", dt.date.today().isoformat())
    page.fill(f"input[name=reason-{chen.pk}]", "出差")
    page.click("#meeting-form button[type=submit]")
    expect_visible_text(page, zh("Meeting recorded: %(present)d of %(expected)d present.", present=3, expected=5))
    shot(page, "meeting-detail", width)
    assert MeetingRecord.objects.get().leave_count == 1


def test_member_without_name_or_gender(browser, live_server, org, secretary_a, roster, width):
    page = page_for(browser, live_server, secretary_a, width, f"/orglife/{org.branch_a1.pk}/members/new/")
    page.select_option("#id_party_group", label="第二党小组")
    page.click("#member-form button[type=submit]")
    expect_visible_text(page, "这个字段是必填项。")
    shot(page, "member-form-errors", width)
    page.fill("#id_name", "李明")
    page.get_by_label("男").check()
    page.click("#member-form button[type=submit]")
    expect_visible_text(page, "已在本支部名册中")
    assert page.input_value("#id_name") == "李明"
    assert PartyMember.objects.filter(name="李明").count() == 1


def test_a_second_party_group_of_the_same_name(browser, live_server, org, secretary_a, roster, width):
    page = page_for(browser, live_server, secretary_a, width, f"/orglife/{org.branch_a1.pk}/members/")
    shot(page, "roster", width)
    page.fill("#group-form #id_name", "第一党小组")
    page.click("#group-form button[type=submit]")
    expect_visible_text(page, zh("This branch already has a party group “%(name)s”.", name="第一党小组"))
    assert page.input_value("#group-form #id_name") == "第一党小组"
    assert PartyGroup.objects.filter(unit=org.branch_a1).count() == 2


def test_roster_import_shows_each_row_error(browser, live_server, org, secretary_a, roster, width, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名*", "性别*", "类别", "党小组", "入党时间", "状态"])
    sheet.append(["吴磊", "男", "正式党员", "第九党小组", "2015-07-01", "在册"])
    sheet.append(["郑爽", "F", "", "", "", ""])
    path = tmp_path / "名册.xlsx"
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())
    page = page_for(browser, live_server, secretary_a, width, f"/orglife/{org.branch_a1.pk}/members/import/")
    page.set_input_files("#id_file", str(path))
    page.click("#roster-import-form button[type=submit]")
    expect_visible_text(
        page,
        zh(
            "“%(group)s” is not a party group of this branch: create it first, or correct the name.", group="第九党小组"
        ),
    )
    expect_visible_text(page, zh("Write 男 or 女."))
    shot(page, "roster-import-errors", width)
    assert not PartyMember.objects.filter(name__in=["吴磊", "郑爽"]).exists()


def test_duties_and_matrix_are_readable(
    browser, live_server, org, committee, secretary_a, roster, meeting_types, width
):
    """The secretary's home and the committee's matrix show their lights at both widths (screenshots)."""
    from tasks.services.orglife import meeting_record_create
    from tasks.services.orglife.meetings import AttendanceLine

    today = dt.date.today()
    meeting_record_create(
        unit=org.branch_a1,
        user=secretary_a,
        types=[meeting_types["theme_day"], meeting_types["general_meeting"]],
        held_on=today,
        place="三楼会议室",
        host="张伟",
        recorder="王芳",
        topics="学习党纪处分条例",
        attendance=[AttendanceLine(m.pk, "present" if i else "absent") for i, m in enumerate(roster.members)],
    )
    page = page_for(browser, live_server, secretary_a, width, "/")
    expect_visible_text(page, f"{today.month}月 主题党日")
    shot(page, "home-duties", width)
    page = page_for(browser, live_server, secretary_a, width, f"/orglife/{org.branch_a1.pk}/meetings/")
    expect_visible_text(page, "学习党纪处分条例")
    shot(page, "meeting-list", width)
    page = page_for(browser, live_server, committee, width, "/orglife/matrix/")
    expect_visible_text(page, org.branch_a1.label)
    shot(page, "matrix", width)
    page = page_for(browser, live_server, committee, width, "/orglife/matrix/?type=theme_day")
    expect_visible_text(page, f"{today.month}月")
    shot(page, "matrix-theme-day", width)


def test_a_meeting_type_of_a_name_taken(browser, live_server, committee, meeting_types, width):
    page = page_for(browser, live_server, committee, width, "/orglife/types/")
    page.fill("#meeting-type-form #id_name", "主题党日")
    page.click("#meeting-type-form button[type=submit]")
    expect_visible_text(page, zh("A meeting type “%(name)s” already exists.", name="主题党日"))
    shot(page, "meeting-types-errors", width)
    assert page.input_value("#meeting-type-form #id_name") == "主题党日"


def test_deleting_the_last_file_a_type_asks_for(browser, live_server, org, secretary_a, roster, meeting_types, width):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tasks.services.orglife import meeting_record_create

    theme_day = meeting_types["theme_day"]
    theme_day.evidence_required = True
    theme_day.save()
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    record = meeting_record_create(
        unit=org.branch_a1,
        user=secretary_a,
        types=[theme_day],
        held_on=dt.date.today() - dt.timedelta(days=2),
        place="三楼会议室",
        host="张伟",
        recorder="王芳",
        topics="学习党纪处分条例",
        attendance=roster.all_present(),
        files=[SimpleUploadedFile("签到表.png", png), SimpleUploadedFile("合影.png", png)],
    )
    page = page_for(browser, live_server, secretary_a, width, record.get_absolute_url())
    page.locator("#meeting-files li", has_text="合影.png").get_by_role("link", name="删除").click()
    expect_visible_text(page, zh("Delete “%(name)s”?", name="合影.png"))
    page.click("#delete-button")
    expect_visible_text(page, zh("File “%(name)s” deleted.", name="合影.png"))
    assert page.locator("#meeting-files li").all_inner_texts()[0].startswith("签到表.png")

    page.locator("#meeting-files li", has_text="签到表.png").get_by_role("link", name="删除").click()
    page.click("#delete-button")
    expect_visible_text(
        page,
        zh("%(types)s asks for files: add another file to the record before deleting its last one.", types="主题党日"),
    )
    shot(page, "meeting-file-delete", width)
    assert [f.original_name for f in MeetingRecord.objects.get(pk=record.pk).files.all()] == ["签到表.png"]
