"""One transport class per reminder channel, behind one interface: `send(bundle, items)`.

A bundle is one message to one person (or one unit's group robot): the items (Reminder rows) one scan decided
for them, or one item alone. A transport either returns (the whole message left our hands) or raises
TransportError. `permanent=True` means trying again cannot help (a 4xx answer, a refused address); anything
else is retried with backoff. Transports hold no business rules: what to send to whom was decided when the
rows were written; how a bundle reads is `tasks.services.reminders.bundles.sections`.
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
from django.urls import reverse
from django.utils.translation import gettext as _

from tasks import access
from tasks.models import Bundle, InboxMessage, Reminder

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

    def send(self, bundle: Bundle, items: list[Reminder]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Release connections held across a batch."""


class InboxTransport(Transport):
    """The in-app inbox. The scan and the immediate path write inbox entries themselves, in their own
    transaction; this is for an entry re-sent from the admin. Idempotent: one entry per bundle (one-to-one)."""

    def send(self, bundle: Bundle, items: list[Reminder]) -> None:
        if bundle.recipient_id is None or not items:
            raise TransportError("an inbox message needs a recipient and an item", permanent=True)
        from tasks.services.reminders.outbox import inbox_message

        if not InboxMessage.objects.filter(bundle=bundle).exists():
            inbox_message(bundle, items).save()


