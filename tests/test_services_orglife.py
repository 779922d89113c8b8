"""The roster, party groups, meeting types and meeting records: who may write, what is refused, what is kept."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tasks import access
from tasks.models import Attendance, AuditEntry, MeetingFile, MeetingRecord, MeetingType, PartyGroup, PartyMember
from tasks.services.orglife import (
    meeting_file_delete,
    meeting_record_create,
    meeting_record_update,
    meeting_type_save,
    party_group_create,
    party_member_create,
    party_member_update,
)
from tasks.services.orglife.meetings import AttendanceLine
from tests.support_browser import zh

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2024, 6, 20, 10, tzinfo=dt.UTC), tick=False):
        yield


PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def record_kwargs(org, roster, meeting_types, **overrides):
    values = {
        "unit": org.branch_a1,
        "types": [meeting_types["general_meeting"], meeting_types["theme_day"]],
        "held_on": dt.date(2024, 6, 18),
        "place": "三楼会议室",
        "host": "张伟",
        "recorder": "王芳",
        "topics": "学习党纪处分条例",
        "attendance": roster.all_present(),
    }
    values.update(overrides)
    return values


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# --- Roster ------------------------------------------------------------------------------------------


def test_secretary_adds_a_member_with_history_and_audit(org, secretary_a, roster):
    member = party_member_create(
        unit=org.branch_a1,
        user=secretary_a,
        name=" 吴 磊 ",
        gender=PartyMember.Gender.MALE,
        category=PartyMember.Category.PROBATIONARY,
        party_group=roster.group_2,
        joined_on=dt.date(2023, 7, 1),
    )
    assert member.name == "吴 磊"
    assert member.history.get().history_user == secretary_a
    entry = AuditEntry.objects.filter(object_type="tasks.partymember", object_id=str(member.pk)).get()
    assert entry.user == secretary_a


def test_only_the_branchs_keepers_write_its_roster(org, secretary_b, committee, outsider, roster):
    for user in (secretary_b, committee, outsider):
        with pytest.raises(PermissionDenied):
            party_member_create(unit=org.branch_a1, user=user, name="吴磊", gender=PartyMember.Gender.MALE)
    assert not PartyMember.objects.filter(name="吴磊").exists()


def test_a_party_group_of_another_branch_is_refused(org, secretary_a, roster):
    with pytest.raises(ValidationError) as excinfo:
        party_member_create(
            unit=org.branch_a1,
            user=secretary_a,
            name="吴磊",
            gender=PartyMember.Gender.MALE,
            party_group=roster.other_group,
        )
    assert errors_of(excinfo)["party_group"] == [
        zh("The party group “%(group)s” is not a group of this branch.", group="业务党小组")
    ]
    assert not PartyMember.objects.filter(name="吴磊").exists()


def test_roster_refuses_a_second_member_of_the_same_name_and_a_future_joining(org, secretary_a, roster):
    with pytest.raises(ValidationError) as excinfo:
        party_member_create(
            unit=org.branch_a1,
            user=secretary_a,
            name="李明",
            gender=PartyMember.Gender.MALE,
            joined_on=dt.date(2024, 7, 1),
        )
    errors = errors_of(excinfo)
    assert "已在本支部名册中" in errors["name"][0]
    assert errors["joined_on"] == [zh("The date of joining cannot be in the future.")]
    # Another branch may have its own 李明.
    party_member_create(unit=org.branch_b, user=_secretary_of(org.branch_b), name="李明", gender="male")


def _secretary_of(unit):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory()
    MembershipFactory(user=user, unit=unit)
    return user


def test_member_update_is_refused_when_stale(org, secretary_a, roster):
    member = roster.members[0]
    fields = {
        "name": member.name,
        "gender": member.gender,
        "category": member.category,
        "party_group": roster.group_2,
        "joined_on": None,
        "status": PartyMember.Status.TRANSFERRED,
    }
    party_member_update(member=member, user=secretary_a, expected_version=1, **fields)
    member.refresh_from_db()
    assert (member.party_group, member.status, member.version) == (roster.group_2, "transferred", 2)
    with pytest.raises(ValidationError, match="已被他人修改"):
        party_member_update(member=member, user=secretary_a, expected_version=1, **fields)


def test_party_group_names_are_unique_per_branch(org, secretary_a, roster):
    party_group_create(unit=org.branch_a1, user=secretary_a, name="第三党小组")
    with pytest.raises(ValidationError, match="本支部已有党小组"):
        party_group_create(unit=org.branch_a1, user=secretary_a, name="第三党小组")
    assert PartyGroup.objects.filter(unit=org.branch_a1, name="第三党小组").count() == 1


# --- Meeting records ---------------------------------------------------------------------------------


def test_one_meeting_counts_for_two_types_with_attendance_counts(org, secretary_a, roster, meeting_types):
    members = roster.members
    attendance = [
        AttendanceLine(members[0].pk, "present"),
        AttendanceLine(members[1].pk, "present"),
        AttendanceLine(members[2].pk, "leave", "出差"),
        AttendanceLine(members[3].pk, "absent"),
        AttendanceLine(members[4].pk, "present"),
    ]
    record = meeting_record_create(user=secretary_a, **record_kwargs(org, roster, meeting_types, attendance=attendance))
    assert {t.code for t in record.types.all()} == {"general_meeting", "theme_day"}
    assert (record.expected_count, record.present_count, record.leave_count, record.absent_count) == (5, 3, 1, 1)
    assert record.attendance.get(member=members[2]).reason == "出差"
    change = AuditEntry.objects.filter(object_type="tasks.meetingrecord", detail__changes__has_key="types").get()
    assert change.detail["changes"]["types"][1] == "支部党员大会、主题党日"


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        ({"held_on": dt.date(2024, 6, 21)}, "held_on", "会议日期不能晚于今天"),
        ({"types": []}, "types", "请至少选择一种会议类型"),
        ({"place": " "}, "place", "请填写会议地点"),
        ({"types": "lecture"}, "lecturer", "党课须填写授课人"),
        ({"types": "group"}, "party_group", "请选择开会的党小组"),
        ({"party_group": "other"}, "party_group", "党小组“业务党小组”不属于本支部"),
        ({"attendance": "other"}, "attendance", "孙丽 不是本支部党员"),
        ({"attendance": "leave"}, "attendance", "请填写 李明 的请假事由"),
        ({"attendance": []}, "attendance", "出勤名单为空"),
    ],
)
def test_bad_meetings_are_refused_and_nothing_is_saved(org, secretary_a, roster, meeting_types, override, field, words):
    values = record_kwargs(org, roster, meeting_types)
    if override.get("types") == "lecture":
        override = {"types": [meeting_types["party_lecture"]]}
    elif override.get("types") == "group":
        override = {"types": [meeting_types["group_meeting"]]}
    elif override.get("party_group") == "other":
        override = {"types": [meeting_types["group_meeting"]], "party_group": roster.other_group}
    elif override.get("attendance") == "other":
        override = {"attendance": [*roster.all_present(), AttendanceLine(roster.other_branch_member.pk, "present")]}
    elif override.get("attendance") == "leave":
        override = {"attendance": [AttendanceLine(roster.members[0].pk, "leave", "  ")]}
    values.update(override)
    with pytest.raises(ValidationError) as excinfo:
        meeting_record_create(user=secretary_a, **values)
    assert words in " ".join(errors_of(excinfo)[field])
    assert not MeetingRecord.objects.exists()
    assert not Attendance.objects.exists()


def test_a_second_record_of_the_same_meeting_is_refused(org, secretary_a, roster, meeting_types):
    meeting_record_create(user=secretary_a, **record_kwargs(org, roster, meeting_types))
    with pytest.raises(ValidationError) as excinfo:
        meeting_record_create(
            user=secretary_a, **record_kwargs(org, roster, meeting_types, types=[meeting_types["theme_day"]])
        )
    assert "该会议已有记录：2024-06-18，主题党日" in errors_of(excinfo)["__all__"][0]
    # Another meeting the same day is another record (a committee meeting after the general meeting).
    meeting_record_create(
        user=secretary_a, **record_kwargs(org, roster, meeting_types, types=[meeting_types["committee_meeting"]])
    )
    assert MeetingRecord.objects.count() == 2


def test_two_party_groups_meet_the_same_day(org, secretary_a, roster, meeting_types):
    group = [meeting_types["group_meeting"]]
    for party_group in (roster.group_1, roster.group_2):
        members = [m for m in roster.members if m.party_group == party_group]
        meeting_record_create(
            user=secretary_a,
            **record_kwargs(
                org, roster, meeting_types, types=group, party_group=party_group, attendance=roster.all_present(members)
            ),
        )
    assert MeetingRecord.objects.filter(types__code="group_meeting").count() == 2


def test_files_follow_the_evidence_rules(org, secretary_a, roster, meeting_types, settings):
    theme_day = meeting_types["theme_day"]
    theme_day.evidence_required = True
    theme_day.save()
    with pytest.raises(ValidationError) as excinfo:
        meeting_record_create(user=secretary_a, **record_kwargs(org, roster, meeting_types))
    assert "主题党日须附材料" in errors_of(excinfo)["files"][0]
    bad = SimpleUploadedFile("签到表.png", b"not an image")
    with pytest.raises(ValidationError) as excinfo:
        meeting_record_create(user=secretary_a, files=[bad], **record_kwargs(org, roster, meeting_types))
    assert "签到表.png" in errors_of(excinfo)["files"][0]
    # A refusal found after a file was stored removes the stored file.
    good = SimpleUploadedFile("签到表.png", PNG)
    with pytest.raises(ValidationError):
        meeting_record_create(
            user=secretary_a, files=[good], **record_kwargs(org, roster, meeting_types, held_on=dt.date(2025, 1, 1))
        )
    assert not [p for p in settings.EVIDENCE_ROOT.rglob("*") if p.is_file()]
    record = meeting_record_create(
        user=secretary_a, files=[SimpleUploadedFile("签到表.png", PNG)], **record_kwargs(org, roster, meeting_types)
    )
    assert MeetingFile.objects.get(record=record).original_name == "签到表.png"


def test_update_replaces_attendance_and_audits_who_moved(org, secretary_a, roster, meeting_types):
    record = meeting_record_create(user=secretary_a, **record_kwargs(org, roster, meeting_types))
    attendance = roster.all_present()
    attendance[3] = AttendanceLine(roster.members[3].pk, "absent")
    meeting_record_update(
        record=record,
        user=secretary_a,
        expected_version=1,
        **{k: v for k, v in record_kwargs(org, roster, meeting_types, attendance=attendance).items() if k != "unit"},
    )
    record.refresh_from_db()
    assert (record.present_count, record.absent_count, record.version) == (4, 1, 2)
    change = AuditEntry.objects.filter(
        object_type="tasks.meetingrecord", detail__changes__has_key="attendance_members"
    ).get()
    assert change.detail["changes"]["attendance_members"] == ["", "陈静:出席 → 缺席"]


def test_records_are_seen_by_the_branch_its_superiors_and_the_committee(
    org, secretary_a, secretary_b, committee, outsider, member_a, roster, meeting_types
):
    record = meeting_record_create(user=secretary_a, **record_kwargs(org, roster, meeting_types))
    assert list(access.visible_meetings(secretary_a)) == [record]
    assert list(access.visible_meetings(committee)) == [record]
    assert list(access.visible_meetings(member_a)) == [record]
    assert not access.visible_meetings(secretary_b).exists()
    assert not access.visible_meetings(outsider).exists()
    assert not access.visible_party_members(secretary_b).filter(unit=org.branch_a1).exists()


# --- Meeting types -----------------------------------------------------------------------------------


def test_the_committee_adds_a_type_mid_year_owed_from_this_month(committee, secretary_a, meeting_types):
    with pytest.raises(PermissionDenied):
        meeting_type_save(user=secretary_a, name="专题学习会", cadence=MeetingType.Cadence.QUARTER)
    added = meeting_type_save(user=committee, name="专题学习会", cadence=MeetingType.Cadence.QUARTER)
    assert added.active_from == dt.date(2024, 6, 1)
    with pytest.raises(ValidationError) as excinfo:
        meeting_type_save(user=committee, name="专题学习会", cadence="weekly")
    assert set(excinfo.value.message_dict) == {"name", "cadence"}
    changed = meeting_type_save(
        user=committee, meeting_type=meeting_types["theme_day"], name="主题党日", cadence=MeetingType.Cadence.QUARTER
    )
    assert changed.history.first().history_user == committee


# --- Deleting a file of a saved record --------------------------------------------------------------------------


def stored_files(settings) -> list:
    return [p for p in settings.EVIDENCE_ROOT.rglob("*") if p.is_file()]


def test_the_secretary_deletes_a_file_with_history_and_audit(
    org, secretary_a, secretary_b, roster, meeting_types, settings, django_capture_on_commit_callbacks
):
    record = meeting_record_create(
        user=secretary_a,
        files=[SimpleUploadedFile("签到表.png", PNG), SimpleUploadedFile("合影.png", PNG)],
        **record_kwargs(org, roster, meeting_types),
    )
    sheet, photo = record.files.order_by("id")
    with pytest.raises(PermissionDenied):
        meeting_file_delete(stored=sheet, user=secretary_b)
    with django_capture_on_commit_callbacks(execute=True):
        saved = meeting_file_delete(stored=sheet, user=secretary_a)
    assert list(saved.files.all()) == [photo] and saved.version == record.version + 1
    assert len(stored_files(settings)) == 1
    change = saved.history.first()
    assert change.history_user == secretary_a and "签到表.png" in change.history_change_reason
    audit = AuditEntry.objects.filter(object_type="tasks.meetingrecord", object_id=str(record.pk)).first()
    assert audit.user == secretary_a and audit.detail["changes"]["files"] == ["签到表.png", "—"]
    # The second click of the same button: the file is gone, said so, nothing else happens.
    with pytest.raises(ValidationError) as excinfo:
        meeting_file_delete(stored=sheet, user=secretary_a)
    assert excinfo.value.messages == [zh("This file was already deleted.")]


def test_a_type_that_asks_for_files_keeps_the_last_one(
    org, secretary_a, roster, meeting_types, settings, django_capture_on_commit_callbacks
):
    theme_day = meeting_types["theme_day"]
    theme_day.evidence_required = True
    theme_day.save()
    record = meeting_record_create(
        user=secretary_a,
        files=[SimpleUploadedFile("签到表.png", PNG), SimpleUploadedFile("合影.png", PNG)],
        **record_kwargs(org, roster, meeting_types),
    )
    first, last = record.files.order_by("id")
    with django_capture_on_commit_callbacks(execute=True):
        meeting_file_delete(stored=first, user=secretary_a)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as excinfo:
        meeting_file_delete(stored=last, user=secretary_a)
    assert "主题党日" in excinfo.value.messages[0]
    assert list(record.files.all()) == [last] and len(stored_files(settings)) == 1
