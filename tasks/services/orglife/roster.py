"""The roster (党员名册) and party groups (党小组) of a branch, kept by its secretary."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tasks import access
from tasks.models import OrgUnit, PartyGroup, PartyMember, User
from tasks.rules import local_today
from tasks.services.common import StaleWriteError, require

MEMBER_FIELDS = ("name", "gender", "category", "party_group", "joined_on", "status", "account")


def _clean_name(name: str, *, max_length: int) -> str:
    return " ".join((name or "").split())[: max_length + 1]


def party_group_create(*, unit: OrgUnit, user, name: str) -> PartyGroup:
    require(access.can_keep_orglife(user, unit))
    name = _clean_name(name, max_length=50)
    if not name:
        raise ValidationError({"name": [_("Give the party group a name.")]})
    if len(name) > 50:
        raise ValidationError({"name": [_("A party group's name has at most 50 characters.")]})
    with transaction.atomic():
        OrgUnit.objects.select_for_update().filter(pk=unit.pk).first()
        if PartyGroup.objects.filter(unit=unit, name=name).exists():
            raise ValidationError({"name": [_("This branch already has a party group “%(name)s”.") % {"name": name}]})
        group = PartyGroup(unit=unit, name=name, sort_order=PartyGroup.objects.filter(unit=unit).count() + 1)
        group._history_user = user
        group.save()
    return group


def member_errors(
    *,
    unit: OrgUnit,
    name: str,
    gender: str,
    category: str,
    party_group: PartyGroup | None,
    joined_on: dt.date | None,
    status: str,
    account: User | None,
    member: PartyMember | None = None,
) -> dict[str, list[str]]:
    """Every problem with one roster line, by field (the form, the import and the service share them)."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if not name:
        add("name", _("Give the member's name."))
    elif len(name) > 30:
        add("name", _("A name has at most 30 characters."))
    else:
        same = PartyMember.objects.filter(unit=unit, name__iexact=name)
        if member is not None:
            same = same.exclude(pk=member.pk)
        if same.exists():
            add(
                "name",
                _("“%(name)s” is already on this branch's roster; tell namesakes apart, e.g. %(example)s.")
                % {"name": name, "example": f"{name}（2）"},
            )
    if gender not in PartyMember.Gender.values:
        add("gender", _("Choose male or female."))
    if category not in PartyMember.Category.values:
        add("category", _("Choose full or probationary member."))
    if status not in PartyMember.Status.values:
        add("status", _("Choose a status."))
    if party_group is not None and party_group.unit_id != unit.pk:
        add("party_group", _("The party group “%(group)s” is not a group of this branch.") % {"group": party_group})
    if joined_on is not None and joined_on > local_today():
        add("joined_on", _("The date of joining cannot be in the future."))
    if account is not None and not account.is_active:
        add("account", _("This account is deactivated."))
    return errors


def party_member_create(
    *,
    unit: OrgUnit,
    user,
    name: str,
    gender: str,
    category: str = PartyMember.Category.FULL,
    party_group: PartyGroup | None = None,
    joined_on: dt.date | None = None,
    status: str = PartyMember.Status.ACTIVE,
    account: User | None = None,
) -> PartyMember:
    require(access.can_keep_orglife(user, unit))
    name = _clean_name(name, max_length=30)
    with transaction.atomic():
        # One writer per branch's roster at a time: two secretaries adding the same name get one row, one error.
        OrgUnit.objects.select_for_update().filter(pk=unit.pk).first()
        errors = member_errors(
            unit=unit,
            name=name,
            gender=gender,
            category=category,
            party_group=party_group,
            joined_on=joined_on,
            status=status,
            account=account,
        )
        if errors:
            raise ValidationError(errors)
        member = PartyMember(
            unit=unit,
            name=name,
            gender=gender,
            category=category,
            party_group=party_group,
            joined_on=joined_on,
            status=status,
            user=account,
        )
        member._history_user = user
        member.save()
    return member


def party_member_update(
    *,
    member: PartyMember,
    user,
    name: str,
    gender: str,
    category: str,
    party_group: PartyGroup | None,
    joined_on: dt.date | None,
    status: str,
    account: User | None = None,
    expected_version: int | None = None,
) -> PartyMember:
    require(access.can_keep_orglife(user, member.unit))
    name = _clean_name(name, max_length=30)
    with transaction.atomic():
        OrgUnit.objects.select_for_update().filter(pk=member.unit_id).first()
        member = PartyMember.objects.select_for_update().select_related("unit").get(pk=member.pk)
        if expected_version is not None and member.version != expected_version:
            raise StaleWriteError
        errors = member_errors(
            unit=member.unit,
            name=name,
            gender=gender,
            category=category,
            party_group=party_group,
            joined_on=joined_on,
            status=status,
            account=account,
            member=member,
        )
        if errors:
            raise ValidationError(errors)
        member.name, member.gender, member.category = name, gender, category
        member.party_group, member.joined_on, member.status, member.user = party_group, joined_on, status, account
        member.version += 1
        member._history_user = user
        member.save()
    return member
