"""One transport class per reminder channel, behind one interface: `send(reminder)`.

A transport either returns (the message left our hands) or raises TransportError. `permanent=True`
means trying again cannot help (a 4xx answer, a refused address); anything else is retried with backoff.
Transports hold no business rules: what to send to whom was decided when the Reminder row was written.
"""

import base64
import hashlib
import hmac
import logging
import smtplib
import time
import urllib.parse

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.models import InboxMessage, Reminder

logger = logging.getLogger(__name__)

# Robot API error codes meaning "too many messages, slow down" (WeCom 45009, DingTalk 130101).
ROBOT_RATE_LIMIT_CODES = {45009, 130101}


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}" if path else settings.SITE_URL


class Transport:
    """Open resources lazily in `send`, release them in `close`; one instance serves one batch."""

    def send(self, reminder: Reminder) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Release connections held across a batch."""


class InboxTransport(Transport):
    """The in-app inbox. Idempotent: a reminder has at most one inbox message (one-to-one)."""

    def send(self, reminder: Reminder) -> None:
        if reminder.recipient_id is None:
            raise TransportError("an inbox reminder needs a recipient", permanent=True)
        InboxMessage.objects.get_or_create(
            reminder=reminder,
            defaults={
                "user_id": reminder.recipient_id,
                "title": reminder.subject[:200],
                "body": reminder.body,
                "url": reminder.url,
            },
        )


class EmailTransport(Transport):
    """E-mail from three templates (subject, text, HTML); one SMTP connection reused across a batch."""

    def __init__(self, *, digest_loader=None):
        self._connection = None
        self._unreachable: str | None = None
        self._digests: dict[str, object] = {}
        self._digest_loader = digest_loader

    def _open(self):
        if self._unreachable is not None:
            # The server was unreachable a moment ago: fail the rest of the batch at once rather than
            # wait for one connection timeout per message. They are retried later.
            raise TransportError(self._unreachable)
        if self._connection is None:
            connection = get_connection(fail_silently=False)
            try:
                connection.open()
            except (OSError, smtplib.SMTPException) as error:
                self._unreachable = f"cannot connect to the mail server: {error!r}"
                raise TransportError(self._unreachable) from error
            self._connection = connection
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except (OSError, smtplib.SMTPException):
                logger.debug("closing the SMTP connection failed", exc_info=True)
            self._connection = None

    def _digest(self, reminder: Reminder):
        """The weekly digest's tables as of the day the row was written, computed once per batch however
        many committee members get it."""
        if reminder.period not in self._digests:
            from tasks.selectors import weekly_digest

            self._digests[reminder.period] = (self._digest_loader or weekly_digest)(
                today=timezone.localdate(reminder.created_at)
            )
        return self._digests[reminder.period]

    def render(self, reminder: Reminder) -> EmailMultiAlternatives:
        recipient = reminder.recipient
        if recipient is None or not recipient.email:
            raise TransportError("the recipient has no e-mail address", permanent=True)
        name = "weekly_digest" if reminder.kind == Reminder.Kind.WEEKLY_DIGEST else "reminder"
        context = {
            "reminder": reminder,
            "recipient": recipient,
            "assignment": reminder.assignment,
            "link": absolute_url(reminder.url),
            "site_url": settings.SITE_URL,
        }
        if name == "weekly_digest":
            context["digest"] = self._digest(reminder)
        subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"emails/{name}-body.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient.email],
            # The same Message-ID on a re-send lets mail servers and clients drop the duplicate
            # that the crash window between sending and marking can produce.
            headers={
                "Message-ID": f"<reminder-{reminder.pk}@partybuild>",
                "X-PartyBuild-Reminder": str(reminder.pk),
            },
        )
        message.attach_alternative(render_to_string(f"emails/{name}-body.html", context), "text/html")
        return message

    def send(self, reminder: Reminder) -> None:
        message = self.render(reminder)
        connection = self._open()
        try:
            connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _message in error.recipients.values()]
            raise TransportError(
                f"recipient refused: {error.recipients!r}", permanent=all(code >= 500 for code in codes)
            ) from error
        except smtplib.SMTPResponseException as error:
            self.close()
            raise TransportError(
                f"SMTP {error.smtp_code}: {error.smtp_error!r}", permanent=500 <= error.smtp_code < 600
            ) from error
        except (OSError, smtplib.SMTPException) as error:
            # Disconnected or timed out: the next message of the batch opens a fresh connection.
            self.close()
            raise TransportError(f"SMTP: {error!r}") from error


class RobotTransport(Transport):
    """A group robot's webhook (one per unit, set in the admin). Markdown messages, a request timeout."""

    kind = ""

    def __init__(self, *, session: requests.Session | None = None):
        self._session = session or requests.Session()

    def close(self) -> None:
        self._session.close()

    def markdown(self, reminder: Reminder) -> str:
        lines = [f"### {reminder.subject}", "", reminder.body]
        if reminder.url:
            lines += ["", f"[{_('Open in PartyBuild')}]({absolute_url(reminder.url)})"]
        return "\n".join(lines)

    def payload(self, reminder: Reminder) -> dict:
        raise NotImplementedError

    def webhook_url(self, unit) -> str:
        return unit.robot_webhook_url

    def send(self, reminder: Reminder) -> None:
        unit = reminder.recipient_unit
        if unit is None or not unit.robot_webhook_url or unit.robot_kind != self.kind:
            raise TransportError("the unit has no such group robot configured", permanent=True)
        try:
            response = self._session.post(
                self.webhook_url(unit), json=self.payload(reminder), timeout=settings.REMINDER_WEBHOOK_TIMEOUT
            )
        except requests.Timeout as error:
            raise TransportError(f"timed out after {settings.REMINDER_WEBHOOK_TIMEOUT}s") from error
        except requests.RequestException as error:
            raise TransportError(f"request failed: {error!r}") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise TransportError(f"HTTP {response.status_code}: {response.text[:200]}")
        if response.status_code >= 400:
            raise TransportError(f"HTTP {response.status_code}: {response.text[:200]}", permanent=True)
        # Both robots answer 200 with {"errcode": 0} on success and another code on failure.
        try:
            errcode = int(response.json().get("errcode", 0))
        except (ValueError, AttributeError, TypeError):
            errcode = 0
        if errcode:
            raise TransportError(
                f"robot error {errcode}: {response.text[:200]}",
                permanent=errcode not in ROBOT_RATE_LIMIT_CODES,
            )


