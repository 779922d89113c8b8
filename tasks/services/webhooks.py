"""Outbound webhooks: events written to an outbox in the transaction that caused them, delivered by jobs after
commit, signed per the Standard Webhooks spec (https://www.standardwebhooks.com).

The machinery is the reminders' (tasks.services.reminders): one `WebhookDelivery` per (event, endpoint), unique, so
an event is written once however often its service runs; a job claims it with a conditional update (pending ->
sending), sends it, and marks it at once; a worker dying between sending and marking leaves it to the sweeper,
which sends it again after the claim timeout (at most one duplicate, and the receiver can tell by `webhook-id`).
A failure is retried with the reminders' backoff until the delivery has had WEBHOOK_MAX_ATTEMPTS attempts *and* is
WEBHOOK_RETRY_WINDOW_SECONDS (24 h) old; then it fails, the endpoint is disabled and its owner told.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks import access
from tasks.audit import Action, audit_record
from tasks.models import WebhookDelivery, WebhookEndpoint
from tasks.models.webhooks import new_webhook_secret
from tasks.services.inbox import inbox_message_create

logger = logging.getLogger(__name__)

Event = WebhookEndpoint.Event
State = WebhookDelivery.State


# --- Endpoints ------------------------------------------------------------------------------------------------


def _require_manager(user) -> None:
    if not access.can_manage_webhooks(user):
        raise PermissionDenied(_("Only committee members and the system administrator register webhooks."))


def _require_owner(user, endpoint: WebhookEndpoint) -> None:
    _require_manager(user)
    if not access.can_edit_webhook(user, endpoint):
        raise PermissionDenied(_("This webhook belongs to someone else."))


def webhook_url_validator() -> URLValidator:
    """What an endpoint's address may be (the form shows the same message before the service is asked)."""
    return URLValidator(
        schemes=["http", "https"],
        message=gettext_lazy("Enter the full address of the receiving system, starting with https:// or http://."),
    )


def _clean(url: str, events) -> tuple[str, list[str]]:
    errors: dict[str, list[str]] = {}
    url = (url or "").strip()
    try:
        webhook_url_validator()(url)
    except ValidationError as error:
        errors["url"] = error.messages
    events = [event for event in Event.values if event in set(events or ())]
    if not events:
        errors["events"] = [_("Choose at least one event.")]
    if errors:
        raise ValidationError(errors)
    return url, events


def webhook_endpoint_create(*, user, url: str, events, description: str = "") -> WebhookEndpoint:
    _require_manager(user)
    url, events = _clean(url, events)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            owner=user, url=url, events=events, description=(description or "").strip()[:200]
        )
        audit_record(
            action=Action.WEBHOOK,
            user=user,
            obj=endpoint,
            detail={"event": "created", "url_host": _host(url), "events": events},
        )
        _endpoints_changed()
    return endpoint


def webhook_endpoint_update(
    *, user, endpoint: WebhookEndpoint, url: str, events, description: str = ""
) -> WebhookEndpoint:
    """Change the address, the events or the description. Deliveries already written keep their events; those still
    waiting go to the new address (the job reads it when it sends)."""
    _require_owner(user, endpoint)
    url, events = _clean(url, events)
    description = (description or "").strip()[:200]
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        changes = {}
        if endpoint.url != url:
            # The log names hosts, never full URLs (a URL may carry a key in its query).
            changes["url_host"] = [_host(endpoint.url), _host(url)]
        if endpoint.events != events:
            changes["events"] = ["、".join(endpoint.events), "、".join(events)]
        if endpoint.description != description:
            changes["description"] = [endpoint.description, description]
        if changes:
            endpoint.url, endpoint.events, endpoint.description = url, events, description
            endpoint.save(update_fields=["url", "events", "description"])
            audit_record(
                action=Action.WEBHOOK, user=user, obj=endpoint, detail={"event": "changed", "changes": changes}
            )
            _endpoints_changed()
    return endpoint


