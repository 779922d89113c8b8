"""The in-app inbox: the bell's list, mark as read, and the user's choice of e-mail reminders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tasks.models import InboxMessage
from tasks.services import inbox_mark_read
from tasks.services.reminders import reminder_preferences_update

PAGE_SIZE = 30


@login_required
def inbox(request):
    # Only the user's own messages, ever: the inbox is personal, whatever the user's role.
    messages_qs = InboxMessage.objects.filter(user=request.user).order_by("-created_at", "-id")
    page = Paginator(messages_qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tasks/inbox.html",
        {
            "page": page,
            "unread": messages_qs.filter(read_at__isnull=True).count(),
        },
    )


@login_required
@require_POST
def inbox_read(request):
    """Mark one message (`message` in the form) or all of them as read."""
    message_id = request.POST.get("message")
    if message_id is not None:
        get_object_or_404(InboxMessage, pk=message_id if message_id.isdigit() else 0, user=request.user)
        inbox_mark_read(user=request.user, message_ids=[int(message_id)])
    else:
        inbox_mark_read(user=request.user)
    return redirect(_safe_next(request) or "inbox")


@login_required
def inbox_open(request, pk):
    """Follow a message's link, marking it read on the way."""
    message = get_object_or_404(InboxMessage, pk=pk, user=request.user)
    inbox_mark_read(user=request.user, message_ids=[message.pk])
    if message.url and url_has_allowed_host_and_scheme(message.url, allowed_hosts={request.get_host()}):
        return redirect(message.url)
    return redirect("inbox")


@login_required
@require_POST
def inbox_preferences(request):
    notify_by_email = request.POST.get("notify_by_email") == "on"
    reminder_preferences_update(user=request.user, notify_by_email=notify_by_email)
    messages.success(request, _("E-mail reminders are on.") if notify_by_email else _("E-mail reminders are off."))
    return redirect("inbox")


def _safe_next(request) -> str | None:
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None
