"""The duties (meeting types) and their cadence: the committee's to set, with the regulations' defaults."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tasks import access
from tasks.models import MeetingType
from tasks.rules import local_today
from tasks.services.common import require

# 《中国共产党支部工作条例（试行）》: what every branch owes, and how often. Loaded by the migration that creates
# the table (and by seed_demo on an empty table); the committee changes them in the app afterwards.
DEFAULT_TYPES = (
    # code, name, short name, cadence, per party group, party lecture
    ("general_meeting", "支部党员大会", "党员大会", MeetingType.Cadence.QUARTER, False, False),
    ("committee_meeting", "支部委员会会议", "支委会", MeetingType.Cadence.MONTH, False, False),
    ("group_meeting", "党小组会", "党小组会", MeetingType.Cadence.MONTH, True, False),
    ("party_lecture", "党课", "党课", MeetingType.Cadence.QUARTER, False, True),
    ("theme_day", "主题党日", "主题党日", MeetingType.Cadence.MONTH, False, False),
    ("life_meeting", "组织生活会", "组织生活会", MeetingType.Cadence.YEAR, False, False),
)


# What the committee sets of a type (the page, the admin, the API): its code and order are the service's.
MEETING_TYPE_FIELDS = (
    "name",
    "short_name",
    "cadence",
    "per_party_group",
    "is_lecture",
    "evidence_required",
    "active_from",
    "is_active",
)


def meeting_types_ensure_defaults() -> None:
    """Create the regulations' types that are missing (by code); never changes one the committee edited."""
    for order, (code, name, short_name, cadence, per_group, lecture) in enumerate(DEFAULT_TYPES, start=1):
        if not MeetingType.objects.filter(code=code).exists():
            MeetingType.objects.create(
                code=code,
                name=name,
                short_name=short_name,
                cadence=cadence,
                per_party_group=per_group,
                is_lecture=lecture,
                sort_order=order,
            )


def meeting_type_errors(
    *, name: str, cadence: str, per_party_group: bool, is_lecture: bool, meeting_type: MeetingType | None = None
) -> dict[str, list[str]]:
    """Every problem with a type, by field (the service and the admin's form share them)."""
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the meeting type a name.")]
    elif len(name) > 50:
        errors["name"] = [_("A meeting type's name has at most 50 characters.")]
    elif MeetingType.objects.filter(name=name).exclude(pk=getattr(meeting_type, "pk", None)).exists():
        errors["name"] = [_("A meeting type “%(name)s” already exists.") % {"name": name}]
    if cadence not in MeetingType.Cadence.values:
        errors["cadence"] = [_("Choose once a month, once a quarter or once a year.")]
    if is_lecture and per_party_group:
        errors["is_lecture"] = [_("A party lecture is given to the whole branch, not per party group.")]
    return errors


def meeting_type_save(
    *,
    user,
    name: str,
    cadence: str,
    meeting_type: MeetingType | None = None,
    short_name: str = "",
    per_party_group: bool = False,
    is_lecture: bool = False,
    evidence_required: bool = False,
    active_from: dt.date | None = None,
    is_active: bool = True,
) -> MeetingType:
    """Create a type (`meeting_type` None) or change one. A type added in the middle of a year owes from
    `active_from` (default: today's month), so branches are not red for months before it existed."""
    require(access.can_manage_meeting_types(user))
    name = " ".join((name or "").split())
    errors = meeting_type_errors(
        name=name, cadence=cadence, per_party_group=per_party_group, is_lecture=is_lecture, meeting_type=meeting_type
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if meeting_type is None:
            today = local_today()
            meeting_type = MeetingType(
                code=_new_code(name),
                sort_order=MeetingType.objects.count() + 1,
                active_from=active_from or today.replace(day=1),
            )
        elif active_from is not None:
            meeting_type.active_from = active_from
        meeting_type.name = name
        meeting_type.short_name = (short_name or "").strip()[:20]
        meeting_type.cadence = cadence
        meeting_type.per_party_group = per_party_group
        meeting_type.is_lecture = is_lecture
        meeting_type.evidence_required = evidence_required
        meeting_type.is_active = is_active
        meeting_type._history_user = user
        meeting_type.save()
    return meeting_type


def _new_code(name: str) -> str:
    base = slugify(name)[:20] or "type"
    code, number = base, 1
    while MeetingType.objects.filter(code=code).exists():
        number += 1
        code = f"{base}-{number}"
    return code
