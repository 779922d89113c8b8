"""The audit trail: one row per event, a hash chain that shows edits, retention, and the auditor's search."""

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import logging

import pytest
import time_machine
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.urls import reverse
from openpyxl import load_workbook

from tasks import services
from tasks.audit import audit_record, audit_verify, chain_key_id
from tasks.models import AuditEntry, User
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
    result = audit_verify()
    assert result.broken.pk == entries[4].pk and result.checked == 3


def test_verify_audit_exits_non_zero_from_the_command_line(db):
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


# --- The keyed chain (AUDIT_CHAIN_KEY) -------------------------------------------------------------------------

KEY = "test-audit-chain-key-0123456789-abcdefghijklmnop"
NEW_KEY = "test-audit-chain-key-rotated-9876543210-zyxwvuts"


def rewrite(start_id, *, key: bytes | None = None, **changes):
    """What someone with write access to the database can do: edit a row, then recompute the hash of it and of
    every row after it, with plain SHA-256 (as the chain was before keys) or with a key of their own."""
    prev_hash = None
    for entry in AuditEntry.objects.filter(id__gte=start_id).order_by("id"):
        edited = changes if entry.pk == start_id else {}
        for name, value in edited.items():
            setattr(entry, name, value)
        if prev_hash is not None:
            entry.prev_hash = prev_hash
        message = (entry.prev_hash + entry.canonical()).encode()
        prev_hash = (hmac.new(key, message, hashlib.sha256) if key else hashlib.sha256(message)).hexdigest()
        # The plain QuerySet.update, as an UPDATE statement would: AuditQuerySet refuses.
        models.QuerySet.update(
            AuditEntry.objects.filter(pk=entry.pk), **edited, prev_hash=entry.prev_hash, hash=prev_hash
        )


def verify_fails(capsys, *args) -> str:
    with pytest.raises(CommandError):
        call_command("verify_audit", *args)
    return capsys.readouterr().err


@pytest.mark.parametrize("forger_key", [None, b"a key the forger made up"], ids=["sha256", "own-key"])
def test_a_row_edited_and_the_chain_recomputed_without_the_key_is_found(db, settings, capsys, forger_key):
    settings.AUDIT_CHAIN_KEY = KEY
    entries = [audit_record(action="login", username=f"user{n}", detail={"n": n}) for n in range(5)]
    call_command("verify_audit")
    assert "OK: 6 audit rows verified" in capsys.readouterr().out  # the five and the row that keyed the log

    rewrite(entries[2].pk, username="mallory", key=forger_key)
    err = verify_fails(capsys)
    assert f"BROKEN at audit row id={entries[2].pk}" in err
    assert ("hashed without a key" in err) == (forger_key is None)


