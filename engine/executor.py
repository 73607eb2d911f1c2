"""The executor interface every job submits its tasks through (local process pool today, dask next).

Data flow of a job's tasks::

    coordinator                                  Executor (engine/pool.py ProcessPool: local)
    ───────────                                  ─────────────────────────────────────────────
    map_unordered(TaskSpec(key, payload, label) …)   pulls a spec only when a worker is free
         │                                            (back-pressure: the iterable may be huge)
         │  submit(key, payload) meanwhile ──────────► queued ahead of the next pulled spec
         ▼                                                   │ one task in flight per worker
    TaskResult(key, ok, value | reason, error_type …) ◄──────┘ in completion order; a worker that
         │                                                     dies is replaced and its task retried
         ├─► TaskFinished / TaskFailed(key=…) events           (same key, ``attempts`` + 1)
         └─► WorkersPublisher ─► WorkersReport (≤ 1/s) from ``workers()``

Identity is the caller's ``key`` (any picklable hashable: ("file", 3), ("segment", 0)): a result is
matched to its task by key, never by parsing the display ``label``. A task's exception is a result
(``ok=False``): ``error_type`` is the exception's class name, ``reason`` its plain message.

The interface is shaped like ``concurrent.futures`` / ``dask.distributed.Client`` (submit, results
as they complete, cancel, shutdown, a context manager), so a distributed executor can implement it.
"""

from __future__ import annotations

import socket
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.coded_errors import inner
from engine.context import Cancelled, JobContext
from engine.status import StatusSink, TaskFailed, TaskFinished, WorkerInfo, WorkersReport

#: ``TaskResult.error_type`` of a task whose worker died on every attempt (no exception was raised).
WORKER_DIED = "WorkerDied"

#: ``WorkersReport`` at most this often per executor.
WORKERS_REPORT_INTERVAL_S = 1.0


@dataclass(frozen=True)
class TaskSpec:
    """One task as the caller describes it: its key, what the task function gets, a display label."""

    key: Hashable
    payload: Any
    label: str | None = None


@dataclass(frozen=True)
class TaskResult:
    """What became of one task: a value, or why it failed (``error_type``: the exception class name)."""

    key: Hashable
    label: str
    ok: bool
    value: Any = None
    reason: str = ""
    error_type: str = ""
    traceback: str = ""
    attempts: int = 1
    worker: str = ""
    seconds: float = 0.0
    #: ``reason`` as a code and params (engine/coded_errors.py); "" when it has none.
    code: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def error(self) -> str:
        """'ValueError: bad cell': type and message in one line, for a log or a report."""
        return (
            f"{self.error_type}: {self.reason}" if self.error_type and self.error_type != WORKER_DIED else self.reason
        )

    def finished_event(self, job: str, summary: dict[str, Any], task: str | None = None) -> TaskFinished:
        """The TaskFinished a watcher of ``job`` gets for this result (same key; ``task``: the name
        shown for it, this result's label when None)."""
        return TaskFinished(
            job, task or self.label, self.worker, time.time(), self.seconds, summary, self.attempts, key=self.key
        )

    def coded(self, reason: str) -> dict[str, Any]:
        """``code`` and ``params`` for an event whose reason is ``reason``: this result's own when
        ``reason`` is its coded text; "Type: reason" (``error``) as an exception with its reason
        inside; none for any other text (they would describe another message)."""
        if self.code and reason == self.reason:
            return {"code": self.code, "params": dict(self.params)}
        if reason == self.error != self.reason:
            detail = inner("detail", self.reason, self.code, self.params)
            return {"code": "exception_text", "params": {"exception": self.error_type, **detail}}
        return {}

    def failed_event(
        self,
        job: str,
        reason: str,
        summary: dict[str, Any] | None = None,
        task: str | None = None,
        coded: Mapping[str, Any] | None = None,
    ) -> TaskFailed:
        """The TaskFailed for this result, with ``reason`` as the one line a person reads (``task`` as
        in ``finished_event``); ``coded``: ``reason``'s ``code`` and ``params`` when the caller said it
        by a code of its own ("output not written: …"), else this result's when ``reason`` is its text."""
        return TaskFailed(
            job,
            task or self.label,
            self.worker,
            time.time(),
            reason,
            self.traceback,
            self.attempts,
            summary or {},
            self.key,
            **(dict(coded) if coded is not None else self.coded(reason)),
        )


OnWait = Callable[[], None]


