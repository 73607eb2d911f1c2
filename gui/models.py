"""View-models: what the GUI knows about a job run, built only from status messages.

They hold no Qt objects, so they are cheap to test and cheap to update from the poller: handling a
message only stores it and marks the model dirty; views read the model at their own redraw rate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np

from engine.status import (
    JobFinished, JobStarted, LogLine, Snapshot, TaskFailed, TaskFinished, WorkerExited,
)


class RingSeries:
    """A fixed-size (t, value) history in preallocated numpy arrays (no growth, no copies on append)."""

    def __init__(self, capacity: int = 1200) -> None:
        self.capacity = capacity
        self._t = np.zeros(capacity)
        self._v = np.zeros(capacity)
        self._n = 0
        self._head = 0

    def append(self, t: float, value: float) -> None:
        self._t[self._head] = t
        self._v[self._head] = value
        self._head = (self._head + 1) % self.capacity
        self._n = min(self._n + 1, self.capacity)

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


class RateMeter:
    """Rate of a cumulative total, from differences over a sliding window (robust to dropped snapshots)."""

    def __init__(self, window_s: float = 3.0) -> None:
        self.window_s = window_s
        self._samples: list[tuple[float, float]] = []

    def add(self, t: float, total: float) -> None:
        if self._samples and total < self._samples[-1][1]:
            self._samples.clear()  # a restart of the counter (new run)
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
class JobMonitor:
    """Everything the GUI knows about one run of a job (job id = ``JobRun.job_id``)."""

    job_id: str
    started: JobStarted | None = None
    finished: JobFinished | None = None
    workers: dict[tuple[str, str], WorkerState] = field(default_factory=dict)
    task_done: list[TaskFinished] = field(default_factory=list)
    task_failed: list[TaskFailed] = field(default_factory=list)
    exits: list[WorkerExited] = field(default_factory=list)
    logs: list[LogLine] = field(default_factory=list)
    dirty: bool = True
    created: float = field(default_factory=time.time)
    on_event: list[Callable[[Any], None]] = field(default_factory=list)

    def handle(self, message: Any) -> None:
        self.dirty = True
        if isinstance(message, Snapshot):
            key = (message.stage, message.worker)
            state = self.workers.get(key)
            if state is None or state.pid != message.pid:
                first = message.t - message.busy_s if state is None else message.t
                self.workers[key] = WorkerState(message.stage, message.worker, message.pid, message,
                                                min(first, message.t))
            else:
                state.snapshot = message
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

    @property
    def running(self) -> bool:
        return self.finished is None

    def elapsed_s(self, now: float | None = None) -> float:
        start = self.started.t if self.started else self.created
        end = self.finished.t if self.finished else (now or time.time())
        return max(0.0, end - start)


def format_eta(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "–"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_count(value: float) -> str:
    return f"{value:,.0f}"


def format_rate(value: float, unit: str) -> str:
    if value >= 1e6:
        return f"{value / 1e6:.2f} M {unit}/s"
    if value >= 1e4:
        return f"{value / 1e3:.1f} k {unit}/s"
    return f"{value:,.0f} {unit}/s"
