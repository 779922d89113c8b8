"""Celery's part played in simulated time, for faults that last minutes or hours (an SMTP server down for ten
minutes). The real delivery jobs and the real sweep job run when they are due; between them time-machine
moves the clock, so a retry countdown of ten minutes takes no real time.

What is simulated is only the broker and beat: `delay()` puts a job on a timeline instead of Redis, a job's
`retry(countdown=...)` puts it back `countdown` seconds later, and the sweep runs every five minutes (the
beat schedule). Everything else is the code that runs in production, against a real database and a real
SMTP server. Used by tests/test_faults_reminders.py and bench/fault_smtp_down.py.
"""

import datetime as dt
import heapq
import itertools
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from unittest import mock

import time_machine

from tasks import jobs

DELIVERY_JOBS = (jobs.deliver_bundle, jobs.deliver_bundle_batch)
SWEEP_EVERY = dt.timedelta(minutes=5)  # the beat schedule of tasks.jobs.sweep_reminders


class ScheduledRetry(Exception):  # noqa: N818 - like Celery's Retry, a control signal, not an error
    """What a job's `retry()` raises here: the same arguments, to run again after `countdown` seconds."""

    def __init__(self, args: list, countdown: float):
        super().__init__(f"retry in {countdown:.0f} s")
        self.job_args, self.countdown = args, countdown


@dataclass
class JobRun:
    at: float  # seconds since the simulation started
    job: str
    ids: list[int]
    result: dict | None  # the job's return value; None when it asked for a retry
    retry_in: float | None = None


@dataclass(order=True)
class _Event:
    due: dt.datetime
    order: int
    action: Callable = field(compare=False)
    name: str = field(compare=False, default="")


class SimulatedCelery:
    """A timeline of jobs; `run(until=..., stop=...)` plays it. Use as a context manager: inside it the clock
    is frozen at `start` and moves only from one event to the next."""

    def __init__(self, *, start: dt.datetime, sweep: bool = True):
        self.start = start
        self.now = start
        self.runs: list[JobRun] = []
        self.sweeps: list[dict] = []  # what each sweep did (released, requeued)
        self._events: list[_Event] = []
        self._order = itertools.count()
        self._stack = ExitStack()
        self._traveller = None
        if sweep:
            self.at(SWEEP_EVERY, self._sweep, name="sweep")

    def __enter__(self) -> "SimulatedCelery":
        self._traveller = self._stack.enter_context(time_machine.travel(self.start, tick=False))
        simulation = self
        for job in DELIVERY_JOBS:
            job_class = type(job._get_current_object())

            def delay(task, *args, **kwargs):
                simulation._enqueue(task.name, list(args), dt.timedelta(0))

            def retry(task, args=None, kwargs=None, countdown=None, **options):
                return ScheduledRetry(list(args or task.request.args), countdown or 0)

            self._stack.enter_context(mock.patch.object(job_class, "delay", delay))
            self._stack.enter_context(mock.patch.object(job_class, "retry", retry))
        return self

    def __exit__(self, *exc_info) -> None:
        self._stack.close()

    @property
    def elapsed(self) -> float:
        return (self.now - self.start).total_seconds()

    def at(self, after: dt.timedelta, action: Callable, *, name: str = "") -> None:
        """Run `action()` when the clock reaches start + `after` (or now, if that has passed)."""
        due = max(self.start + after, self.now)
        heapq.heappush(self._events, _Event(due, next(self._order), action, name))

    def _enqueue(self, name: str, args: list, countdown: dt.timedelta) -> None:
        def run_job():
            job = next(job for job in DELIVERY_JOBS if job.name == name)
            try:
                result = job(*args)
            except ScheduledRetry as retry:
                self.runs.append(JobRun(self.elapsed, name, _ids(args), None, retry.countdown))
                self._enqueue(name, retry.job_args, dt.timedelta(seconds=retry.countdown))
            else:
                self.runs.append(JobRun(self.elapsed, name, _ids(args), result))

        heapq.heappush(self._events, _Event(self.now + countdown, next(self._order), run_job, name))

    def _sweep(self) -> None:
        self.sweeps.append(jobs.sweep_reminders())  # the real job; what it re-enqueues comes back through delay()
        self.at(self.now - self.start + SWEEP_EVERY, self._sweep, name="sweep")

    def run(self, *, until: dt.timedelta, stop: Callable[[], bool] = lambda: False) -> None:
        """Play events in time order until `stop()` holds (checked after each job) or the clock passes `until`."""
        end = self.start + until
        while self._events and self._events[0].due <= end:
            event = heapq.heappop(self._events)
            self.now = event.due
            self._traveller.move_to(self.now)
            event.action()
            if event.name != "sweep" and stop():
                return
        self.now = end
        self._traveller.move_to(end)


def _ids(args: list) -> list[int]:
    first = args[0]
    return list(first) if isinstance(first, list | tuple) else [first]
