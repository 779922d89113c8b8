from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tasks.models.org import OrgUnit
from tasks.models.plans import Assignment


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    INBOX = "inbox", _("in-app inbox")
    WECOM = "wecom", _("WeCom")
    DINGTALK = "dingtalk", _("DingTalk")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Bundle(models.Model):
    """One message as it reaches one person (or one unit's group robot) on one channel: every item (Reminder
    row) that a scan decided for them that day, or one item alone (an urge, a returned report, or an e-mail
    for someone who asked for one per item). Delivery claims, sends and marks a bundle as a whole.

    `key` is unique: a scan's bundle is `day:<date>:<recipient>:<channel>`, so a person gets at most one
    scan bundle a day on each channel; an item sent alone is `item:<its dedup key>`.
    """

    Channel = Channel
    State = DeliveryState

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminder_bundles",
    )
    recipient_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("recipient unit"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    day = models.DateField(_("day"))
    daily = models.BooleanField(_("daily bundle"), default=True, help_text=_("Off: one item sent on its own."))
    key = models.CharField(max_length=220, unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=200)
    item_count = models.PositiveIntegerField(_("items"), default=0)
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    not_before = models.DateTimeField(
        _("not before"), null=True, blank=True, help_text=_("Held until then (quiet mode on a day off).")
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    parts_sent = models.PositiveSmallIntegerField(
        _("parts sent"), default=0, help_text=_("A long robot message goes in numbered parts; a retry resumes.")
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reminder message")
        verbose_name_plural = _("reminder messages")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | models.Q(recipient_unit__isnull=False),
                name="bundle_has_recipient",
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self):
        return f"{self.subject} · {self.channel} · {self.day}"


class Reminder(models.Model):
    """One decision of the ledger: one reminder to one recipient on one channel, for one reason and one period.
    What reaches the person is its bundle (`Bundle`), which may carry many of them.

    `dedup_key` carries the (assignment, kind, recipient, channel, period) tuple under one unique
    constraint that also works where assignment or recipient is empty (the weekly digest, a group robot).
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("due soon")
        OVERDUE = "overdue", _("overdue")
        ESCALATION = "escalation", _("escalation")
        REPORT_DUE = "report_due", _("monthly report due")
        REVIEW_PENDING = "review_pending", _("review pending")
        RETURNED = "returned", _("report returned")
        URGE = "urge", _("urge")
        WEEKLY_DIGEST = "weekly_digest", _("weekly digest")
        PLAN_PUBLISHED = "plan_published", _("plan published")
        DIFFICULTY_ANSWERED = "difficulty_answered", _("difficulty answered")
        MEETING_DUE = "meeting_due", _("meeting due soon")
        MEETING_MISSED = "meeting_missed", _("meeting not held")

    Channel = Channel
    State = DeliveryState

    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    recipient_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("recipient unit"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    period = models.CharField(_("period"), max_length=40)
    dedup_key = models.CharField(max_length=200, unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    url = models.CharField(_("link"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    bundle = models.ForeignKey(
        Bundle,
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | models.Q(recipient_unit__isnull=False),
                name="reminder_has_recipient",
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.get_channel_display()} · {self.period}"

    @staticmethod
    def make_dedup_key(*, assignment_id, kind, recipient_id, recipient_unit_id, channel, period) -> str:
        who = f"u{recipient_id}" if recipient_id else f"g{recipient_unit_id}"
        return f"{assignment_id or '-'}:{kind}:{who}:{channel}:{period}"


class Urge(models.Model):
    """催办: a committee member pressing "urge" on an assignment."""

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="urges"
    )
    urged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("urged by"), on_delete=models.PROTECT)
    message = models.CharField(_("message"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("urged at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("urge")
        verbose_name_plural = _("urges")

    def __str__(self):
        return f"{self.assignment} · {self.created_at:%Y-%m-%d}"


class InboxMessage(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="inbox_messages"
    )
    reminder = models.OneToOneField(
        Reminder,
        verbose_name=_("reminder"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbox_message",
    )
    # The entry of a bundle (one per scan per person) opens to its items.
    bundle = models.OneToOneField(
        Bundle,
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbox_message",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.title