def webhook_endpoint_rotate_secret(*, user, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new signing secret (the old one stops at once: every message from now on, re-sends and retries included,
    is signed with the new one). The page shows it once; the audit log says it happened, never what it is."""
    _require_owner(user, endpoint)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.secret = new_webhook_secret()
        endpoint.save(update_fields=["secret"])
        audit_record(
            action=Action.WEBHOOK,
            user=user,
            obj=endpoint,
            detail={"event": "secret_rotated", "url_host": _host(endpoint.url)},
        )
    return endpoint


def webhook_endpoint_set_active(*, user, endpoint: WebhookEndpoint, active: bool) -> WebhookEndpoint:
    """Turn an endpoint off or on again (after its owner fixed the receiving system)."""
    _require_owner(user, endpoint)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if endpoint.is_active != active:
            endpoint.is_active = active
            if active:
                endpoint.disabled_at, endpoint.disabled_reason = None, ""
            endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
            audit_record(
                action=Action.WEBHOOK,
                user=user,
                obj=endpoint,
                detail={"event": "enabled" if active else "disabled", "changes": {"is_active": [not active, active]}},
            )
            _endpoints_changed()
    return endpoint


def webhook_endpoint_delete(*, user, endpoint: WebhookEndpoint) -> None:
    """The endpoint goes, and its delivery log with it (the page says so before): what stays is the audit log's rows
    of its registration, changes and deletion, and this one counts what the log held."""
    _require_owner(user, endpoint)
    with transaction.atomic():
        counts = dict(endpoint.deliveries.order_by().values_list("state").annotate(n=Count("id")))
        audit_record(
            action=Action.WEBHOOK,
            user=user,
            obj=endpoint,
            detail={
                "event": "deleted",
                "url_host": _host(endpoint.url),
                "events": endpoint.events,
                "deliveries": counts,
            },
        )
        endpoint.delete()
        _endpoints_changed()


def _host(url: str) -> str:
    """The log names the receiving host, never a full URL (it may carry a key in its query)."""
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or ""


# --- Events ---------------------------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def webhook_emit(*, event: str, key: str, data: dict) -> list[int]:
    """Write the event for every active endpoint that subscribed to it, in the caller's transaction (a rolled-back
    write sends nothing), and hand the new deliveries to jobs after commit. An event already written for an
    endpoint (the same `key`) is not written again. Returns the ids of the deliveries written."""
    # Every event is about one plan (its data names it): only endpoints whose owner sees that plan get it.
    plan_id = data["plan"]["id"] if "plan" in data else data["assignment"]["key_task"]["plan"]
    endpoints = [
        endpoint.pk
        for endpoint in WebhookEndpoint.objects.filter(is_active=True).select_related("owner")
        if event in endpoint.events and access.webhook_receives(endpoint.owner, plan_id)
    ]
    if not endpoints:
        return []
    now = timezone.now()
    payload = {"type": event, "timestamp": now.isoformat(), "data": data}
    rows = [
        WebhookDelivery(
            endpoint_id=endpoint_id,
            event=event,
            event_key=key[:120],
            message_id=f"msg_{uuid.uuid4().hex}",
            payload=payload,
            created_at=now,
        )
        for endpoint_id in endpoints
    ]
    with transaction.atomic():
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        written = list(
            WebhookDelivery.objects.filter(message_id__in=[row.message_id for row in rows]).values_list("pk", flat=True)
        )
        if written:
            transaction.on_commit(lambda: webhooks_enqueue(written), robust=True)
    return written


def webhooks_enqueue(delivery_ids: list[int]) -> None:
    """One job a delivery: one slow receiver never holds up another. A broker outage loses nothing (the sweeper)."""
    from tasks.jobs import deliver_webhook  # jobs import services, so never at the top (STYLE.md)

    for delivery_id in delivery_ids:
        deliver_webhook.delay(delivery_id)


def _assignment_data(assignment) -> dict:
    key_task = assignment.key_task
    return {
        "id": assignment.pk,
        "key_task": {"id": key_task.pk, "number": key_task.number, "title": key_task.title, "plan": key_task.plan_id},
        "unit": {"id": assignment.unit_id, "name": assignment.unit.name},
        "deadline": assignment.deadline.isoformat(),
        "progress": assignment.progress,
        "status": assignment.status,
        "light": assignment.light,
        "url": _absolute(reverse("api:assignment-detail", args=[assignment.pk])),
    }


def webhook_report_event(event: str, report, *, assignment=None) -> None:
    """report.submitted, report.approved, report.returned; an approval at 100 % also sends assignment.completed.
    `assignment`: the one the service just wrote, when it has it (the report may hold an older copy)."""
    assignment = assignment or report.assignment
    data = {
        "report": {
            "id": report.pk,
            "state": report.state,
            "percent": report.percent,
            "submitted_at": report.submitted_at.isoformat(),
            "reviewed_at": report.reviewed_at.isoformat() if report.reviewed_at else None,
            "url": _absolute(reverse("api:report-detail", args=[report.pk])),
        },
        "assignment": _assignment_data(assignment),
    }
    webhook_emit(event=event, key=f"{event}:{report.pk}", data=data)
    if event == Event.REPORT_APPROVED and assignment.status == assignment.Status.COMPLETED:
        webhook_emit(
            event=Event.ASSIGNMENT_COMPLETED,
            key=f"{Event.ASSIGNMENT_COMPLETED}:{assignment.pk}",
            data={"assignment": _assignment_data(assignment), "report_id": report.pk},
        )


def webhook_extension_decided(extension) -> None:
    data = {
        "extension": {
            "id": extension.pk,
            "state": extension.state,
            "current_deadline": extension.current_deadline.isoformat(),
            "requested_deadline": extension.requested_deadline.isoformat(),
            "url": _absolute(reverse("api:extension-detail", args=[extension.pk])),
        },
        "assignment": _assignment_data(extension.assignment),
    }
    webhook_emit(event=Event.EXTENSION_DECIDED, key=f"{Event.EXTENSION_DECIDED}:{extension.pk}", data=data)


def webhook_plan_published(plan) -> None:
    data = {"plan": {"id": plan.pk, "year": plan.year, "title": plan.title, "status": plan.status}}
    webhook_emit(event=Event.PLAN_PUBLISHED, key=f"{Event.PLAN_PUBLISHED}:{plan.pk}", data=data)


def webhook_overdue(assignment_ids) -> None:
    """Assignments whose stored light just turned red (tasks.services.lights): once per assignment and deadline, so
    an extension that moves the deadline and runs out again is a new event."""
    from tasks.models import Assignment

    assignments = Assignment.objects.filter(pk__in=list(assignment_ids)).select_related("key_task", "unit")
    for assignment in assignments:
        webhook_emit(
            event=Event.ASSIGNMENT_OVERDUE,
            key=f"{Event.ASSIGNMENT_OVERDUE}:{assignment.pk}:{assignment.deadline.isoformat()}",
            data={"assignment": _assignment_data(assignment)},
        )


def subscribed(event: str) -> bool:
    return any(
        event in events for events in WebhookEndpoint.objects.filter(is_active=True).values_list("events", flat=True)
    )


OVERDUE_WATCHED_KEY = "partybuild:webhooks:overdue-watched"


def overdue_watched() -> bool:
    """Whether an active endpoint wants assignment.overdue, from the shared cache: the lights are stored after every
    write, and most installations have no such endpoint, so this costs them no query. Endpoint changes drop it."""
    from django.core.cache import cache

    watched = cache.get(OVERDUE_WATCHED_KEY)
    if watched is None:
        watched = subscribed(Event.ASSIGNMENT_OVERDUE)
        cache.set(OVERDUE_WATCHED_KEY, watched, 300)
    return watched


def _endpoints_changed() -> None:
    from django.core.cache import cache

    cache.delete(OVERDUE_WATCHED_KEY)
    transaction.on_commit(lambda: cache.delete(OVERDUE_WATCHED_KEY))


# --- Delivery -------------------------------------------------------------------------------------------------


def webhook_sign(*, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """Standard Webhooks: `v1,` and the base64 HMAC-SHA256, keyed with the secret's bytes, of id.timestamp.body."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


