"""Outbound webhooks (README, "Integration"): endpoints that committee members or the system administrator
register, and one delivery per (event, endpoint), signed per the Standard Webhooks spec."""

import base64
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_webhook_secret() -> str:
    """Standard Webhooks: `whsec_` and the base64 of the key's bytes (24 random bytes, 192 bits)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class WebhookEndpoint(models.Model):
    class Event(models.TextChoices):
        REPORT_SUBMITTED = "report.submitted", _("progress report submitted")
        REPORT_APPROVED = "report.approved", _("progress report approved")
        REPORT_RETURNED = "report.returned", _("progress report returned")
        ASSIGNMENT_COMPLETED = "assignment.completed", _("assignment completed")
        ASSIGNMENT_OVERDUE = "assignment.overdue", _("assignment overdue")
        EXTENSION_DECIDED = "extension.decided", _("extension request decided")
        PLAN_PUBLISHED = "plan.published", _("annual plan published")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(_("signing secret"), max_length=100, default=new_webhook_secret, editable=False)
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    # Set when deliveries failed for WEBHOOK_RETRY_WINDOW_SECONDS and the endpoint was turned off (its owner is told).
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.description or self.url

    def event_labels(self) -> list[str]:
        labels = dict(self.Event.choices)
        return [str(labels.get(event, event)) for event in self.events]


class WebhookDelivery(models.Model):
    """One event for one endpoint: written once (the unique key), claimed, sent, marked; retried with backoff."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(_("event"), max_length=40, choices=WebhookEndpoint.Event.choices)
    # What happened, once: "report.approved:123". With the endpoint, unique: an event is never delivered twice.
    event_key = models.CharField(_("event key"), max_length=120)
    # The Standard Webhooks message id (webhook-id): the same on every attempt and re-send, for the receiver to
    # recognise a message it already has.
    message_id = models.CharField(_("message id"), max_length=64, unique=True)
    payload = models.JSONField(_("payload"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_key"], name="webhook_delivery_once_per_event"),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint_id} ({self.state})"
