"""Real parts for reminder tests: an in-process Celery worker, a local SMTP server, SMTP settings, a private Redis.

Import the fixtures into a test module (`from tests.support_reminders import celery_worker_fixture`); tests
then ask for `celery_worker` and `smtp_server`.
The worker runs on the in-memory broker, or on Redis when CELERY_BROKER_URL points at it (CI).
"""

import os
import socket
import subprocess
import threading
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import redis
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from celery.exceptions import CPendingDeprecationWarning
from celery.signals import before_task_publish, task_postrun
from kombu import pools as kombu_pools

from partybuild.celery import app as celery_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- SMTP -------------------------------------------------------------------------------------------------


@dataclass
class SmtpRecorder:
    """An aiosmtpd handler that keeps every message and counts connections (one EHLO per connection)."""

    messages: list = field(default_factory=list)
    connections: int = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802 - aiosmtpd's hook name
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        import email
        from email import policy

        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"

    @property
    def recipients(self) -> list[str]:
        return [message["To"] for message in self.messages]


class SmtpServer:
    def __init__(self, port: int):
        self.port = port
        self.handler = SmtpRecorder()
        self._controller = None

    def start(self) -> "SmtpServer":
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self):
        return self.handler.messages


def use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture(name="smtp_server")
def smtp_server_fixture(settings):
    """A real SMTP server on a free local port; Django's SMTP backend pointed at it."""
    server = SmtpServer(free_port()).start()
    use_smtp(settings, server.port)
    yield server
    server.stop()


# --- Redis ------------------------------------------------------------------------------------------------


class RedisServer:
    """A private redis-server on a free port that keeps nothing on disk, like production Redis here: a restart
    loses every queued message. (The shared Redis of the machine is never restarted.)"""

    def __init__(self, directory):
        self.port = free_port()
        self.directory = str(directory)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process = None

    def start(self) -> "RedisServer":
        self._process = subprocess.Popen(
            [
                "redis-server",
                *("--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
                *("--dir", self.directory, "--logfile", os.path.join(self.directory, "redis.log")),
            ]
        )
        deadline = time.monotonic() + 10
        while not self._answers():
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """SIGTERM: with `--save ""` Redis exits without writing anything."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)

    def _answers(self) -> bool:
        try:
            return self.client().ping()
        except redis.ConnectionError:
            return False

    def queued(self, queue: str = "celery") -> int:
        return self.client().llen(queue)

    def consuming(self) -> bool:
        """A worker waits for messages with BRPOP: such a client means a worker is connected and consuming."""
        return any(client.get("cmd") == "brpop" for client in self.client().client_list())


# --- Celery -----------------------------------------------------------------------------------------------


class JobTracker:
    """Counts messages published and jobs finished (a retry is one of each), to wait until the worker is idle."""

    def __init__(self):
        self.published: list[str] = []
        self.finished: list[str] = []
        self._lock = threading.Lock()

    def on_publish(self, sender=None, **kwargs):
        with self._lock:
            self.published.append(sender)

    def on_postrun(self, sender=None, **kwargs):
        with self._lock:
            self.finished.append(sender.name if sender else "?")

    def wait_idle(self, timeout: float = 20.0, settle: float = 0.2) -> None:
        deadline = time.monotonic() + timeout
        idle_since = None
        while time.monotonic() < deadline:
            with self._lock:
                idle = len(self.finished) >= len(self.published)
            if idle:
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= settle:
                    return
            else:
                idle_since = None
            time.sleep(0.02)
        raise AssertionError(f"worker still busy: published {self.published}, finished {self.finished}")


def broker_url() -> str:
    configured = os.environ.get("CELERY_BROKER_URL", "")
    return configured if configured.startswith("redis") else "memory://"


def _reset_connections(app) -> None:
    """Forget pooled broker connections so that the next publish uses the broker configured now."""
    kombu_pools.reset()  # kombu keeps process-wide pools keyed by URL; closed ones would be reused
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(name="celery_worker")
def celery_worker_fixture(settings):
    """An in-process worker (one solo-pool thread) consuming what the code under test enqueues."""
    with running_worker(broker_url(), visibility_timeout=settings.BROKER_VISIBILITY_TIMEOUT) as tracker:
        yield tracker


def _forget_routing(app) -> None:
    """Forget the queues and routes Celery worked out from the configuration (cached on first use)."""
    for name in ("default_queue", "queues", "router", "send_task_message"):
        app.amqp.__dict__.pop(name, None)


@contextmanager
def running_worker(url: str, *, visibility_timeout: int, queue: str = "celery"):
    """An in-process worker on the broker at `url`; the app publishes there too until the block ends.
    A `queue` of its own keeps the jobs from another test run on the same broker (one RabbitMQ serves every
    run on the machine) from being taken by this worker, and this run's from being taken by theirs."""
    keys = (
        "broker_url",
        "broker_read_url",
        "broker_write_url",
        "broker_transport_options",
        "task_always_eager",
        "task_default_queue",
    )
    saved = {key: celery_app.conf.get(key) for key in keys}
    celery_app.conf.update(
        # The read and write URLs too: Celery prefers the CELERY_BROKER_URL environment variable (CI sets it)
        # to `broker_url`, and these two to both.
        broker_url=url,
        broker_read_url=url,
        broker_write_url=url,
        broker_transport_options={"visibility_timeout": visibility_timeout, "polling_interval": 0.05},
        task_always_eager=False,
        task_default_queue=queue,
    )
    _reset_connections(celery_app)
    _forget_routing(celery_app)
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_declare(queue=queue, durable=True, auto_delete=False)
        connection.default_channel.queue_purge(queue)
    tracker = JobTracker()
    before_task_publish.connect(tracker.on_publish, weak=False)
    task_postrun.connect(tracker.on_postrun, weak=False)
    try:
        with start_worker(
            celery_app, pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
        ):
            # Starting a worker puts Celery's own "always show" filter for its deprecation notices first; on a
            # broker connection loss it then says Celery 6 will cancel running jobs, which our settings keep on
            # purpose (CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS). pytest restores the filters.
            warnings.filterwarnings(
                "ignore", message=r"\s*In Celery 5.1 we introduced", category=CPendingDeprecationWarning
            )
            yield tracker
    finally:
        before_task_publish.disconnect(tracker.on_publish)
        task_postrun.disconnect(tracker.on_postrun)
        if queue != "celery":
            with celery_app.connection_for_write() as connection:
                connection.default_channel.queue_delete(queue)
        celery_app.conf.update(saved)
        _reset_connections(celery_app)
        _forget_routing(celery_app)