@dataclass
class WebhookOutcome:
    state: str  # sent, failed, pending (to retry) or "" (not this job's: sent, claimed elsewhere, gone)
    attempts: int = 0


def _claim(delivery_id: int) -> WebhookDelivery | None:
    claimed_at = timezone.now()
    taken = WebhookDelivery.objects.filter(pk=delivery_id, state=State.PENDING).update(
        state=State.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1
    )
    if not taken:
        return None
    return WebhookDelivery.objects.select_related("endpoint", "endpoint__owner").get(pk=delivery_id)


def _retries_used_up(delivery: WebhookDelivery) -> bool:
    age = (timezone.now() - delivery.created_at).total_seconds()
    return delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS and age >= settings.WEBHOOK_RETRY_WINDOW_SECONDS


def webhook_deliver(*, delivery_id: int, session: requests.Session | None = None) -> WebhookOutcome:
    """Claim, sign, POST, mark. 2xx is delivered; anything else (an error status, a time-out, a refused connection)
    is retried until the retries run out, and then the endpoint is disabled."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return WebhookOutcome(state="")
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        _mark(delivery, State.FAILED, error=_("The endpoint is disabled."))
        return WebhookOutcome(state=State.FAILED, attempts=delivery.attempts)
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(timezone.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "PartyBuild-Webhooks/1",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": webhook_sign(
            secret=endpoint.secret, message_id=delivery.message_id, timestamp=timestamp, body=body
        ),
    }
    status, error = None, ""
    try:
        response = (session or requests).post(
            endpoint.url, data=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT, allow_redirects=False
        )
        status = response.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}: {response.text[:300]}"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    if not error:
        _mark(delivery, State.SENT, status=status)
        return WebhookOutcome(state=State.SENT, attempts=delivery.attempts)
    message = f"attempt {delivery.attempts}: {error}"[:2000]
    if _retries_used_up(delivery):
        _mark(delivery, State.FAILED, status=status, error=message)
        webhook_endpoint_disable(endpoint=endpoint, reason=message)
        return WebhookOutcome(state=State.FAILED, attempts=delivery.attempts)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=State.PENDING, response_status=status, last_error=message
    )
    logger.info("webhook delivery %s will be retried: %s", delivery.pk, message)
    return WebhookOutcome(state=State.PENDING, attempts=delivery.attempts)


def _mark(delivery: WebhookDelivery, state: str, *, status: int | None = None, error: str = "") -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=state,
        sent_at=timezone.now() if state == State.SENT else None,
        response_status=status,
        last_error=error,
    )


def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> bool:
    """A receiver that failed for the whole retry window is turned off, and its owner told (inbox and audit log).
    Its other waiting deliveries fail with it; the owner re-sends them from the delivery log once it works."""
    with transaction.atomic():
        turned_off = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
            is_active=False, disabled_at=timezone.now(), disabled_reason=reason[:500]
        )
        if not turned_off:
            return False
        _endpoints_changed()
        WebhookDelivery.objects.filter(endpoint=endpoint, state=State.PENDING).update(
            state=State.FAILED, last_error=_("The endpoint is disabled.")
        )
        hours = settings.WEBHOOK_RETRY_WINDOW_SECONDS // 3600
        inbox_message_create(
            user=endpoint.owner,
            title=_("Webhook disabled: %(url)s") % {"url": endpoint.url[:150]},
            body=_(
                "Deliveries to this address failed for %(hours)d hours, so it was turned off. Last error: %(error)s. "
                "Fix the receiving system, turn the webhook on again and re-send what failed from its delivery log."
            )
            % {"hours": hours, "error": reason[:500]},
            url=reverse("webhook_detail", args=[endpoint.pk]),
        )
        audit_record(
            action=Action.WEBHOOK,
            obj=endpoint,
            username="system",
            detail={"event": "disabled", "reason": reason[:300], "url_host": _host(endpoint.url)},
        )
    logger.warning("webhook endpoint %s disabled: %s", endpoint.pk, reason)
    return True


def webhook_sweep(*, now: dt.datetime | None = None, limit: int = 10_000, enqueue: bool = True) -> list[int]:
    """As the reminders' sweep: release deliveries a dead worker left "sending" past the claim timeout, and hand
    again to the broker the pending ones nobody took for a while (a broker outage at commit time)."""
    now = now or timezone.now()
    claim_cutoff = now - dt.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)
    cutoff = now - dt.timedelta(seconds=settings.REMINDER_SWEEP_AFTER_SECONDS)
    with transaction.atomic():
        WebhookDelivery.objects.filter(state=State.SENDING, claimed_at__lt=claim_cutoff).update(state=State.PENDING)
        stale = WebhookDelivery.objects.filter(state=State.PENDING).filter(
            Q(claimed_at__lt=cutoff) | Q(claimed_at__isnull=True, created_at__lt=cutoff)
        )
        ids = list(stale.order_by("id").values_list("pk", flat=True)[:limit])
        WebhookDelivery.objects.filter(pk__in=ids, state=State.PENDING).update(claimed_at=now)
        if enqueue and ids:
            transaction.on_commit(lambda: webhooks_enqueue(ids), robust=True)
    return ids


def webhook_resend(*, user, delivery: WebhookDelivery) -> WebhookDelivery:
    """The delivery log's re-send: the same message (same webhook-id) goes again, with fresh attempts."""
    _require_owner(user, delivery.endpoint)
    if not delivery.endpoint.is_active:
        raise ValidationError(_("Turn the webhook on again before re-sending."))
    with transaction.atomic():
        changed = (
            WebhookDelivery.objects.filter(pk=delivery.pk)
            .exclude(state=State.SENDING)
            .update(
                state=State.PENDING,
                attempts=0,
                created_at=timezone.now(),
                claimed_at=None,
                sent_at=None,
                response_status=None,
                last_error="",
            )
        )
        if not changed:
            raise ValidationError(_("This delivery is being sent right now."))
        audit_record(
            action=Action.WEBHOOK,
            user=user,
            obj=delivery.endpoint,
            detail={"event": "resent", "delivery": delivery.pk, "message_id": delivery.message_id},
        )
        transaction.on_commit(lambda: webhooks_enqueue([delivery.pk]), robust=True)
    delivery.refresh_from_db()
    return delivery
