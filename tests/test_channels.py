"""Each channel's transport against a real server: SMTP (aiosmtpd) and HTTP (pytest-httpserver)."""

import base64
import datetime as dt
import hashlib
import hmac
import time
import urllib.parse

import pytest
from aiosmtpd.controller import Controller
from django.core.mail.backends.smtp import EmailBackend
from django.utils import timezone

from tasks.models import Bundle, InboxMessage, OrgUnit, Reminder
from tasks.services.reminders import (
    DingTalkTransport,
    EmailTransport,
    InboxTransport,
    TransportError,
    WeComTransport,
    bundle_deliver,
    dingtalk_sign,
)
from tests.support_reminders import (
    SmtpRecorder,
    free_port,
    smtp_server_fixture,  # noqa: F401 - registers the fixture
    use_smtp,
)


def make_reminder(
    assignment,
    *,
    recipient=None,
    unit=None,
    channel=Reminder.Channel.EMAIL,
    period="d1:2023-12-29",
    subject="Due in 1 working days: 1.2 全面贯彻“第一议题”制度",
    body="请在截止日期前报送进展。",
):
    row = Reminder.objects.create(
        assignment=assignment,
        kind=Reminder.Kind.DUE_SOON,
        recipient=recipient,
        recipient_unit=unit,
        channel=channel,
        period=period,
        subject=subject,
        body=body,
        url=assignment.get_absolute_url(),
        dedup_key=Reminder.make_dedup_key(
            assignment_id=assignment.pk,
            kind="due_soon",
            recipient_id=getattr(recipient, "pk", None),
            recipient_unit_id=getattr(unit, "pk", None),
            channel=channel,
            period=period,
        ),
    )
    row.bundle = Bundle.objects.create(
        recipient=recipient,
        recipient_unit=unit,
        channel=channel,
        day=timezone.localdate(),
        daily=False,
        key=f"item:{row.dedup_key}",
        subject=subject,
        item_count=1,
    )
    row.save(update_fields=["bundle"])
    return row


def parcel(row: Reminder) -> tuple[Bundle, list[Reminder]]:
    """What delivery hands a transport: the bundle and its items (here, the one row alone)."""
    return row.bundle, [row]


# --- E-mail ------------------------------------------------------------------------------------------------


def test_email_has_subject_text_and_html_with_a_link(assignment_b, secretary_b, smtp_server, settings):
    settings.SITE_URL = "https://party.example"
    reminder = make_reminder(assignment_b, recipient=secretary_b)

    EmailTransport().send(*parcel(reminder))

    [message] = smtp_server.messages
    assert message["To"] == secretary_b.email
    assert "1.2 全面贯彻“第一议题”制度" in message["Subject"]
    assert message["Message-ID"] == f"<bundle-{reminder.bundle_id}@partybuild>"
    link = f"https://party.example/assignments/{assignment_b.pk}/"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "请在截止日期前报送进展。" in text
    assert link in text
    assert f'href="{link}"' in html
    assert secretary_b.full_name in html


def test_a_batch_of_emails_shares_one_smtp_connection(
    assignment_a1, assignment_b, secretary_a, secretary_b, committee, smtp_server
):
    rows = [make_reminder(assignment_b, recipient=person) for person in (secretary_a, secretary_b, committee)]

    outcome = bundle_deliver(bundle_ids=[row.bundle_id for row in rows])

    assert sorted(outcome.sent) == sorted(row.bundle_id for row in rows)
    assert len(smtp_server.messages) == 3
    assert smtp_server.handler.connections == 1
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}
    for row in Reminder.objects.all():
        assert abs((timezone.now() - row.sent_at).total_seconds()) < 60


class RefusingRecorder(SmtpRecorder):
    def __init__(self, code: str):
        super().__init__()
        self.code = code

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        return self.code


