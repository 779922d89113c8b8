"""Organisational life in the admin: the rows an account sees and keeps are those tasks.access gives it in the app,
writes go through the services (checked, change history, audit row), and administrator accounts without a work
role open none of it (三员分立)."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse

from tasks.models import AuditEntry, MeetingRecord, MeetingType, PartyMember, User
from tasks.services.orglife import meeting_record_create
from tests.factories import UserFactory
from tests.support_browser import zh
from tests.support_orglife import meeting_type

pytestmark = pytest.mark.django_db

ORGLIFE_MODELS = [
    "meetingtype",
    "partymember",
    "meetingrecord",
    "meetingfile",
    "attendance",
    "historicalpartymember",
    "historicalmeetingrecord",
    "historicalmeetingtype",
]


@pytest.fixture(autouse=True)
def _today():
    # Ticking: a change record finds the one before it by its time.
    with time_machine.travel(dt.datetime(2024, 6, 20, 10, tzinfo=dt.UTC)):
        yield


def staff(user):
    """The account given the admin and every organisational-life permission: only the rows' scope limits it."""
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="tasks", content_type__model__in=ORGLIFE_MODELS)
    )
    return User.objects.get(pk=user.pk)


@pytest.fixture
def record_a1(org, secretary_a, roster):
    return meeting_record_create(
        unit=org.branch_a1,
        user=secretary_a,
        types=[meeting_type("theme_day")],
        held_on=dt.date(2024, 6, 18),
        place="三楼会议室",
        host="张伟",
        recorder="王芳",
        topics="学习党纪处分条例",
        attendance=roster.all_present(),
    )


def member_post(member, **overrides):
    data = {
        "name": member.name,
        "gender": member.gender,
        "category": member.category,
        "party_group": member.party_group_id or "",
        "joined_on": "",
        "status": member.status,
        "_save": "1",
    }
    data.update(overrides)
    return data


def test_a_secretary_sees_and_keeps_the_roster_of_their_branches_only(client, org, secretary_b, roster):
    client.force_login(staff(secretary_b))
    listing = client.get(reverse("admin:tasks_partymember_changelist")).content.decode()
    assert roster.other_branch_member.name in listing
    assert roster.members[0].name not in listing

    hidden = roster.members[0]
    change_url = reverse("admin:tasks_partymember_change", args=[hidden.pk])
    response = client.get(change_url)
    assert response.status_code == 302 and hidden.name not in client.get(response["Location"]).content.decode()
    assert client.post(change_url, member_post(hidden, name="改名")).status_code == 302
    assert client.get(reverse("admin:tasks_partymember_history", args=[hidden.pk])).status_code == 403
    hidden.refresh_from_db()
    assert hidden.name == "李明" and hidden.version == 1


def test_a_roster_line_changed_in_the_admin_is_checked_recorded_and_audited(client, org, secretary_a, roster):
    client.force_login(staff(secretary_a))
    member = roster.members[0]
    url = reverse("admin:tasks_partymember_change", args=[member.pk])

    refused = client.post(url, member_post(member, name=roster.members[1].name))
    assert refused.status_code == 200
    page = refused.content.decode()
    namesake = zh(
        "“%(name)s” is already on this branch's roster; tell namesakes apart, e.g. %(example)s.",
        name="王芳",
        example="王芳（2）",
    )
    assert namesake.replace("'", "&#x27;") in page
    assert "party_member_unique_name" not in page
    refused = client.post(url, member_post(member, party_group=roster.other_group.pk))
    assert refused.status_code == 200 and PartyMember.objects.get(pk=member.pk).party_group == roster.group_1

    response = client.post(url, member_post(member, status=PartyMember.Status.TRANSFERRED))
    assert response.status_code == 302, response.content.decode()[:3000]
    member.refresh_from_db()
    assert (member.status, member.version) == (PartyMember.Status.TRANSFERRED, 2)
    latest = member.history.first()
    assert latest.history_type == "~" and latest.history_user == secretary_a
    entry = AuditEntry.objects.filter(object_type="tasks.partymember", object_id=str(member.pk)).latest("id")
    assert entry.user == secretary_a and entry.object_id == str(member.pk)
    assert entry.detail["changes"]["status"] == [zh("on the roll"), zh("transferred out")]


