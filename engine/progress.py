"""Progress of a job run, built only from status messages: the one model the GUI and the CLI read.

Data flow (GUI; the CLI's drain thread feeds a ``RunMonitor`` the same way)::

    status queue ──StatusPoller tick (100 ms, the GUI's one timer)
                   ├─ RunMonitor.handle(message)        stores the latest Snapshot per worker, events
                   ├─ ProgressTracker.update(monitor)   → a frozen <Job>Progress (named fields) and
                   │                                      chart histories (RingSeries) appended
                   └─ visible views, at most every refresh interval: read the Progress (bar, labels)
                      and hand the tracker's RingSeries to the curves (setData)

Every number a view shows has one source: the Progress of the latest update. A progress bar and a
chart of the same count both read that object (the chart through the history the tracker appended
from it), so they cannot disagree. Rates are differences of cumulative counters over *snapshot*
time (``Snapshot.t``, stamped by the process that counted), never over the clock of whoever
watches: a GUI that was busy for a second, or a burst of snapshots drained at once, does not bend
them. Nothing here imports Qt.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np

from engine.status import (
    JobFinished,
    JobStarted,
    LogLine,
    Snapshot,
    TaskFailed,
    TaskFinished,
    WorkerExited,
)


class RingSeries:
    """A fixed-size (t, value) history in preallocated numpy arrays (no growth, no copies on append).

    ``version`` changes on every append or clear, so a view can skip redrawing an unchanged series.
    """

    def __init__(self, capacity: int = 1200) -> None:
        self.capacity = capacity
        self._t = np.zeros(capacity)
        self._v = np.zeros(capacity)
        self._n = 0
        self._head = 0
        self.version = 0

    def append(self, t: float, value: float) -> None:
        self._t[self._head] = t
        self._v[self._head] = value
        self._head = (self._head + 1) % self.capacity
        self._n = min(self._n + 1, self.capacity)
        self.version += 1

    def __len__(self) -> int:
        return self._n

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(t, value) in time order (copies: safe to hand to a plot)."""
        if self._n < self.capacity:
            return self._t[: self._n].copy(), self._v[: self._n].copy()
        order = np.r_[self._head : self.capacity, 0 : self._head]
        return self._t[order], self._v[order]

    def last(self) -> float:
        return float(self._v[(self._head - 1) % self.capacity]) if self._n else 0.0

    def clear(self) -> None:
        self._n = 0
        self._head = 0
        self.version += 1


class RateMeter:
    """Rate of a cumulative total over a sliding window of *snapshot* time.

    Robust to dropped snapshots (the next total carries what the dropped one said), to repeated
    samples (a total at a time already seen adds nothing) and to a counter restart (a total below
    the previous one starts the window again).
    """

    def __init__(self, window_s: float = 3.0) -> None:
        self.window_s = window_s
        self._samples: list[tuple[float, float]] = []

    def add(self, t: float, total: float) -> None:
        if self._samples:
            last_t, last_total = self._samples[-1]
            if t <= last_t:
                return  # no newer word than what we have
            if total < last_total:
                self._samples.clear()  # the counter restarted (a new run, a replaced worker)
        self._samples.append((t, total))
        cutoff = t - self.window_s
        while len(self._samples) > 2 and self._samples[1][0] <= cutoff:
            self._samples.pop(0)

    def rate(self) -> float:
        if len(self._samples) < 2:
            return 0.0
        (t0, v0), (t1, v1) = self._samples[0], self._samples[-1]
        return (v1 - v0) / (t1 - t0) if t1 > t0 else 0.0


@dataclass
class WorkerState:
    """The latest word from one worker of one stage."""

    stage: str
    worker: str
    pid: int
    snapshot: Snapshot
    first_seen: float
    exited: WorkerExited | None = None

    @property
    def busy_share(self) -> float:
        elapsed = self.snapshot.t - self.first_seen
        return min(1.0, self.snapshot.busy_s / elapsed) if elapsed > 0.5 else 0.0

    @property
    def state(self) -> str:
        if self.exited is not None:
            return "died" if not self.exited.expected else "exited"
        return "busy" if self.snapshot.current else "idle"


