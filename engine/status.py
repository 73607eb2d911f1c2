"""The status protocol: what engine processes tell whoever watches them (the GUI or the CLI).

Data flow::

    pool worker / supervised process                     job coordinator (or the Supervisor's owner)
    ──StatusReporter.tick()──► own Pipe ──relay (engine/status_pipe.py)──┐
    coordinator ──StatusReporter.tick()─────────────────────────────────┴─► status Queue ──drain──►
        (cumulative counters, ≤ 10 snapshots/s)        (bounded; a full queue drops a     GUI view-models
                                                        snapshot, never blocks the work)  / CLI progress

Two kinds of message, all frozen dataclasses so they pickle cheaply and cannot be mutated on the way:

* Snapshot-like (``Snapshot``, ``WorkersReport``): ``send_snapshot`` never blocks; a full queue drops
  one. ``Snapshot`` counters are cumulative, so a dropped one loses nothing: the next carries the
  totals, and rates are derived from differences. A ``WorkersReport`` is a whole picture of an
  executor's workers, so the next one replaces a lost one.
* Events (``JobStarted``, ``JobFinished``, ``TaskFinished``, ``TaskFailed``, ``ProcessStarted``,
  ``WorkerExited``, ``LogLine``): rare; ``send_event`` waits for room in the queue, but only up to
  ``StatusSink.event_timeout_s`` (30 s): after that the event is dropped rather than hang the job
  on a watcher that is gone or stuck.

Consumers ignore message types they do not know (so the protocol can grow).
"""

from __future__ import annotations

import os
import queue
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.coded_errors import english

#: At most this many snapshots per second per reporter.
DEFAULT_SNAPSHOT_INTERVAL_S = 0.1


@dataclass(frozen=True)
class Snapshot:
    """Cumulative counters of one worker of one stage of one job, at wall time ``t``."""

    job: str
    stage: str
    worker: str
    pid: int
    t: float
    items_in: int = 0
    items_out: int = 0
    errors: int = 0
    bytes: int = 0
    busy_s: float = 0.0
    current: str = ""
    queue_depth: int | None = None
    queue_bound: int | None = None
    counters: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class JobStarted:
    job: str
    t: float
    params: Mapping[str, Any] = field(default_factory=dict)
    total_tasks: int | None = None


@dataclass(frozen=True)
class JobFinished:
    job: str
    t: float
    ok: bool
    summary: Mapping[str, Any] = field(default_factory=dict)
    error: str = ""
    cancelled: bool = False
    #: ``error`` as a code and params (engine/coded_errors.py: "stopped", "disk_fault", …), so a
    #: viewer can show it in its own language; "" when the error has no code.
    code: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskFinished:
    """One task (a file, a shard) completed; ``summary`` holds its counts (rows in/out, drops…)."""

    job: str
    task: str
    worker: str
    t: float
    seconds: float
    summary: Mapping[str, Any] = field(default_factory=dict)
    attempts: int = 1
    #: The caller's key of the task (e.g. ("file", 3)): what a watcher matches on, never the label.
    key: Any = None


@dataclass(frozen=True)
class TaskFailed:
    """One task failed: ``reason`` is the one-line cause a person reads, ``traceback`` the detail."""

    job: str
    task: str
    worker: str
    t: float
    reason: str
    traceback: str = ""
    attempts: int = 1
    summary: Mapping[str, Any] = field(default_factory=dict)
    #: The caller's key of the task, as in ``TaskFinished``.
    key: Any = None
    #: ``reason`` as a code and params (engine/coded_errors.py), "" when it has none.
    code: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProcessStarted:
    """An engine process announces itself, so the process table can watch every pid of a job."""

    job: str
    role: str
    pid: int
    t: float
    parent_pid: int = 0


