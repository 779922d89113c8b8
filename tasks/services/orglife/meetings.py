"""Meeting records (组织生活记录): one meeting, its types, attendance by member and optional files."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NotRequired, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tasks import access
from tasks.audit import Action, audit_record
from tasks.models import Attendance, MeetingFile, MeetingRecord, MeetingType, OrgUnit, PartyGroup, PartyMember
from tasks.rules import local_today
from tasks.services.common import StaleWriteError, require
from tasks.services.evidence import (
    evidence_file_save,
    evidence_name,
    evidence_storage,
    evidence_validate,
    evidence_written,
)


@dataclass(frozen=True)
class AttendanceLine:
    member_id: int
    status: str
    reason: str = ""


def roster_for_meeting(*, unit: OrgUnit, party_group: PartyGroup | None = None) -> list[PartyMember]:
    """Who is expected (应到): the branch's members on the roll, or one party group's."""
    members = PartyMember.objects.filter(unit=unit, status=PartyMember.Status.ACTIVE)
    if party_group is not None:
        members = members.filter(party_group=party_group)
    return list(members.select_related("party_group").order_by("party_group__sort_order", "id"))


def attendance_summary(expected: int, present: int, leave: int) -> str:
    return _("expected %(expected)d, present %(present)d, on leave %(leave)d, absent %(absent)d") % {
        "expected": expected,
        "present": present,
        "leave": leave,
        "absent": expected - present - leave,
    }


class MeetingFields(TypedDict):
    """What a meeting record holds, as `meeting_record_create` and `meeting_record_update` take it."""

    types: Iterable[MeetingType]
    held_on: dt.date | None
    place: str
    host: str
    recorder: str
    topics: str
    attendance: Iterable[AttendanceLine]
    minutes: NotRequired[str]
    lecturer: NotRequired[str]
    lecture_title: NotRequired[str]
    party_group: NotRequired[PartyGroup | None]
    files: NotRequired[Iterable]


TEXT_FIELDS = ("place", "host", "recorder", "topics", "minutes", "lecturer", "lecture_title")


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _meeting_errors(
    errors, *, unit: OrgUnit, types: list[MeetingType], held_on, text: dict, party_group, files, record
) -> None:
    """The meeting itself: its types, date, texts, lecture, party group and files."""
    if not types:
        _add(errors, "types", _("Choose at least one meeting type."))
    for meeting_type in types:
        if not meeting_type.is_active and (record is None or meeting_type not in record.types.all()):
            _add(errors, "types", _("“%(type)s” is no longer in use.") % {"type": meeting_type})
    if held_on is None:
        _add(errors, "held_on", _("Give the date of the meeting."))
    elif held_on > local_today():
        _add(errors, "held_on", _("The meeting date cannot be in the future: record a meeting after it is held."))
    for field, message in (
        ("place", _("Give the place of the meeting.")),
        ("host", _("Say who chaired the meeting.")),
        ("recorder", _("Say who took the minutes.")),
        ("topics", _("Give the topics of the meeting.")),
    ):
        if not text[field]:
            _add(errors, field, message)
    if any(t.is_lecture for t in types):
        if not text["lecturer"]:
            _add(errors, "lecturer", _("A party lecture names its lecturer."))
        if not text["lecture_title"]:
            _add(errors, "lecture_title", _("A party lecture has a title."))
    per_group = any(t.per_party_group for t in types)
    if party_group is not None and party_group.unit_id != unit.pk:
        message = _("The party group “%(group)s” is not a group of this branch.") % {"group": party_group}
        _add(errors, "party_group", message)
    elif per_group and party_group is None:
        _add(errors, "party_group", _("Choose the party group that met."))
    elif party_group is not None and not per_group:
        _add(errors, "party_group", _("Only a party group meeting names a party group."))
    evidence_types = [t.name for t in types if t.evidence_required]
    has_files = bool(files) or (record is not None and record.files.exists())
    if evidence_types and not has_files:
        message = _("%(types)s asks for files: attach at least one.") % {"types": "、".join(evidence_types)}
        _add(errors, "files", message)


def _attendance_errors(errors, *, unit: OrgUnit, attendance: list[AttendanceLine]) -> None:
    """Each line: a member of this branch, once, with a status, and a reason for leave."""
    members = {m.pk: m for m in PartyMember.objects.filter(pk__in=[line.member_id for line in attendance])}
    seen = set()
    for line in attendance:
        member = members.get(line.member_id)
        if member is None or member.unit_id != unit.pk:
            name = member.name if member else f"#{line.member_id}"
            _add(errors, "attendance", _("%(name)s is not a member of this branch.") % {"name": name})
            continue
        if line.member_id in seen:
            _add(errors, "attendance", _("%(name)s is listed twice.") % {"name": member.name})
        seen.add(line.member_id)
        if line.status not in Attendance.Status.values:
            _add(errors, "attendance", _("Choose present, on leave or absent for %(name)s.") % {"name": member.name})
        elif line.status == Attendance.Status.LEAVE and not line.reason.strip():
            _add(errors, "attendance", _("Give the reason for leave of %(name)s.") % {"name": member.name})
        elif len(line.reason) > 200:
            _add(errors, "attendance", _("The reason for leave of %(name)s is too long.") % {"name": member.name})
    if not attendance:
        message = _("Nobody is on the attendance list: add the branch's members to the roster first.")
        _add(errors, "attendance", message)


def _duplicate_errors(errors, *, unit: OrgUnit, types, held_on, party_group, record) -> None:
    """A second record of the same meeting: same branch, day and party group, and a type in common."""
    duplicate = (
        MeetingRecord.objects.filter(unit=unit, held_on=held_on, party_group=party_group, types__in=types)
        .exclude(pk=getattr(record, "pk", None))
        .first()
    )
    if duplicate is not None:
        shared = "、".join(t.name for t in duplicate.types.all() if t in types)
        _add(
            errors,
            "__all__",
            _("This meeting is already recorded: %(date)s, %(types)s. Open that record to change it.")
            % {"date": held_on.isoformat(), "types": shared},
        )


def _check(*, unit, types, held_on, text, party_group, attendance, files, record) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    _meeting_errors(
        errors,
        unit=unit,
        types=types,
        held_on=held_on,
        text=text,
        party_group=party_group,
        files=files,
        record=record,
    )
    _attendance_errors(errors, unit=unit, attendance=attendance)
    if held_on is not None and types and not errors.get("held_on"):
        _duplicate_errors(errors, unit=unit, types=types, held_on=held_on, party_group=party_group, record=record)
    return errors


def _write(record: MeetingRecord, *, types, attendance: list[AttendanceLine], files, kinds, written) -> None:
    record.types.set(types)
    record.attendance.all().delete()
    Attendance.objects.bulk_create(
        Attendance(
            record=record,
            member_id=line.member_id,
            status=line.status,
            reason=line.reason.strip() if line.status == Attendance.Status.LEAVE else "",
        )
        for line in attendance
    )
    for upload, kind in zip(files, kinds, strict=True):
        MeetingFile.objects.create(record=record, **evidence_file_save(upload=upload, kind=kind, written=written))


def _counts(attendance: list[AttendanceLine]) -> tuple[int, int, int]:
    present = sum(line.status == Attendance.Status.PRESENT for line in attendance)
    leave = sum(line.status == Attendance.Status.LEAVE for line in attendance)
    return len(attendance), present, leave


def _attendance_words(record: MeetingRecord) -> dict[int, str]:
    return {
        row.member_id: f"{row.member.name}:{row.get_status_display()}"
        for row in record.attendance.select_related("member")
    }


def _before(record: MeetingRecord | None) -> tuple[str, dict[int, str], str]:
    """The record's types, attendance by member and counts in words, before a change ("—" for a new record)."""
    if record is None:
        return "—", {}, "—"
    return (
        "、".join(t.name for t in record.types.all()),
        _attendance_words(record),
        attendance_summary(record.expected_count, record.present_count, record.leave_count),
    )


