"""The audit trail: one row per event, a hash chain that shows edits, retention, and the auditor's search."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from tasks import services
from tasks.models import AuditEntry, User
from tasks.services.audit import audit_record, audit_verify
from tests.factories import TEST_PASSWORD, UserFactory


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", is_staff=True, admin_duty=User.AdminDuty.AUDIT)


def rows(action, **filters):
    return list(AuditEntry.objects.filter(action=action, **filters).order_by("id"))


def test_login_failure_and_logout_are_recorded_with_the_address_nginx_gives(client, secretary_a):
    client.post(reverse("login"), {"username": "secretary_a", "password": "nope"}, HTTP_X_REAL_IP="10.1.2.3")
    client.post(reverse("login"), {"username": "secretary_a", "password": TEST_PASSWORD}, HTTP_X_REAL_IP="10.1.2.4")
    client.post(reverse("logout"), HTTP_X_REAL_IP="<script>")  # a forged header is not an address
    (failed,) = rows("login_failed")
    assert (failed.username, failed.ip, failed.result, failed.user_id) == ("secretary_a", "10.1.2.3", "failure", None)
    (login,) = rows("login")
    assert (login.user_id, login.ip, login.result) == (secretary_a.pk, "10.1.2.4", "success")
    (logout,) = rows("logout")
    assert (logout.user_id, logout.ip) == (secretary_a.pk, "127.0.0.1")


def test_changes_reports_and_reviews_are_recorded(secretary_a, committee, assignment_a1):
    report = services.progress_report_submit(
        assignment=assignment_a1, author=secretary_a, percent=40, narrative="开展学习", obstacles="人手不足"
    )
    services.progress_report_approve(report=report, reviewer=committee)
    (submitted,) = rows("report")
    assert (submitted.user_id, submitted.object_type, submitted.object_id) == (
        secretary_a.pk,
        "tasks.progressreport",
        str(report.pk),
    )
    (reviewed,) = rows("review")
    assert (reviewed.user_id, reviewed.detail["decision"]) == (committee.pk, "approve")
    changed = {(row.object_type, row.detail["history_type"]) for row in rows("change")}
    assert ("tasks.assignment", "~") in changed and ("tasks.progressreport", "~") in changed


def test_a_hidden_object_and_a_refused_action_are_recorded_as_denials(client, secretary_a, assignment_b):
    client.force_login(secretary_a)
    assert client.get(reverse("assignment_detail", args=[assignment_b.pk])).status_code == 404
    assert client.get(reverse("assignment_detail", args=[999999])).status_code == 404
    (denied,) = rows("denied")
    assert (denied.user_id, denied.object_type, denied.object_id) == (
        secretary_a.pk,
        "tasks.assignment",
        str(assignment_b.pk),
    )
    assert client.get(reverse("admin:index")).status_code == 302  # not staff: sent to log in, not a denial
    assert client.get(reverse("audit_log")).status_code == 403
    assert len(rows("denied")) == 2


def test_rows_cannot_be_changed_or_deleted_through_the_app(db):
    entry = audit_record(action="export", username="x")
    entry.object_repr = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(result="failure")


def tamper(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_verify_audit_finds_an_edited_or_deleted_row(db, capsys):
    entries = [audit_record(action="login", username=f"user{n}", detail={"n": n, "text": "党建 <b>"}) for n in range(5)]
    call_command("verify_audit")
    assert "OK: 5 audit rows verified" in capsys.readouterr().out

    table = AuditEntry._meta.db_table
    tamper(f"UPDATE {table} SET username = %s WHERE id = %s", ["mallory", entries[2].pk])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert f"id={entries[2].pk}" in capsys.readouterr().err
    tamper(f"UPDATE {table} SET username = %s WHERE id = %s", ["user2", entries[2].pk])
    assert audit_verify()[1] is None

    tamper(f"DELETE FROM {table} WHERE id = %s", [entries[3].pk])
    checked, broken, _ = audit_verify()
    assert broken.pk == entries[4].pk and checked == 3


def test_verify_audit_exits_non_zero_from_the_command_line(db):
    from django.core.management import ManagementUtility

    audit_record(action="login", username="a")
    tamper(f"UPDATE {AuditEntry._meta.db_table} SET result = %s", ["failure"])
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "verify_audit"]).execute()
    assert exit_info.value.code == 1


def test_purge_keeps_180_days_records_itself_and_the_chain_still_verifies(db):
    with time_machine.travel(dt.datetime(2025, 1, 10, tzinfo=dt.UTC), tick=False):
        for n in range(3):
            audit_record(action="login", username=f"old{n}")
    with time_machine.travel(dt.datetime(2025, 9, 1, tzinfo=dt.UTC), tick=False):
        recent = audit_record(action="login", username="recent")
        with pytest.raises(CommandError):
            call_command("purge_audit", "--days", "179")
        with pytest.raises(CommandError):
            call_command("purge_audit", "--before", "2025-06-01")
        call_command("purge_audit", "--days", "180", "--operator", "auditor")
    remaining = list(AuditEntry.objects.order_by("id").values_list("username", "action"))
    assert remaining == [("recent", "login"), ("auditor", "purge")]
    purge = AuditEntry.objects.get(action="purge")
    assert purge.detail["deleted"] == 3
    assert AuditEntry.objects.get(pk=recent.pk).prev_hash == purge.detail["anchor_hash"]
    assert audit_verify()[1] is None


def test_the_auditor_searches_and_exports(client, auditor, secretary_a):
    audit_record(action="login", user=secretary_a, ip="10.0.0.9")
    audit_record(action="login_failed", username="=cmd|' /C calc'!A0", result="failure")
    client.force_login(auditor)
    page = client.get(reverse("audit_log"), {"q": "secretary_a"})
    assert page.status_code == 200
    shown = page.content.decode()
    assert "10.0.0.9" in shown and "calc" not in shown

    response = client.get(reverse("audit_log"), {"action": "login_failed", "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["id", "created_at", "username"]
    assert [row[2] for row in table[1:]] == ["'=cmd|' /C calc'!A0"], "no formula injection"

    response = client.get(reverse("audit_log"), {"q": "10.0.0.9", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[2]][2] == "secretary_a"
    exports = rows("export", user=auditor)
    assert [row.detail["format"] for row in exports] == ["csv", "xlsx"]
