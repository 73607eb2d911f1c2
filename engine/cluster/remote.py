"""What runs on a Dask worker: the task wrapper, its status reporter, the run's stop flag.

Data flow on one worker process::

    scheduler ─► worker thread: run_task(fn, payload, label, run)
                   ├─ task_scope.bind(reporter of (run, thread), stop flag of run)
                   ├─ a snapshot with the task's label at once (its start, as a pool worker's)
                   ├─ fn(payload)            ◄─ current_reporter() / stop_requested() inside
                   ├─ reporter: items in/out, busy time, current label ─► status topic (throttled)
                   └─ Outcome(value, worker, seconds): returned, and sent with the last snapshot as
                      one TaskDone on the status topic (the coordinator reads it there, no gather)
                      or raise TaskError(reason, type, traceback), after a snapshot
    scheduler ─► worker thread: run_group(fn, ((payload, label), …), run)   (engine/cluster/groups.py)
                   ├─ GroupStarted(key, snapshot) at once as the first member begins
                   └─ each member as above, one after the other: TaskDone("<key>/<i>", Outcome or
                      TaskError, snapshot) as each ends; no member starts after Stop
    coordinator ─client.run─► warm_up(module): import the task's module on a thread, answer the pid
    coordinator ─client.run─► mark_stopped(run) / running_keys(run) / forget_run(base)
    coordinator ─client.run_on_scheduler─► scheduler_attempts(keys): deaths and retries per task

A task's exception is formatted here, into text, and raised as ``TaskError``: the coordinator gets
the reason and traceback even when the exception's class cannot be unpickled there, and Dask's
``retries=`` still applies (it retries tasks that raise). A worker keeps one reporter per (run,
thread) for the whole run, so its snapshots stay cumulative like a local pool worker's.

Module state is per worker process and guarded by one lock: worker threads run tasks while the
worker's event loop runs ``client.run`` functions.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.cluster import task_scope
from engine.cluster.status_topic import GroupStarted, TaskDone, TopicWriter
from engine.pool_worker import task_failure
from engine.status import StatusReporter, StatusSink

#: Snapshots per (run, worker thread) at most this often; every one crosses the scheduler.
REMOTE_SNAPSHOT_INTERVAL_S = 0.25

#: A task's outcome larger than this (pickled) is not carried on the status topic (the scheduler
#: keeps its recent events): the coordinator gathers it from the worker, Dask's way.
CARRIED_OUTCOME_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class RemoteRun:
    """What every task of one run carries to the worker (small: it is pickled with each task).

    ``run_id`` changes when the executor is cancelled (``base.generation``), so tasks submitted after
    a cancel do not see the old stop flag; ``base`` names the run for the topic and for cleanup.
    """

    base: str
    run_id: str
    job: str
    stage: str
    topic: str
    snapshot_interval_s: float = REMOTE_SNAPSHOT_INTERVAL_S


@dataclass(frozen=True)
class Outcome:
    """A task's value and where and how long it ran."""

    value: Any
    worker: str
    seconds: float