@dataclass(frozen=True)
class WorkerExited:
    """A process ended. ``expected`` is False when it died on its own (crash, kill, OOM).

    ``exitcode`` None: a Dask worker the scheduler saw leave (``role`` "dask worker tcp://…", ``pid``
    on its own host, 0 when not known yet): engine/cluster/worker_events.py."""

    job: str
    role: str
    pid: int
    t: float
    exitcode: int | None
    expected: bool

    @property
    def signal(self) -> int | None:
        return -self.exitcode if self.exitcode is not None and self.exitcode < 0 else None

    def as_params(self) -> dict[str, Any]:
        """How it ended, as the params of a coded message: ``exited`` (``describe()``) and the fields
        a window needs to say it in its own language."""
        return {
            "exited": self.describe(),
            "role": self.role,
            "pid": self.pid,
            "exitcode": self.exitcode,
            "expected": self.expected,
        }

    def describe(self) -> str:
        if self.exitcode is None:  # a Dask worker: the scheduler saw it go, no exit code to tell
            who = f"{self.role} (pid {self.pid})" if self.pid else self.role
            return f"{who} {'left' if self.expected else 'died'}"
        if self.signal is not None:
            import signal as _signal

            try:
                name = _signal.Signals(self.signal).name
            except ValueError:
                name = f"signal {self.signal}"
            return f"{self.role} (pid {self.pid}) killed by {name}"
        return f"{self.role} (pid {self.pid}) exited with code {self.exitcode}"


@dataclass(frozen=True)
class LogLine:
    job: str
    level: str  # "info" | "warning" | "error"
    text: str
    t: float
    #: ``text`` as a code and params (engine/coded_errors.py), "" when it has none.
    code: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WorkerInfo:
    """One worker of an executor as its owner sees it now (``state``: idle, busy, starting, dead)."""

    name: str
    pid: int | None
    host: str
    state: str
    current: str = ""
    cpu_percent: float | None = None
    rss_bytes: int | None = None
    threads: int | None = None


@dataclass(frozen=True)
class WorkersReport:
    """Snapshot-like (droppable): the workers of one executor, at most once a second."""

    job: str
    t: float
    executor: str  # "local" (a later "dask")
    workers: tuple[WorkerInfo, ...] = ()


Event = JobStarted | JobFinished | TaskFinished | TaskFailed | ProcessStarted | WorkerExited | LogLine
StatusMessage = Snapshot | WorkersReport | Event


def describe_exitcode(exitcode: int | None) -> str:
    """'signal 9 (SIGKILL)' / 'exit code 3' for a ``Process.exitcode``."""
    if exitcode is None:
        return "still running"
    if exitcode < 0:
        import signal as _signal

        try:
            return f"signal {-exitcode} ({_signal.Signals(-exitcode).name})"
        except ValueError:
            return f"signal {-exitcode}"
    return f"exit code {exitcode}"


def format_exception(exc: BaseException) -> tuple[str, str]:
    """(one-line reason, full text traceback) for an exception, picklable as plain text."""
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return reason, "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


class StatusSink:
    """Where messages go: a multiprocessing queue (or anything with ``put``), or nowhere.

    ``send_snapshot`` never blocks (a full queue drops it: the next cumulative snapshot repairs the
    loss); ``send_event`` waits for room, up to ``event_timeout_s``, then drops the event (counted in
    ``dropped_events``): a watcher that has not read for that long is gone or stuck, and the job must
    not hang on it.
    """

    def __init__(self, q: Any | None, event_timeout_s: float = 30.0) -> None:
        self.queue = q
        self.event_timeout_s = event_timeout_s
        self.dropped_snapshots = 0
        self.dropped_events = 0

    def send_snapshot(self, snap: Snapshot | WorkersReport) -> bool:
        if self.queue is None:
            return False
        try:
            self.queue.put_nowait(snap)
            return True
        except queue.Full:
            self.dropped_snapshots += 1
            return False
        except (ValueError, OSError, AssertionError):  # queue closed under us at shutdown
            return False

    def send_event(self, event: Event) -> None:
        if self.queue is None:
            return
        try:
            self.queue.put(event, timeout=self.event_timeout_s)
        except queue.Full:
            # The watcher is gone or stuck for far longer than any event burst: do not hang the job.
            self.dropped_events += 1
        except (ValueError, OSError, AssertionError):
            pass

    def log(self, job: str, text: str, level: str = "info") -> None:
        self.send_event(LogLine(job=job, level=level, text=text, t=time.time()))

    def log_coded(self, job: str, level: str, code: str, **params: Any) -> None:
        """A log line whose text is ``english(code, params)``: a window shows it in its language."""
        self.send_event(
            LogLine(job=job, level=level, text=english(code, params), t=time.time(), code=code, params=params)
        )


