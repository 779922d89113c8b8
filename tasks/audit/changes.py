"""What a change record changed, in words a person reads: field labels, names instead of ids, choices by their
label. Used by the audit receiver (detail["changes"], TEAM.md's shape `{field: [old, new]}` as strings), the
audit log page (older rows without `changes`) and the timeline."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

# Bookkeeping that moves with every write and means nothing to a reader.
BOOKKEEPING_FIELDS = frozenset({"version", "number_sort"})


@dataclass(frozen=True)
class FieldChange:
    name: str  # the field's name in code
    label: str  # its verbose name, translated
    old: str
    new: str


def display_value(field: models.Field | None, value) -> str:
    """A stored value as the UI shows it: "—" for nothing, a name for a related object, a choice's label."""
    if value is None or value == "":
        return "—"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def _related(record, field: models.Field):
    """The related object of a historical record's foreign key, or its id when the object is gone."""
    try:
        return getattr(record, field.name)
    except field.related_model.DoesNotExist:
        return getattr(record, field.attname)


def record_changes(record, previous, *, skip=BOOKKEEPING_FIELDS) -> list[FieldChange]:
    """The fields that differ between two django-simple-history records of one object, readable."""
    if previous is None:
        return []
    model = record.instance._meta.model
    changes = []
    for change in record.diff_against(previous).changes:
        if change.field in skip:
            continue
        try:
            field = model._meta.get_field(change.field)
        except FieldDoesNotExist:  # a field since removed from the model: show it by its name
            changes.append(
                FieldChange(
                    change.field, change.field, display_value(None, change.old), display_value(None, change.new)
                )
            )
            continue
        if field.is_relation and field.many_to_one:
            old, new = _related(previous, field), _related(record, field)
        else:
            old, new = change.old, change.new
        changes.append(
            FieldChange(change.field, str(field.verbose_name), display_value(field, old), display_value(field, new))
        )
    return changes


def changes_detail(changes: list[FieldChange]) -> dict[str, list[str]]:
    """The audit row's shape (TEAM.md): {field: [old, new]}."""
    return {change.name: [change.old, change.new] for change in changes}


def history_audit_changes(history_record) -> dict[str, list[str]]:
    """The changes of a just-written change record for its audit row, in the site's language whatever the
    language of the request, job or command that wrote it (choices are stored by their label)."""
    if history_record.history_type != "~":
        return {}
    with translation.override(settings.LANGUAGE_CODE):
        return changes_detail(record_changes(history_record, history_record.prev_record))
