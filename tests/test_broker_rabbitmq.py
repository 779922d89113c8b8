"""The jobs through RabbitMQ, the other broker README offers (`CELERY_BROKER_URL=amqp://…`): the daily scan
and the e-mails it decides go through a real RabbitMQ and arrive once, an urge too. CI starts RabbitMQ."""

import datetime as dt
import socket
import uuid

import pytest

from tasks import jobs
from tasks.models import Reminder
from tasks.services.reminders import assignment_urge
from tests.conftest import require_service
from tests.support_reminders import running_worker, smtp_server_fixture  # noqa: F401 - registers the fixture

pytestmark = pytest.mark.django_db(transaction=True)

RABBITMQ = ("127.0.0.1", 5672)
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"
D1_DAY = dt.date(2024, 9, 30)  # one working day before 1 October 2024


@pytest.fixture
def rabbitmq_worker(settings):
    try:
        socket.create_connection(RABBITMQ, timeout=2).close()
    except OSError:
        require_service("RabbitMQ is not running on 127.0.0.1:5672 (rabbitmq-server -detached)")
    # A queue of this run's own: CI and a developer's run may share the machine's RabbitMQ.
    queue = f"partybuild-test-{uuid.uuid4().hex[:12]}"
    with running_worker(RABBITMQ_URL, visibility_timeout=settings.BROKER_VISIBILITY_TIMEOUT, queue=queue) as tracker:
        yield tracker


def test_scan_and_urge_through_rabbitmq_each_email_once(
    rabbitmq_worker, smtp_server, assignment_a1, assignment_b, committee, secretary_a, secretary_b
):
    for assignment in (assignment_a1, assignment_b):
        assignment.deadline = dt.date(2024, 10, 1)
        assignment.save()
    jobs.scan_reminders.delay(D1_DAY.isoformat())
    rabbitmq_worker.wait_idle()
    jobs.scan_reminders.delay(D1_DAY.isoformat())  # the same day again: nothing new
    rabbitmq_worker.wait_idle()
    assignment_urge(assignment=assignment_b, urged_by=committee, message="请尽快报送")
    rabbitmq_worker.wait_idle()

    emails = Reminder.objects.filter(channel="email")
    assert set(emails.values_list("state", flat=True)) == {"sent"}
    assert sorted(emails.filter(kind="due_soon").values_list("recipient__email", flat=True)) == sorted(
        [secretary_a.email, secretary_b.email]
    )
    assert emails.filter(kind="urge", recipient=secretary_b).count() == 1
    message_ids = sorted(message["Message-ID"] for message in smtp_server.messages)
    bundles = set(emails.values_list("bundle_id", flat=True))
    assert message_ids == sorted(f"<bundle-{pk}@partybuild>" for pk in bundles)
