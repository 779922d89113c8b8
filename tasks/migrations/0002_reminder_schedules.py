"""The default reminder schedules, stored with django-celery-beat so that an admin can edit them."""

from django.db import migrations
from django.utils import timezone

SCAN_NAME = "Daily reminder scan (09:00)"
SWEEP_NAME = "Reminder sweeper (re-sends what a broker outage or a dead worker left behind)"


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    nine_am, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="9", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    every_five_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SCAN_NAME,
        defaults={
            "task": "tasks.jobs.scan_reminders",
            "crontab": nine_am,
            "description": (
                "Decides which reminders are due today and sends them; does nothing on non-working days."
            ),
        },
    )
    PeriodicTask.objects.get_or_create(
        name=SWEEP_NAME,
        defaults={"task": "tasks.jobs.sweep_reminders", "interval": every_five_minutes},
    )
    # Tell a running beat that its schedule changed (what the admin does on save).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[SCAN_NAME, SWEEP_NAME]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, delete_schedules)]
