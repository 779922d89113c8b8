"""Webhook endpoints (committee members and the system administrator): register, change the address and events,
see the delivery log, re-send, turn off and on, rotate the signing secret, delete. Each person manages their own
endpoints (tasks.access.can_edit_webhook): anyone else's is a 404. The secret is shown once, on the page that follows
its creation (registering, rotating)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tasks import access
from tasks.forms import WebhookDeleteForm, WebhookEndpointForm
from tasks.models import WebhookDelivery, WebhookEndpoint
from tasks.services import webhooks
from tasks.views.common import apply_service_errors

LOG_SIZE = 50
# The session remembers, until the next view of the page, which endpoint's new secret is to be shown.
SHOW_KEY_ONCE = "webhook_show_key_once"


def _manager(request):
    if not access.can_manage_webhooks(request.user):
        raise Http404
    return request.user


def _endpoint(request, pk) -> WebhookEndpoint:
    _manager(request)
    endpoint = WebhookEndpoint.objects.filter(pk=pk).first()
    if endpoint is None or not access.can_edit_webhook(request.user, endpoint):
        raise Http404
    return endpoint


# What the endpoint form edits: the endpoint's fields of these names, the services' arguments of these names.
EDITED_FIELDS = ("url", "events", "description")


def _edited(form) -> dict:
    return {name: form.cleaned_data[name] for name in EDITED_FIELDS}


@login_required
def webhook_list(request):
    user = _manager(request)
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhooks.webhook_endpoint_create(user=user, **_edited(form))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Webhook registered. Give the receiving system its signing secret below."))
            request.session[SHOW_KEY_ONCE] = endpoint.pk
            return redirect("webhook_detail", pk=endpoint.pk)
    endpoints = WebhookEndpoint.objects.filter(owner=user)
    status = 422 if request.method == "POST" else 200
    return render(request, "tasks/webhooks.html", {"form": form, "endpoints": endpoints}, status=status)


@login_required
def webhook_detail(request, pk):
    endpoint = _endpoint(request, pk)
    deliveries = list(endpoint.deliveries.order_by("-created_at", "-id")[:LOG_SIZE])
    show_secret = request.session.pop(SHOW_KEY_ONCE, None) == endpoint.pk
    return render(
        request,
        "tasks/webhook_detail.html",
        {"endpoint": endpoint, "deliveries": deliveries, "show_secret": show_secret},
    )


@login_required
def webhook_edit(request, pk):
    endpoint = _endpoint(request, pk)
    initial = {name: getattr(endpoint, name) for name in EDITED_FIELDS}
    form = WebhookEndpointForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            webhooks.webhook_endpoint_update(user=request.user, endpoint=endpoint, **_edited(form))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Webhook saved."))
            return redirect("webhook_detail", pk=endpoint.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "tasks/webhook_edit.html", {"endpoint": endpoint, "form": form}, status=status)


@login_required
@require_POST
def webhook_rotate_secret(request, pk):
    endpoint = _endpoint(request, pk)
    webhooks.webhook_endpoint_rotate_secret(user=request.user, endpoint=endpoint)
    request.session[SHOW_KEY_ONCE] = endpoint.pk
    messages.success(
        request, _("New signing secret made: the old one no longer works. Give the receiving system the new one below.")
    )
    return redirect("webhook_detail", pk=endpoint.pk)


@login_required
@require_POST
def webhook_toggle(request, pk):
    endpoint = _endpoint(request, pk)
    active = request.POST.get("active") == "1"
    webhooks.webhook_endpoint_set_active(user=request.user, endpoint=endpoint, active=active)
    messages.success(request, _("Webhook turned on.") if active else _("Webhook turned off."))
    return redirect("webhook_detail", pk=endpoint.pk)


@login_required
def webhook_delete(request, pk):
    """Asks first, saying what goes with it (the delivery log) and what stays (the audit log's rows)."""
    endpoint = _endpoint(request, pk)
    form = WebhookDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        webhooks.webhook_endpoint_delete(user=request.user, endpoint=endpoint)
        messages.success(request, _("Webhook deleted."))
        return redirect("webhook_list")
    status = 422 if request.method == "POST" else 200
    context = {"endpoint": endpoint, "form": form, "delivery_count": endpoint.deliveries.count()}
    return render(request, "tasks/webhook_delete.html", context, status=status)


@login_required
@require_POST
def webhook_resend(request, pk, delivery_pk):
    endpoint = _endpoint(request, pk)
    delivery = WebhookDelivery.objects.filter(pk=delivery_pk, endpoint=endpoint).select_related("endpoint").first()
    if delivery is None:
        raise Http404
    try:
        webhooks.webhook_resend(user=request.user, delivery=delivery)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Queued to be sent again."))
    return redirect("webhook_detail", pk=endpoint.pk)
