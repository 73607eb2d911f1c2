"""The worker side of the local pool (engine/pool.py): the process loop and what a task may call.

Data flow::

    owner ──CallItem(label, payload)──► Pipe ──► worker_main: fn(payload) ──ResultItem──► Pipe ──► owner
                                                      └── status (snapshots, ProcessStarted) on the same Pipe

A task function reports through ``current_reporter()`` and may poll ``stop_requested()`` or call
``check_stop()`` (on a Dask worker they answer from the task's ``task_scope``, so a job's task runs
unchanged there); its exception becomes a ``ResultItem`` (class name, plain message, text
traceback), never the end of the worker. ``POISON_PILL`` (or the job's stop flag, or the owner's death) ends the loop.

With ``quick_exit`` the worker then leaves without the interpreter's teardown (``os._exit`` once its
last status is sent and stdio flushed): finalising the modules of a worker that loaded pyarrow and
numpy takes 80-90 ms, which the pool's owner waits for at the end of every run before it can
report the job finished. Only for task functions that leave nothing to finalise between tasks (no
open files, atexit hooks or temporary folders alive after the task returned): the clean job's.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.cluster import task_scope
from engine.coded_errors import code_and_params
from engine.context import Cancelled, JobContext, parent_alive
from engine.status import StatusReporter
from engine.status_pipe import PipeStatusWriter
from engine.stop_signals import Terminated

POISON_PILL = None  # sent to a worker's pipe: finish and exit


@dataclass(frozen=True)
class CallItem:
    """Owner → worker: run ``fn(payload)``; the label is what the worker reports as current."""

    label: str
    payload: Any


@dataclass(frozen=True)
class ResultItem:
    """Worker → owner: the outcome of the one task the worker holds."""

    ok: bool
    value: Any = None
    reason: str = ""
    error_type: str = ""
    traceback: str = ""
    seconds: float = 0.0
    code: str = ""  # engine/coded_errors.py: the reason as a code and params, for a translated view
    params: dict[str, Any] = field(default_factory=dict)


def task_failure(exc: BaseException, seconds: float = 0.0, context: str = "") -> ResultItem:
    """A task's exception as data: class name, plain message, text traceback (and the message's
    code and params when it has them and is not prefixed with a ``context``)."""
    message = str(exc) or type(exc).__name__
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    code, params = ("", {}) if context else code_and_params(exc)
    return ResultItem(
        False,
        reason=f"{context}{message}",
        error_type=type(exc).__name__,
        traceback=tb,
        seconds=seconds,
        code=code,
        params=params,
    )


_reporter: StatusReporter | None = None
_ctx: JobContext | None = None


def current_reporter() -> StatusReporter:
    """The status reporter of the worker running the current task: the task's own on a Dask worker
    (engine/cluster/task_scope.py), the pool worker's here, a no-op one elsewhere."""
    global _reporter
    scope = task_scope.current()
    if scope is not None:
        return scope.reporter
    if _reporter is None:
        _reporter = JobContext("local").reporter("local", "local")
    return _reporter


def stop_requested() -> bool:
    """True when the job running this task was asked to stop (or its owner died)."""
    scope = task_scope.current()
    if scope is not None:
        return scope.stop_requested()
    return _ctx is not None and _ctx.stop_requested()


def check_stop() -> None:
    """Raise ``Cancelled`` when ``stop_requested()``: a task calls it between its units of work, as
    a job's own code calls ``JobContext.check_stop``."""
    if stop_requested():
        raise Cancelled()


def worker_main(
    conn: Any,
    fn: Callable[[Any], Any],
    ctx: JobContext,
    stage: str,
    name: str,
    initializer: Callable[..., None] | None,
    initargs: tuple,
    quick_exit: bool = False,
) -> None:
    global _reporter, _ctx
    ctx = JobContext(ctx.job, PipeStatusWriter(conn), ctx.stop_event)
    _ctx = ctx
    _reporter = ctx.reporter(stage, name)
    ctx.announce(name)
    if initializer is not None:
        initializer(*initargs)
    _reporter.flush()
    try:
        while True:
            if not conn.poll(0.2):
                if ctx.stop_requested():
                    break
                _reporter.tick()
                continue
            item = conn.recv()
            if item is POISON_PILL:
                break
            _reporter.begin(item.label)
            _reporter.flush()
            started = time.perf_counter()
            try:
                value = fn(item.payload)
                result = ResultItem(True, value, seconds=time.perf_counter() - started)
            except Terminated:  # the owner's terminate stage: the task cleaned up, the worker ends
                raise
            except BaseException as exc:  # a task's failure is data, not the worker's end
                result = task_failure(exc, time.perf_counter() - started)
            _reporter.add(items_in=1, items_out=int(result.ok), errors=int(not result.ok))
            _reporter.end()
            _reporter.flush()
            try:
                conn.send(result)
            except Exception as exc:  # the value did not pickle
                conn.send(task_failure(exc, result.seconds, context="result could not be sent: "))
    except (EOFError, OSError, KeyboardInterrupt):
        pass  # owner gone or interrupted: exit quietly, the owner reports what it needs to
    finally:
        if parent_alive():
            _reporter.flush()
    if quick_exit:
        _leave_without_teardown()


def _leave_without_teardown() -> None:
    """End this worker now, exit code 0, skipping module finalisation (see the module docstring)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass  # no stream, or a closed one: nothing of ours is left in it
    os._exit(0)
