"""Stored tallies now keep one row a unit (its count of each light), not one row a unit and light: every stored
tally is marked stale, and counted again in the new form on its next read (tasks.services.tallies)."""

from django.db import migrations


def mark_stale(apps, schema_editor):
    apps.get_model("tasks", "PlanTally").objects.update(stale=True)


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0026_plan_tally"),
    ]

    operations = [migrations.RunPython(mark_stale, migrations.RunPython.noop)]
