"""A first change record for every account, unit and membership that existed before they had change history, so
that the first change after the upgrade shows what it changed from (tasks.audit.changes). Written by hand: when
rebasing onto new migrations, keep it right after the migration that creates the historical tables."""

from django.db import migrations
from django.utils import timezone

MODELS = [("User", "HistoricalUser"), ("OrgUnit", "HistoricalOrgUnit"), ("Membership", "HistoricalMembership")]


def first_records(apps, schema_editor):
    now = timezone.now()
    for model_name, history_name in MODELS:
        model, history = apps.get_model("tasks", model_name), apps.get_model("tasks", history_name)
        tracked = [
            field.attname
            for field in history._meta.concrete_fields
            if not field.name.startswith("history_") and field.name != "ip_address"
        ]
        history.objects.bulk_create(
            [
                history(**row, history_date=now, history_type="+", history_change_reason="history started")
                for row in model.objects.values(*tracked).iterator(chunk_size=2000)
            ],
            batch_size=2000,
        )


class Migration(migrations.Migration):
    dependencies = [("tasks", "0008_hardening")]

    operations = [migrations.RunPython(first_records, migrations.RunPython.noop)]
