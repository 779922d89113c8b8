"""Outbound webhooks: written once per event and endpoint in the transaction that caused them, signed per the
Standard Webhooks spec (checked here as a receiver would, on a real HTTP server), retried for the retry window
then the endpoint disabled with a notice, swept after a crash (one duplicate at most, same webhook-id), re-sent
from the delivery log, and registered only by committee members and the system administrator."""

import base64
import datetime as dt
import hashlib
import hmac
import json

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from werkzeug import Response

from tasks.models import AuditEntry, InboxMessage, User, WebhookDelivery, WebhookEndpoint
from tasks.services import progress_report_approve, progress_report_submit
from tasks.services.lights import lights_refresh
from tasks.services.webhooks import (
    webhook_deliver,
    webhook_endpoint_create,
    webhook_endpoint_disable,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_set_active,
    webhook_endpoint_update,
    webhook_report_event,
    webhook_resend,
    webhook_sweep,
)
from tests.factories import MembershipFactory, ReportFactory, UserFactory
from tests.support_browser import zh

pytestmark = pytest.mark.django_db

Event = WebhookEndpoint.Event
NOW = dt.datetime(2023, 6, 1, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def verify(request, secret: str) -> dict:
    """What a receiver does (Standard Webhooks): recompute the signature over id.timestamp.body with the secret's
    bytes and compare; then trust the JSON."""
    message_id = request.headers["webhook-id"]
    timestamp = request.headers["webhook-timestamp"]
    body = request.get_data()
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest())
    signatures = [
        part.split(",", 1)[1] for part in request.headers["webhook-signature"].split() if part.startswith("v1,")
    ]
    assert any(hmac.compare_digest(expected.decode(), signature) for signature in signatures), "bad signature"
    assert abs(int(timestamp) - int(timezone.now().timestamp())) <= 300
    return json.loads(body)


@pytest.fixture
def endpoint(committee, httpserver):
    return webhook_endpoint_create(
        user=committee,
        url=httpserver.url_for("/hooks"),
        events=[Event.REPORT_SUBMITTED, Event.REPORT_APPROVED, Event.ASSIGNMENT_COMPLETED],
        description="OA 系统",
    )


def test_a_report_reaches_the_receiver_signed(endpoint, secretary_a, assignment_a1, httpserver):
    report = progress_report_submit(
        assignment=assignment_a1, author=secretary_a, percent=30, narrative="已学习", obstacles="缺少材料"
    )
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == Event.REPORT_SUBMITTED and delivery.state == "pending"
    received = []
    httpserver.expect_request("/hooks", method="POST").respond_with_handler(
        lambda request: received.append(request) or Response("ok")
    )
    assert webhook_deliver(delivery_id=delivery.pk).state == "sent"
    (request,) = received
    assert endpoint.secret.startswith("whsec_")
    payload = verify(request, endpoint.secret)
    assert request.headers["webhook-id"] == delivery.message_id
    assert payload["type"] == "report.submitted"
    assert payload["data"]["report"]["id"] == report.pk and payload["data"]["report"]["percent"] == 30
    assert payload["data"]["assignment"]["unit"]["name"] == "办公室党支部"
    assert payload["data"]["report"]["url"].endswith(reverse("api:report-detail", args=[report.pk]))
    delivery.refresh_from_db()
    assert delivery.state == "sent" and delivery.response_status == 200 and delivery.attempts == 1
    # A second job for the same delivery (a redelivered message) finds it sent: nothing goes twice.
    assert webhook_deliver(delivery_id=delivery.pk).state == ""
    assert len(received) == 1


