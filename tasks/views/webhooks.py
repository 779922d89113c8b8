"""Webhook endpoints (committee members and the system administrator): register, see the delivery log, re-send,
turn off and on, delete. Each person manages their own endpoints."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tasks import access
from tasks.forms import WebhookEndpointForm
from tasks.models import WebhookDelivery, WebhookEndpoint
from tasks.services import webhooks
from tasks.views.common import apply_service_errors

LOG_SIZE = 50


def _manager(request):
    if not access.can_manage_webhooks(request.user):
        raise Http404
    return request.user


def _endpoint(request, pk) -> WebhookEndpoint:
    user = _manager(request)
    endpoint = WebhookEndpoint.objects.filter(pk=pk, owner=user).first()
    if endpoint is None:
        raise Http404
    return endpoint


@login_required
def webhook_list(request):
    user = _manager(request)
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhooks.webhook_endpoint_create(
                user=user,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Webhook registered. Give the receiving system its signing secret below."))
            return redirect("webhook_detail", pk=endpoint.pk)
    endpoints = WebhookEndpoint.objects.filter(owner=user)
    status = 422 if request.method == "POST" else 200
    return render(request, "tasks/webhooks.html", {"form": form, "endpoints": endpoints}, status=status)


@login_required
def webhook_detail(request, pk):
    endpoint = _endpoint(request, pk)
    deliveries = list(endpoint.deliveries.order_by("-created_at", "-id")[:LOG_SIZE])
    return render(request, "tasks/webhook_detail.html", {"endpoint": endpoint, "deliveries": deliveries})


@login_required
@require_POST
def webhook_toggle(request, pk):
    endpoint = _endpoint(request, pk)
    active = request.POST.get("active") == "1"
    webhooks.webhook_endpoint_set_active(user=request.user, endpoint=endpoint, active=active)
    messages.success(request, _("Webhook turned on.") if active else _("Webhook turned off."))
    return redirect("webhook_detail", pk=endpoint.pk)


@login_required
@require_POST
def webhook_delete(request, pk):
    endpoint = _endpoint(request, pk)
    webhooks.webhook_endpoint_delete(user=request.user, endpoint=endpoint)
    messages.success(request, _("Webhook deleted."))
    return redirect("webhook_list")


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
