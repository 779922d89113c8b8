"""What a change record changed, in words a person reads: field labels, names instead of ids, choices by their
label. Used by the audit receiver (detail["changes"], TEAM.md's shape `{field: [old, new]}` as strings), the
audit log page (older rows without `changes`) and the timeline.

Secrets never leave here as values: a robot's signing secret or a password is only said to have "changed", and a
webhook URL, whose token is its secret, is shown by its host.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

# Bookkeeping that moves with every write and means nothing to a reader.
BOOKKEEPING_FIELDS = frozenset({"version", "number_sort"})
SECRET_FIELDS = frozenset({"password", "robot_secret"})
SECRET_URL_FIELDS = frozenset({"robot_webhook_url"})
# Accounts and the organisation: their creation and deletion list every value (who was given which role where);
# for the work data, the object and the change record say enough.
FULL_RECORD_MODELS = frozenset({"tasks.user", "tasks.orgunit", "tasks.membership"})
MAX_TEXT = 300


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


def _url_host(url) -> str:
    parts = urlsplit(str(url or ""))
    return f"{parts.scheme}://{parts.hostname}/…" if parts.hostname else ("…" if url else "—")


def shown_pair(field: models.Field | None, name: str, old, new) -> tuple[str, str]:
    """(old, new) as the log may show them: secrets masked, long texts cut."""
    if name in SECRET_FIELDS:
        return "—" if old in (None, "") else "******", _("changed")
    if name in SECRET_URL_FIELDS:
        before, after = _url_host(old), _url_host(new)
        return before, after if after != before else f"{after} ({_('changed')})"
    return _cut(display_value(field, old)), _cut(display_value(field, new))


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


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
            shown = shown_pair(None, change.field, change.old, change.new)
            changes.append(FieldChange(change.field, change.field, *shown))
            continue
        if field.is_relation and field.many_to_one:
            old, new = _related(previous, field), _related(record, field)
        else:
            old, new = change.old, change.new
        changes.append(FieldChange(change.field, str(field.verbose_name), *shown_pair(field, change.field, old, new)))
    return changes


def record_values(record, *, created: bool, skip=BOOKKEEPING_FIELDS) -> list[FieldChange]:
    """Every value a change record holds, as a change from nothing (`created`) or to nothing (a deletion)."""
    model = record.instance_type
    tracked = {field.name for field in record._meta.fields}
    changes = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in skip or field.name not in tracked:
            continue
        value = _related(record, field) if field.is_relation and field.many_to_one else getattr(record, field.attname)
        if value is None or value == "":
            continue
        old, new = (None, value) if created else (value, None)
        changes.append(FieldChange(field.name, str(field.verbose_name), *shown_pair(field, field.name, old, new)))
    return changes


def changes_detail(changes: list[FieldChange]) -> dict[str, list[str]]:
    """The audit row's shape (TEAM.md): {field: [old, new]}."""
    return {change.name: [change.old, change.new] for change in changes}


def history_audit_changes(history_record) -> dict[str, list[str]]:
    """The changes of a just-written change record for its audit row, in the site's language whatever the
    language of the request, job or command that wrote it (choices are stored by their label). An account, unit
    or membership created or deleted lists all its values (old or new side empty)."""
    with translation.override(settings.LANGUAGE_CODE):
        if history_record.history_type == "~":
            return changes_detail(record_changes(history_record, history_record.prev_record))
        if history_record.instance_type._meta.label_lower in FULL_RECORD_MODELS:
            return changes_detail(record_values(history_record, created=history_record.history_type == "+"))
        return {}