def _audit_changes(record: MeetingRecord, before, files) -> dict[str, list[str]]:
    """What the change record cannot say (types, attendance, files), old → new, for the audit row."""
    before_types, before_attendance, before_summary = before
    changes = {}
    after_types = "、".join(t.name for t in record.types.all())
    if after_types != before_types:
        changes["types"] = [before_types, after_types]
    after_summary = attendance_summary(record.expected_count, record.present_count, record.leave_count)
    if after_summary != before_summary:
        changes["attendance"] = [before_summary, after_summary]
    after_attendance = _attendance_words(record)
    moved = [
        f"{before_attendance.get(member_id, '—')} → {words.split(':', 1)[1]}"
        for member_id, words in after_attendance.items()
        if before_attendance and before_attendance.get(member_id) != words
    ]
    if moved:
        changes["attendance_members"] = ["", "；".join(moved)[:300]]
    if files:
        changes["files"] = ["", "、".join(f.name for f in files)[:300]]
    return changes


def _save(
    *,
    unit: OrgUnit,
    user,
    record: MeetingRecord | None,
    expected_version: int | None,
    types: Iterable[MeetingType],
    held_on: dt.date | None,
    attendance: Iterable[AttendanceLine],
    party_group: PartyGroup | None = None,
    files: Iterable = (),
    **texts: str,
) -> MeetingRecord:
    if unknown := set(texts) - set(TEXT_FIELDS):
        raise TypeError(f"unexpected fields: {', '.join(sorted(unknown))}")
    require(access.can_keep_orglife(user, unit))
    types, attendance, files = list(dict.fromkeys(types)), list(attendance), list(files)
    text = {field: (texts.get(field) or "").strip() for field in TEXT_FIELDS}
    if not any(t.is_lecture for t in types):
        text["lecturer"] = text["lecture_title"] = ""
    try:
        kinds = evidence_validate(files)
    except ValidationError as error:
        raise ValidationError({"files": error.message_dict["evidence"]}) from None
    with evidence_written() as written, transaction.atomic():
        # One writer per branch at a time, so that two secretaries saving the same meeting get one record.
        OrgUnit.objects.select_for_update().filter(pk=unit.pk).first()
        if record is not None:
            record = MeetingRecord.objects.select_for_update().get(pk=record.pk)
            if expected_version is not None and record.version != expected_version:
                raise StaleWriteError
        errors = _check(
            unit=unit,
            types=types,
            held_on=held_on,
            text=text,
            party_group=party_group,
            attendance=attendance,
            files=files,
            record=record,
        )
        if errors:
            raise ValidationError(errors)
        before = _before(record)
        if record is None:
            record = MeetingRecord(unit=unit, created_by=user)
        else:
            record.version += 1
        for field, value in text.items():
            setattr(record, field, value)
        record.held_on, record.party_group = held_on, party_group
        record.expected_count, record.present_count, record.leave_count = _counts(attendance)
        record._history_user = user
        record.save()
        _write(record, types=types, attendance=attendance, files=files, kinds=kinds, written=written)
        changes = _audit_changes(record, before, files)
        if changes:
            audit_record(action=Action.CHANGE, user=user, obj=record, detail={"changes": changes})
    return record


