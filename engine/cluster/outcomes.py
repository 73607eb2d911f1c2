"""What became of one Dask task, as the executor interface's ``TaskResult``.

``value_of`` gives, as ``as_completed(with_results=True, raise_errors=False)``
would, a finished task's ``remote.Outcome`` (from its ``TaskDone`` on the status topic, or
gathered), or the ``(type, exception, traceback)`` of one that did not finish: ``remote.TaskError`` when the
task raised on its worker (its traceback comes from there), ``KilledWorker`` when the scheduler gave
up on it after its workers died, anything else when it could not run at all.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Hashable
from typing import Any

from engine.cluster import remote
from engine.coded_errors import english
from engine.executor import WORKER_DIED, TaskResult


def finished(value: Any) -> bool:
    return isinstance(value, remote.Outcome)


def value_of(future: Any, carried: remote.Outcome | None) -> Any:
    """What a done future stands for, as ``as_completed(with_results=True)`` would hand it over:
    ``carried`` (the ``Outcome`` its ``TaskDone`` brought), else the gathered ``Outcome``, or
    ``(type, exception, traceback)``. None when it is no longer finished (its worker died holding
    a result that never reached us): the scheduler computes it anew."""
    if carried is not None:
        return carried
    status = future.status
    if status == "finished":  # no TaskDone came (its outcome was too large to carry): gather it
        try:
            return future.result()
        except Exception as exc:
            return type(exc), exc, exc.__traceback__
    if status == "error":
        exc = future.exception()
        return type(exc), exc, future.traceback()
    return None


def killed(value: Any) -> bool:
    """Whether the scheduler gave up on the task because workers died under it."""
    return not finished(value) and type(value[1]).__name__ == "KilledWorker"


def task_result(key: Hashable, label: str, value: Any, attempts: int, started: float) -> TaskResult:
    """The result of a task that finished or raised (``started``: when it was submitted, monotonic)."""
    if finished(value):
        worker = remote.worker_label(value.worker)
        return TaskResult(key, label, True, value.value, attempts=attempts, worker=worker, seconds=value.seconds)
    _, exc, tb = value
    if isinstance(exc, remote.TaskError):
        return TaskResult(
            key,
            label,
            False,
            reason=exc.reason,
            error_type=exc.error_type,
            traceback=exc.traceback_text,
            attempts=attempts,
            worker=remote.worker_label(exc.worker),
            seconds=exc.seconds,
            code=exc.code,
            params=exc.params,
        )
    return TaskResult(
        key,
        label,
        False,
        reason=str(exc) or type(exc).__name__,
        error_type=type(exc).__name__,
        traceback="".join(traceback.format_exception(type(exc), exc, tb)),
        attempts=attempts,
        seconds=time.monotonic() - started,
    )


def worker_died(key: Hashable, label: str, attempts: int, started: float, alone: bool) -> TaskResult:
    """The result of a task whose worker died on every attempt (``alone``: the last one with no other
    task of the run on that worker, so it is the cause)."""
    code = "worker_died_every_attempt_alone" if alone else "worker_died_every_attempt"
    return TaskResult(
        key,
        label,
        False,
        reason=english(code, {"attempts": attempts}),
        error_type=WORKER_DIED,
        attempts=attempts,
        seconds=time.monotonic() - started,
        code=code,
        params={"attempts": attempts},
    )