def test_a_deleted_row_in_a_keyed_chain_is_found(db, settings, capsys):
    settings.AUDIT_CHAIN_KEY = KEY
    entries = [audit_record(action="login", username=f"user{n}") for n in range(4)]
    tamper(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id = %s", [entries[1].pk])
    err = verify_fails(capsys)
    assert f"BROKEN at audit row id={entries[2].pk}" in err and "changed or deleted" in err


def test_a_new_log_with_a_key_is_keyed_from_its_first_row_and_never_stores_or_logs_the_key(db, settings, caplog):
    settings.AUDIT_CHAIN_KEY = KEY
    with caplog.at_level(logging.DEBUG, logger="partybuild.audit"):
        audit_record(action="login", username="first")
    switch, login = AuditEntry.objects.order_by("id")
    assert (switch.action, switch.prev_hash, switch.detail) == (
        "chain_key",
        "",
        {"key_id": chain_key_id(KEY), "previous_key_id": ""},
    )
    assert (
        login.hash == hmac.new(KEY.encode(), (login.prev_hash + login.canonical()).encode(), hashlib.sha256).hexdigest()
    )
    assert audit_verify().broken is None
    stored = json.dumps(list(AuditEntry.objects.values()), default=str)
    assert KEY not in stored and KEY not in caplog.text


def test_an_unkeyed_log_switches_once_and_cannot_be_downgraded_after(db, settings, capsys):
    old = [audit_record(action="login", username=f"old{n}") for n in range(3)]
    settings.AUDIT_CHAIN_KEY = KEY
    # Setting the key is not enough: the log does not switch by itself (see test_replacing...).
    assert "NOT KEYED" in verify_fails(capsys)
    audit_record(action="login", username="before the switch")
    call_command("verify_audit", "--switch-key", "--operator", "security admin")
    out = capsys.readouterr().out
    switch = AuditEntry.objects.get(action="chain_key")
    assert f"Switched: audit rows from id={switch.pk} on" in out
    assert (switch.username, switch.detail["previous_key_id"]) == ("security admin", "")
    assert (
        f"OK: 5 audit rows verified, from id={old[0].pk} without a key, from id={switch.pk} with AUDIT_CHAIN_KEY" in out
    )
    after = [audit_record(action="login", username=f"new{n}") for n in range(3)]
    call_command("verify_audit", "--switch-key")
    assert "already hashed with AUDIT_CHAIN_KEY" in capsys.readouterr().out
    assert AuditEntry.objects.filter(action="chain_key").count() == 1

    # Downgrading a row after the switch to plain SHA-256, with every later row recomputed, is found.
    rewrite(after[1].pk, username="mallory")
    err = verify_fails(capsys)
    assert f"BROKEN at audit row id={after[1].pk}" in err and "hashed without a key" in err
    # And a forged switch to no key, which the app never writes.
    rewrite(after[1].pk, action="chain_key", detail={"key_id": "", "previous_key_id": chain_key_id(KEY)})
    err = verify_fails(capsys)
    assert f"BROKEN at audit row id={after[1].pk}" in err and "this row was changed" in err
    # So is rewriting the row that switched: a switch is hashed with the key it names.
    rewrite(switch.pk, username="mallory")
    assert f"BROKEN at audit row id={switch.pk}" in verify_fails(capsys)


def test_replacing_the_keyed_rows_by_unkeyed_ones_is_found_and_the_app_does_not_switch_again(db, settings, capsys):
    for n in range(2):
        audit_record(action="login", username=f"old{n}")
    settings.AUDIT_CHAIN_KEY = KEY
    call_command("verify_audit", "--switch-key")
    audit_record(action="export", username="keyed")
    # The switch and everything after it go, replaced by an unkeyed row that chains on.
    switch = AuditEntry.objects.get(action="chain_key")
    tamper(f"DELETE FROM {AuditEntry._meta.db_table} WHERE id >= %s", [switch.pk])
    settings.AUDIT_CHAIN_KEY = ""
    audit_record(action="login", username="forged")
    settings.AUDIT_CHAIN_KEY = KEY
    audit_record(action="login", username="next real login")
    assert AuditEntry.objects.order_by("-id").first().hash == AuditEntry.objects.order_by("-id").first().compute_hash()
    capsys.readouterr()
    err = verify_fails(capsys)
    assert "NOT KEYED" in err and "removed or replaced" in err


def test_a_wrong_or_missing_key_is_named_on_stderr_and_exits_1(db, settings, capsys, caplog):
    settings.AUDIT_CHAIN_KEY = KEY
    audit_record(action="login", username="a")
    switch = AuditEntry.objects.get(action="chain_key")
    settings.AUDIT_CHAIN_KEY = NEW_KEY
    err = verify_fails(capsys)
    assert f"WRONG KEY at audit row id={switch.pk}" in err
    assert chain_key_id(KEY) in err and chain_key_id(NEW_KEY) in err and KEY not in err
    with caplog.at_level(logging.ERROR, logger="partybuild.audit"):
        audit_record(action="login", username="on a server with another key")
    assert f"keyed with key id {chain_key_id(KEY)}, which this server does not hold" in caplog.text
    settings.AUDIT_CHAIN_KEY = ""
    assert "AUDIT_CHAIN_KEY is not set" in verify_fails(capsys)
    # Last: run_from_argv closes the database connection.
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "verify_audit"]).execute()
    assert exit_info.value.code == 1


def test_a_server_without_the_key_breaks_the_chain_visibly_and_the_others_stay_keyed(db, settings, capsys, caplog):
    settings.AUDIT_CHAIN_KEY = KEY
    audit_record(action="login", username="a")
    settings.AUDIT_CHAIN_KEY = ""
    with caplog.at_level(logging.ERROR, logger="partybuild.audit"):
        unkeyed = audit_record(action="login", username="b")
    assert f"audit row id={unkeyed.pk - 1} does not verify without a key: AUDIT_CHAIN_KEY is missing" in caplog.text
    settings.AUDIT_CHAIN_KEY = KEY
    later = audit_record(action="login", username="c")
    assert (
        later.hash == hmac.new(KEY.encode(), (later.prev_hash + later.canonical()).encode(), hashlib.sha256).hexdigest()
    )
    assert f"BROKEN at audit row id={unkeyed.pk}" in verify_fails(capsys)


def test_changing_the_key_keeps_the_old_rows_verifiable_with_the_fallback(db, settings, capsys):
    settings.AUDIT_CHAIN_KEY = KEY
    audit_record(action="login", username="a")
    first_switch = AuditEntry.objects.get(action="chain_key")
    settings.AUDIT_CHAIN_KEY, settings.AUDIT_CHAIN_KEY_FALLBACKS = NEW_KEY, [KEY]
    assert "keyed with an older key" in verify_fails(capsys)
    meanwhile = audit_record(action="login", username="b")  # still hashed with the old key
    call_command("verify_audit", "--switch-key")
    audit_record(action="login", username="c")
    call_command("verify_audit")
    out = capsys.readouterr().out
    switch = AuditEntry.objects.filter(action="chain_key").order_by("-id").first()
    assert switch.detail == {"key_id": chain_key_id(NEW_KEY), "previous_key_id": chain_key_id(KEY)}
    assert f"from id={first_switch.pk} with AUDIT_CHAIN_KEY_FALLBACKS ({chain_key_id(KEY)})" in out
    assert f"from id={switch.pk} with AUDIT_CHAIN_KEY ({chain_key_id(NEW_KEY)})" in out
    assert meanwhile.pk < switch.pk
    settings.AUDIT_CHAIN_KEY_FALLBACKS = []
    assert "WRONG KEY" in verify_fails(capsys)


