"""The in-app inbox: the bell's list (one entry per day's bundle, which opens to its items), mark as read, and
the user's choice of how reminders come by e-mail."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tasks.models import InboxMessage, User
from tasks.services import inbox_mark_read
from tasks.services.reminders import reminder_preferences_update
from tasks.services.reminders.bundles import load_items, sections

PAGE_SIZE = 30


@login_required
def inbox(request):
    return _inbox_page(request)


def _inbox_page(request, *, status=200, preferences_errors=None):
    # Only the user's own messages, ever: the inbox is personal, whatever the user's role.
    messages_qs = InboxMessage.objects.filter(user=request.user).order_by("-created_at", "-id")
    page = Paginator(messages_qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tasks/inbox.html",
        {
            "page": page,
            "unread": messages_qs.filter(read_at__isnull=True).count(),
            "preferences_errors": preferences_errors or [],
        },
        status=status,
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
    """A day's bundle opens to its items; any other message follows its link. Either is marked read."""
    message = get_object_or_404(InboxMessage.objects.select_related("bundle"), pk=pk, user=request.user)
    inbox_mark_read(user=request.user, message_ids=[message.pk])
    if message.bundle is not None and message.bundle.daily:
        items = load_items([message.bundle.pk]).get(message.bundle.pk, [])
        return render(
            request,
            "tasks/inbox_bundle.html",
            {"message": message, "bundle": message.bundle, "sections": sections(message.bundle, items, shown=500)},
        )
    if message.url and url_has_allowed_host_and_scheme(message.url, allowed_hosts={request.get_host()}):
        return redirect(message.url)
    return redirect("inbox")


@login_required
@require_POST
def inbox_preferences(request):
    notify_by_email = request.POST.get("notify_by_email") == "on"
    email_mode = request.POST.get("email_mode", User.EmailMode.DAILY)
    if email_mode not in User.EmailMode.values:
        errors = [_("Choose how e-mail reminders come: once a day, or one per reminder.")]
        return _inbox_page(request, status=422, preferences_errors=errors)
    try:
        reminder_preferences_update(
            user=request.user,
            notify_by_email=notify_by_email,
            email_mode=email_mode,
            quiet_days_off=request.POST.get("quiet_days_off") == "on",
        )
    except ValidationError as error:
        return _inbox_page(request, status=422, preferences_errors=error.messages)
    if not notify_by_email:
        messages.success(request, _("E-mail reminders are off."))
    elif email_mode == User.EmailMode.EACH:
        messages.success(request, _("E-mail reminders are on: one e-mail per reminder."))
    else:
        messages.success(request, _("E-mail reminders are on: one e-mail a day with everything due."))
    return redirect("inbox")


def _safe_next(request) -> str | None:
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None