class Executor(ABC):
    """Runs a job's tasks on workers; results come back in completion order.

    ``on_wait`` (``map_unordered``, ``results``) is called whenever the executor has waited up to
    ``poll_s`` for results, so a coordinator can publish status while a long task runs.
    Leaving the context manager shuts the workers down, cancelling running tasks on an exception.
    """

    #: "local", "dask": goes into ``WorkersReport.executor``.
    kind: str = "local"

    def __init__(self, fn: Callable[[Any], Any], ctx: JobContext, stage: str) -> None:
        self.fn = fn
        self.ctx = ctx
        #: What the workers report as their stage (and, locally, the prefix of their names).
        self.stage = stage
        #: Tasks submitted but not dispatched yet, oldest first (each implementation's own task record).
        self._pending: deque = deque()
        #: Set by ``cancel``: a ``map_unordered`` being iterated pulls nothing more from its source.
        self._source_cancelled = False
        #: Set by ``shutdown``, which runs once.
        self._closed = False

    def _next_pending(self, source: Iterator[TaskSpec], exhausted: bool) -> tuple[Any, bool]:
        """The next task to dispatch and whether ``source`` is now exhausted: a task queued by
        ``submit`` first, else one spec pulled from ``source`` — only when there is room for it,
        which is the back-pressure on a huge iterable. (None, exhausted) when there is none."""
        if not self._pending and not exhausted:
            try:
                spec = next(source)
            except StopIteration:
                exhausted = True
            else:
                self.submit(spec.key, spec.payload, spec.label)
        return (self._pending.popleft() if self._pending else None), exhausted

    @abstractmethod
    def submit(self, key: Hashable, payload: Any, label: str | None = None) -> None:
        """Queue one task; its result comes out of the ``results``/``map_unordered`` being iterated."""

    def map_unordered(
        self, tasks: Iterable[TaskSpec], poll_s: float = 0.2, on_wait: OnWait | None = None
    ) -> Iterator[TaskResult]:
        """Run ``tasks`` (pulled lazily, only when a worker is free) and yield their results as they
        complete, together with those of tasks submitted meanwhile, until none is left."""
        return self._drive(iter(tasks), poll_s, on_wait)

    def results(self, poll_s: float = 0.2, on_wait: OnWait | None = None) -> Iterator[TaskResult]:
        """Yield results of submitted tasks as they complete, until none is pending or running."""
        return self._drive(iter(()), poll_s, on_wait)

    def _drive(self, source: Iterator[TaskSpec], poll_s: float, on_wait: OnWait | None) -> Iterator[TaskResult]:
        """Dispatch pending tasks and specs pulled from ``source`` (see ``_next_pending``) while
        workers have room; yield results as they complete until nothing is pending or running.

        A stopped job cancels everything and raises ``Cancelled``; after ``cancel`` nothing more is
        pulled from ``source`` and the loop ends once the results already in hand are out."""
        self._source_cancelled = False
        exhausted = False
        while True:
            if self.ctx.stop_requested():
                self.shutdown(cancel=True)
                raise Cancelled()
            exhausted = self._fill(source, exhausted)
            if exhausted and not self._pending and self.in_flight == 0:
                return
            for result in self._collect(poll_s):
                yield result
                # The caller has handled the result (and submitted what it made due, which goes
                # first): the worker it freed gets its next task now, not after the other results
                # and ``on_wait`` (a report rewrite took 5-15 ms of that worker's time).
                if not self.ctx.stop_requested():
                    exhausted = self._fill(source, exhausted)
            if on_wait is not None:
                on_wait()

    def _fill(self, source: Iterator[TaskSpec], exhausted: bool) -> bool:
        """Dispatch pending tasks, then specs pulled from ``source``, while a worker has room;
        returns whether ``source`` is exhausted (or cancelled). Raises what ``_before_dispatch`` raises."""
        self._before_dispatch()
        exhausted = exhausted or self._source_cancelled
        while self._has_room():  # only then is the source pulled: back-pressure on the iterable
            task, exhausted = self._next_pending(source, exhausted)
            if task is None:
                break
            self._dispatch(task)
        return exhausted

    @abstractmethod
    def _before_dispatch(self) -> None:
        """Make sure tasks can be dispatched (start the workers), or raise why they cannot."""

    @abstractmethod
    def _has_room(self) -> bool:
        """Whether a worker can take one more task now."""

    @abstractmethod
    def _dispatch(self, task: Any) -> None:
        """Hand one task (from ``_pending``) to a worker that has room."""

    @abstractmethod
    def _collect(self, timeout: float) -> Iterator[TaskResult]:
        """The results that came in, waiting up to ``timeout`` for the first one."""

    @property
    @abstractmethod
    def in_flight(self) -> int:
        """How many tasks are on the workers now."""

    @abstractmethod
    def cancel(self) -> list[Hashable]:
        """Drop the pending tasks and stop the running ones (no result comes for any of them);
        returns their keys. The executor stays usable."""

    @abstractmethod
    def shutdown(self, cancel: bool = False) -> None:
        """Stop every worker (running tasks finish first unless ``cancel``); idempotent."""

    @abstractmethod
    def workers(self) -> list[WorkerInfo]:
        """The workers now: name, pid, host, state, current task and resource use."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.shutdown(cancel=exc_type is not None)


class WorkersPublisher:
    """Sends an executor's ``workers()`` as a ``WorkersReport`` at most once per ``interval_s``.

    Pass ``publish`` as the ``on_wait`` of ``map_unordered`` and call it after each result; the
    report goes out snapshot-style (never blocks, droppable: the next one is a whole picture).
    The first report goes out at once, before any task: a run shorter than ``interval_s`` (or one
    whose worker dies in its first second) still shows the workers it started with.
    """

    def __init__(
        self, executor: Executor, sink: StatusSink, job: str, interval_s: float = WORKERS_REPORT_INTERVAL_S
    ) -> None:
        self.executor = executor
        self.sink = sink
        self.job = job
        self.interval_s = interval_s
        self._last = float("-inf")
        self.sent = 0
        #: The most workers one report listed: what a run's summary says it ran on (a ``local:1``
        #: cluster is 1 worker, whatever the form's local worker count says).
        self.most_workers = 0
        self.publish()

    def publish(self, force: bool = False) -> bool:
        now = time.monotonic()
        if not force and now - self._last < self.interval_s:
            return False
        self._last = now
        workers = tuple(self.executor.workers())
        self.most_workers = max(self.most_workers, len(workers))
        report = WorkersReport(job=self.job, t=time.time(), executor=self.executor.kind, workers=workers)
        sent = self.sink.send_snapshot(report)
        self.sent += int(sent)
        return sent


def local_host() -> str:
    return socket.gethostname()
