"""The secretary's organisational-life pages: roster, import, recording a meeting, records; the branch wall."""

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tasks.models import AuditEntry, MeetingRecord, PartyMember
from tests.support_browser import zh

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2024, 6, 20, 10, tzinfo=dt.UTC), tick=False):
        yield


def meeting_post(roster, meeting_types, **overrides):
    data = {
        "types": [meeting_types["general_meeting"].pk, meeting_types["theme_day"].pk],
        "held_on": "2024-06-18",
        "place": "三楼会议室",
        "host": "张伟",
        "recorder": "王芳",
        "topics": "学习党纪处分条例",
    }
    for member in roster.members:
        data[f"att-{member.pk}"] = "present"
    data.update(overrides)
    return data


def test_secretary_records_a_meeting_with_attendance_prefilled(client, org, secretary_a, roster, meeting_types):
    client.force_login(secretary_a)
    page = client.get(reverse("meeting_create", args=[org.branch_a1.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for member in roster.members:
        assert f'id="att-{member.pk}-present" value="present" autocomplete="off" checked' in html
    data = meeting_post(roster, meeting_types)
    data[f"att-{roster.members[1].pk}"] = "leave"
    data[f"reason-{roster.members[1].pk}"] = "外出培训"
    response = client.post(reverse("meeting_create", args=[org.branch_a1.pk]), data)
    record = MeetingRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == record.get_absolute_url()
    detail = client.get(record.get_absolute_url()).content.decode()
    assert "外出培训" in detail
    assert (
        zh(
            "Expected %(expected)s, present %(present)s, on leave %(leave)s, absent %(absent)s.",
            expected=5,
            present=4,
            leave=1,
            absent=0,
        )
        in detail
    )


def test_the_next_meeting_form_remembers_place_host_and_recorder(client, org, secretary_a, roster, meeting_types):
    client.force_login(secretary_a)
    client.post(reverse("meeting_create", args=[org.branch_a1.pk]), meeting_post(roster, meeting_types))
    html = client.get(reverse("meeting_create", args=[org.branch_a1.pk])).content.decode()
    assert 'value="三楼会议室"' in html and 'value="王芳"' in html


def test_a_group_meeting_lists_only_its_group(client, org, secretary_a, roster, meeting_types):
    client.force_login(secretary_a)
    html = client.get(
        reverse("meeting_create", args=[org.branch_a1.pk]) + f"?group={roster.group_2.pk}"
    ).content.decode()
    assert all(f'name="att-{m.pk}"' in html for m in roster.members[3:])
    assert not any(f'name="att-{m.pk}"' in html for m in roster.members[:3])


def test_a_future_meeting_comes_back_with_the_error_and_what_was_typed(client, org, secretary_a, roster, meeting_types):
    client.force_login(secretary_a)
    data = meeting_post(roster, meeting_types, held_on="2024-07-01")
    data[f"att-{roster.members[0].pk}"] = "absent"
    response = client.post(reverse("meeting_create", args=[org.branch_a1.pk]), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert zh("The meeting date cannot be in the future: record a meeting after it is held.") in html
    assert f'id="att-{roster.members[0].pk}-absent" value="absent" autocomplete="off" checked' in html
    assert not MeetingRecord.objects.exists()


def test_the_branch_wall(client, org, secretary_a, secretary_b, committee, roster, meeting_types):
    client.force_login(secretary_a)
    client.post(reverse("meeting_create", args=[org.branch_a1.pk]), meeting_post(roster, meeting_types))
    record = MeetingRecord.objects.get()
    client.force_login(secretary_b)
    for url in (
        record.get_absolute_url(),
        reverse("meeting_list", args=[org.branch_a1.pk]),
        reverse("roster", args=[org.branch_a1.pk]),
        reverse("meeting_create", args=[org.branch_a1.pk]),
        reverse("member_edit", args=[roster.members[0].pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert AuditEntry.objects.filter(action="denied").exists()
    client.force_login(committee)  # sees, does not keep
    assert client.get(record.get_absolute_url()).status_code == 200
    assert client.get(reverse("roster", args=[org.branch_a1.pk])).status_code == 200
    assert client.get(reverse("meeting_create", args=[org.branch_a1.pk])).status_code == 404


def test_roster_add_and_edit(client, org, secretary_a, roster):
    client.force_login(secretary_a)
    response = client.post(
        reverse("member_create", args=[org.branch_a1.pk]),
        {
            "name": "吴磊",
            "gender": "male",
            "category": "probationary",
            "party_group": roster.group_1.pk,
            "status": "active",
        },
    )
    assert response.status_code == 302
    member = PartyMember.objects.get(name="吴磊")
    response = client.post(
        reverse("member_edit", args=[member.pk]),
        {
            "version": 1,
            "name": "吴磊",
            "gender": "male",
            "category": "full",
            "party_group": roster.group_2.pk,
            "status": "active",
        },
    )
    member.refresh_from_db()
    assert (member.category, member.party_group) == ("full", roster.group_2)
    html = client.get(reverse("roster", args=[org.branch_a1.pk])).content.decode()
    assert "吴磊" in html and zh("full member") in html


def test_roster_add_with_a_group_of_another_branch_is_refused(client, org, secretary_a, roster):
    client.force_login(secretary_a)
    response = client.post(
        reverse("member_create", args=[org.branch_a1.pk]),
        {
            "name": "吴磊",
            "gender": "male",
            "category": "full",
            "party_group": roster.other_group.pk,
            "status": "active",
        },
    )
    assert response.status_code == 422
    assert (
        zh("The party group “%(group)s” is not a group of this branch.", group="业务党小组")
        in response.content.decode()
    )


def _workbook(rows) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名*", "性别*", "类别", "党小组", "入党时间", "状态"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "名册.xlsx"
    return buffer


def test_roster_import_lists_row_errors_and_writes_nothing(client, org, secretary_a, roster):
    client.force_login(secretary_a)
    upload = _workbook(
        [["吴磊", "男", "正式党员", "第九党小组", "2015-07-01", "在册"], ["郑爽", "女", "", "", "2030-01-01", ""]]
    )
    response = client.post(reverse("roster_import", args=[org.branch_a1.pk]), {"file": upload})
    html = response.content.decode()
    assert response.status_code == 422
    assert (
        zh("“%(group)s” is not a party group of this branch: create it first, or correct the name.", group="第九党小组")
        in html
    )
    assert zh("The date of joining cannot be in the future.") in html
    assert not PartyMember.objects.filter(name__in=["吴磊", "郑爽"]).exists()


def test_roster_import_adds_updates_and_is_idempotent(client, org, secretary_a, roster):
    client.force_login(secretary_a)
    rows = [["吴磊", "男", "预备党员", "第一党小组", "2023-07-01", ""], ["李明", "男", "", "第二党小组", "", "在册"]]
    client.post(reverse("roster_import", args=[org.branch_a1.pk]), {"file": _workbook(rows)})
    assert PartyMember.objects.get(name="吴磊").category == "probationary"
    assert PartyMember.objects.get(name="李明").party_group == roster.group_2
    response = client.post(reverse("roster_import", args=[org.branch_a1.pk]), {"file": _workbook(rows)}, follow=True)
    assert (
        zh(
            "Roster imported: %(created)d added, %(updated)d updated, %(unchanged)d unchanged.",
            created=0,
            updated=0,
            unchanged=2,
        )
        in response.content.decode()
    )


def test_the_template_offers_the_branchs_groups(client, org, secretary_a, roster):
    client.force_login(secretary_a)
    response = client.get(reverse("roster_template", args=[org.branch_a1.pk]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in workbook["党员名册"][1]][:2] == ["姓名*", "性别*"]
    assert [row[0].value for row in workbook["选项"].iter_rows()] == ["第一党小组", "第二党小组"]


# --- Lights on the pages ----------------------------------------------------------------------------------


def test_the_secretarys_home_shows_this_periods_duties(client, org, secretary_a, roster, meeting_types):
    client.force_login(secretary_a)
    client.post(reverse("meeting_create", args=[org.branch_a1.pk]), meeting_post(roster, meeting_types))
    html = client.get(reverse("home")).content.decode()
    assert "orglife-duties" in html
    assert "6月 主题党日" in html and zh("held") in html  # met on 18 June
    assert "6月 支委会" in html and zh("not yet due") in html  # 20 June: 7 working days left
    assert "5月 支委会" in html and zh("record it late") in html  # missed in May


def test_the_committee_matrix_and_dashboard(client, org, committee, secretary_a, roster, meeting_types):
    client.force_login(secretary_a)
    client.post(reverse("meeting_create", args=[org.branch_a1.pk]), meeting_post(roster, meeting_types))
    record = MeetingRecord.objects.get()
    client.force_login(committee)
    html = client.get(reverse("orglife_matrix")).content.decode()
    assert org.branch_a1.label in html and org.branch_b.label in html
    assert "100%" in html  # branch A1's attendance rate
    html = client.get(reverse("orglife_matrix") + "?type=theme_day&year=2024").content.decode()
    assert reverse("meeting_detail", args=[record.pk]) in html
    html = client.get(reverse("dashboard")).content.decode()
    assert "orglife-summary-card" in html
    client.force_login(secretary_a)  # a secretary's matrix holds their branches only
    html = client.get(reverse("orglife_matrix")).content.decode()
    assert org.branch_a1.label in html and org.branch_b.label not in html


def test_the_absences_list(client, org, committee, secretary_b, roster, meeting_types):
    from tasks.models import Attendance

    li = roster.members[0]
    for month in range(1, 7):
        record = MeetingRecord.objects.create(
            unit=org.branch_a1,
            held_on=dt.date(2024, month, 5),
            place="会议室",
            host="张伟",
            recorder="王芳",
            topics="学习",
            created_by=committee,
            expected_count=1,
        )
        Attendance.objects.create(record=record, member=li, status="absent")
    client.force_login(committee)
    html = client.get(reverse("orglife_absences")).content.decode()
    assert "李明" in html and "2024-01" in html and "2024-06" in html
    client.force_login(secretary_b)
    assert "李明" not in client.get(reverse("orglife_absences")).content.decode()


def test_the_committee_adds_a_meeting_type_mid_year(client, org, committee, secretary_a, meeting_types):
    from tasks.models import MeetingType

    client.force_login(secretary_a)
    assert client.get(reverse("meeting_types")).status_code == 404
    client.force_login(committee)
    response = client.post(reverse("meeting_types"), {"name": "专题学习会", "cadence": "quarter", "is_active": "on"})
    assert response.status_code == 302
    added = MeetingType.objects.get(name="专题学习会")
    assert (added.active_from, added.is_active) == (dt.date(2024, 6, 1), True)
    response = client.post(reverse("meeting_types"), {"name": "专题学习会", "cadence": "month"})
    assert response.status_code == 422
    assert zh("A meeting type “%(name)s” already exists.", name="专题学习会") in response.content.decode()
    theme = meeting_types["theme_day"]
    client.post(
        reverse("meeting_type_edit", args=[theme.pk]),
        {"name": "主题党日", "cadence": "quarter", "active_from": "2000-01-01", "is_active": "on"},
    )
    theme.refresh_from_db()
    assert theme.cadence == "quarter"


@time_machine.travel(dt.datetime(2024, 7, 10, 10, 0), tick=False)
def test_the_matrix_by_period_shows_each_party_groups_badge(client, org, committee, secretary_a, roster, meeting_types):
    """A per-group type has one badge per party group in a cell, each titled with its group and linked to the
    record that met it; a branch without groups owes nothing there."""
    record = MeetingRecord.objects.create(
        unit=org.branch_a1,
        held_on=dt.date(2024, 6, 5),
        party_group=roster.group_1,
        place="会议室",
        host="张伟",
        recorder="王芳",
        topics="学习",
        created_by=secretary_a,
    )
    record.types.set([meeting_types["group_meeting"]])
    client.force_login(committee)
    html = client.get(reverse("orglife_matrix") + "?type=group_meeting&year=2024").content.decode()
    link = reverse("meeting_detail", args=[record.pk])
    group_1 = meeting_types["group_meeting"].label + "（第一党小组）"
    group_2 = meeting_types["group_meeting"].label + "（第二党小组）"
    assert f'<a href="{link}" title="{group_1}"><span class="light light-done">' in html
    assert f'<span title="{group_2}"><span class="light light-red">' in html  # June is over: missed
    assert zh("held") in html and zh("missed") in html and zh("not started") in html  # August on: not started
    assert html.count(f'href="{link}"') == 1
    # The summary: held / owed so far per type, linked to the type by period, with the missed ones counted.
    html = client.get(reverse("orglife_matrix") + "?year=2024").content.decode()
    assert 'href="?year=2024&amp;type=group_meeting" class="text-decoration-none matrix-tally"' in html
    held = (
        f'title="{zh("held / owed so far")}">1/14</a> <span class="light light-red"><span aria-hidden="true">▲</span>11'
    )
    assert held in html  # branch A1: 2 groups × January to July owed so far, June's one met, 11 missed


def test_a_file_is_deleted_from_the_record_after_confirmation(
    client, org, secretary_a, secretary_b, committee, roster, meeting_types, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tasks.services.orglife import meeting_record_create

    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    record = meeting_record_create(
        unit=org.branch_a1,
        user=secretary_a,
        types=[meeting_types["theme_day"]],
        held_on=dt.date(2024, 6, 18),
        place="三楼会议室",
        host="张伟",
        recorder="王芳",
        topics="学习党纪处分条例",
        attendance=roster.all_present(),
        files=[SimpleUploadedFile("签到表.png", png)],
    )
    stored = record.files.get()
    url = reverse("meeting_file_delete", args=[record.pk, stored.pk])
    for other in (secretary_b, committee):  # another branch's secretary; the committee reads but does not keep
        client.force_login(other)
        assert client.get(url).status_code == 404 and client.post(url).status_code == 404
    assert "删除" not in client.get(record.get_absolute_url()).content.decode().split('id="meeting-files"')[1][:400]

    client.force_login(secretary_a)
    detail = client.get(record.get_absolute_url()).content.decode()
    assert url in detail
    confirm = client.get(url).content.decode()
    assert zh("Delete “%(name)s”?", name="签到表.png") in confirm and record.files.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302 and response["Location"] == record.get_absolute_url()
    assert not record.files.exists()
    assert zh("File “%(name)s” deleted.", name="签到表.png") in client.get(response["Location"]).content.decode()
    again = client.post(url, follow=True)
    assert zh("This file was already deleted.") in again.content.decode()