@pytest.mark.parametrize(("answer", "permanent"), [("550 5.1.1 no such user", True), ("451 4.3.0 try later", False)])
def test_smtp_refusal_is_permanent_only_for_5xx(assignment_b, secretary_b, settings, answer, permanent):
    port = free_port()
    controller = Controller(RefusingRecorder(answer), hostname="127.0.0.1", port=port)
    controller.start()
    use_smtp(settings, port)
    try:
        with pytest.raises(TransportError) as caught:
            EmailTransport().send(*parcel(make_reminder(assignment_b, recipient=secretary_b)))
    finally:
        controller.stop()
    assert caught.value.permanent is permanent


def test_smtp_server_down_is_temporary_and_the_rest_of_the_batch_fails_fast(
    assignment_b, secretary_a, secretary_b, settings, monkeypatch
):
    use_smtp(settings, free_port())
    transport = EmailTransport()
    attempts = []
    real_open = EmailBackend.open

    def counted_open(backend):
        attempts.append(backend.port)
        return real_open(backend)

    monkeypatch.setattr(EmailBackend, "open", counted_open)

    with pytest.raises(TransportError) as first:
        transport.send(*parcel(make_reminder(assignment_b, recipient=secretary_a)))
    with pytest.raises(TransportError) as second:
        transport.send(*parcel(make_reminder(assignment_b, recipient=secretary_b)))

    assert not first.value.permanent
    assert not second.value.permanent
    # Fails fast: the second message does not try the unreachable server again (no timing: shared machines).
    assert len(attempts) == 1


def test_a_recipient_without_address_is_a_permanent_failure(assignment_b, secretary_b, smtp_server):
    secretary_b.email = ""
    secretary_b.save()
    with pytest.raises(TransportError) as caught:
        EmailTransport().send(*parcel(make_reminder(assignment_b, recipient=secretary_b)))
    assert caught.value.permanent
    assert smtp_server.messages == []


def test_weekly_digest_email_has_the_tables(key_task, assignment_b, committee, smtp_server):
    reminder = Reminder.objects.create(
        kind=Reminder.Kind.WEEKLY_DIGEST,
        recipient=committee,
        channel="email",
        period="2023-W52",
        subject="Weekly digest",
        body="...",
        url="/",
        dedup_key="-:weekly_digest:u1:email:2023-W52",
    )
    bundle = Bundle.objects.create(
        recipient=committee, channel="email", day=dt.date(2024, 1, 8), daily=False, key="item:digest", subject="x"
    )
    EmailTransport().send(bundle, [reminder])

    [message] = smtp_server.messages
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "1.2 全面贯彻“第一议题”制度" in html  # red: overdue since 29 December 2023
    assert assignment_b.unit.name in text


# --- Inbox -------------------------------------------------------------------------------------------------


def test_inbox_transport_is_idempotent(assignment_b, secretary_b):
    reminder = make_reminder(assignment_b, recipient=secretary_b, channel=Reminder.Channel.INBOX)

    InboxTransport().send(*parcel(reminder))
    InboxTransport().send(*parcel(reminder))

    message = InboxMessage.objects.get(user=secretary_b)
    assert message.title == reminder.subject
    assert message.url == f"/assignments/{assignment_b.pk}/"


# --- Group robots ------------------------------------------------------------------------------------------


@pytest.fixture
def robot_unit(org, httpserver):
    unit = org.branch_b
    unit.robot_kind, unit.robot_webhook_url = OrgUnit.Robot.WECOM, httpserver.url_for("/cgi-bin/webhook/send?key=abc")
    unit.save()
    return unit


def test_wecom_sends_markdown(robot_unit, assignment_b, httpserver):
    httpserver.expect_request("/cgi-bin/webhook/send", query_string="key=abc", method="POST").respond_with_json(
        {"errcode": 0, "errmsg": "ok"}
    )
    reminder = make_reminder(assignment_b, unit=robot_unit, channel=Reminder.Channel.WECOM)

    WeComTransport().send(*parcel(reminder))

    [(request, _response)] = httpserver.log
    payload = request.get_json()
    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["content"].startswith("### Due in 1 working days")
    assert f"/assignments/{assignment_b.pk}/" in payload["markdown"]["content"]


