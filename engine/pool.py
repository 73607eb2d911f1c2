"""The local executor: a process pool that survives its workers dying (``multiprocessing.Pool``
hangs, gh-66587). ``ProcessPool`` implements engine/executor.py's ``Executor``.

Data flow::

    owner (job coordinator)                               worker i  (warm, spawned once per job)
    ─────────────────────                                 ─────────────────────────────────────
    map_unordered(TaskSpecs) ──CallItem──► Pipe i ─────► fn(payload) with current_reporter()
         ▲  one task in flight per worker                        │
         ├──────────────── ResultItem ◄── Pipe i ◄──────────────┤
         └─► job status queue ◄─ StatusRelay ◄─ status messages ◄┘ (snapshots, logs)
    connection.wait([pipes…, sentinels…]) notices results, status and deaths alike.

Workers never write the shared status queue themselves: their status travels on their own pipe
and the owner relays it (engine/status_pipe.py says why: a worker killed mid-write would wedge a
shared queue for everyone).

Each worker owns one duplex Pipe, so the owner always knows which task (which key) a worker holds:
when a worker's sentinel fires, that task is retried on a fresh worker (``max_retries`` times, same
key), then failed with the reason "worker died (signal 9 (SIGKILL)) on all 3 attempts". Tasks
are pulled lazily from the iterable, at most one per free worker, so a huge task list costs no
memory (back-pressure). A task's exception is a
result (``ok=False`` with its class name, message and a text traceback), never the end of the pool.
Shutdown is staged (engine/shutdown.py): poison pills, a grace while the last words are relayed,
terminate, kill. With ``quick_exit`` a worker that read its pill skips the interpreter's teardown
(engine/pool_worker.py says when that is safe), so the owner is not kept waiting 80-90 ms for it.

Tasks report progress through ``engine.pool_worker.current_reporter()`` (a ``StatusReporter`` of
the worker they run on) and may poll ``stop_requested()`` to end early when the job is stopped.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import wait as wait_any
from typing import Any

import psutil

from engine.coded_errors import english
from engine.context import SPAWN, JobContext
from engine.executor import WORKER_DIED, Executor, TaskResult, local_host
from engine.pool_worker import POISON_PILL, CallItem, worker_main
from engine.shutdown import StagedStop
from engine.status import WorkerExited, WorkerInfo, describe_exitcode
from engine.status_pipe import StatusRelay
from engine.stop_signals import children_start_deaf, run_detached


@dataclass
class _Task:
    """A task as the owner tracks it: the caller's key, and how often it was handed to a worker."""

    key: Hashable
    label: str
    payload: Any
    attempts: int = 0
    started: float = field(default_factory=time.monotonic)


@dataclass
class _Worker:
    name: str
    process: Any
    relay: StatusRelay
    task: _Task | None = None
    usage: psutil.Process | None = None


