import datetime as dt
import hashlib
import hmac
import json

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditQuerySet(models.QuerySet):
    """Rows are never updated, and deleted only by the retention purge (tasks.audit.audit_purge)."""

    def update(self, **kwargs):
        raise PermissionError("audit rows cannot be changed")

    def delete(self):
        raise PermissionError("audit rows cannot be deleted; use `manage.py purge_audit`")

    def purge_delete(self):
        return super().delete()


class AuditEntry(models.Model):
    """One audited event (等保 2.0 安全审计). Written only by tasks.audit.audit_record.

    Each row carries the hash of the row before it, so editing or deleting a row in the database breaks the
    chain where it happened (`manage.py verify_audit`). With AUDIT_CHAIN_KEY set the hash is an HMAC, so
    rewriting the rows after an edit needs the key, which is in the servers' environment and not in the
    database. The app never changes or deletes rows, except `manage.py purge_audit`, which removes rows older
    than the retention period and records that it did.
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("log in")
        LOGOUT = "logout", _("log out")
        LOGIN_FAILED = "login_failed", _("failed login")
        LOCKOUT = "lockout", _("account locked")
        UNLOCK = "unlock", _("account unlocked")
        PASSWORD_CHANGE = "password_change", _("password change")
        DENIED = "denied", _("permission denied")
        CHANGE = "change", _("change")
        REPORT = "report", _("progress report")
        REVIEW = "review", _("review")
        EXTENSION = "extension", _("extension")
        URGE = "urge", _("urge")
        EXPORT = "export", _("export")
        IMPORT = "import", _("import")
        PURGE = "purge", _("audit log purge")
        CHAIN_KEY = "chain_key", _("audit log keyed")
        API_TOKEN = "api_token", _("API token")
        WEBHOOK = "webhook", _("webhook")

    class Result(models.TextChoices):
        SUCCESS = "success", _("success")
        FAILURE = "failure", _("failure")

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # No foreign-key constraint and no cascade: deleting a user must neither delete nor alter audit rows.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(_("username"), max_length=150, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, default=Result.SUCCESS)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action} {self.result}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("audit rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit rows cannot be deleted; use `manage.py purge_audit`")

    def canonical(self) -> str:
        """The row's content as hashed: stable across databases (UTC time, sorted keys)."""
        return json.dumps(
            [
                self.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
                self.user_id,
                self.username,
                self.ip or "",
                self.action,
                self.object_type,
                self.object_id,
                self.object_repr,
                self.result,
                self.detail,
            ],
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
            default=str,
        )

    def compute_hash(self, key: bytes | None = None) -> str:
        """HMAC-SHA256 with the chain's key, or plain SHA-256 for rows written before the log had a key."""
        message = (self.prev_hash + self.canonical()).encode()
        if key is None:
            return hashlib.sha256(message).hexdigest()
        return hmac.new(key, message, hashlib.sha256).hexdigest()


class DenialWindow(models.Model):
    """The permission denials of one user (or, signed out, one address) of one kind within one window (a
    minute) after the first, which alone has its own audit row. tasks.audit.denials writes the count to the log
    as one more row once the window is over and deletes this row: a flood of denials is two rows a minute."""

    actor = models.CharField(max_length=200)  # "user:<id>" or "ip:<address>"
    kind = models.CharField(max_length=150)
    window_start = models.DateTimeField(db_index=True)
    user_id = models.BigIntegerField(null=True, blank=True)  # no foreign key: audit data outlives accounts
    username = models.CharField(max_length=150, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    first_entry_id = models.BigIntegerField(null=True, blank=True)
    repeated = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField()

    class Meta:
        verbose_name = _("denial count")
        verbose_name_plural = _("denial counts")
        constraints = [
            models.UniqueConstraint(fields=["actor", "kind", "window_start"], name="denialwindow_one_per_minute"),
        ]

    def __str__(self):
        return f"{self.actor} {self.kind} {self.window_start:%Y-%m-%d %H:%M} +{self.repeated}"
