"""Permission denials in the audit log, at most one row per user, kind and minute (等保 audits denials; a flood
of requests for hidden ids must not flood the log).

The first denial of a minute is written at once, with its object and path. Those after it in the same minute
are only counted (a `DenialWindow` row); when the minute is over, the count is written as one more row, which
points at the first. That happens at the next denial of anyone and before the audit log is read or exported, so
the auditor never sees a count missing.
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tasks.audit.chain import Action, Result
from tasks.audit.recording import audit_record
from tasks.audit.request import client_ip
from tasks.models import AuditEntry, DenialWindow, User


def _window_start(moment: dt.datetime) -> dt.datetime:
    seconds = settings.AUDIT_DENIAL_WINDOW_SECONDS
    epoch = int(moment.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.UTC)


def audit_denied(
    *, request, kind: str, object_type: str = "", object_id: str = "", detail: dict | None = None
) -> AuditEntry | None:
    """Record that `request` was refused. `kind` groups denials that are the same act (the hidden object's type,
    the refused page's URL name). Returns the row written, or None when the denial was only counted."""
    now = timezone.now()
    start = _window_start(now)
    audit_denials_flush(before=start)
    user = request.user if getattr(getattr(request, "user", None), "is_authenticated", False) else None
    ip = client_ip(request)
    actor = f"user:{user.pk}" if user is not None else f"ip:{ip or '-'}"
    kind = kind[:150]
    try:
        with transaction.atomic():
            window = DenialWindow.objects.create(
                actor=actor,
                kind=kind,
                window_start=start,
                user_id=user.pk if user is not None else None,
                username=user.get_username() if user is not None else "",
                ip=ip,
                object_type=object_type[:100],
                last_at=now,
            )
    except IntegrityError:
        # Not the first of its minute: count it (a conditional update, so concurrent requests all count).
        DenialWindow.objects.filter(actor=actor, kind=kind, window_start=start).update(
            repeated=F("repeated") + 1, last_at=now
        )
        return None
    entry = audit_record(
        action=Action.DENIED,
        request=request,
        result=Result.FAILURE,
        object_type=object_type,
        object_id=object_id,
        detail={**(detail or {}), "kind": kind},
    )
    DenialWindow.objects.filter(pk=window.pk).update(first_entry_id=entry.pk)
    return entry


def audit_denials_flush(*, before: dt.datetime | None = None) -> int:
    """Write the count of every finished minute that had denials after its first; return the rows written."""
    before = before or _window_start(timezone.now())
    written = 0
    for window in DenialWindow.objects.filter(window_start__lt=before).order_by("window_start", "id"):
        with transaction.atomic():
            # Whoever deletes the row writes its count: two processes flushing at once write it once.
            claimed, _ = DenialWindow.objects.filter(pk=window.pk).delete()
            if not claimed or not window.repeated:
                continue
            audit_record(
                action=Action.DENIED,
                user=User.objects.filter(pk=window.user_id).first() if window.user_id else None,
                username=window.username,
                ip=window.ip,
                object_type=window.object_type,
                result=Result.FAILURE,
                detail={
                    "kind": window.kind,
                    "repeated": window.repeated,
                    "first_entry": window.first_entry_id,
                    "from": window.window_start.isoformat(),
                    "to": window.last_at.isoformat(),
                },
            )
            written += 1
    return written