def test_dingtalk_signs_the_request_when_a_secret_is_set(robot_unit, assignment_b, httpserver):
    robot_unit.robot_kind, robot_unit.robot_secret = OrgUnit.Robot.DINGTALK, "SEC0123456789"
    robot_unit.robot_webhook_url = httpserver.url_for("/robot/send?access_token=tok")
    robot_unit.save()
    httpserver.expect_request("/robot/send", method="POST").respond_with_json({"errcode": 0, "errmsg": "ok"})

    DingTalkTransport().send(*parcel(make_reminder(assignment_b, unit=robot_unit, channel=Reminder.Channel.DINGTALK)))

    [(request, _response)] = httpserver.log
    assert request.args["access_token"] == "tok"
    timestamp = request.args["timestamp"]
    expected = base64.b64encode(
        hmac.new(b"SEC0123456789", f"{timestamp}\nSEC0123456789".encode(), hashlib.sha256).digest()
    ).decode()
    assert request.args["sign"] == expected
    assert abs(int(timestamp) - time.time() * 1000) < 60_000
    payload = request.get_json()
    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["title"].startswith("Due in 1")


def test_dingtalk_sign_matches_the_documented_example():
    timestamp, sign = dingtalk_sign("secret", 1577262236757)
    digest = hmac.new(b"secret", b"1577262236757\nsecret", hashlib.sha256).digest()
    assert (timestamp, urllib.parse.unquote_plus(sign)) == (1577262236757, base64.b64encode(digest).decode())


@pytest.mark.parametrize(
    ("status", "body", "permanent"),
    [
        (500, {"errmsg": "server error"}, False),
        (502, {}, False),
        (429, {"errmsg": "too many"}, False),
        (400, {"errmsg": "bad"}, True),
        (404, {}, True),
        (200, {"errcode": 45009, "errmsg": "api freq out of limit"}, False),
        (200, {"errcode": 93000, "errmsg": "invalid webhook url"}, True),
    ],
)
def test_robot_errors_are_classified(robot_unit, assignment_b, httpserver, status, body, permanent):
    httpserver.expect_request("/cgi-bin/webhook/send").respond_with_json(body, status=status)

    with pytest.raises(TransportError) as caught:
        WeComTransport().send(*parcel(make_reminder(assignment_b, unit=robot_unit, channel=Reminder.Channel.WECOM)))

    assert caught.value.permanent is permanent


def test_robot_timeout_is_temporary(robot_unit, assignment_b, httpserver, settings):
    settings.REMINDER_WEBHOOK_TIMEOUT = 0.2

    def slow(request):
        time.sleep(1)
        from werkzeug import Response

        return Response('{"errcode": 0}', content_type="application/json")

    httpserver.expect_request("/cgi-bin/webhook/send").respond_with_handler(slow)

    with pytest.raises(TransportError) as caught:
        WeComTransport().send(*parcel(make_reminder(assignment_b, unit=robot_unit, channel=Reminder.Channel.WECOM)))

    assert not caught.value.permanent
    assert "timed out" in str(caught.value)


def test_a_unit_without_robot_is_a_permanent_failure(org, assignment_b):
    with pytest.raises(TransportError) as caught:
        WeComTransport().send(*parcel(make_reminder(assignment_b, unit=org.branch_b, channel=Reminder.Channel.WECOM)))
    assert caught.value.permanent


def test_one_channel_failing_does_not_block_another(robot_unit, assignment_b, secretary_b, httpserver, smtp_server):
    httpserver.expect_request("/cgi-bin/webhook/send").respond_with_data("nope", status=403)
    robot = make_reminder(assignment_b, unit=robot_unit, channel=Reminder.Channel.WECOM)
    email = make_reminder(assignment_b, recipient=secretary_b)

    outcome = bundle_deliver(bundle_ids=[robot.bundle_id, email.bundle_id])

    assert (outcome.failed, outcome.sent) == ([robot.bundle_id], [email.bundle_id])
    robot.refresh_from_db()
    assert (robot.state, robot.attempts) == ("failed", 1)
    assert (robot.bundle.state, robot.bundle.attempts) == ("failed", 1)
    assert "HTTP 403" in robot.last_error
    assert len(smtp_server.messages) == 1
