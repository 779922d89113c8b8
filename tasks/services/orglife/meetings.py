"""Meeting records (组织生活记录): one meeting, its types, attendance by member and optional files."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tasks import access
from tasks.audit import Action, audit_record
from tasks.models import Attendance, MeetingFile, MeetingRecord, MeetingType, OrgUnit, PartyGroup, PartyMember
from tasks.rules import local_today
from tasks.services.common import StaleWriteError, require
from tasks.services.evidence import evidence_file_save, evidence_name, evidence_storage, evidence_validate


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


def _check(
    *,
    unit: OrgUnit,
    types: list[MeetingType],
    held_on: dt.date | None,
    place: str,
    host: str,
    recorder: str,
    topics: str,
    lecturer: str,
    lecture_title: str,
    party_group: PartyGroup | None,
    attendance: list[AttendanceLine],
    files: list,
    record: MeetingRecord | None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if not types:
        add("types", _("Choose at least one meeting type."))
    for meeting_type in types:
        if not meeting_type.is_active and (record is None or meeting_type not in record.types.all()):
            add("types", _("“%(type)s” is no longer in use.") % {"type": meeting_type})
    if held_on is None:
        add("held_on", _("Give the date of the meeting."))
    elif held_on > local_today():
        add("held_on", _("The meeting date cannot be in the future: record a meeting after it is held."))
    for field, value, message in (
        ("place", place, _("Give the place of the meeting.")),
        ("host", host, _("Say who chaired the meeting.")),
        ("recorder", recorder, _("Say who took the minutes.")),
        ("topics", topics, _("Give the topics of the meeting.")),
    ):
        if not value:
            add(field, message)
    if any(t.is_lecture for t in types):
        if not lecturer:
            add("lecturer", _("A party lecture names its lecturer."))
        if not lecture_title:
            add("lecture_title", _("A party lecture has a title."))
    per_group = any(t.per_party_group for t in types)
    if party_group is not None and party_group.unit_id != unit.pk:
        add("party_group", _("The party group “%(group)s” is not a group of this branch.") % {"group": party_group})
    elif per_group and party_group is None:
        add("party_group", _("Choose the party group that met."))
    elif party_group is not None and not per_group:
        add("party_group", _("Only a party group meeting names a party group."))
    evidence_types = [t.name for t in types if t.evidence_required]
    has_files = bool(files) or (record is not None and record.files.exists())
    if evidence_types and not has_files:
        add("files", _("%(types)s asks for files: attach at least one.") % {"types": "、".join(evidence_types)})

    members = {m.pk: m for m in PartyMember.objects.filter(pk__in=[line.member_id for line in attendance])}
    seen = set()
    for line in attendance:
        member = members.get(line.member_id)
        if member is None or member.unit_id != unit.pk:
            add(
                "attendance",
                _("%(name)s is not a member of this branch.")
                % {"name": member.name if member else f"#{line.member_id}"},
            )
            continue
        if line.member_id in seen:
            add("attendance", _("%(name)s is listed twice.") % {"name": member.name})
        seen.add(line.member_id)
        if line.status not in Attendance.Status.values:
            add("attendance", _("Choose present, on leave or absent for %(name)s.") % {"name": member.name})
        elif line.status == Attendance.Status.LEAVE and not line.reason.strip():
            add("attendance", _("Give the reason for leave of %(name)s.") % {"name": member.name})
        elif len(line.reason) > 200:
            add("attendance", _("The reason for leave of %(name)s is too long.") % {"name": member.name})
    if not attendance:
        add("attendance", _("Nobody is on the attendance list: add the branch's members to the roster first."))
    if held_on is not None and types and not errors.get("held_on"):
        duplicate = (
            MeetingRecord.objects.filter(unit=unit, held_on=held_on, party_group=party_group, types__in=types)
            .exclude(pk=getattr(record, "pk", None))
            .first()
        )
        if duplicate is not None:
            shared = "、".join(t.name for t in duplicate.types.all() if t in types)
            add(
                "__all__",
                _("This meeting is already recorded: %(date)s, %(types)s. Open that record to change it.")
                % {"date": held_on.isoformat(), "types": shared},
            )
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


def _save(
    *,
    unit: OrgUnit,
    user,
    record: MeetingRecord | None,
    types: Iterable[MeetingType],
    held_on,
    place,
    host,
    recorder,
    topics,
    minutes,
    lecturer,
    lecture_title,
    party_group,
    attendance: Iterable[AttendanceLine],
    files,
    expected_version,
) -> MeetingRecord:
    require(access.can_keep_orglife(user, unit))
    types = list(dict.fromkeys(types))
    attendance = list(attendance)
    files = list(files)
    text = {
        "place": (place or "").strip(),
        "host": (host or "").strip(),
        "recorder": (recorder or "").strip(),
        "topics": (topics or "").strip(),
        "minutes": (minutes or "").strip(),
        "lecturer": (lecturer or "").strip(),
        "lecture_title": (lecture_title or "").strip(),
    }
    try:
        kinds = evidence_validate(files)
    except ValidationError as error:
        raise ValidationError({"files": error.message_dict["evidence"]}) from None
    written: list[str] = []
    try:
        with transaction.atomic():
            # One writer per branch at a time, so that two secretaries saving the same meeting get one record.
            OrgUnit.objects.select_for_update().filter(pk=unit.pk).first()
            if record is not None:
                record = MeetingRecord.objects.select_for_update().get(pk=record.pk)
                if expected_version is not None and record.version != expected_version:
                    raise StaleWriteError
            if not any(t.is_lecture for t in types):
                text["lecturer"] = text["lecture_title"] = ""
            errors = _check(
                unit=unit,
                types=types,
                held_on=held_on,
                party_group=party_group,
                attendance=attendance,
                files=files,
                record=record,
                **{k: v for k, v in text.items() if k != "minutes"},
            )
            if errors:
                raise ValidationError(errors)
            expected, present, leave = _counts(attendance)
            if record is None:
                before_types, before_attendance, before_summary = "—", {}, "—"
                record = MeetingRecord(unit=unit, created_by=user)
            else:
                before_types = "、".join(t.name for t in record.types.all())
                before_attendance = _attendance_words(record)
                before_summary = attendance_summary(record.expected_count, record.present_count, record.leave_count)
                record.version += 1
            for field, value in text.items():
                setattr(record, field, value)
            record.held_on, record.party_group = held_on, party_group
            record.expected_count, record.present_count, record.leave_count = expected, present, leave
            record._history_user = user
            record.save()
            _write(record, types=types, attendance=attendance, files=files, kinds=kinds, written=written)
            changes = {}
            after_types = "、".join(t.name for t in record.types.all())
            if after_types != before_types:
                changes["types"] = [before_types, after_types]
            after_summary = attendance_summary(expected, present, leave)
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
            if changes:
                audit_record(action=Action.CHANGE, user=user, obj=record, detail={"changes": changes})
    except BaseException:
        for name in written:
            evidence_storage().delete(name)
        raise
    return record


def meeting_record_create(
    *,
    unit: OrgUnit,
    user,
    types: Iterable[MeetingType],
    held_on: dt.date | None,
    place: str,
    host: str,
    recorder: str,
    topics: str,
    attendance: Iterable[AttendanceLine],
    minutes: str = "",
    lecturer: str = "",
    lecture_title: str = "",
    party_group: PartyGroup | None = None,
    files=(),
) -> MeetingRecord:
    """Record a meeting the branch held. Refuses (ValidationError by field, nothing saved) a date in the future, a
    member of another branch, a party group of another branch, a second record of the same meeting."""
    return _save(
        unit=unit,
        user=user,
        record=None,
        types=types,
        held_on=held_on,
        place=place,
        host=host,
        recorder=recorder,
        topics=topics,
        minutes=minutes,
        lecturer=lecturer,
        lecture_title=lecture_title,
        party_group=party_group,
        attendance=attendance,
        files=files,
        expected_version=None,
    )


def meeting_record_update(
    *,
    record: MeetingRecord,
    user,
    types: Iterable[MeetingType],
    held_on: dt.date | None,
    place: str,
    host: str,
    recorder: str,
    topics: str,
    attendance: Iterable[AttendanceLine],
    minutes: str = "",
    lecturer: str = "",
    lecture_title: str = "",
    party_group: PartyGroup | None = None,
    files=(),
    expected_version: int | None = None,
) -> MeetingRecord:
    """Correct a record (files given are added to those it has); the same checks as a new one."""
    return _save(
        unit=record.unit,
        user=user,
        record=record,
        types=types,
        held_on=held_on,
        place=place,
        host=host,
        recorder=recorder,
        topics=topics,
        minutes=minutes,
        lecturer=lecturer,
        lecture_title=lecture_title,
        party_group=party_group,
        attendance=attendance,
        files=files,
        expected_version=expected_version,
    )


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