def meeting_record_create(*, unit: OrgUnit, user, **fields: Unpack[MeetingFields]) -> MeetingRecord:
    """Record a meeting the branch held. Refuses (ValidationError by field, nothing saved) a date in the future, a
    member of another branch, a party group of another branch, a second record of the same meeting."""
    return _save(unit=unit, user=user, record=None, expected_version=None, **fields)


def meeting_record_update(
    *, record: MeetingRecord, user, expected_version: int | None = None, **fields: Unpack[MeetingFields]
) -> MeetingRecord:
    """Correct a record (files given are added to those it has); the same checks as a new one."""
    return _save(unit=record.unit, user=user, record=record, expected_version=expected_version, **fields)


def meeting_file_delete(*, stored: MeetingFile, user) -> MeetingRecord:
    """Delete a file of a recorded meeting: the branch's keeper, as long as the record keeps what its types ask for
    (a type that requires files keeps at least one: add the right one first, then delete the wrong one). The
    record's version moves (a correction opened before is refused, not overwritten), its change record and an audit
    row name the file; the stored file goes once the transaction has committed."""
    require(access.can_keep_orglife(user, stored.record.unit))
    with transaction.atomic():
        record = MeetingRecord.objects.select_for_update().get(pk=stored.record_id)
        stored = record.files.filter(pk=stored.pk).first()
        if stored is None:
            raise ValidationError(_("This file was already deleted."), code="gone")
        required = [t.name for t in record.types.all() if t.evidence_required]
        if required and record.files.count() == 1:
            raise ValidationError(
                _("%(types)s asks for files: add another file to the record before deleting its last one.")
                % {"types": "、".join(required)},
                code="required",
            )
        name, stored_name = stored.original_name, evidence_name(stored)
        stored.delete()
        record.version += 1
        record._history_user = user
        record._change_reason = _("File deleted: %(name)s") % {"name": name[:80]}
        record.save(update_fields=["version"])
        audit_record(action=Action.CHANGE, user=user, obj=record, detail={"changes": {"files": [name[:300], "—"]}})
        transaction.on_commit(lambda: evidence_storage().delete(stored_name))
    return record
