"""Trimming the audit log after AUDIT_RETENTION_DAYS (`manage.py purge_audit`), without breaking its chain."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tasks.audit.chain import Action, AuditChainError, ChainKeys, lock_chain
from tasks.audit.recording import audit_record
from tasks.models import AuditEntry


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
        lock_chain()
        doomed = AuditEntry.objects.filter(created_at__lt=before)
        # The chain is ordered by id: only a prefix of it may go, or the rest would no longer verify.
        last = doomed.order_by("-id").first()
        key_id = ""
        if last is not None:
            doomed = AuditEntry.objects.filter(id__lte=last.id)
            # The rows left keep the key of the last one deleted; verification starts from what we record here.
            key_id = ChainKeys.from_settings().key_of(last)
            if key_id is None:
                raise AuditChainError(
                    f"audit row id={last.pk}, the newest to delete, does not verify with the keys this server "
                    "holds: run `manage.py verify_audit`"
                )
        deleted = doomed.count()
        # Recorded before the rows go, while the row that switched the chain to its key may still be among them
        # (the key of the next row is read from it).
        audit_record(
            action=Action.PURGE,
            username=by,
            object_type=AuditEntry._meta.label_lower,
            detail={
                "before": before.isoformat(),
                "deleted": deleted,
                "anchor_hash": last.hash if last else "",
                "key_id": key_id,
            },
        )
        if deleted:
            doomed.purge_delete()
    return deleted
