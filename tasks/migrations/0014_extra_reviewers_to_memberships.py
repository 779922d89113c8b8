"""EXTRA_REVIEWERS (usernames in an environment variable who could review reports) becomes the membership role
"reviewer" (审核人), which the system administrator gives and takes in the admin, audited like any membership.

At migrate time each username still listed (environment or settings) that names an account gets the role:
- on the units where it already holds a role (what it sees does not change; a member's own unit widens to the
  unit's work, which a reviewer must see to review it);
- with no role anywhere, on the top committee unit (the only way it ever could review);
- a committee member already reviews everything: nothing to do;
- an administrator account (三员分立) never: a migration is no superuser; it says so and skips it.
Each membership gets its first change record and an audit row, as if an administrator had given it.
Written by hand: when rebasing onto new migrations, keep it right after the one adding the role.
"""

import os

from django.conf import settings
from django.db import migrations
from django.utils import timezone

REASON = "EXTRA_REVIEWERS setting became the reviewer role"


def listed_usernames() -> list[str]:
    names = list(getattr(settings, "EXTRA_REVIEWERS", None) or [])
    names += os.environ.get("EXTRA_REVIEWERS", "").split(",")
    return list(dict.fromkeys(name.strip() for name in names if name and name.strip()))


def reviewer_units(user, membership_model, unit_model) -> list[int]:
    roles = list(membership_model.objects.filter(user=user).values_list("unit_id", "role"))
    if any(role == "committee" for _unit, role in roles):
        return []
    if roles:
        return list(dict.fromkeys(unit_id for unit_id, _role in roles))
    top = unit_model.objects.filter(kind="committee", parent__isnull=True).order_by("sort_order", "id").first()
    return [top.pk] if top is not None else []


def forwards(apps, schema_editor):
    usernames = listed_usernames()
    if not usernames:
        return
    from tasks.audit import Action, audit_record

    user_model = apps.get_model("tasks", "User")
    membership_model = apps.get_model("tasks", "Membership")
    history_model = apps.get_model("tasks", "HistoricalMembership")
    unit_model = apps.get_model("tasks", "OrgUnit")
    for username in usernames:
        user = user_model.objects.filter(username=username).first()
        if user is None:
            print(f"\n  EXTRA_REVIEWERS: no account {username!r}, skipped.")
            continue
        if user.admin_duty:
            print(f"\n  EXTRA_REVIEWERS: {username!r} is an administrator account (三员分立), not made a reviewer.")
            continue
        for unit_id in reviewer_units(user, membership_model, unit_model):
            membership, created = membership_model.objects.get_or_create(user=user, unit_id=unit_id, role="reviewer")
            if not created:
                continue
            record = history_model.objects.create(
                id=membership.pk,
                user_id=user.pk,
                unit_id=unit_id,
                role="reviewer",
                history_date=timezone.now(),
                history_type="+",
                history_change_reason=REASON,
            )
            audit_record(
                action=Action.CHANGE,
                username="migrate",
                object_type="tasks.membership",
                object_id=membership.pk,
                object_repr=f"{username} · {unit_model.objects.get(pk=unit_id).name} · reviewer",
                detail={
                    "history_type": "+",
                    "history_id": record.pk,
                    "reason": REASON,
                    "changes": {"user": ["", username], "unit": ["", str(unit_id)], "role": ["", "reviewer"]},
                },
            )
            print(f"\n  EXTRA_REVIEWERS: {username!r} is now a reviewer of unit {unit_id}.")


class Migration(migrations.Migration):
    dependencies = [("tasks", "0013_reviewer_role")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