def test_the_switch_refuses_a_broken_chain_or_no_key(db, settings, capsys):
    entry = audit_record(action="login", username="a")
    with pytest.raises(CommandError):
        call_command("verify_audit", "--switch-key")
    assert "AUDIT_CHAIN_KEY is not set" in capsys.readouterr().err
    settings.AUDIT_CHAIN_KEY = KEY
    tamper(f"UPDATE {AuditEntry._meta.db_table} SET username = %s WHERE id = %s", ["mallory", entry.pk])
    assert f"not switching: audit row id={entry.pk}" in verify_fails(capsys, "--switch-key")
    assert not AuditEntry.objects.filter(action="chain_key").exists()


def test_purging_the_row_that_keyed_the_log_leaves_a_chain_that_verifies_and_stays_keyed(db, settings):
    with time_machine.travel(dt.datetime(2025, 1, 10, tzinfo=dt.UTC), tick=False):
        audit_record(action="login", username="unkeyed")
        settings.AUDIT_CHAIN_KEY = KEY
        call_command("verify_audit", "--switch-key")
        audit_record(action="login", username="old keyed")
    with time_machine.travel(dt.datetime(2025, 9, 1, tzinfo=dt.UTC), tick=False):
        recent = audit_record(action="login", username="recent")
        call_command("purge_audit", "--days", "180")
    assert not AuditEntry.objects.filter(action="chain_key").exists()
    purge = AuditEntry.objects.get(action="purge")
    assert (purge.detail["deleted"], purge.detail["key_id"]) == (3, chain_key_id(KEY))
    assert AuditEntry.objects.get(pk=recent.pk).prev_hash == purge.detail["anchor_hash"]
    assert audit_verify().broken is None
    # Rows written after the purge stay keyed, even by a server that finds the newest row unverifiable.
    tamper(f"UPDATE {AuditEntry._meta.db_table} SET username = %s WHERE id = %s", ["mallory", purge.pk])
    later = audit_record(action="login", username="later")
    assert later.hash != later.compute_hash()
    tamper(f"UPDATE {AuditEntry._meta.db_table} SET username = %s WHERE id = %s", [purge.username, purge.pk])
    assert audit_verify().broken is None
    # Downgrading the oldest remaining row is found too: the purge recorded that it was keyed.
    rewrite(recent.pk, username="mallory")
    assert audit_verify().broken.pk == recent.pk


def test_a_purge_refuses_to_anchor_on_a_row_it_cannot_verify(db, settings):
    settings.AUDIT_CHAIN_KEY = KEY
    with time_machine.travel(dt.datetime(2025, 1, 10, tzinfo=dt.UTC), tick=False):
        audit_record(action="login", username="old")
    settings.AUDIT_CHAIN_KEY = ""
    with time_machine.travel(dt.datetime(2025, 9, 1, tzinfo=dt.UTC), tick=False), pytest.raises(CommandError):
        call_command("purge_audit", "--days", "180")
    assert AuditEntry.objects.filter(username="old").exists()


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


def test_the_log_page_names_objects_and_shows_changes_in_words(client, auditor, committee, assignment_a1):
    import datetime as dt

    from tasks.services import progress_report_approve, progress_report_submit

    report = progress_report_submit(
        assignment=assignment_a1,
        author=assignment_a1.owner,
        percent=40,
        narrative="学习两次",
        actual_value=8,
        obstacles="缺少学习材料",
    )
    progress_report_approve(report=report, reviewer=committee)
    assignment_a1.refresh_from_db()
    assignment_a1.deadline = dt.date(2023, 12, 31)
    assignment_a1.save()
    change = AuditEntry.objects.filter(action="change", object_type="tasks.assignment").order_by("-id").first()
    assert change.detail["changes"]["deadline"] == ["2023-12-29", "2023-12-31"]

    client.force_login(auditor)
    page = client.get(reverse("audit_log"), {"q": "办公室党支部"}).content.decode()
    assert "承办任务" in page and "1.2 · 办公室党支部" in page
    assert "完成时限" in page and "2023-12-29" in page and "2023-12-31" in page
    assert "审核结果" in page and "通过" in page
    assert "tasks.assignment" not in page and "#" + str(assignment_a1.pk) not in page
    assert "{'" not in page and "history_id" not in page


def test_older_change_rows_without_changes_are_read_from_their_change_record(client, auditor, assignment_a1):
    import datetime as dt

    assignment_a1.deadline = dt.date(2023, 12, 31)
    assignment_a1.save()
    record = assignment_a1.history.first()
    # As rows written before detail["changes"] existed read: only the change record's id.
    audit_record(action="change", obj=assignment_a1, detail={"history_type": "~", "history_id": record.pk})

    client.force_login(auditor)
    page = client.get(reverse("audit_log"), {"q": "办公室党支部"}).content.decode()
    assert page.count("2023-12-31") == 2  # the new row's own changes and the old-style row's, read from history