def test_each_event_is_written_once_per_endpoint_and_only_where_wanted(
    endpoint, committee, secretary_a, assignment_a1, httpserver
):
    second = webhook_endpoint_create(user=committee, url=httpserver.url_for("/b"), events=[Event.REPORT_APPROVED])
    off = webhook_endpoint_create(user=committee, url=httpserver.url_for("/c"), events=[Event.REPORT_APPROVED])
    webhook_endpoint_set_active(user=committee, endpoint=off, active=False)
    report = ReportFactory(assignment=assignment_a1, author=secretary_a, percent=100)
    approved = progress_report_approve(report=report, reviewer=committee)
    webhook_report_event(Event.REPORT_APPROVED, approved)  # the same event again: already written
    rows = sorted(WebhookDelivery.objects.values_list("endpoint_id", "event"))
    assert rows == sorted(
        [
            (endpoint.pk, Event.REPORT_APPROVED),
            (endpoint.pk, Event.ASSIGNMENT_COMPLETED),
            (second.pk, Event.REPORT_APPROVED),
        ]
    )


def test_a_rolled_back_write_sends_nothing(endpoint, secretary_a, assignment_a1):
    def report_then_fail():
        with transaction.atomic():
            progress_report_submit(
                assignment=assignment_a1, author=secretary_a, percent=30, narrative="x", obstacles="y"
            )
            raise RuntimeError

    with pytest.raises(RuntimeError):
        report_then_fail()
    assert not WebhookDelivery.objects.exists()


def test_a_failing_receiver_is_retried_for_the_window_then_disabled_with_a_notice(
    endpoint, committee, secretary_a, assignment_a1, httpserver, settings, frozen
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    httpserver.expect_request("/hooks").respond_with_data("down", status=503)
    progress_report_submit(assignment=assignment_a1, author=secretary_a, percent=30, narrative="x", obstacles="y")
    delivery = WebhookDelivery.objects.get()
    assert webhook_deliver(delivery_id=delivery.pk).state == "pending"
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.response_status == 503 and "HTTP 503" in delivery.last_error
    # Enough attempts, but not yet a day old: still retried.
    assert webhook_deliver(delivery_id=delivery.pk).state == "pending"
    frozen.shift(dt.timedelta(hours=24, minutes=1))
    assert webhook_deliver(delivery_id=delivery.pk).state == "failed"
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "HTTP 503" in endpoint.disabled_reason
    notice = InboxMessage.objects.get(user=committee)
    assert endpoint.url in notice.title and notice.url == reverse("webhook_detail", args=[endpoint.pk])
    assert AuditEntry.objects.filter(action=AuditEntry.Action.WEBHOOK, detail__event="disabled").exists()
    # Nothing more is written for a disabled endpoint.
    progress_report_approve(
        report=WebhookDelivery.objects.get().endpoint and assignment_a1.reports.get(), reviewer=committee
    )
    assert WebhookDelivery.objects.count() == 1


def test_a_refused_connection_is_retried_too(endpoint, secretary_a, assignment_a1, httpserver):
    endpoint.url = "http://127.0.0.1:9/nothing-listens-here"
    endpoint.save()
    progress_report_submit(assignment=assignment_a1, author=secretary_a, percent=30, narrative="x", obstacles="y")
    outcome = webhook_deliver(delivery_id=WebhookDelivery.objects.get().pk)
    assert outcome.state == "pending" and "ConnectionError" in WebhookDelivery.objects.get().last_error


def test_a_worker_dying_mid_send_means_one_duplicate_with_the_same_id(
    endpoint, secretary_a, assignment_a1, httpserver, settings, frozen
):
    received = []
    httpserver.expect_request("/hooks").respond_with_handler(lambda request: received.append(request) or Response(""))
    progress_report_submit(assignment=assignment_a1, author=secretary_a, percent=30, narrative="x", obstacles="y")
    delivery = WebhookDelivery.objects.get()
    # The worker claimed it and died (sent or not, it never marked it).
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state="sending", claimed_at=timezone.now(), attempts=1)
    assert webhook_sweep(enqueue=False) == []  # not before the claim timeout
    frozen.shift(dt.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS + 1))
    assert webhook_sweep(enqueue=False) == [delivery.pk]
    assert webhook_deliver(delivery_id=delivery.pk).state == "sent"
    assert [request.headers["webhook-id"] for request in received] == [delivery.message_id]
    assert webhook_sweep(enqueue=False) == []


