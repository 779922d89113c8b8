"""Writing the audit trail (安全审计): `audit_record` is the one way a row is written."""

import json

from django.utils import timezone

from tasks.audit.chain import Result, chain_append
from tasks.audit.request import client_ip, current_request, valid_ip
from tasks.models import AuditEntry


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
        ip = ip or client_ip(request)
    elif ip is None:
        # Services called from a view get the address of the request being served; from a job or a command
        # there is none.
        current = current_request()
        ip = client_ip(current) if current is not None else None
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    # A write made through the REST API with a token names the token (tasks.api.auth sets it on the request).
    token_id = getattr(request if request is not None else current_request(), "api_token_id", None)
    if token_id is not None:
        detail = {**(detail or {}), "api_token": token_id}
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
    return chain_append(entry)
