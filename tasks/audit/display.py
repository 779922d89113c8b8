"""The audit log as the audit administrator reads it: the object's kind and name, what changed as
"field: old → new" (detail["changes"], TEAM.md), and the other keys of `detail` as labelled values. Internal ids
(history record ids, key fingerprints aside) never reach the page; the CSV and Excel exports keep everything."""

import contextlib
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.audit.changes import FieldChange, record_changes
from tasks.models import AuditEntry

# Keys of `detail` shown with a label; the order is the order on the page. Keys not listed are shown by name.
DETAIL_LABELS = {
    "percent": gettext_lazy("Progress (%)"),
    "decision": gettext_lazy("Decision"),
    "to": gettext_lazy("Requested deadline"),
    "reason": gettext_lazy("Reason"),
    "count": gettext_lazy("Count"),
    "message": gettext_lazy("Message"),
    "state": gettext_lazy("State"),
    "year": gettext_lazy("Year"),
    "plan": gettext_lazy("Plan year"),
    "file": gettext_lazy("File"),
    "document": gettext_lazy("Document"),
    "format": gettext_lazy("Format"),
    "rows": gettext_lazy("Rows"),
    "created": gettext_lazy("Created"),
    "updated": gettext_lazy("Updated"),
    "deleted": gettext_lazy("Deleted"),
    "errors": gettext_lazy("Errors"),
    "filters": gettext_lazy("Filters"),
    "path": gettext_lazy("Page"),
    "method": gettext_lazy("Method"),
    "username": gettext_lazy("Username"),
    "locked_out": gettext_lazy("Locked out"),
    "failure_limit": gettext_lazy("Failure limit"),
    "cooloff_minutes": gettext_lazy("Lockout minutes"),
    "released_by": gettext_lazy("Released by"),
    "before": gettext_lazy("Before"),
    "key_id": gettext_lazy("Key fingerprint"),
    "previous_key_id": gettext_lazy("Previous key fingerprint"),
    "anchor_hash": gettext_lazy("Hash of the last row removed"),
}
# Bookkeeping of the change receiver: the kind of change is the row's action, the record id is internal.
HIDDEN_DETAIL = frozenset({"changes", "history_type", "history_id"})
VALUE_WORDS = {
    "approve": gettext_lazy("approved"),
    "approved": gettext_lazy("approved"),
    "return": gettext_lazy("returned"),
    "returned": gettext_lazy("returned"),
    "refused": gettext_lazy("refused"),
    "pending": gettext_lazy("pending"),
    "coordinated": gettext_lazy("coordinated"),
    "resolved": gettext_lazy("resolved"),
    "annual_report": gettext_lazy("annual report draft"),
    "administrator": gettext_lazy("administrator"),
    "command": gettext_lazy("command"),
    "cool-off expired": gettext_lazy("lockout expired"),
    True: gettext_lazy("yes"),
    False: gettext_lazy("no"),
}
# Exports named by what they export rather than by a model.
OBJECT_KINDS = {"ledger": gettext_lazy("ledger"), "assessment": gettext_lazy("assessment table")}
HISTORY_TYPES = {"+": gettext_lazy("created"), "-": gettext_lazy("deleted")}


@dataclass
class AuditRow:
    entry: AuditEntry
    object_kind: str
    object_name: str
    changes: list[FieldChange] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)


def _model(object_type: str):
    try:
        return apps.get_model(object_type) if "." in object_type else None
    except LookupError:
        return None


def _value(value) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_value(item)}" for key, item in value.items() if item not in (None, ""))
    if isinstance(value, list | tuple):
        return ", ".join(_value(item) for item in value)
    if value is None or value == "":
        return "—"
    if isinstance(value, bool | str) and value in VALUE_WORDS:
        return str(VALUE_WORDS[value])
    return str(value)


def _changes(entry: AuditEntry, model) -> list[FieldChange]:
    """From detail["changes"]; for change rows written before it existed, from the change record itself."""
    detail = entry.detail if isinstance(entry.detail, dict) else {}
    if isinstance(detail.get("changes"), dict):
        changes = []
        for name, pair in detail["changes"].items():
            label = name
            if model is not None:
                with contextlib.suppress(FieldDoesNotExist):
                    label = str(model._meta.get_field(name).verbose_name)
            old, new = ([*list(pair), "", ""])[:2] if isinstance(pair, list | tuple) else ("", pair)
            changes.append(FieldChange(name, label, _value(old), _value(new)))
        return changes
    history_id = detail.get("history_id")
    if entry.action == AuditEntry.Action.CHANGE and detail.get("history_type") == "~" and model is not None:
        history = getattr(model, "history", None)
        record = history.filter(history_id=history_id).first() if history is not None and history_id else None
        if record is not None:
            return record_changes(record, record.prev_record)
    return []


def audit_rows(entries) -> list[AuditRow]:
    rows = []
    for entry in entries:
        model = _model(entry.object_type)
        detail = entry.detail if isinstance(entry.detail, dict) else {"": entry.detail}
        details = []
        # A change row's action already says "change"; a creation or deletion says so.
        if entry.action == AuditEntry.Action.CHANGE and detail.get("history_type") in ("+", "-"):
            details.append((_("Change"), str(HISTORY_TYPES[detail["history_type"]])))
        ordered = [key for key in DETAIL_LABELS if key in detail] + [key for key in detail if key not in DETAIL_LABELS]
        for key in ordered:
            if key in HIDDEN_DETAIL or detail[key] in (None, "", {}, []):
                continue
            details.append((str(DETAIL_LABELS.get(key, key)), _value(detail[key])))
        rows.append(
            AuditRow(
                entry=entry,
                object_kind=str(model._meta.verbose_name)
                if model is not None
                else str(OBJECT_KINDS.get(entry.object_type, entry.object_type)),
                object_name=entry.object_repr,
                changes=_changes(entry, model),
                details=details,
            )
        )
    return rows