class TaskError(Exception):
    """A task raised: its text, made on the worker (picklable whatever the original exception was)."""

    def __init__(
        self,
        reason: str,
        error_type: str,
        traceback_text: str,
        worker: str,
        seconds: float,
        code: str = "",
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(reason, error_type, traceback_text, worker, seconds, code, params)
        self.reason = reason
        self.error_type = error_type
        self.traceback_text = traceback_text
        self.worker = worker
        self.seconds = seconds
        #: ``reason`` as a code and params (engine/coded_errors.py), as a pool worker's result has it.
        self.code = code
        self.params = dict(params or {})

    def __str__(self) -> str:
        return f"{self.error_type}: {self.reason}"


_lock = threading.Lock()
_stopped: set[str] = set()  # run ids asked to stop
_running: dict[str, str] = {}  # dask key → run id, while it executes
_reporters: dict[tuple[str, int], StatusReporter] = {}  # (run base, thread id) → reporter
_thread_numbers: dict[str, int] = {}  # run base → threads numbered so far


def worker_label(address: str) -> str:
    """'127.0.0.1:40677' for 'tcp://127.0.0.1:40677': how a worker is named in the status."""
    return address.split("://", 1)[-1]


def _reporter_for(run: RemoteRun, worker: Any) -> StatusReporter:
    slot = (run.base, threading.get_ident())
    with _lock:
        reporter = _reporters.get(slot)
        if reporter is None:
            name = f"{run.stage} {worker_label(worker.address)}"
            if worker.state.nthreads > 1:
                _thread_numbers[run.base] = _thread_numbers.get(run.base, 0) + 1
                name += f"#{_thread_numbers[run.base]}"
            sink = StatusSink(TopicWriter(worker, run.topic))
            reporter = StatusReporter(sink, run.job, run.stage, name, interval_s=run.snapshot_interval_s)
            _reporters[slot] = reporter
    return reporter


def _stop_flag(run_id: str) -> Callable[[], bool]:
    return lambda: run_id in _stopped


def run_task(fn: Callable[[Any], Any], payload: Any, label: str, run: RemoteRun) -> Outcome:
    """Run one task on this worker thread with the run's reporter and stop flag bound."""
    from distributed import get_worker

    worker = get_worker()
    key = str(worker.get_current_task())
    reporter = _reporter_for(run, worker)
    with _lock:
        _running[key] = run.run_id
    reporter.begin(label)
    # Its start at once, as a pool worker sends it. Throttled, it was dropped whenever the last
    # tick was recent, and the worker then read idle in the live view until the task's next tick:
    # for a file whose read takes minutes, minutes. One more message per single task costs little:
    # singles are a run's last few tasks, or ones of a second or more (every task only where groups
    # are off: with retries, or a scheduler that refused the plugin).
    reporter.flush()
    try:
        result = _run_one(fn, payload, run, worker, reporter)
    finally:
        with _lock:
            _running.pop(key, None)
    if isinstance(result, TaskError):
        reporter.flush()
        raise result
    _send_done(worker, run.topic, TaskDone(key, result, reporter.snapshot()))
    return result


def run_group(fn: Callable[[Any], Any], members: tuple[tuple[Any, str], ...], run: RemoteRun) -> list[Any]:
    """Run several tasks (``(payload, label)`` each) one after the other, as ``run_task`` runs one.

    Each member is its own task for the coordinator: its own reporter ``begin``/``end``, and a
    ``TaskDone`` under ``"<group key>/<index>"`` as soon as it ends, with its ``Outcome`` or, when
    it raised, its ``TaskError`` (a failing member does not stop the others), and the snapshot of
    the worker thread with the next member begun. Returns the same
    outcomes in order (gathered only for one whose ``TaskDone`` could not carry it). After Stop no
    further member starts.
    """
    from distributed import get_worker

    worker = get_worker()
    key = str(worker.get_current_task())
    reporter = _reporter_for(run, worker)
    with _lock:
        _running[key] = run.run_id
    results: list[Any] = []
    try:
        for index, (payload, label) in enumerate(members):
            if run.run_id in _stopped:
                break
            if index == 0:  # the group's start, at once
                reporter.begin(label)
                worker.log_event(
                    run.topic, pickle.dumps(GroupStarted(key, reporter.snapshot()), pickle.HIGHEST_PROTOCOL)
                )
            result = _run_one(fn, payload, run, worker, reporter)
            results.append(result)
            if index + 1 < len(members) and run.run_id not in _stopped:
                # the snapshot this end travels with shows the next member running: it is that
                # member's start (it sends none of its own), and the live view never reads idle
                reporter.begin(members[index + 1][1])
            _send_done(worker, run.topic, TaskDone(f"{key}/{index}", result, reporter.snapshot()))
    finally:
        with _lock:
            _running.pop(key, None)
    return results


def _run_one(
    fn: Callable[[Any], Any], payload: Any, run: RemoteRun, worker: Any, reporter: StatusReporter
) -> Outcome | TaskError:
    """``fn(payload)`` with the task's scope bound (its start, ``reporter.begin``, already said by
    the caller): its ``Outcome``, or the ``TaskError`` it raised."""
    task_scope.bind(task_scope.TaskScope(reporter, _stop_flag(run.run_id)))
    started = time.perf_counter()
    failure = None
    value = None
    try:
        value = fn(payload)
    except BaseException as exc:  # a task's failure is data, not the worker's end
        failure = task_failure(exc, time.perf_counter() - started)
    finally:
        seconds = time.perf_counter() - started
        task_scope.unbind()
        reporter.add(items_in=1, items_out=int(failure is None), errors=int(failure is not None))
        reporter.end()
    if failure is not None:
        return TaskError(
            failure.reason, failure.error_type, failure.traceback, worker.address, seconds, failure.code, failure.params
        )
    return Outcome(value, worker.address, seconds)


def _send_done(worker: Any, topic: str, done: TaskDone) -> None:
    """Send ``done`` on the run's topic, without its outcome when that is too large to carry."""
    try:
        message = pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # a value pickle refuses: Dask's own serialisation decides when it is gathered
        message = b""
    if not message or len(message) > CARRIED_OUTCOME_MAX_BYTES:
        message = pickle.dumps(dataclasses.replace(done, outcome=None), protocol=pickle.HIGHEST_PROTOCOL)
    worker.log_event(topic, message)


# --- run on every worker by the coordinator (client.run) --------------------------------------
def warm_up(module: str) -> int:
    """Start importing the task function's ``module`` on a thread of this worker; returns the pid.

    Called once the workers are up, so the import (numpy, pyarrow, the job's modules: the first
    task's largest cost) runs while the coordinator checks the data and submits, not inside the
    first task. A failing import is left for the task to report: it fails the same way there.
    """
    threading.Thread(target=_import_quietly, args=(module,), name="mpwatch-warm-up", daemon=True).start()
    return os.getpid()


def _import_quietly(module: str) -> None:
    try:
        importlib.import_module(module)
    except BaseException:  # the first task imports it again and reports why it cannot
        pass


def mark_stopped(run_id: str) -> None:
    """Stop was pressed: ``stop_requested()`` turns True for every task of ``run_id`` on this worker."""
    with _lock:
        _stopped.add(run_id)


#: Worker task states in which a task's thread may still run (Dask's own record).
_BUSY_STATES = frozenset({"executing", "long-running", "cancelled", "resumed"})


def running_keys(run_id: str, key_prefix: str | None = None, dask_worker: Any = None) -> list[str]:
    """Keys of tasks of ``run_id`` still executing on this worker (a cancelled future's thread runs on).

    With ``key_prefix`` also the keys the worker itself still counts as executing: its record lags
    the thread by a moment (the end of a task reaches its event loop later), and a task handed to a
    thread just before the cancel arrived has not bound its run yet. ``dask_worker`` is passed by
    ``client.run``, which runs this on the worker's event loop, where its state may be read.
    """
    with _lock:
        keys = {key for key, run in _running.items() if run == run_id}
    if key_prefix is not None and dask_worker is not None:
        keys.update(
            str(key)
            for key, task in dask_worker.state.tasks.items()
            if str(key).startswith(key_prefix) and task.state in _BUSY_STATES
        )
    return sorted(keys)


def forget_run(base: str) -> None:
    """The run is over: drop its reporters, and its stop flags unless a task of it still runs."""
    prefix = f"{base}."
    with _lock:
        for slot in [slot for slot in _reporters if slot[0] == base]:
            del _reporters[slot]
        _thread_numbers.pop(base, None)
        still_running = {run for run in _running.values() if run.startswith(prefix)}
        for run_id in [r for r in _stopped if r.startswith(prefix) and r not in still_running]:
            _stopped.discard(run_id)


# --- run on the scheduler by the coordinator (client.run_on_scheduler) -------------------------
def scheduler_attempts(keys: list[str], retries: int, dask_scheduler: Any = None) -> dict[str, tuple[int, int]]:
    """Per task: (workers that died while running it, retries used after it raised).

    Asked of the scheduler because a worker that dies takes its unsent messages with it: counting
    "task started" messages from the workers would miss exactly the attempts that matter.
    """
    counts = {}
    for key in keys:
        task = dask_scheduler.tasks.get(key)
        if task is not None:
            counts[key] = (task.suspicious, max(0, retries - task.retries))
    return counts
