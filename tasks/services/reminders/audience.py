"""Who may get reminders, loaded once a scan (or an urge): people, the secretaries who run each unit,
reviewers and the units' group robots. The inbox is always on; e-mail is each user's choice."""

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tasks import access
from tasks.models import Membership, OrgUnit, User


@dataclass
class Audience:
    """Everything the scan needs about people and units, loaded once (a few queries, whatever the size)."""

    users: dict[int, User]
    secretaries: dict[int, list[int]]  # unit id -> its secretaries, or those of the nearest unit above
    # who reviews what: the plan's committee's members, then the unit's reviewers (审核人); tasks.access decides
    reviewers: access.Reviewers
    robots: dict[int, str]  # unit id -> robot channel
    committee_units: list[int]

    @classmethod
    def load(cls) -> "Audience":
        users = {
            user.pk: user
            for user in User.objects.filter(is_active=True).only(
                "id",
                "username",
                "email",
                "notify_by_email",
                "reminder_email_mode",
                "quiet_days_off",
                "full_name",
                "first_name",
                "last_name",
                "is_active",
            )
        }
        tree = access.unit_tree()
        direct: dict[int, list[int]] = defaultdict(list)
        for unit_id, user_id in (
            Membership.objects.filter(role=Membership.Role.SECRETARY)
            .order_by("unit_id", "user_id")
            .values_list("unit_id", "user_id")
        ):
            if user_id in users:
                direct[unit_id].append(user_id)
        secretaries = {}
        for unit_id in tree:
            # A sub-branch without its own secretary is run by the secretary of the unit above it, up to its committee:
            # the unit above a committee is another committee's (a bureau's branch is not the 工委's secretary's).
            current, seen = unit_id, set()
            while current is not None and not direct.get(current) and current not in seen:
                seen.add(current)
                parent_id, kind = tree.get(current, (None, ""))
                current = None if kind == OrgUnit.Kind.COMMITTEE else parent_id
            secretaries[unit_id] = direct.get(current, []) if current is not None else []
        # Committee members review their committee's plans: the committee and the reviewers come from one place.
        reviewers = access.reviewers(users)
        robots, committee_units = {}, []
        for unit in OrgUnit.objects.filter(is_active=True).exclude(robot_kind="").exclude(robot_webhook_url=""):
            robots[unit.pk] = unit.robot_kind
        for unit_id in OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMITTEE).values_list("id", flat=True):
            committee_units.append(unit_id)
        return cls(users, secretaries, reviewers, robots, committee_units)

    @property
    def committee(self) -> list[int]:
        """Every committee member (the weekly digest's readers)."""
        return self.reviewers.committee

    def reviewers_of(self, unit_id: int, *, committee_id: int) -> list[int]:
        """Who is asked to review a report of this unit on a plan of that committee."""
        return self.reviewers.of(unit_id=unit_id, committee_id=committee_id)


def reminder_preferences_update(
    *, user, notify_by_email: bool, email_mode: str | None = None, quiet_days_off: bool | None = None
) -> None:
    """The user's channels: the inbox is always on; e-mail is their choice if they have an address, as a daily
    bundle (the default) or one per reminder, and quiet on days off (the default) or not."""
    if notify_by_email and not user.email:
        raise ValidationError(
            {"notify_by_email": [_("You have no e-mail address on file: ask an administrator to add one first.")]}
        )
    changes = {"notify_by_email": notify_by_email}
    if email_mode is not None:
        if email_mode not in User.EmailMode.values:
            raise ValueError(f"unknown e-mail mode {email_mode!r}")
        changes["reminder_email_mode"] = email_mode
    if quiet_days_off is not None:
        changes["quiet_days_off"] = quiet_days_off
    User.objects.filter(pk=user.pk).update(**changes)
    for name, value in changes.items():
        setattr(user, name, value)
