"""The one multiprocessing context of mpwatch, and what a job function is handed.

Every process is started from ``SPAWN`` (Qt and fork do not mix; spawn also behaves the same on
Linux, macOS and Windows). ``JobContext`` travels to each process of a job as a constructor
argument (queues and events can only be pickled at process creation) and answers the questions a
long loop asks: "should I stop?" (Stop was pressed, or the process that owns me is gone) and
"where do I report?".
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.process
import os
import time
from dataclasses import dataclass
from typing import Any

from engine.status import ProcessStarted, StatusReporter, StatusSink

SPAWN = multiprocessing.get_context("spawn")


class StopFlag:
    """A stop signal shared by processes, read without a lock.

    ``multiprocessing.Event.is_set()`` takes a lock; a process killed inside it would leave every
    other process blocked on its next check. This flag is one shared byte: ``set`` writes it,
    ``is_set`` reads it, nothing can be left held. Picklable at process creation, like an Event.
    """

    def __init__(self, mp_context: Any = None) -> None:
        self._flag = (mp_context or SPAWN).RawValue("b", 0)

    def set(self) -> None:
        self._flag.value = 1

    def clear(self) -> None:
        self._flag.value = 0

    def is_set(self) -> bool:
        return bool(self._flag.value)


class Cancelled(Exception):
    """The job was asked to stop (Stop button, Ctrl-C, the owning process went away)."""


class JobError(Exception):
    """The job cannot run, for a reason its message tells completely (a cluster that does not
    answer, data the workers cannot reach): reported as that message alone, without a traceback."""


def parent_alive() -> bool:
    """False once the process that started this one has exited (orphaned children stop themselves)."""
    parent = multiprocessing.process.parent_process()
    return parent is None or parent.is_alive()


@dataclass
class JobContext:
    """Status channel and stop signal of one job run; picklable at process creation."""

    job: str
    status_queue: Any | None = None
    stop_event: Any | None = None

    def __post_init__(self) -> None:
        self._sink: StatusSink | None = None

    def __getstate__(self) -> dict:
        return {"job": self.job, "status_queue": self.status_queue, "stop_event": self.stop_event}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._sink = None

    @property
    def sink(self) -> StatusSink:
        if self._sink is None:
            self._sink = StatusSink(self.status_queue)
        return self._sink

    def stop_requested(self) -> bool:
        return (self.stop_event is not None and self.stop_event.is_set()) or not parent_alive()

    def check_stop(self) -> None:
        """Raise ``Cancelled`` when the job should stop; call it between units of work."""
        if self.stop_requested():
            raise Cancelled()

    def reporter(self, stage: str, worker: str, interval_s: float = 0.1) -> StatusReporter:
        return StatusReporter(self.sink, self.job, stage, worker, interval_s=interval_s)

    def announce(self, role: str) -> None:
        """Tell the watcher this process exists (the process table lists it by pid and role)."""
        self.sink.send_event(
            ProcessStarted(job=self.job, role=role, pid=os.getpid(), t=time.time(), parent_pid=os.getppid())
        )

    def log(self, text: str, level: str = "info") -> None:
        self.sink.log(self.job, text, level)

    def log_coded(self, level: str, code: str, **params: Any) -> None:
        """A log line by code (engine/coded_errors.py): English here, the UI language in a window."""
        self.sink.log_coded(self.job, level, code, **params)
