"""Which status reporter and stop flag the task running on *this thread* has (dask-free).

A local pool worker runs one task at a time in its own process, so module globals answer
``current_reporter()`` and ``stop_requested()`` there. A Dask worker runs tasks in threads of one
process, several at once when it has several threads, and serves many runs: the answer must be per
thread, bound by the task wrapper (engine/cluster/remote.py) for exactly the duration of a task::

    run_task ─► bind(reporter, stop) ─► fn(payload) ─► engine.pool_worker.current_reporter()
                                                        └─► task_scope.current() → this reporter
             ◄─ unbind() (always, in a finally)

``engine.pool_worker.current_reporter()`` / ``stop_requested()`` ask ``current()`` first, so a job's
task function is the same code on a local worker and on a Dask worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from engine.status import StatusReporter


@dataclass(frozen=True)
class TaskScope:
    """What a task may ask while it runs: where to report, and whether its run was stopped."""

    reporter: StatusReporter
    stop_requested: Callable[[], bool]


_local = threading.local()


def bind(scope: TaskScope) -> None:
    """Make ``scope`` the answer for the task now starting on this thread."""
    _local.scope = scope


def unbind() -> None:
    """The task on this thread is over; its thread may next run a task of another run."""
    _local.scope = None


def current() -> TaskScope | None:
    """The scope of the task running on this thread, or None outside a bound task."""
    return getattr(_local, "scope", None)