class EmailTransport(Transport):
    """E-mail from three templates (subject, text, HTML); one SMTP connection reused across a batch."""

    def __init__(self, *, digest_loader=None):
        self._connection = None
        self._unreachable: str | None = None
        self._digests: dict[tuple, object] = {}
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

    def _digest(self, day, recipient):
        """The weekly digest's tables of the recipient's committee (the one whose digest the scan gave them,
        access.committee_members), as of the message's day, computed once per batch for all its members."""
        key = (day, access.home_committee_id(recipient))
        if key not in self._digests:
            from tasks.selectors import weekly_digest

            self._digests[key] = (self._digest_loader or weekly_digest)(today=day, committee_id=key[1])
        return self._digests[key]

    def render(self, bundle: Bundle, items: list[Reminder]) -> EmailMultiAlternatives:
        """A bundle of the day: the `bundle` templates, one section per kind. An item alone: the `reminder`
        templates (or `weekly_digest`), as before bundles existed."""
        recipient = bundle.recipient
        if recipient is None or not recipient.email:
            raise TransportError("the recipient has no e-mail address", permanent=True)
        if not items:
            raise TransportError("the message has no items", permanent=True)
        context = {"recipient": recipient, "bundle": bundle, "site_url": settings.SITE_URL}
        digest_item = next((item for item in items if item.kind == Reminder.Kind.WEEKLY_DIGEST), None)
        if digest_item is not None:
            context["digest"] = self._digest(bundle.day, recipient)
        if bundle.daily:
            from tasks.services.reminders.bundles import sections

            name = "bundle"
            context["sections"] = sections(bundle, items)
            context["link"] = absolute_url(reverse("inbox"))
        else:
            item = items[0]
            name = "weekly_digest" if item.kind == Reminder.Kind.WEEKLY_DIGEST else "reminder"
            context.update(reminder=item, assignment=item.assignment, link=absolute_url(item.url))
        subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"emails/{name}-body.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient.email],
            # The same Message-ID on a re-send lets mail servers and clients drop the duplicate
            # that the crash window between sending and marking can produce.
            headers={
                "Message-ID": f"<bundle-{bundle.pk}@partybuild>",
                "X-PartyBuild-Bundle": str(bundle.pk),
            },
        )
        message.attach_alternative(render_to_string(f"emails/{name}-body.html", context), "text/html")
        return message

    def send(self, bundle: Bundle, items: list[Reminder]) -> None:
        message = self.render(bundle, items)
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
    """A group robot's webhook (one per unit, set in the admin). Markdown messages, a request timeout.

    A bundle longer than the robot takes goes in numbered parts ("(1/3)"), each a whole number of lines;
    `Bundle.parts_sent` records how many went, so a retry after a failed part resumes with the next one."""

    kind = ""
    # Bytes of UTF-8 a message may hold: WeCom documents 4,096 for markdown content; DingTalk documents no
    # figure we could rely on, so it gets the same. Kept below it for the part number.
    max_bytes = 4000

    def __init__(self, *, session: requests.Session | None = None):
        self._session = session or requests.Session()

    def close(self) -> None:
        self._session.close()

    def title(self, bundle: Bundle, items: list[Reminder]) -> str:
        if not bundle.daily:
            return items[0].subject
        return _("Today's reminders: %(counts)s") % {"counts": bundle.subject}

    def lines(self, bundle: Bundle, items: list[Reminder]) -> list[str]:
        """The message's lines after its title: one block per kind, most urgent first, each item linked."""
        if not bundle.daily:
            item = items[0]
            lines = [item.body]
            if item.url:
                lines += ["", f"[{_('Open in PartyBuild')}]({absolute_url(item.url)})"]
            return lines
        from tasks.services.reminders.bundles import ROBOT_ITEMS_SHOWN, sections

        lines = []
        for section in sections(bundle, items, shown=ROBOT_ITEMS_SHOWN):
            count = f" ({section.count})" if section.counted else ""
            lines += ["", f"**{section.heading}{count}**"]
            if section.body:
                lines += section.body.splitlines()
            lines += [f"- [{line.text}]({absolute_url(line.url)})" for line in section.lines]
            lines += [f"- {unit.unit}: {unit.count}" for unit in section.units]
            if section.more:
                more = _("%(n)d more") % {"n": section.more}
                lines.append(f"- [{more}]({absolute_url(section.more_url)})")
        return lines

    def parts(self, bundle: Bundle, items: list[Reminder]) -> list[str]:
        """The markdown of each part: the title (numbered when there are several), then whole lines."""
        title = self.title(bundle, items)
        chunks: list[list[str]] = [[]]
        room = self.max_bytes - len(f"### {title} (99/99)\n".encode())
        used = 0
        for line in self.lines(bundle, items):
            size = len(line.encode()) + 1
            if size > room:  # one line longer than a message: cut it rather than lose the rest
                line = line.encode()[: room - 4].decode(errors="ignore") + "…"
                size = len(line.encode()) + 1
            if used + size > room and chunks[-1]:
                chunks.append([])
                used = 0
            chunks[-1].append(line)
            used += size
        count = len(chunks)
        heading = [
            f"### {title}" if count == 1 else f"### {title} ({number}/{count})" for number in range(1, count + 1)
        ]
        return [f"{head}\n" + "\n".join(lines) for head, lines in zip(heading, chunks, strict=True)]

    def payload(self, title: str, markdown: str) -> dict:
        raise NotImplementedError

    def webhook_url(self, unit) -> str:
        return unit.robot_webhook_url

    def send(self, bundle: Bundle, items: list[Reminder]) -> None:
        unit = bundle.recipient_unit
        if unit is None or not unit.robot_webhook_url or unit.robot_kind != self.kind:
            raise TransportError("the unit has no such group robot configured", permanent=True)
        if not items:
            raise TransportError("the message has no items", permanent=True)
        parts = self.parts(bundle, items)
        title = self.title(bundle, items)
        for number in range(bundle.parts_sent, len(parts)):
            self._post(unit, self.payload(title, parts[number]))
            bundle.parts_sent = number + 1
            Bundle.objects.filter(pk=bundle.pk).update(parts_sent=bundle.parts_sent)

    def _post(self, unit, payload: dict) -> None:
        try:
            response = self._session.post(
                self.webhook_url(unit), json=payload, timeout=settings.REMINDER_WEBHOOK_TIMEOUT
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

    def payload(self, title: str, markdown: str) -> dict:
        return {"msgtype": "markdown", "markdown": {"content": markdown}}


class DingTalkTransport(RobotTransport):
    """钉钉群机器人, with the optional signing secret (加签): timestamp and HMAC-SHA256 in the URL."""

    kind = "dingtalk"

    def payload(self, title: str, markdown: str) -> dict:
        return {"msgtype": "markdown", "markdown": {"title": title[:60], "text": markdown}}

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