class WeComTransport(RobotTransport):
    """企业微信群机器人: POST {"msgtype": "markdown", "markdown": {"content": ...}}."""

    kind = "wecom"

    def payload(self, reminder: Reminder) -> dict:
        return {"msgtype": "markdown", "markdown": {"content": self.markdown(reminder)[:4096]}}


class DingTalkTransport(RobotTransport):
    """钉钉群机器人, with the optional signing secret (加签): timestamp and HMAC-SHA256 in the URL."""

    kind = "dingtalk"

    def payload(self, reminder: Reminder) -> dict:
        return {
            "msgtype": "markdown",
            "markdown": {"title": reminder.subject[:60], "text": self.markdown(reminder)},
        }

    def webhook_url(self, unit) -> str:
        if not unit.robot_secret:
            return unit.robot_webhook_url
        timestamp, sign = dingtalk_sign(unit.robot_secret)
        separator = "&" if "?" in unit.robot_webhook_url else "?"
        return f"{unit.robot_webhook_url}{separator}timestamp={timestamp}&sign={sign}"


def dingtalk_sign(secret: str, timestamp_ms: int | None = None) -> tuple[int, str]:
    """DingTalk's documented signature: base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")), URL-quoted."""
    timestamp_ms = timestamp_ms if timestamp_ms is not None else round(time.time() * 1000)
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return timestamp_ms, urllib.parse.quote_plus(base64.b64encode(digest))


TRANSPORTS: dict[str, type[Transport]] = {
    Reminder.Channel.INBOX: InboxTransport,
    Reminder.Channel.EMAIL: EmailTransport,
    Reminder.Channel.WECOM: WeComTransport,
    Reminder.Channel.DINGTALK: DingTalkTransport,
}


class TransportSet:
    """One transport per channel for a batch, created on first use and closed together."""

    def __init__(self):
        self._open: dict[str, Transport] = {}

    def __enter__(self) -> "TransportSet":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def for_channel(self, channel: str) -> Transport:
        if channel not in self._open:
            self._open[channel] = TRANSPORTS[channel]()
        return self._open[channel]

    def close(self) -> None:
        for transport in self._open.values():
            transport.close()
        self._open.clear()
