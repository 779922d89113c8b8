"""The API's writes: a report with evidence, approval and return, extension request and decision, all through the
services the web uses (same rules, same audit rows, plus the token's id), with ETags and If-Match on the
optimistic-lock version (stale: 412, missing: 428)."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tasks.models import ApiToken, Assignment, AuditEntry, Evidence, ExtensionRequest, ProgressReport
from tasks.services.api_tokens import api_token_create
from tests.helpers import pdf, upload

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2023, 6, 1, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def token_for(user, scope=ApiToken.Scope.WRITE) -> tuple[ApiToken, Client]:
    row, token = api_token_create(
        actor=user, user=user, name="系统", scope=scope, expires_on=timezone.localdate() + dt.timedelta(days=30)
    )
    return row, Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def etag_of(client, name, pk) -> str:
    response = client.get(reverse(name, args=[pk]))
    assert response.status_code == 200
    return response["ETag"]


def report_on(client, assignment, *, if_match=None, **data):
    headers = {"If-Match": if_match} if if_match else {}
    fields = {"percent": 60, "narrative": "完成第二季度学习", "obstacles": "缺少学习材料", **data}
    return client.post(reverse("api:assignment-report", args=[assignment.pk]), fields, headers=headers)


def test_a_report_with_evidence_is_the_services_and_audited_with_the_token(secretary_a, assignment_a1):
    token, client = token_for(secretary_a)
    etag = etag_of(client, "api:assignment-detail", assignment_a1.pk)
    assert etag == f'"v{assignment_a1.version}"'
    response = report_on(client, assignment_a1, if_match=etag, evidence=[pdf("学习记录.pdf"), pdf("签到表.pdf")])
    assert response.status_code == 201, str(response.json())
    body = response.json()
    report = ProgressReport.objects.get()
    assert response["Location"] == reverse("api:report-detail", args=[report.pk])
    assert response["ETag"] == f'"v{report.version}"'
    assert body["state"] == "submitted" and body["percent"] == 60
    assert [item["name"] for item in body["evidence"]] == ["学习记录.pdf", "签到表.pdf"]
    download = client.get(body["evidence"][0]["download"])
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    audit = AuditEntry.objects.get(action=AuditEntry.Action.REPORT)
    assert audit.username == "secretary_a" and audit.detail["api_token"] == token.pk
    # The assignment's version moved: the ETag read before is stale now.
    assert etag_of(client, "api:assignment-detail", assignment_a1.pk) != etag


def test_a_write_without_if_match_is_428_and_with_a_stale_one_412(secretary_a, assignment_a1):
    _token, client = token_for(secretary_a)
    missing = report_on(client, assignment_a1)
    assert missing.status_code == 428
    assert missing["Content-Type"] == "application/problem+json" and "If-Match" in missing.json()["detail"]
    Assignment.objects.filter(pk=assignment_a1.pk).update(version=assignment_a1.version + 1)  # someone wrote
    stale = report_on(client, assignment_a1, if_match=f'"v{assignment_a1.version}"')
    assert stale.status_code == 412 and stale.json()["code"] == "stale"
    assert stale.json()["detail"] == "该内容已被他人修改：请重新获取（GET），并以新的 ETag 作为 If-Match 发送。"
    assert report_on(client, assignment_a1, if_match="*").status_code == 412
    assert not ProgressReport.objects.exists()


def test_service_rules_come_back_as_problems_in_chinese(secretary_a, assignment_a1):
    _token, client = token_for(secretary_a)
    etag = etag_of(client, "api:assignment-detail", assignment_a1.pk)
    bad = report_on(client, assignment_a1, if_match=etag, percent=150, narrative="")
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"percent", "narrative"}
    refused_file = report_on(client, assignment_a1, if_match=etag, evidence=[upload("脚本.exe", b"MZ\x90\x00" * 8)])
    assert refused_file.status_code == 400 and "脚本.exe" in refused_file.json()["errors"]["evidence"][0]
    assert report_on(client, assignment_a1, if_match=etag).status_code == 201
    again = report_on(client, assignment_a1, if_match=etag_of(client, "api:assignment-detail", assignment_a1.pk))
    assert again.status_code == 400
    assert again.json()["detail"] == "该承办任务已有进展反馈待审核，请待审核完成后再反馈。"
    assert ProgressReport.objects.count() == 1 and Evidence.objects.count() == 0


def test_nobody_reports_across_the_branch_wall(secretary_a, assignment_b):
    _token, client = token_for(secretary_a)
    hidden = report_on(client, assignment_b, if_match='"v1"')
    missing = client.post(reverse("api:assignment-report", args=[987654]), {}, headers={"If-Match": '"v1"'})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"] == missing.json()["detail"]
    assert not ProgressReport.objects.exists()


def test_a_read_only_token_cannot_report(secretary_a, assignment_a1):
    _token, client = token_for(secretary_a, scope=ApiToken.Scope.READ)
    assert report_on(client, assignment_a1, if_match='"v1"').status_code == 403
    assert not ProgressReport.objects.exists()


def submitted(client, assignment) -> dict:
    response = report_on(client, assignment, if_match=etag_of(client, "api:assignment-detail", assignment.pk))
    assert response.status_code == 201
    return response


def test_review_approve_and_return_through_the_services(committee, secretary_a, assignment_a1):
    _token, secretary = token_for(secretary_a)
    first = submitted(secretary, assignment_a1)
    token, reviewer = token_for(committee)
    url = reverse("api:report-approve", args=[first.json()["id"]])
    assert reviewer.post(url, {}, content_type="application/json").status_code == 428
    approved = reviewer.post(
        url, {"comment": "好"}, content_type="application/json", headers={"If-Match": first["ETag"]}
    )
    assert approved.status_code == 200, approved.json()
    assert approved.json()["state"] == "approved" and approved.json()["reviewer"]["name"] == "王建国"
    assignment_a1.refresh_from_db()
    assert assignment_a1.progress == 60
    review = AuditEntry.objects.get(action=AuditEntry.Action.REVIEW)
    assert review.detail == {"decision": "approve", "api_token": token.pk}
    # Approving again: the report was reviewed already (409), whatever version is sent.
    again = reviewer.post(url, {}, content_type="application/json", headers={"If-Match": approved["ETag"]})
    assert again.status_code == 409 and again.json()["detail"] == "该进展反馈已审核。"

    second = submitted(secretary, assignment_a1)
    back = reverse("api:report-return", args=[second.json()["id"]])
    no_reason = reviewer.post(
        back, {"reason": ""}, content_type="application/json", headers={"If-Match": second["ETag"]}
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    returned = reviewer.post(
        back, {"reason": "请补充材料"}, content_type="application/json", headers={"If-Match": second["ETag"]}
    )
    assert returned.status_code == 200 and returned.json()["state"] == "returned"
    # The next report corrects the returned one, as on the web, and may keep its evidence.
    etag = etag_of(secretary, "api:assignment-detail", assignment_a1.pk)
    third = report_on(secretary, assignment_a1, if_match=etag, keep_evidence="true")
    assert third.status_code == 201
    assert third.json()["corrects"] == second.json()["id"]


def test_a_secretary_may_not_review(secretary_a, assignment_a1):
    _token, client = token_for(secretary_a)
    report = submitted(client, assignment_a1)
    refused = client.post(
        reverse("api:report-approve", args=[report.json()["id"]]),
        {},
        content_type="application/json",
        headers={"If-Match": report["ETag"]},
    )
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DENIED, username="secretary_a").exists()
    assert ProgressReport.objects.get().state == "submitted"


def test_extension_request_and_decision(committee, secretary_a, assignment_a1):
    _token, secretary = token_for(secretary_a)
    url = reverse("api:assignment-extension", args=[assignment_a1.pk])
    etag = etag_of(secretary, "api:assignment-detail", assignment_a1.pk)
    asked = secretary.post(
        url,
        {"requested_deadline": "2024-01-31", "reason": "等待上级文件"},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert asked.status_code == 201, asked.json()
    assert asked["Location"] == reverse("api:extension-detail", args=[asked.json()["id"]])
    early = secretary.post(
        url,
        {"requested_deadline": "2023-01-01", "reason": "x"},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert early.status_code == 400  # one is pending already
    decide = reverse("api:extension-decide", args=[asked.json()["id"]])
    assert secretary.post(decide, {"approve": True}, content_type="application/json").status_code == 403
    _token, reviewer = token_for(committee)
    no_reason = reviewer.post(decide, {"approve": False}, content_type="application/json")
    assert no_reason.status_code == 400 and "decision_comment" in no_reason.json()["errors"]
    approved = reviewer.post(decide, {"approve": True, "comment": "同意"}, content_type="application/json")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assignment_a1.refresh_from_db()
    assert assignment_a1.deadline == dt.date(2024, 1, 31) and assignment_a1.original_deadline == dt.date(2023, 12, 29)
    assert ExtensionRequest.objects.get().decided_by == committee


def test_a_session_write_needs_the_csrf_token(client, secretary_a, assignment_a1):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(secretary_a)
    etag = browser.get(reverse("api:assignment-detail", args=[assignment_a1.pk]))["ETag"]
    refused = report_on(browser, assignment_a1, if_match=etag)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert not ProgressReport.objects.exists()
