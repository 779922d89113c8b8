import time

from django.core.management.base import BaseCommand
from django.db.models import Count

from tasks.models import Assignment
from tasks.services.lights import lights_current


class Command(BaseCommand):
    help = (
        "Compute every assignment's stored warning light for today (what the job after midnight does; use it after "
        "changing LIGHT_* settings, or from cron when no Celery beat runs). Safe to run at any time."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        computed = lights_current(everything=True)
        counts = dict(Assignment.objects.order_by().values_list("light").annotate(n=Count("id")))
        summary = ", ".join(f"{light}: {count}" for light, count in sorted(counts.items()))
        self.stdout.write(f"{computed} lights computed in {time.monotonic() - started:.1f} s ({summary or 'none'})")