class ProcessPool(Executor):
    """Warm worker processes, results streamed as they finish, dead workers replaced.

    The local ``Executor``: see engine/executor.py for the contract. Use as a context manager:
    leaving it always shuts the workers down (cancelling running tasks on an exception).
    """

    kind = "local"
    _pending: deque[_Task]

    def __init__(
        self,
        fn: Callable[[Any], Any],
        workers: int,
        ctx: JobContext,
        *,
        stage: str = "worker",
        max_retries: int = 2,
        initializer: Callable[..., None] | None = None,
        initargs: tuple = (),
        mp_context: Any = SPAWN,
        quick_exit: bool = False,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        super().__init__(fn, ctx, stage)
        self.size = workers
        self.max_retries = max_retries
        self.initializer = initializer
        self.initargs = initargs
        self.mp = mp_context
        #: Workers skip the interpreter's teardown when they stop (engine/pool_worker.py says when that is safe).
        self.quick_exit = quick_exit
        self.host = local_host()
        self._workers: list[_Worker] = []
        self._names = itertools.count(1)
        self.deaths: list[WorkerExited] = []
        self._started = False

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> ProcessPool:
        if not self._started:
            self._started = True
            for _ in range(self.size):
                self._spawn()
        return self

    def __enter__(self) -> ProcessPool:
        return self.start()

    def _spawn(self, replacing: int | None = None) -> None:
        """Start a worker and record it (in place of worker ``replacing``, or added)."""
        name = f"{self.stage} {next(self._names)}"
        owner_end, worker_end = self.mp.Pipe(duplex=True)
        worker_ctx = JobContext(self.ctx.job, None, self.ctx.stop_event)  # status goes via the pipe
        worker_args = (
            worker_end,
            self.fn,
            worker_ctx,
            self.stage,
            name,
            self.initializer,
            self.initargs,
            self.quick_exit,
        )
        process = self.mp.Process(
            target=run_detached,
            args=(worker_main, worker_args, {}),
            name=f"mpwatch-{self.ctx.job}-{name}",
            daemon=True,
        )
        with children_start_deaf():  # a stop signal now waits until the worker is ours to end
            process.start()
            worker_end.close()
            worker = _Worker(name=name, process=process, relay=StatusRelay(owner_end, self.ctx.sink))
            if replacing is None:
                self._workers.append(worker)
            else:
                self._workers[replacing] = worker

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    @property
    def in_flight(self) -> int:
        return sum(w.task is not None for w in self._workers)

    def workers(self) -> list[WorkerInfo]:
        """Each worker now; CPU % is measured since the previous call (None on the first)."""
        infos = []
        for worker in self._workers:
            if worker.task is None and not worker.relay.received:
                self._read_pipe(worker)  # an idle worker's pipe holds status only: has it started yet?
            alive = worker.process.exitcode is None
            state = "dead" if not alive else "busy" if worker.task else "idle" if worker.relay.received else "starting"
            cpu = rss = threads = None
            if alive and worker.process.pid:
                try:
                    if worker.usage is None or worker.usage.pid != worker.process.pid:
                        worker.usage = psutil.Process(worker.process.pid)
                        worker.usage.cpu_percent(None)  # the first reading only starts the clock
                    else:
                        cpu = worker.usage.cpu_percent(None)
                    with worker.usage.oneshot():
                        rss, threads = worker.usage.memory_info().rss, worker.usage.num_threads()
                except psutil.Error:
                    state = "dead"
            infos.append(
                WorkerInfo(
                    name=worker.name,
                    pid=worker.process.pid,
                    host=self.host,
                    state=state,
                    current=worker.task.label if worker.task else "",
                    cpu_percent=cpu,
                    rss_bytes=rss,
                    threads=threads,
                )
            )
        return infos

    # -- submitting ----------------------------------------------------------------------------
    def submit(self, key: Hashable, payload: Any, label: str | None = None) -> None:
        self._pending.append(_Task(key, label if label is not None else str(key), payload))

    def _before_dispatch(self) -> None:
        self.start()

    def _has_room(self) -> bool:
        return any(w.task is None for w in self._workers)

    def _dispatch(self, task: _Task) -> None:
        worker = next(w for w in self._workers if w.task is None)
        task.attempts += 1
        task.started = time.monotonic()
        worker.task = task
        try:
            worker.relay.conn.send(CallItem(task.label, task.payload))
        except (OSError, EOFError):
            pass  # the worker is dead; its sentinel fires and the task is retried

    def _collect(self, timeout: float) -> Iterator[TaskResult]:
        busy = [w for w in self._workers if w.task is not None]
        waitables = [w.relay.conn for w in self._workers] + [w.process.sentinel for w in busy]
        ready = set(wait_any(waitables, timeout)) if busy else set()
        for worker in list(self._workers):
            if worker not in self._workers:
                continue  # replaced by a cancel() the caller made while we yielded
            result = self._read_pipe(worker) if worker.relay.conn in ready or not busy else None
            if result is not None:
                yield result
                continue
            if worker.task is None:
                if worker.relay.closed:  # died while idle: replace it now, or its closed pipe reads ready forever
                    self._replace_dead(worker)
                continue
            if worker.relay.closed or worker.process.sentinel in ready or not worker.process.is_alive():
                result = self._replace_dead(worker)
                if result is not None:
                    yield result

    def _read_pipe(self, worker: _Worker) -> TaskResult | None:
        """Relay a worker's status messages; return its result if one arrived."""
        while True:
            item = worker.relay.read()
            if item is None:
                return None
            if worker.task is None:
                continue  # a result of a task already given up on
            task, worker.task = worker.task, None
            return TaskResult(
                task.key,
                task.label,
                item.ok,
                item.value,
                item.reason,
                item.error_type,
                item.traceback,
                task.attempts,
                worker.name,
                item.seconds,
                item.code,
                item.params,
            )

    def _replace_dead(self, worker: _Worker) -> TaskResult | None:
        worker.process.join(timeout=1.0)
        exitcode = worker.process.exitcode
        death = WorkerExited(
            job=self.ctx.job,
            role=worker.name,
            pid=worker.process.pid or 0,
            t=time.time(),
            exitcode=exitcode,
            expected=False,
        )
        self.deaths.append(death)
        self.ctx.sink.send_event(death)
        task = worker.task
        worker.relay.close()
        self._spawn(replacing=self._workers.index(worker))
        if task is None:
            return None
        died = {"worker": worker.name, "pid": death.pid, "task": task.label, "exitcode": exitcode}
        died["exit"] = describe_exitcode(exitcode)
        if task.attempts <= self.max_retries:
            self.ctx.log_coded(
                "warning", "worker_died_retrying", attempt=task.attempts + 1, attempts=self.max_retries + 1, **died
            )
            self._pending.appendleft(task)
            return None
        self.ctx.log_coded("error", "worker_died_task_failed", attempts=task.attempts, **died)
        params = {"exit": died["exit"], "exitcode": exitcode, "attempts": task.attempts}
        return TaskResult(
            task.key,
            task.label,
            False,
            reason=english("worker_died_on_all_attempts", params),
            error_type=WORKER_DIED,
            attempts=task.attempts,
            worker=worker.name,
            seconds=time.monotonic() - task.started,
            code="worker_died_on_all_attempts",
            params=params,
        )

    # -- stopping ------------------------------------------------------------------------------
    def cancel(self) -> list[Hashable]:
        """Drop the pending tasks, end the busy workers (fresh ones take their place); keys returned.

        A ``map_unordered`` being iterated pulls nothing more from its source and ends once the
        results already in hand are out.
        """
        dropped = [t.key for t in self._pending]
        self._pending.clear()
        self._source_cancelled = True
        busy = [w for w in self._workers if w.task is not None]
        dropped += [w.task.key for w in busy]
        StagedStop(
            lambda: [w.process for w in busy],
            grace_s=0.0,
            terminate_s=1.0,
            on_wait=lambda: [self._read_pipe(w) for w in busy],
        ).run()
        for worker in busy:
            worker.task = None  # its result, if one raced the stop, is not wanted
            worker.relay.close()
            self._spawn(replacing=self._workers.index(worker))
        return dropped

    def shutdown(self, cancel: bool = False, grace_s: float = 3.0) -> None:
        """Stop every worker: a poison pill to each, join with a timeout, then terminate, then kill.

        With ``cancel`` the running tasks are abandoned (their workers are terminated at once: SIGTERM
        raises ``Terminated`` there, so a task's temporary files are removed) and the wait is at most
        1 s + 2 s; otherwise a running task gets ``grace_s`` more to finish:
        at most about 2 × ``grace_s`` + 2 s.
        """
        if self._closed:
            return
        self._closed = True

        def poison_pills() -> None:
            for worker in self._workers:
                try:
                    if worker.task is None or not cancel:
                        worker.relay.conn.send(POISON_PILL)
                    elif worker.process.exitcode is None:
                        # An abandoned task: SIGTERM now, which raises Terminated in the worker, so
                        # its cleanup runs (engine/stop_signals.py) and the stop takes no grace.
                        worker.process.terminate()
                except (OSError, EOFError, ValueError):
                    pass

        def last_words() -> None:
            for worker in self._workers:
                self._read_pipe(worker)

        grace = grace_s if not cancel else min(grace_s, 1.0)
        if any(w.task is not None for w in self._workers) and not cancel:
            grace += grace_s  # let a running task finish its file before the pill is read
        StagedStop(
            lambda: [w.process for w in self._workers],
            grace_s=grace,
            terminate_s=1.0,
            ask=poison_pills,
            on_wait=last_words,
            extra_waitables=lambda: [
                w.relay.conn for w in self._workers if not w.relay.closed and w.process.exitcode is None
            ],
        ).run()
        for worker in self._workers:
            worker.relay.close()
        self._pending.clear()
