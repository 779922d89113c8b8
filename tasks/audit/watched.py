"""Audit rows for the settings that have no change history: working-day overrides, django-celery-beat's schedules
and the permission groups, and the groups and permissions of accounts.

Watched through model signals, so that a change made anywhere (the admin, a shell, a command) is audited: pre_save
keeps the stored row, post_save compares (TEAM.md's `detail["changes"] = {field: [old, new]}`, in words, secrets
masked, as for the models with history in tasks.audit.changes). What the beat scheduler writes after every run
(last run, run count) is bookkeeping, not a change.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import translation
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule

from tasks.audit.chain import Action
from tasks.audit.changes import shown_pair
from tasks.audit.recording import audit_record
from tasks.audit.request import current_request
from tasks.models import User, WorkdayOverride

WATCHED = (WorkdayOverride, PeriodicTask, CrontabSchedule, IntervalSchedule, ClockedSchedule, SolarSchedule, Group)
BOOKKEEPING = frozenset({"last_run_at", "total_run_count", "date_changed"})


def _changes(model, before, after) -> dict[str, list[str]]:
    changes = {}
    with translation.override(settings.LANGUAGE_CODE):
        for field in model._meta.concrete_fields:
            if field.primary_key or field.name in BOOKKEEPING:
                continue
            old = getattr(before, field.name, None) if before is not None else None
            new = getattr(after, field.name, None) if after is not None else None
            if field.is_relation:
                old_id = getattr(before, field.attname, None) if before is not None else None
                new_id = getattr(after, field.attname, None) if after is not None else None
                if old_id == new_id:
                    continue
            elif old == new or (old in (None, "") and new in (None, "")):
                continue
            changes[field.name] = list(shown_pair(field, field.name, old, new))
    return changes


def _record(instance, history_type: str, changes: dict) -> None:
    audit_record(
        action=Action.CHANGE,
        request=current_request(),
        obj=instance,
        detail={"history_type": history_type, "changes": changes},
    )


def _keep_stored(sender, instance, raw=False, **kwargs):
    if not raw and instance.pk is not None:
        instance._audit_stored = sender._base_manager.filter(pk=instance.pk).first()


def _audit_save(sender, instance, created, raw=False, **kwargs):
    if raw:  # loaddata
        return
    changes = _changes(sender, None if created else getattr(instance, "_audit_stored", None), instance)
    if changes:
        _record(instance, "+" if created else "~", changes)


def _audit_delete(sender, instance, **kwargs):
    _record(instance, "-", _changes(sender, instance, None))


def _names(items) -> str:
    return "、".join(sorted(str(item) for item in items)) or "—"


def _audit_m2m(sender, instance, action, reverse, **kwargs):
    """An account's groups and permissions, a group's permissions: the whole list before and after."""
    if reverse:
        return
    field = next(f for f in type(instance)._meta.many_to_many if f.remote_field.through is sender)
    if action.startswith("pre_"):
        instance._audit_m2m_before = _names(getattr(instance, field.name).all())
        return
    before, after = getattr(instance, "_audit_m2m_before", "—"), _names(getattr(instance, field.name).all())
    if before != after:
        _record(instance, "~", {field.name: [before, after]})


def connect() -> None:
    """Called once, from TasksConfig.ready()."""
    for model in WATCHED:
        label = model._meta.label_lower
        pre_save.connect(_keep_stored, sender=model, dispatch_uid=f"audit-stored-{label}")
        post_save.connect(_audit_save, sender=model, dispatch_uid=f"audit-save-{label}")
        post_delete.connect(_audit_delete, sender=model, dispatch_uid=f"audit-delete-{label}")
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(_audit_m2m, sender=through, dispatch_uid=f"audit-m2m-{through._meta.label_lower}")
