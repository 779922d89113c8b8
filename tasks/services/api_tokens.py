"""Personal API tokens and service accounts' tokens: created (the token shown once), revoked, audited.

A person creates and revokes their own tokens on their token page; the system administrator (三员分立: accounts are
the system administrator's) does it for service accounts. Administrator accounts (any duty) and superusers get no
token: they have no work data to read, and a token must never become a way round their password and lockout.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.audit import Action, audit_record
from tasks.models import ApiToken, User
from tasks.models.api import token_hash
from tasks.security import duties

TOKEN_PREFIX = "pb_"  # noqa: S105 - how a token starts, not a secret


def may_hold_tokens(user) -> bool:
    return user.is_active and not duties.has_duty(user) and not user.is_superuser


def may_manage_tokens(actor, account) -> bool:
    """Whose tokens `actor` creates and revokes: their own (a person), or a service account's (system administrator)."""
    if account.is_service_account:
        return duties.may_manage_service_accounts(actor)
    return actor.pk == account.pk


def api_token_create(*, actor, user: User, name: str, scope: str, expires_on: dt.date | None) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token, which is never stored and cannot be shown again."""
    if not may_manage_tokens(actor, user) or not may_hold_tokens(user):
        raise PermissionDenied(_("You may not create API tokens for this account."))
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Say what the token is for.")]
    if scope not in ApiToken.Scope.values:
        errors["scope"] = [_("Choose read only or read and write.")]
    today = timezone.localdate()
    longest = today + dt.timedelta(days=settings.API_TOKEN_MAX_DAYS)
    if expires_on is None:
        errors["expires_on"] = [_("Choose when the token expires.")]
    elif expires_on <= today:
        errors["expires_on"] = [_("The expiry date must be after today.")]
    elif expires_on > longest:
        errors["expires_on"] = [
            _("A token lives at most %(days)d days: choose %(date)s or earlier.")
            % {"days": settings.API_TOKEN_MAX_DAYS, "date": longest.isoformat()}
        ]
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    # Valid to the end of the chosen day, local time.
    expires_at = timezone.make_aware(dt.datetime.combine(expires_on, dt.time.max))
    with transaction.atomic():
        row = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=prefix,
            key_hash=token_hash(token),
            scope=scope,
            created_by=actor,
            expires_at=expires_at,
        )
        audit_record(
            action=Action.API_TOKEN,
            user=actor,
            obj=row,
            detail={
                "event": "created",
                "api_token": row.pk,
                "account": user.get_username(),
                "scope": scope,
                "expires_on": expires_on.isoformat(),
            },
        )
    return row, token


def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    if not may_manage_tokens(actor, token.user):
        raise PermissionDenied(_("You may not revoke this token."))
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        token.refresh_from_db()
        if updated:
            audit_record(
                action=Action.API_TOKEN,
                user=actor,
                obj=token,
                detail={"event": "revoked", "api_token": token.pk, "account": token.user.get_username()},
            )
    return token


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The usable token `raw` is, or None (unknown, wrong, revoked, expired, or its account may not hold one)."""
    if not raw.startswith(TOKEN_PREFIX) or raw.count("_") < 2:
        return None
    prefix = raw[len(TOKEN_PREFIX) :].split("_", 1)[0]
    row = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if row is None or not secrets.compare_digest(row.key_hash, token_hash(raw)):
        return None
    if not row.is_usable or not may_hold_tokens(row.user):
        return None
    now = timezone.now()
    # "Last used" to the minute: one write a minute per token, not one per call.
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row
