import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partybuild.settings")

app = Celery("partybuild")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Units of work live in tasks/jobs.py: in this project "task" means a key task (重点任务).
app.autodiscover_tasks(related_name="jobs")
