"""The duties of 《中国共产党支部工作条例（试行）》 as the first meeting types; the committee edits them in the app."""

import datetime as dt

from django.db import migrations

DEFAULT_TYPES = (
    # code, name, short name, cadence, per party group, party lecture
    ("general_meeting", "支部党员大会", "党员大会", "quarter", False, False),
    ("committee_meeting", "支部委员会会议", "支委会", "month", False, False),
    ("group_meeting", "党小组会", "党小组会", "month", True, False),
    ("party_lecture", "党课", "党课", "quarter", False, True),
    ("theme_day", "主题党日", "主题党日", "month", False, False),
    ("life_meeting", "组织生活会", "组织生活会", "year", False, False),
)


def create(apps, schema_editor):
    MeetingType = apps.get_model("tasks", "MeetingType")
    for order, (code, name, short_name, cadence, per_group, lecture) in enumerate(DEFAULT_TYPES, start=1):
        MeetingType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "short_name": short_name,
                "cadence": cadence,
                "per_party_group": per_group,
                "is_lecture": lecture,
                "sort_order": order,
                "active_from": dt.date(2000, 1, 1),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("tasks", "0010_orglife")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
