"""The audit trail (安全审计): `audit_record` writes every row; `audit_verify` and `audit_purge` check and trim.

Rows form a hash chain: each row's hash covers its content and the previous row's hash. Writers are
serialized so the chain has no forks: a PostgreSQL advisory lock held until the transaction ends; on SQLite
every write transaction is already exclusive (IMMEDIATE mode, settings.py).
"""

import datetime as dt
import ipaddress
import json
import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tasks.models import AuditEntry

logger = logging.getLogger("partybuild.audit")

# An arbitrary constant naming the audit chain's lock among PostgreSQL advisory locks ("PBAU").
AUDIT_LOCK_KEY = 0x50424155

Action = AuditEntry.Action
Result = AuditEntry.Result
_LOGGED_ACTIONS = {
    Action.LOGIN,
    Action.LOGOUT,
    Action.UNLOCK,
    Action.PASSWORD_CHANGE,
    Action.EXPORT,
    Action.IMPORT,
    Action.PURGE,
}


def valid_ip(value) -> str | None:
    """A client address fit for an inet column, or None: X-Real-IP is just a header anyone can send."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return None


def request_ip(request) -> str | None:
    # Behind nginx the socket address is the proxy; nginx sets X-Real-IP (docs/nginx.conf).
    return valid_ip(request.META.get("HTTP_X_REAL_IP")) or valid_ip(request.META.get("REMOTE_ADDR"))


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_KEY])


def audit_record(
    *,
    action: str,
    request=None,
    user=None,
    username: str = "",
    ip: str | None = None,
    obj=None,
    object_type: str = "",
    object_id="",
    object_repr: str = "",
    result: str = Result.SUCCESS,
    detail: dict | None = None,
) -> AuditEntry:
    """Write one audit row: who (user or attempted username), from where, did what, to what, with what result.

    Call it from services and views; `request` supplies the user and address when given.
    """
    if request is not None:
        if user is None and getattr(getattr(request, "user", None), "is_authenticated", False):
            user = request.user
        ip = ip or request_ip(request)
    elif ip is None:
        # Services called from a view get the address of the request being served (set by simple-history's
        # middleware); from a job or a command there is none.
        from simple_history.models import HistoricalRecords

        current = getattr(HistoricalRecords.context, "request", None)
        ip = request_ip(current) if current is not None else None
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    # Stored exactly as it will be read back, so that the hash computed now matches the one verified later.
    detail = json.loads(json.dumps(detail or {}, default=str, ensure_ascii=False))
    entry = AuditEntry(
        created_at=timezone.now(),
        user=user,
        username=(username or (user.get_username() if user else ""))[:150],
        ip=valid_ip(ip),
        action=action,
        object_type=object_type[:100],
        object_id="" if object_id is None else str(object_id)[:64],
        object_repr=object_repr[:200],
        result=result,
        detail=detail,
    )
    with transaction.atomic():
        _lock_chain()
        entry.prev_hash = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first() or ""
        entry.hash = entry.compute_hash()
        entry.save()
    # Security events go to the log too (for a SIEM); everyday changes are only in the audit table.
    level = (
        logging.WARNING
        if entry.result == Result.FAILURE
        else (logging.INFO if entry.action in _LOGGED_ACTIONS else logging.DEBUG)
    )
    logger.log(
        level,
        "audit action=%s result=%s user=%s ip=%s object=%s:%s",
        entry.action,
        entry.result,
        entry.username or "-",
        entry.ip or "-",
        entry.object_type or "-",
        entry.object_id or "-",
    )
    return entry


def audit_verify() -> tuple[int, AuditEntry | None, str]:
    """Walk the chain oldest first. Returns (rows checked, first broken row or None, why it is broken)."""
    anchors = {
        anchor
        for anchor in AuditEntry.objects.filter(action=Action.PURGE).values_list("detail__anchor_hash", flat=True)
        if anchor
    }
    previous_hash: str | None = None
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if previous_hash is None:
            if entry.prev_hash and entry.prev_hash not in anchors:
                return checked, entry, "the oldest row does not follow the start of the log or a recorded purge"
        elif entry.prev_hash != previous_hash:
            return checked, entry, "the previous row was changed or deleted"
        if entry.compute_hash() != entry.hash:
            return checked, entry, "this row was changed"
        previous_hash = entry.hash
        checked += 1
    return checked, None, ""


class RetentionError(ValueError):
    pass


def audit_purge(*, before: dt.datetime, by: str = "") -> int:
    """Delete rows older than `before`, which must lie at least AUDIT_RETENTION_DAYS in the past.

    The purge is itself audited, and its row keeps the hash of the last deleted row so that verification
    can tell a purge from a deletion.
    """
    limit = timezone.now() - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    if before > limit:
        raise RetentionError(
            f"audit rows must be kept {settings.AUDIT_RETENTION_DAYS} days: choose a date before {limit:%Y-%m-%d}"
        )
    with transaction.atomic():
        _lock_chain()
        doomed = AuditEntry.objects.filter(created_at__lt=before)
        # The chain is ordered by id: only a prefix of it may go, or the rest would no longer verify.
        last = doomed.order_by("-id").first()
        if last is not None:
            doomed = AuditEntry.objects.filter(id__lte=last.id)
        deleted = doomed.count()
        if deleted:
            doomed.purge_delete()
        audit_record(
            action=Action.PURGE,
            username=by,
            object_type=AuditEntry._meta.label_lower,
            detail={"before": before.isoformat(), "deleted": deleted, "anchor_hash": last.hash if last else ""},
        )
    return deleted
