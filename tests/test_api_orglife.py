"""Organisational life in the API: meeting records listed and filtered with their types and attendance counts,
recorded and corrected through the service the web form uses (same rules, same Chinese messages, the audit row
naming the token), ETags and If-Match on corrections, the roster read only, and the branch wall on writes."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tasks.models import ApiToken, AuditEntry, MeetingRecord, PartyMember
from tasks.services.api_tokens import api_token_create
from tasks.services.orglife import meeting_record_create
from tests.support_browser import zh

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2024, 6, 20, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def token_for(user, scope=ApiToken.Scope.WRITE) -> tuple[ApiToken, Client]:
    row, token = api_token_create(
        actor=user, user=user, name="智慧党建", scope=scope, expires_on=timezone.localdate() + dt.timedelta(days=30)
    )
    return row, Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def meeting_body(org, roster, **overrides) -> dict:
    first, second, *others = roster.members
    body = {
        "unit": org.branch_a1.pk,
        "types": ["general_meeting", "theme_day"],
        "held_on": "2024-06-18",
        "place": "三楼会议室",
        "host": "张伟",
        "recorder": "王芳",
        "topics": "学习党纪处分条例",
        "attendance": [
            {"member": first.pk, "status": "present"},
            {"member": second.pk, "status": "leave", "reason": "出差"},
            *({"member": member.pk, "status": "present"} for member in others[:-1]),
            {"member": others[-1].pk, "status": "absent"},
        ],
    }
    body.update(overrides)
    return body


def post(client, body):
    return client.post(reverse("api:meeting-list"), body, content_type="application/json")


def put(client, record, body, if_match=None):
    headers = {"If-Match": if_match} if if_match else {}
    return client.put(
        reverse("api:meeting-detail", args=[record.pk]), body, content_type="application/json", headers=headers
    )


def test_a_meeting_recorded_through_the_api_is_the_services_and_audited_with_the_token(org, secretary_a, roster):
    token, client = token_for(secretary_a)
    response = post(client, meeting_body(org, roster))
    assert response.status_code == 201, response.json()
    record = MeetingRecord.objects.get()
    body = response.json()
    assert response["Location"] == reverse("api:meeting-detail", args=[record.pk])
    assert response["ETag"] == '"v1"'
    assert [t["code"] for t in body["types"]] == ["general_meeting", "theme_day"]
    assert (body["expected_count"], body["present_count"], body["leave_count"], body["absent_count"]) == (5, 3, 1, 1)
    assert body["attendance_rate"] == pytest.approx(0.6)
    leave = next(line for line in body["attendance"] if line["status"] == "leave")
    assert leave == {"member": roster.members[1].pk, "name": "王芳", "status": "leave", "reason": "出差"}
    assert record.created_by == secretary_a and record.present_count == 3
    rows = AuditEntry.objects.filter(action=AuditEntry.Action.CHANGE, object_type="tasks.meetingrecord")
    assert rows and all(row.detail["api_token"] == token.pk and row.username == "secretary_a" for row in rows)
    assert any({"types", "attendance"} <= set(row.detail.get("changes", {})) for row in rows)
    assert record.history.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"held_on": "2024-06-21"},
            "held_on",
            "The meeting date cannot be in the future: record a meeting after it is held.",
        ),
        ({"types": []}, "types", "Choose at least one meeting type."),
        ({"place": ""}, "place", "Give the place of the meeting."),
        ({"types": ["party_lecture"]}, "lecturer", "A party lecture names its lecturer."),
        ({"types": ["group_meeting"]}, "party_group", "Choose the party group that met."),
    ],
)
def test_the_services_rules_come_back_in_chinese_and_nothing_is_saved(
    org, secretary_a, roster, overrides, field, message
):
    _token, client = token_for(secretary_a)
    response = post(client, meeting_body(org, roster, **overrides))
    assert response.status_code == 400, response.json()
    problem = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert zh(message) in problem["errors"][field]
    assert not MeetingRecord.objects.exists()


def test_leave_without_a_reason_and_a_second_record_of_the_same_meeting_are_refused(org, secretary_a, roster):
    _token, client = token_for(secretary_a)
    body = meeting_body(org, roster)
    body["attendance"][1] = {"member": roster.members[1].pk, "status": "leave", "reason": " "}
    refused = post(client, body)
    assert refused.status_code == 400
    assert refused.json()["errors"]["attendance"] == [zh("Give the reason for leave of %(name)s.") % {"name": "王芳"}]
    assert post(client, meeting_body(org, roster)).status_code == 201
    again = post(client, meeting_body(org, roster, types=["theme_day"]))
    assert again.status_code == 400
    assert again.json()["errors"]["non_field_errors"] == [
        zh("This meeting is already recorded: %(date)s, %(types)s. Open that record to change it.")
        % {"date": "2024-06-18", "types": "主题党日"}
    ]
    assert MeetingRecord.objects.count() == 1


def test_another_branchs_member_group_and_unit_are_refused_without_naming_them(org, secretary_a, secretary_b, roster):
    _token, client = token_for(secretary_a)
    body = meeting_body(org, roster)
    body["attendance"].append({"member": roster.other_branch_member.pk, "status": "present"})
    hidden_member = post(client, body)
    assert hidden_member.status_code == 400
    assert hidden_member.json()["errors"]["attendance"] == [
        zh("#%(id)d is not a member of this branch.") % {"id": roster.other_branch_member.pk}
    ]
    assert "孙丽" not in hidden_member.content.decode()
    hidden_group = post(client, meeting_body(org, roster, types=["group_meeting"], party_group=roster.other_group.pk))
    missing_group = post(client, meeting_body(org, roster, types=["group_meeting"], party_group=987654))
    assert hidden_group.status_code == missing_group.status_code == 400
    assert hidden_group.json()["errors"]["party_group"] == [
        message.replace("987654", str(roster.other_group.pk))
        for message in missing_group.json()["errors"]["party_group"]
    ]
    hidden_unit = post(client, meeting_body(org, roster, unit=org.branch_b.pk))
    missing_unit = post(client, meeting_body(org, roster, unit=987654))
    assert hidden_unit.status_code == missing_unit.status_code == 400
    assert "unit" in hidden_unit.json()["errors"] and "unit" in missing_unit.json()["errors"]
    assert not MeetingRecord.objects.exists()


def test_who_may_not_keep_the_branchs_records_is_refused(org, committee, member_a, secretary_a, roster):
    """The committee and the branch's members read its records; only its secretary (or a superior's) writes."""
    for user in (committee, member_a):
        _token, client = token_for(user)
        response = post(client, meeting_body(org, roster))
        assert response.status_code == 403, user
        assert response["Content-Type"] == "application/problem+json"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DENIED, username="committee").exists()
    _token, read_only = token_for(secretary_a, scope=ApiToken.Scope.READ)
    refused = post(read_only, meeting_body(org, roster))
    assert refused.status_code == 403
    assert refused.json()["detail"] == zh(
        "This API token is read only: create a read and write token to change anything."
    )
    assert not MeetingRecord.objects.exists()


def test_a_correction_needs_the_etag_and_a_stale_one_changes_nothing(org, secretary_a, secretary_b, roster):
    token, client = token_for(secretary_a)
    record_id = post(client, meeting_body(org, roster)).json()["id"]
    record = MeetingRecord.objects.get(pk=record_id)
    etag = client.get(reverse("api:meeting-detail", args=[record.pk]))["ETag"]
    assert etag == '"v1"'
    body = meeting_body(org, roster, topics="学习党纪处分条例（更正）")
    del body["unit"]
    body["attendance"][-1]["status"] = "present"
    assert put(client, record, body).status_code == 428
    MeetingRecord.objects.filter(pk=record.pk).update(version=2)  # someone corrected it meanwhile
    stale = put(client, record, body, if_match=etag)
    assert stale.status_code == 412 and stale.json()["code"] == "stale"
    assert MeetingRecord.objects.get(pk=record.pk).topics == "学习党纪处分条例"
    done = put(client, record, body, if_match='"v2"')
    assert done.status_code == 200, done.json()
    assert done["ETag"] == '"v3"' and done.json()["present_count"] == 4 and done.json()["absent_count"] == 0
    audit = AuditEntry.objects.filter(action=AuditEntry.Action.CHANGE, object_id=str(record.pk)).latest("id")
    assert audit.detail["api_token"] == token.pk and "attendance_members" in audit.detail["changes"]
    # Another branch's secretary: the same 404 as a record that does not exist, for a correction too.
    _token, other = token_for(secretary_b)
    hidden = put(other, record, body, if_match='"v3"')
    missing = other.put(
        reverse("api:meeting-detail", args=[987654]),
        body,
        content_type="application/json",
        headers={"If-Match": '"v3"'},
    )
    assert hidden.status_code == missing.status_code == 404
    assert MeetingRecord.objects.get(pk=record.pk).version == 3


def test_records_filter_by_branch_year_and_type_and_carry_counts(
    org, committee, secretary_a, secretary_b, roster, meeting_types
):
    common = {"place": "会议室", "host": "张伟", "recorder": "王芳", "topics": "学习"}
    june = meeting_record_create(
        unit=org.branch_a1,
        user=secretary_a,
        types=[meeting_types["theme_day"]],
        held_on=dt.date(2024, 6, 3),
        attendance=roster.all_present(),
        **common,
    )
    last_year = meeting_record_create(
        unit=org.branch_a1,
        user=secretary_a,
        types=[meeting_types["committee_meeting"]],
        held_on=dt.date(2023, 12, 5),
        attendance=roster.all_present(roster.members[:2]),
        **common,
    )
    theirs = meeting_record_create(
        unit=org.branch_b,
        user=secretary_b,
        types=[meeting_types["theme_day"]],
        held_on=dt.date(2024, 6, 4),
        attendance=roster.all_present([roster.other_branch_member]),
        **common,
    )
    _token, client = token_for(committee, scope=ApiToken.Scope.READ)

    def ids(**params):
        response = client.get(reverse("api:meeting-list"), params)
        assert response.status_code == 200, response.json()
        return [item["id"] for item in response.json()["results"]]

    assert ids() == [theirs.pk, last_year.pk, june.pk]  # newest first
    assert ids(unit=org.branch_a1.pk) == [last_year.pk, june.pk]
    assert ids(year=2024) == [theirs.pk, june.pk]
    assert ids(type="theme_day", unit=org.branch_b.pk) == [theirs.pk]
    assert ids(type="committee_meeting", year=2024) == []
    row = client.get(reverse("api:meeting-list"), {"unit": org.branch_a1.pk, "year": 2023}).json()["results"][0]
    assert row["types"] == [
        {"id": meeting_types["committee_meeting"].pk, "code": "committee_meeting", "name": "支部委员会会议"}
    ]
    assert (row["expected_count"], row["present_count"], row["absent_count"]) == (2, 2, 0)
    assert "attendance" not in row  # by member: on the record itself
    # A filter the web would not offer is a 400 saying which, not an empty list.
    _token, secretary = token_for(secretary_a, scope=ApiToken.Scope.READ)
    for params, field in (({"unit": org.branch_b.pk}, "unit"), ({"type": "no_such"}, "type"), ({"year": 1}, "year")):
        response = secretary.get(reverse("api:meeting-list"), params)
        assert response.status_code == 400 and field in response.json()["errors"], params


def test_the_roster_is_read_only_and_filtered(org, secretary_a, roster):
    PartyMember.objects.filter(pk=roster.members[0].pk).update(status=PartyMember.Status.TRANSFERRED)
    _token, client = token_for(secretary_a)
    listing = client.get(reverse("api:party-member-list"), {"unit": org.branch_a1.pk, "status": "active"})
    assert listing.status_code == 200
    names = [item["name"] for item in listing.json()["results"]]
    assert names == ["王芳", "赵强", "陈静", "周杰"]
    member = client.get(reverse("api:party-member-detail", args=[roster.members[1].pk])).json()
    assert member["party_group"] == {"id": roster.group_1.pk, "name": "第一党小组"}
    assert member["unit"] == {"id": org.branch_a1.pk, "name": org.branch_a1.name}
    for method in ("post", "put", "patch", "delete"):
        path = reverse("api:party-member-detail", args=[roster.members[1].pk])
        response = getattr(client, method)(path, {}, content_type="application/json")
        assert response.status_code == 405, method
    types = client.get(reverse("api:meeting-type-list")).json()["results"]
    assert [t["code"] for t in types][:2] == ["general_meeting", "committee_meeting"]