@dataclass(eq=False)
class StatusReporter:
    """Cumulative counters of one worker, sent as rate-limited snapshots.

    Call ``add``/``set_current`` as work happens (cheap: a few attribute updates) and ``tick()``
    often; ``tick`` sends a snapshot only when ``interval_s`` has passed since the last one.
    ``flush()`` sends one now (at the end of a task or of the process).
    """

    sink: StatusSink
    job: str
    stage: str
    worker: str
    interval_s: float = DEFAULT_SNAPSHOT_INTERVAL_S
    pid: int = field(default_factory=os.getpid, init=False)
    items_in: int = field(default=0, init=False)
    items_out: int = field(default=0, init=False)
    errors: int = field(default=0, init=False)
    bytes: int = field(default=0, init=False)
    busy_s: float = field(default=0.0, init=False)
    current: str = field(default="", init=False)
    queue_depth: int | None = field(default=None, init=False)
    queue_bound: int | None = field(default=None, init=False)
    counters: dict[str, float] = field(default_factory=dict, init=False)
    snapshots_sent: int = field(default=0, init=False)
    _busy_since: float | None = field(default=None, init=False)
    _last_sent: float = field(default=0.0, init=False)

    # -- recording -------------------------------------------------------------------------
    def add(self, items_in: int = 0, items_out: int = 0, errors: int = 0, nbytes: int = 0, **counters: float) -> None:
        self.items_in += items_in
        self.items_out += items_out
        self.errors += errors
        self.bytes += nbytes
        for key, value in counters.items():
            self.counters[key] = self.counters.get(key, 0) + value

    def set_counter(self, key: str, value: float) -> None:
        """Set a gauge-like counter (a total, a phase number) rather than adding to it."""
        self.counters[key] = value

    def set_queue(self, depth: int | None, bound: int | None = None) -> None:
        self.queue_depth = depth
        self.queue_bound = bound

    def begin(self, current: str) -> None:
        """The worker starts on ``current`` (busy time counts from now)."""
        self.current = current
        if self._busy_since is None:
            self._busy_since = time.perf_counter()

    def end(self) -> None:
        """The worker is idle again."""
        if self._busy_since is not None:
            self.busy_s += time.perf_counter() - self._busy_since
            self._busy_since = None
        self.current = ""

    # -- sending ---------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        busy = self.busy_s
        if self._busy_since is not None:
            busy += time.perf_counter() - self._busy_since
        return Snapshot(
            job=self.job,
            stage=self.stage,
            worker=self.worker,
            pid=self.pid,
            t=time.time(),
            items_in=self.items_in,
            items_out=self.items_out,
            errors=self.errors,
            bytes=self.bytes,
            busy_s=busy,
            current=self.current,
            queue_depth=self.queue_depth,
            queue_bound=self.queue_bound,
            counters=dict(self.counters),
        )

    def tick(self) -> bool:
        """Send a snapshot if the interval has passed; returns whether one was sent."""
        now = time.monotonic()
        if now - self._last_sent < self.interval_s:
            return False
        return self.flush(now)

    def flush(self, now: float | None = None) -> bool:
        self._last_sent = time.monotonic() if now is None else now
        sent = self.sink.send_snapshot(self.snapshot())
        self.snapshots_sent += int(sent)
        return sent
