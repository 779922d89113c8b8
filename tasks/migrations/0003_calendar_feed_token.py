import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import tasks.models.feeds


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0002_reminder_schedules"),
    ]

    operations = [
        migrations.CreateModel(
            name="CalendarFeedToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "token",
                    models.CharField(
                        default=tasks.models.feeds.new_feed_token, editable=False, max_length=64, unique=True,
                        verbose_name="token",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="last used at")),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="calendar_feed",
                        to=settings.AUTH_USER_MODEL, verbose_name="user",
                    ),
                ),
            ],
            options={"verbose_name": "calendar feed", "verbose_name_plural": "calendar feeds"},
        ),
    ]
