import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partybuild.settings")

app = Celery("partybuild")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Units of work live in tasks/jobs.py: in this project "task" means a key task (重点任务).
app.autodiscover_tasks(related_name="jobs")

FILESYSTEM_BROKER_FOLDERS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


@app.on_after_configure.connect
def create_filesystem_broker_folders(sender, **kwargs):
    """kombu's filesystem transport (the development broker) needs its folders before the first message; made
    here, when the app is first configured (a worker starting, a web process enqueueing), not by settings."""
    if not str(sender.conf.broker_url or "").startswith("filesystem"):
        return
    options = sender.conf.broker_transport_options or {}
    for key in FILESYSTEM_BROKER_FOLDERS:
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