def test_the_delivery_log_re_sends_the_same_message(endpoint, committee, secretary_a, assignment_a1, httpserver):
    httpserver.expect_request("/hooks").respond_with_data("")
    progress_report_submit(assignment=assignment_a1, author=secretary_a, percent=30, narrative="x", obstacles="y")
    delivery = WebhookDelivery.objects.get()
    webhook_deliver(delivery_id=delivery.pk)
    webhook_resend(user=committee, delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.state == "pending" and delivery.attempts == 0
    assert webhook_deliver(delivery_id=delivery.pk).state == "sent"
    assert len(httpserver.log) == 2
    assert {request.headers["webhook-id"] for request, _response in httpserver.log} == {delivery.message_id}
    other = UserFactory(username="other_committee")
    with pytest.raises(PermissionDenied):
        webhook_resend(user=other, delivery=delivery)
    webhook_endpoint_set_active(user=committee, endpoint=endpoint, active=False)
    delivery.endpoint.refresh_from_db()
    with pytest.raises(ValidationError):
        webhook_resend(user=committee, delivery=delivery)


def test_overdue_is_sent_once_when_the_light_turns_red(committee, httpserver, overdue_b):
    webhook_endpoint_create(user=committee, url=httpserver.url_for("/o"), events=[Event.ASSIGNMENT_OVERDUE])
    with time_machine.travel(dt.datetime(2023, 4, 20, 10, tzinfo=dt.UTC), tick=False):
        lights_refresh(overdue_b)  # before the deadline: not red
    assert not WebhookDelivery.objects.exists()
    lights_refresh(overdue_b)
    lights_refresh(overdue_b)
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == Event.ASSIGNMENT_OVERDUE
    assert delivery.payload["data"]["assignment"]["id"] == overdue_b.pk


def test_who_registers_webhooks(committee, secretary_a, httpserver):
    with pytest.raises(PermissionDenied):
        webhook_endpoint_create(user=secretary_a, url=httpserver.url_for("/x"), events=[Event.REPORT_APPROVED])
    system = UserFactory(username="sysadmin", admin_duty=User.AdminDuty.SYSTEM)
    assert webhook_endpoint_create(user=system, url=httpserver.url_for("/x"), events=[Event.PLAN_PUBLISHED]).pk
    auditor = UserFactory(username="auditor", admin_duty=User.AdminDuty.AUDIT)
    with pytest.raises(PermissionDenied):
        webhook_endpoint_create(user=auditor, url=httpserver.url_for("/x"), events=[Event.PLAN_PUBLISHED])
    with pytest.raises(ValidationError) as error:
        webhook_endpoint_create(user=committee, url="ftp://x", events=["nothing"])
    assert set(error.value.message_dict) == {"url", "events"}


# --- Pages ------------------------------------------------------------------------------------------------------


def test_pages_register_show_the_secret_and_refuse_others(client, committee, secretary_a, httpserver):
    client.force_login(committee)
    bad = client.post(reverse("webhook_list"), {"url": "not a url", "events": []})
    assert bad.status_code == 422 and not WebhookEndpoint.objects.exists()
    created = client.post(
        reverse("webhook_list"),
        {"url": httpserver.url_for("/hooks"), "events": ["report.approved"], "description": "OA"},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert created.status_code == 302 and created["Location"] == reverse("webhook_detail", args=[endpoint.pk])
    page = client.get(created["Location"]).content.decode()
    assert endpoint.secret in page and "OA" in page
    client.post(reverse("webhook_toggle", args=[endpoint.pk]), {"active": "0"})
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    client.force_login(secretary_a)
    assert client.get(reverse("webhook_list")).status_code == 404
    assert client.get(reverse("webhook_detail", args=[endpoint.pk])).status_code == 404
    other = UserFactory(username="committee2")
    from tasks.models import Membership
    from tests.factories import MembershipFactory

    MembershipFactory(user=other, unit=endpoint.owner.memberships.first().unit, role=Membership.Role.COMMITTEE)
    client.force_login(other)
    assert client.get(reverse("webhook_detail", args=[endpoint.pk])).status_code == 404
    client.force_login(committee)
    client.post(reverse("webhook_delete", args=[endpoint.pk]), {"confirm": "on"})
    assert not WebhookEndpoint.objects.exists()


def test_the_readme_receiver_example_accepts_our_signature_and_refuses_a_forged_one(
    endpoint, secretary_a, assignment_a1, httpserver
):
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("Checking a delivery in the receiving system")[1].split("```python")[1].split("```")[0]
    namespace: dict = {}
    exec(example, namespace)  # noqa: S102 - the README's own code, run as a reader would
    received = []
    httpserver.expect_request("/hooks").respond_with_handler(lambda request: received.append(request) or Response(""))
    progress_report_submit(assignment=assignment_a1, author=secretary_a, percent=30, narrative="x", obstacles="y")
    webhook_deliver(delivery_id=WebhookDelivery.objects.get().pk)
    (request,) = received
    headers = {key.lower(): value for key, value in request.headers.items()}
    assert namespace["verify"](headers, request.get_data(), endpoint.secret)["type"] == "report.submitted"
    with pytest.raises(ValueError, match="bad signature"):
        namespace["verify"](headers, request.get_data() + b" ", endpoint.secret)


# --- Editing an endpoint ------------------------------------------------------------------------------------------


def webhook_rows(event: str):
    return AuditEntry.objects.filter(action=AuditEntry.Action.WEBHOOK, detail__event=event)


def test_address_and_events_change_through_the_service_audited_by_host(endpoint, committee, httpserver):
    new_url = httpserver.url_for("/v2/hooks?key=s3cret")
    webhook_endpoint_update(
        user=committee, endpoint=endpoint, url=new_url, events=[Event.PLAN_PUBLISHED], description="OA 系统 v2"
    )
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.description) == (new_url, [Event.PLAN_PUBLISHED], "OA 系统 v2")
    (row,) = webhook_rows("changed")
    assert row.username == "committee" and set(row.detail["changes"]) == {"url_host", "events", "description"}
    assert "s3cret" not in json.dumps(row.detail)  # hosts only: a URL may carry a key
    # Saving it unchanged writes nothing more.
    webhook_endpoint_update(
        user=committee, endpoint=endpoint, url=new_url, events=[Event.PLAN_PUBLISHED], description="OA 系统 v2"
    )
    assert webhook_rows("changed").count() == 1


def test_a_change_refuses_what_registering_refuses_and_others_endpoints(endpoint, committee, org, httpserver):
    with pytest.raises(ValidationError) as error:
        webhook_endpoint_update(user=committee, endpoint=endpoint, url="ftp://oa.example/hooks", events=[])
    assert error.value.message_dict == {
        "url": [zh("Enter the full address of the receiving system, starting with https:// or http://.")],
        "events": [zh("Choose at least one event.")],
    }
    other = UserFactory(username="committee2")
    MembershipFactory(user=other, unit=org.committee_unit, role="committee")
    for attempt in (
        lambda: webhook_endpoint_update(user=other, endpoint=endpoint, url=endpoint.url, events=endpoint.events),
        lambda: webhook_endpoint_rotate_secret(user=other, endpoint=endpoint),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    endpoint.refresh_from_db()
    assert endpoint.url == httpserver.url_for("/hooks") and not webhook_rows("changed").exists()


def test_a_rotated_secret_signs_what_is_sent_from_then_on(endpoint, committee, secretary_a, assignment_a1, httpserver):
    received = []
    httpserver.expect_request("/hooks").respond_with_handler(lambda request: received.append(request) or Response(""))
    old = endpoint.secret
    progress_report_submit(assignment=assignment_a1, author=secretary_a, percent=30, narrative="x", obstacles="y")
    endpoint = webhook_endpoint_rotate_secret(user=committee, endpoint=endpoint)
    assert endpoint.secret != old and endpoint.secret.startswith("whsec_")
    webhook_deliver(delivery_id=WebhookDelivery.objects.get().pk)  # written before, sent after: the new secret
    verify(received[0], endpoint.secret)
    with pytest.raises(AssertionError, match="bad signature"):
        verify(received[0], old)
    (row,) = webhook_rows("secret_rotated")
    assert endpoint.secret not in json.dumps(row.detail) and old not in json.dumps(row.detail)


def test_the_pages_edit_rotate_show_the_secret_once_and_delete_only_when_confirmed(
    client, endpoint, committee, secretary_a, assignment_a1
):
    client.force_login(committee)
    bad = client.post(reverse("webhook_edit", args=[endpoint.pk]), {"url": "ftp://oa.example/x", "events": []})
    assert bad.status_code == 422
    page = bad.content.decode()
    assert zh("Enter the full address of the receiving system, starting with https:// or http://.") in page
    assert zh("Choose at least one event.") in page
    saved = client.post(
        reverse("webhook_edit", args=[endpoint.pk]),
        {"url": "https://oa.intranet.example/hooks", "events": ["plan.published"], "description": "OA"},
    )
    assert saved.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url == "https://oa.intranet.example/hooks" and endpoint.events == ["plan.published"]
    # The secret: not on the page as such, shown once after a rotation.
    assert endpoint.secret not in client.get(reverse("webhook_detail", args=[endpoint.pk])).content.decode()
    client.post(reverse("webhook_rotate_secret", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret in client.get(reverse("webhook_detail", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in client.get(reverse("webhook_detail", args=[endpoint.pk])).content.decode()
    # Delete: the page says the log goes with it; unconfirmed, nothing is deleted.
    webhook_endpoint_update(user=committee, endpoint=endpoint, url=endpoint.url, events=[Event.REPORT_SUBMITTED])
    progress_report_submit(assignment=assignment_a1, author=secretary_a, percent=30, narrative="x", obstacles="y")
    assert client.get(reverse("webhook_delete", args=[endpoint.pk])).status_code == 200
    unconfirmed = client.post(reverse("webhook_delete", args=[endpoint.pk]))
    assert unconfirmed.status_code == 422
    assert zh("Tick the box to confirm: the delivery log is deleted with the webhook.") in unconfirmed.content.decode()
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    # Another committee member's: the same 404 as a webhook that does not exist.
    client.force_login(secretary_a)
    for name in ("webhook_edit", "webhook_delete"):
        assert client.get(reverse(name, args=[endpoint.pk])).status_code == 404
    assert client.post(reverse("webhook_rotate_secret", args=[endpoint.pk])).status_code == 404
    client.force_login(committee)
    assert client.post(reverse("webhook_delete", args=[endpoint.pk]), {"confirm": "on"}).status_code == 302
    assert not WebhookEndpoint.objects.exists()
    (row,) = webhook_rows("deleted")
    assert row.detail["deliveries"] == {"pending": 1} and row.detail["url_host"] == "oa.intranet.example"


def test_an_endpoint_disabled_after_failures_is_turned_on_again(client, endpoint, committee):
    webhook_endpoint_disable(endpoint=endpoint, reason="attempt 6: HTTP 503: down")
    client.force_login(committee)
    page = client.get(reverse("webhook_detail", args=[endpoint.pk])).content.decode()
    assert "HTTP 503" in page and zh("Turn on again") in page
    client.post(reverse("webhook_toggle", args=[endpoint.pk]), {"active": "1"})
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_at is None and endpoint.disabled_reason == ""
    assert webhook_rows("enabled").get().username == "committee"