def test_a_member_added_in_the_admin_goes_to_a_branch_the_account_keeps(client, org, secretary_a, roster):
    client.force_login(staff(secretary_a))
    url = reverse("admin:tasks_partymember_add")
    form = client.get(url).content.decode()
    assert org.branch_a1.name in form and org.branch_b.name not in form
    refused = client.post(url, member_post(roster.other_branch_member, name="新党员", unit=org.branch_b.pk))
    assert refused.status_code == 200 and not PartyMember.objects.filter(name="新党员").exists()

    response = client.post(
        url, member_post(roster.members[0], name="新党员", unit=org.branch_a1.pk, party_group=roster.group_2.pk)
    )
    assert response.status_code == 302
    added = PartyMember.objects.get(name="新党员")
    assert (added.unit, added.party_group) == (org.branch_a1, roster.group_2)
    assert added.history.get().history_user == secretary_a
    assert AuditEntry.objects.filter(object_type="tasks.partymember", object_id=str(added.pk)).exists()


def test_meeting_types_are_the_committees_to_change(client, org, committee, secretary_a, meeting_types):
    theme_day = meeting_types["theme_day"]
    url = reverse("admin:tasks_meetingtype_change", args=[theme_day.pk])
    data = {
        "name": theme_day.name,
        "short_name": theme_day.short_name,
        "cadence": MeetingType.Cadence.QUARTER,
        "active_from": "2000-01-01",
        "is_active": "on",
        "_save": "1",
    }
    client.force_login(staff(secretary_a))
    assert client.get(url).status_code == 200  # read: the duties are no secret
    assert client.post(url, data).status_code == 403
    assert MeetingType.objects.get(pk=theme_day.pk).cadence == MeetingType.Cadence.MONTH

    client.force_login(staff(committee))
    refused = client.post(url, {**data, "per_party_group": "on", "is_lecture": "on"})
    assert refused.status_code == 200
    assert zh("A party lecture is given to the whole branch, not per party group.") in refused.content.decode()
    refused = client.post(url, {**data, "name": meeting_types["party_lecture"].name})
    assert zh("A meeting type “%(name)s” already exists.", name="党课") in refused.content.decode()

    assert client.post(url, data).status_code == 302
    theme_day.refresh_from_db()
    assert theme_day.cadence == MeetingType.Cadence.QUARTER
    change_record = theme_day.history.first()
    assert (change_record.history_user, change_record.cadence) == (committee, MeetingType.Cadence.QUARTER)
    entry = AuditEntry.objects.filter(object_type="tasks.meetingtype", object_id=str(theme_day.pk)).latest("id")
    assert (entry.user, entry.detail["history_id"]) == (committee, change_record.history_id)

    added = client.post(reverse("admin:tasks_meetingtype_add"), {**data, "name": "警示教育"})
    assert added.status_code == 302
    assert MeetingType.objects.get(name="警示教育").active_from == dt.date(2000, 1, 1)


def test_meeting_records_are_read_with_attendance_and_never_edited_here(
    client, org, secretary_a, secretary_b, record_a1
):
    url = reverse("admin:tasks_meetingrecord_change", args=[record_a1.pk])
    client.force_login(staff(secretary_a))
    page = client.get(url).content.decode()
    assert "学习党纪处分条例" in page and "李明" in page and zh("present") in page
    before = MeetingRecord.objects.get(pk=record_a1.pk).topics
    client.post(url, {"topics": "改过的议题", "_save": "1"})
    history = record_a1.history.first()
    revert = reverse("admin:tasks_meetingrecord_simple_history", args=[record_a1.pk, history.history_id])
    assert client.post(revert, {"_save": "1"}).status_code == 403
    assert MeetingRecord.objects.get(pk=record_a1.pk).topics == before

    client.force_login(staff(secretary_b))
    listing = client.get(reverse("admin:tasks_meetingrecord_changelist")).content.decode()
    assert "学习党纪处分条例" not in listing
    assert client.get(url).status_code == 302
    changes = client.get(reverse("admin:tasks_historicalmeetingrecord_changelist")).content.decode()
    assert "学习党纪处分条例" not in changes
    files = client.get(reverse("admin:tasks_meetingfile_changelist"))
    assert files.status_code == 200


def test_administrator_accounts_without_a_work_role_open_none_of_it(client, org, record_a1):
    sysadmin = UserFactory(username="sysadmin", is_staff=True, admin_duty=User.AdminDuty.SYSTEM)
    client.force_login(staff(sysadmin))
    index = client.get(reverse("admin:index")).content.decode()
    assert zh("meeting records") not in index
    for name in ("meetingrecord", "partymember", "meetingtype", "meetingfile"):
        assert client.get(reverse(f"admin:tasks_{name}_changelist")).status_code == 403


def test_a_superuser_without_a_work_role_sees_no_branch(client, org, record_a1):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    listing = client.get(reverse("admin:tasks_meetingrecord_changelist")).content.decode()
    assert "学习党纪处分条例" not in listing
