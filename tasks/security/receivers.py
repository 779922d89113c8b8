"""Signals that become audit rows: logins, logouts, failures, lockouts and their release, and every change
recorded by django-simple-history (with the address it came from)."""

import logging
import secrets
import threading

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.signals import got_request_exception
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver
from django.utils import timezone
from django_cas_ng.signals import cas_user_logout
from simple_history.signals import post_create_historical_record, pre_create_historical_record

from tasks.audit import Action, Result, audit_record, client_ip, current_request
from tasks.audit.changes import history_audit_changes
from tasks.security.middleware import LOGIN_VIA, start_session_clock

logger = logging.getLogger("partybuild.security")


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    from tasks.security.sso.backends import login_via

    via = login_via(getattr(user, "backend", "") or "")
    if request is not None and hasattr(request, "session"):
        start_session_clock(request)
        request.session[LOGIN_VIA] = via
    audit_record(action=Action.LOGIN, request=request, user=user, obj=user, detail={"via": via} if via else None)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is None:
        return
    reason = getattr(request, "_partybuild_logout_reason", "user") if request is not None else "user"
    audit_record(action=Action.LOGOUT, request=request, user=user, obj=user, detail={"reason": reason})


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    from tasks.security.sso.accounts import noted_refusal

    username = str(credentials.get("username") or "")[:150]
    detail = {"locked_out": bool(getattr(request, "axes_locked_out", False))}
    refusal = noted_refusal(request)
    if refusal is not None:
        # The directory accepted the password but the account may not log in (or the directory was down), or the
        # form is for administrators only.
        detail["reason"] = refusal.reason
        if refusal.detail:
            detail["error"] = refusal.detail[:300]
    audit_record(
        action=Action.LOGIN_FAILED,
        request=request,
        username=username,
        object_type="tasks.user",
        object_repr=username,
        result=Result.FAILURE,
        detail=detail,
    )


@receiver(cas_user_logout)
def audit_cas_single_logout(sender, user, session, ticket, **kwargs):
    """The identity platform ended its session, and django-cas-ng deleted ours (a logout of its own)."""
    if sender == "slo" and user is not None and getattr(user, "is_authenticated", False):
        audit_record(action=Action.LOGOUT, user=user, obj=user, detail={"reason": "cas_single_logout"})


@receiver(user_locked_out)
def audit_lockout(sender, request, username, ip_address, **kwargs):
    """axes signals again at every attempt during the lock; only the one that started it is a lockout
    (the others are failed logins with `locked_out` in their detail)."""
    failures = sum(AccessAttempt.objects.filter(username=username).values_list("failures_since_start", flat=True))
    if failures > settings.AXES_FAILURE_LIMIT:
        return
    audit_record(
        action=Action.LOCKOUT,
        request=request,
        ip=ip_address,
        username=str(username or "")[:150],
        object_type="tasks.user",
        object_repr=str(username or "")[:200],
        result=Result.FAILURE,
        detail={
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )


_unlocking = threading.local()


def _failures(username: str) -> int:
    return sum(AccessAttempt.objects.filter(username=username).values_list("failures_since_start", flat=True))


@receiver(pre_delete, sender=AccessAttempt)
def note_lock_before_delete(sender, instance, **kwargs):
    # Django sends every pre_delete of a batch before deleting anything: the first one sees the whole lock.
    pending = _unlocking.__dict__.setdefault("locked_before", {})
    pending.setdefault(instance.username, _failures(instance.username) >= settings.AXES_FAILURE_LIMIT)


@receiver(post_delete, sender=AccessAttempt)
def audit_unlock(sender, instance, **kwargs):
    """Deleting a username's attempt records releases its lock: by an administrator (the admin, or
    `axes_reset_username`), or axes' clean-up once the cool-off has run out. One row per release."""
    was_locked = _unlocking.__dict__.setdefault("locked_before", {}).pop(instance.username, False)
    if not was_locked or _failures(instance.username) >= settings.AXES_FAILURE_LIMIT:
        return
    request = current_request()
    actor = getattr(request, "user", None) if request is not None else None
    by_admin = actor is not None and actor.is_authenticated and actor.get_username() != instance.username
    expired = instance.attempt_time + settings.AXES_COOLOFF_TIME <= timezone.now()
    audit_record(
        action=Action.UNLOCK,
        request=request if by_admin else None,
        user=actor if by_admin else None,
        object_type="tasks.user",
        object_repr=(instance.username or "")[:200],
        detail={
            "username": instance.username,
            "released_by": "administrator" if by_admin else ("cool-off expired" if expired else "command"),
        },
    )


@receiver(pre_create_historical_record)
def record_ip_address(sender, history_instance, **kwargs):
    """Every change record says from which address it came (等保 audit trail)."""
    request = current_request()
    if request is not None and hasattr(history_instance, "ip_address"):
        history_instance.ip_address = client_ip(request)


@receiver(post_create_historical_record)
def audit_change(sender, instance, history_instance, history_user=None, **kwargs):
    audit_record(
        action=Action.CHANGE,
        user=history_user or getattr(history_instance, "history_user", None),
        ip=getattr(history_instance, "ip_address", None),
        obj=instance,
        detail={
            "history_type": history_instance.history_type,
            "history_id": history_instance.pk,
            "reason": history_instance.history_change_reason or "",
            # What changed, readable (TEAM.md): the audit log page shows it as "field: old → new".
            "changes": history_audit_changes(history_instance),
        },
    )


@receiver(got_request_exception)
def tag_server_error(sender, request=None, **kwargs):
    """A short reference shown on the 500 page and logged with the traceback, so support can find one in the
    other (partybuild.logging adds it to every record that carries the request)."""
    if request is not None and not hasattr(request, "error_ref"):
        request.error_ref = secrets.token_hex(4).upper()
