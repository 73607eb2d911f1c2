"""A process pool that survives its workers dying (``multiprocessing.Pool`` hangs, gh-66587).

Data flow::

    owner (job coordinator)                               worker i  (warm, spawned once per job)
    ─────────────────────                                 ─────────────────────────────────────
    map_unordered(payloads) ──_CallItem──► Pipe i ──────► fn(payload) with current_reporter()
         ▲  one task in flight per worker                        │
         ├──────────────── _ResultItem ◄── Pipe i ◄──────────────┤
         └─► job status queue ◄─ relay ◄─ status messages ◄──────┘ (snapshots, logs)
    connection.wait([pipes…, sentinels…]) notices results, status and deaths alike.

Workers never write the shared status queue themselves: their status travels on their own pipe
and the owner relays it (engine/status_pipe.py says why: a worker killed mid-write would wedge a
shared queue for everyone).

Each worker owns one duplex Pipe, so the owner always knows which task a worker holds: when a
worker's sentinel fires, that task is retried on a fresh worker (``max_retries`` times), then failed
with the reason "worker died (signal 9 (SIGKILL))". Payloads are pulled lazily from the iterable, at
most one per worker, so a huge task list costs no memory (back-pressure). A task's exception is a
result (``ok=False`` with the reason and a text traceback), never the end of the pool.

Tasks report progress through ``current_reporter()`` (a ``StatusReporter`` of the worker they run on)
and may poll ``stop_requested()`` to end early when the job is stopped.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait as wait_any
from typing import Any, Callable, Iterable, Iterator

from engine.context import SPAWN, Cancelled, JobContext, parent_alive
from engine.status import StatusReporter, WorkerExited, describe_exitcode, format_exception
from engine.status_pipe import PipeStatusWriter, forward, is_status_message

POISON_PILL = None  # sent to a worker's pipe: finish and exit


@dataclass(frozen=True)
class _CallItem:
    task_id: int
    label: str
    payload: Any


@dataclass(frozen=True)
class _ResultItem:
    task_id: int
    ok: bool
    value: Any = None
    reason: str = ""
    traceback: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class TaskResult:
    """What became of one task: a value, or the reason it failed."""

    task_id: int
    label: str
    ok: bool
    value: Any = None
    reason: str = ""
    traceback: str = ""
    attempts: int = 1
    worker: str = ""
    seconds: float = 0.0


@dataclass
class _Task:
    task_id: int
    label: str
    payload: Any
    attempts: int = 0
    started: float = field(default_factory=time.monotonic)


# --- worker side ---------------------------------------------------------------------------
_reporter: StatusReporter | None = None
_ctx: JobContext | None = None


def current_reporter() -> StatusReporter:
    """The status reporter of the pool worker running the current task (a no-op one elsewhere)."""
    global _reporter
    if _reporter is None:
        _reporter = JobContext("local").reporter("local", "local")
    return _reporter


def stop_requested() -> bool:
    """True when the job running this task was asked to stop (or its owner died)."""
    return _ctx is not None and _ctx.stop_requested()


def _worker_main(conn: Any, fn: Callable[[Any], Any], ctx: JobContext, stage: str, name: str,
                 initializer: Callable[..., None] | None, initargs: tuple) -> None:
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
                result = _ResultItem(item.task_id, True, fn(item.payload))
            except BaseException as exc:  # a task's failure is data, not the worker's end
                reason, tb = format_exception(exc)
                result = _ResultItem(item.task_id, False, reason=reason, traceback=tb)
            result = _ResultItem(result.task_id, result.ok, result.value, result.reason, result.traceback,
                                 time.perf_counter() - started)
            _reporter.add(items_in=1, items_out=int(result.ok), errors=int(not result.ok))
            _reporter.end()
            _reporter.flush()
            try:
                conn.send(result)
            except Exception as exc:  # the value did not pickle
                reason, tb = format_exception(exc)
                conn.send(_ResultItem(item.task_id, False, reason=f"result could not be sent: {reason}",
                                      traceback=tb, seconds=result.seconds))
    except (EOFError, OSError, KeyboardInterrupt):
        pass  # owner gone or interrupted: exit quietly, the owner reports what it needs to
    finally:
        if parent_alive():
            _reporter.flush()


# --- owner side ----------------------------------------------------------------------------
@dataclass
class _Worker:
    name: str
    process: Any
    conn: Any
    task: _Task | None = None


class ProcessPool:
    """Warm worker processes, results streamed as they finish, dead workers replaced.

    The small interface (``submit``/``results``/``map_unordered``/``shutdown``) is what jobs use, so a
    distributed executor can stand in later. Use as a context manager: leaving it always shuts the
    workers down (cancelling running tasks on an exception).
    """

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
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.fn = fn
        self.size = workers
        self.ctx = ctx
        self.stage = stage
        self.max_retries = max_retries
        self.initializer = initializer
        self.initargs = initargs
        self.mp = mp_context
        self._workers: list[_Worker] = []
        self._pending: deque[_Task] = deque()
        self._ids = itertools.count()
        self._names = itertools.count(1)
        self.deaths: list[WorkerExited] = []
        self._started = False
        self._closed = False

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> "ProcessPool":
        if not self._started:
            self._started = True
            for _ in range(self.size):
                self._workers.append(self._spawn())
        return self

    def __enter__(self) -> "ProcessPool":
        return self.start()

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.shutdown(cancel=exc_type is not None)

    def _spawn(self) -> _Worker:
        name = f"{self.stage} {next(self._names)}"
        owner_end, worker_end = self.mp.Pipe(duplex=True)
        worker_ctx = JobContext(self.ctx.job, None, self.ctx.stop_event)  # status goes via the pipe
        process = self.mp.Process(
            target=_worker_main,
            args=(worker_end, self.fn, worker_ctx, self.stage, name, self.initializer, self.initargs),
            name=f"mpwatch-{self.ctx.job}-{name}",
            daemon=True,
        )
        process.start()
        worker_end.close()
        return _Worker(name=name, process=process, conn=owner_end)

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    @property
    def in_flight(self) -> int:
        return sum(w.task is not None for w in self._workers)

    # -- submitting ----------------------------------------------------------------------------
    def submit(self, payload: Any, label: str | None = None) -> int:
        """Queue one task; its result comes out of ``results()``. Returns the task id."""
        task = _Task(next(self._ids), label if label is not None else str(payload)[:200], payload)
        self._pending.append(task)
        return task.task_id

    def results(self, poll_s: float = 0.2) -> Iterator[TaskResult]:
        """Yield results of submitted tasks as they finish, until none is pending or running."""
        return self._drive(iter(()), None, poll_s)

    def map_unordered(
        self,
        payloads: Iterable[Any],
        label: Callable[[Any], str] | None = None,
        poll_s: float = 0.2,
    ) -> Iterator[TaskResult]:
        """Run ``fn`` over ``payloads`` (pulled lazily) and yield results in completion order."""
        return self._drive(iter(payloads), label, poll_s)

    def _drive(self, source: Iterator[Any], label: Callable[[Any], str] | None, poll_s: float) -> Iterator[TaskResult]:
        self.start()
        exhausted = False
        while True:
            if self.ctx.stop_requested():
                self.shutdown(cancel=True)
                raise Cancelled()
            # Keep exactly the idle workers fed: back-pressure on the source iterable.
            for worker in self._workers:
                if worker.task is not None:
                    continue
                if not self._pending and not exhausted:
                    try:
                        payload = next(source)
                    except StopIteration:
                        exhausted = True
                    else:
                        self.submit(payload, label(payload) if label else None)
                if not self._pending:
                    break
                self._dispatch(worker, self._pending.popleft())
            if exhausted and not self._pending and self.in_flight == 0:
                return
            yield from self._collect(poll_s)

    def _dispatch(self, worker: _Worker, task: _Task) -> None:
        task.attempts += 1
        task.started = time.monotonic()
        worker.task = task
        try:
            worker.conn.send(_CallItem(task.task_id, task.label, task.payload))
        except (OSError, EOFError):
            pass  # the worker is dead; its sentinel fires and the task is retried

    def _collect(self, timeout: float) -> Iterator[TaskResult]:
        busy = [w for w in self._workers if w.task is not None]
        waitables = [w.conn for w in self._workers] + [w.process.sentinel for w in busy]
        ready = set(wait_any(waitables, timeout)) if busy else set()
        for worker in list(self._workers):
            result, pipe_ok = self._read_pipe(worker) if worker.conn in ready or not busy else (None, True)
            if result is not None:
                yield result
                continue
            if worker.task is None:
                if not pipe_ok:  # died while idle: replace it now, or its closed pipe reads ready forever
                    self._replace_dead(worker)
                continue
            if not pipe_ok or worker.process.sentinel in ready or not worker.process.is_alive():
                result = self._replace_dead(worker)
                if result is not None:
                    yield result

    def _read_pipe(self, worker: _Worker) -> tuple[TaskResult | None, bool]:
        """Relay a worker's status messages; return its result if one arrived, and whether the pipe is open."""
        try:
            while worker.conn.poll(0):
                item = worker.conn.recv()
                if is_status_message(item):
                    forward(item, self.ctx.sink)
                    continue
                if worker.task is None:
                    continue  # a result of a task already given up on
                task = worker.task
                worker.task = None
                return TaskResult(task.task_id, task.label, item.ok, item.value, item.reason, item.traceback,
                                  task.attempts, worker.name, item.seconds), True
        except (EOFError, OSError):
            return None, False  # died mid-message: its sentinel tells the rest
        return None, True


    def _replace_dead(self, worker: _Worker) -> TaskResult | None:
        worker.process.join(timeout=1.0)
        exitcode = worker.process.exitcode
        death = WorkerExited(job=self.ctx.job, role=worker.name, pid=worker.process.pid or 0, t=time.time(),
                             exitcode=exitcode, expected=False)
        self.deaths.append(death)
        self.ctx.sink.send_event(death)
        task = worker.task
        worker.conn.close()
        index = self._workers.index(worker)
        self._workers[index] = self._spawn()
        if task is None:
            return None
        cause = f"worker died ({describe_exitcode(exitcode)})"
        if task.attempts <= self.max_retries:
            self.ctx.log(f"{worker.name} (pid {death.pid}) died on {task.label}: {cause}; "
                         f"retrying (attempt {task.attempts + 1} of {self.max_retries + 1})", "warning")
            self._pending.appendleft(task)
            return None
        self.ctx.log(f"{task.label} failed: {cause} on {task.attempts} attempts", "error")
        return TaskResult(task.task_id, task.label, False, reason=f"{cause} on all {task.attempts} attempts",
                          attempts=task.attempts, worker=worker.name,
                          seconds=time.monotonic() - task.started)

    # -- stopping ------------------------------------------------------------------------------
    def shutdown(self, cancel: bool = False, grace_s: float = 3.0) -> None:
        """Stop every worker: a poison pill to each, join with a timeout, then terminate, then kill.

        With ``cancel`` the running tasks are abandoned (workers see the stop event or are terminated).
        Never blocks longer than about ``grace_s`` + 2 s.
        """
        if self._closed:
            return
        self._closed = True
        for worker in self._workers:
            try:
                if worker.task is None or not cancel:
                    worker.conn.send(POISON_PILL)
            except (OSError, EOFError, ValueError):
                pass
        grace = grace_s if not cancel else min(grace_s, 1.0)
        if any(w.task is not None for w in self._workers) and not cancel:
            grace += grace_s  # let a running task finish its file before the pill is read
        deadline = time.monotonic() + grace
        # Relay the workers' last words (final snapshots) while they exit.
        while time.monotonic() < deadline and any(w.process.is_alive() for w in self._workers):
            wait_any([w.conn for w in self._workers] + [w.process.sentinel for w in self._workers], 0.05)
            for worker in self._workers:
                self._read_pipe(worker)
        for worker in self._workers:
            self._read_pipe(worker)
        for worker in self._workers:
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(timeout=1.0)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=1.0)
            worker.conn.close()
        self._pending.clear()