@dataclass
class RunMonitor:
    """Everything said about one run of a job (job id = ``JobRun.job_id``): latest snapshot per
    worker, and the events. Message types it does not know are ignored (after ``on_event``)."""

    job_id: str
    started: JobStarted | None = None
    finished: JobFinished | None = None
    workers: dict[tuple[str, str], WorkerState] = field(default_factory=dict)
    task_done: list[TaskFinished] = field(default_factory=list)
    task_failed: list[TaskFailed] = field(default_factory=list)
    exits: list[WorkerExited] = field(default_factory=list)
    logs: list[LogLine] = field(default_factory=list)
    dirty: bool = True
    latest_t: float = 0.0  # newest Snapshot.t seen: the run's clock for rates
    on_event: list[Callable[[Any], None]] = field(default_factory=list)

    def handle(self, message: Any) -> None:
        self.dirty = True
        if isinstance(message, Snapshot):
            key = (message.stage, message.worker)
            state = self.workers.get(key)
            if state is None or state.pid != message.pid:
                first = message.t - message.busy_s if state is None else message.t
                self.workers[key] = WorkerState(
                    message.stage, message.worker, message.pid, message, min(first, message.t)
                )
            else:
                state.snapshot = message
            self.latest_t = max(self.latest_t, message.t)
            return
        if isinstance(message, JobStarted):
            self.started = message
        elif isinstance(message, JobFinished):
            self.finished = message
        elif isinstance(message, TaskFinished):
            self.task_done.append(message)
        elif isinstance(message, TaskFailed):
            self.task_failed.append(message)
        elif isinstance(message, WorkerExited):
            self.exits.append(message)
            for state in self.workers.values():
                if state.pid == message.pid:
                    state.exited = message
        elif isinstance(message, LogLine):
            self.logs.append(message)
        for callback in self.on_event:
            callback(message)

    # -- aggregates ----------------------------------------------------------------------------
    def snapshots(self, stage: str | None = None) -> Iterable[Snapshot]:
        return (w.snapshot for w in self.workers.values() if stage is None or w.stage == stage)

    def counter(self, name: str, stage: str | None = None) -> float:
        """Sum of a cumulative counter over every worker (of ``stage``)."""
        return sum(s.counters.get(name, 0) for s in self.snapshots(stage))

    def gauge(self, name: str, stage: str | None = None) -> float:
        """Largest value of a counter any worker reports (totals set by a coordinator)."""
        return max((s.counters.get(name, 0) for s in self.snapshots(stage)), default=0)

    def items(self, stage: str) -> tuple[int, int, int]:
        """(items_in, items_out, errors) of a stage, summed over its workers."""
        snaps = list(self.snapshots(stage))
        return (sum(s.items_in for s in snaps), sum(s.items_out for s in snaps), sum(s.errors for s in snaps))

    def stage_workers(self, stage: str) -> list[WorkerState]:
        return sorted((w for w in self.workers.values() if w.stage == stage), key=lambda w: w.worker)

    def worker(self, stage: str, name: str) -> WorkerState | None:
        return self.workers.get((stage, name))

    @property
    def running(self) -> bool:
        return self.finished is None

    def origin_t(self) -> float:
        """When the run started, by the engine's clock (the first snapshot's time before JobStarted)."""
        if self.started is not None:
            return self.started.t
        return min((w.first_seen for w in self.workers.values()), default=self.latest_t)

    def clock(self) -> float:
        """The run's "now": the newest snapshot, or the end once the run has finished."""
        return self.finished.t if self.finished is not None else self.latest_t

    def elapsed_s(self) -> float:
        """Run time by snapshot time (0 until the first snapshot)."""
        end = self.clock()
        return max(0.0, end - self.origin_t()) if end else 0.0


@dataclass(frozen=True)
class Bar:
    """What a progress bar shows: done of total in ``unit``, at ``rate_per_s``."""

    done: float
    total: float
    rate_per_s: float
    unit: str

    @property
    def eta_s(self) -> float | None:
        return eta_s(self.done, self.total, self.rate_per_s)


P = TypeVar("P")


class ProgressTracker(ABC, Generic[P]):
    """Turns a RunMonitor into a job's frozen Progress; keeps the rate meters and chart histories.

    ``update`` is cheap and runs on every poll (views need not be visible for the history to
    grow); a subclass implements ``compute`` and says in ``record`` which values make history.
    History points are taken while the run is running, at most once per ``record_interval_s`` of
    snapshot time, on the x axis of elapsed seconds (snapshot time since the run started), and once
    more when it has finished: a run shorter than a few intervals would otherwise leave only points
    taken before its rate meters had two samples (a flat zero for a run that did its work).
    """

    def __init__(self, capacity: int = 1200, record_interval_s: float = 0.25) -> None:
        self.capacity = capacity
        self.record_interval_s = record_interval_s
        self.latest: P | None = None
        self._meters: dict[str, RateMeter] = {}
        self._history: dict[str, dict[str, RingSeries]] = {}
        self._recorded_t = float("-inf")
        self._recorded_end = False

    def update(self, monitor: RunMonitor) -> P:
        progress = self.compute(monitor)
        self.latest = progress
        t = monitor.latest_t
        if monitor.running and monitor.workers and t >= self._recorded_t + self.record_interval_s:
            self._recorded_t = t
            self.record(progress, t - monitor.origin_t())
        elif monitor.finished is not None and monitor.workers and not self._recorded_end:
            self._recorded_end = True
            self.record(progress, monitor.elapsed_s())
        return progress

    @abstractmethod
    def compute(self, monitor: RunMonitor) -> P:
        """The job's typed progress from the monitor's latest snapshots (each job defines it)."""

    def record(self, progress: P, x: float) -> None:
        """Append the points of one moment to the chart histories (default: none)."""

    # -- helpers for subclasses ------------------------------------------------------------------
    def rate(self, name: str, t: float, total: float, window_s: float = 3.0) -> float:
        """Rate of the cumulative ``total`` (per second of snapshot time), kept under ``name``."""
        meter = self._meters.get(name)
        if meter is None:
            meter = self._meters[name] = RateMeter(window_s)
        if t <= 0:  # no snapshot yet (the monitor's clock starts at 0): not a moment to anchor a rate on
            return 0.0
        meter.add(t, total)
        return max(0.0, meter.rate())

    def series(self, chart: str, name: str) -> RingSeries:
        group = self._history.setdefault(chart, {})
        ring = group.get(name)
        if ring is None:
            ring = group[name] = RingSeries(self.capacity)
        return ring

    def history(self, chart: str) -> dict[str, RingSeries]:
        """The series of one chart, by name, in the order they first appeared (a live dict: series
        that appear later are added to it)."""
        return self._history.setdefault(chart, {})


def average_rate(done: float, seconds: float) -> float:
    return done / seconds if seconds > 0 else 0.0


def eta_s(done: float, total: float, rate: float) -> float | None:
    """Seconds left at ``rate``; 0 when done, None when unknown."""
    if total and done >= total:
        return 0.0
    return (total - done) / rate if rate > 0 and total > done else None
