"""The GUI's one reader of the status queues, and its one timer.

Data flow::

    engine processes ──► a status Queue per run (bounded) ──► StatusPoller: QTimer every 100 ms
                                                     └─ drain for ≤ budget_ms with get_nowait()
                                                        ├─ job listeners  (each run's RunMonitor)
                                                        ├─ global listeners (Processes, Log)
                                                        └─ tick hooks (RunController: supervisor poll,
                                                           progress update, visible views refreshed)

The hops of one status message from a worker to a chart, on the GUI side: (1) the tick drains it
into the run's RunMonitor; (2) in the same tick the run's RunController updates the job's progress
model, which appends the chart histories; (3) still in the same tick, a visible panel whose last
refresh is older than its interval hands the histories to the curves. One timer, no dirty flag
passed between timers.

The event loop never blocks here: only non-blocking gets, and a time box per tick so a burst of
messages is spread over several ticks instead of freezing the window.

Every job run, the load generator's included, gets a status queue of its own (``new_run_queue``,
through its RunController): a process of one run killed while writing its queue (which can leave
the queue's write lock held) can never silence the other runs. A run's queue is retired when the
run is over and removed once drained. The poller also measures how late its own ticks fire (tick
lag), which is what a person feels as a sluggish UI.

Per-tick budget of the GUI thread (``TICK_BUDGET_MS``, 25 ms of each 100 ms, so that painting and
input always have most of the interval, even when the scheduler hands the window only part of a
core): draining ≤ ``budget_ms`` (8 ms, a hard time box; what is left waits for the next tick);
each run's hook ≤ 1 ms when no view refreshes (the supervisor's poll reads sentinels and pipes
only; its look for descendants runs on a thread); a visible panel's refresh, at most every 250 ms,
≤ ~12 ms with its charts' ``setData`` (charts step their axes instead of autoranging and paint
their axes from a cache; the stage diagram repaints only on change; the process table reads psutil
on a thread and rewrites only changed cells). ``last_tick_ms`` is what the latest tick cost and
``over_budget_ticks`` counts ticks beyond the budget; benchmarks/bench_gui_lag.py prints both.
Jobs run at background priority (engine/priority.py), so the window gets a core when it asks.
"""

from __future__ import annotations

import multiprocessing.queues
import multiprocessing.synchronize
import queue
import time
from collections import deque
from collections.abc import Callable
from multiprocessing import resource_tracker
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from engine.context import SPAWN

Listener = Callable[[Any], None]

#: What one tick (drain + hooks, painting excluded) may cost the GUI thread; see the module docstring.
TICK_BUDGET_MS = 25.0


class StatusPoller(QObject):
    lag_changed = Signal(float, float)  # recent mean lag ms, recent max lag ms

    def __init__(
        self, interval_ms: int = 100, budget_ms: float = 8.0, maxsize: int = 20000, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.maxsize = maxsize
        self._queues: list[Any] = []
        self._retiring: set[int] = set()
        self.interval_ms = interval_ms
        self.budget_s = budget_ms / 1000.0
        self._job_listeners: dict[str, list[Listener]] = {}
        self._global_listeners: list[Listener] = []
        self._tick_hooks: list[Callable[[], None]] = []
        self._lags_ms: deque[float] = deque(maxlen=50)
        self._last_tick: float | None = None
        self.messages_total = 0
        self.last_lag_ms = 0.0  # how late the latest tick fired
        self.last_tick_ms = 0.0  # what the latest tick cost the GUI thread (drain + hooks)
        self.last_drain_ms = 0.0
        self.backlog_ticks = 0  # ticks that ended with messages still waiting
        self.over_budget_ticks = 0  # ticks that cost more than TICK_BUDGET_MS
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_tick)

    # -- wiring ----------------------------------------------------------------------------
    def start(self) -> None:
        # What the first run queue would otherwise cost the first Start's click (issue 16): the
        # modules multiprocessing imports on first use (imported above) and the resource tracker,
        # a process every queue's locks register with, started by the first lock.
        resource_tracker.ensure_running()
        self._last_tick = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def new_run_queue(self) -> multiprocessing.queues.Queue:
        """A fresh status queue for one job run, drained with the others until retired."""
        q = SPAWN.Queue(maxsize=self.maxsize)
        self._queues.append(q)
        return q

    def drain_queue(self, q: Any, budget_s: float = 0.05) -> int:
        """Dispatch what ``q`` holds now (a finished run's last messages), within ``budget_s``."""
        deadline = time.perf_counter() + budget_s
        handled = 0
        while time.perf_counter() < deadline:
            try:
                message = q.get_nowait()
            except (queue.Empty, EOFError, OSError, ValueError):
                break
            handled += 1
            self._dispatch(message)
        self.messages_total += handled
        return handled

    def retire_queue(self, q: Any) -> None:
        """The run is over: drain what is left in ``q``, then drop it."""
        if any(q is x for x in self._queues):
            self._retiring.add(id(q))

    def subscribe(self, job_id: str, listener: Listener) -> None:
        self._job_listeners.setdefault(job_id, []).append(listener)

    def unsubscribe(self, job_id: str) -> None:
        self._job_listeners.pop(job_id, None)

    def add_global_listener(self, listener: Listener) -> None:
        self._global_listeners.append(listener)

    def add_tick_hook(self, hook: Callable[[], None]) -> None:
        self._tick_hooks.append(hook)

    # -- the tick --------------------------------------------------------------------------
    @property
    def lag_ms(self) -> tuple[float, float]:
        if not self._lags_ms:
            return 0.0, 0.0
        return sum(self._lags_ms) / len(self._lags_ms), max(self._lags_ms)

    def _on_tick(self) -> None:
        now = time.perf_counter()
        if self._last_tick is not None:
            self.last_lag_ms = max(0.0, (now - self._last_tick) * 1000.0 - self.interval_ms)
            self._lags_ms.append(self.last_lag_ms)
        self._last_tick = now
        self.drain(self.budget_s)
        for hook in list(self._tick_hooks):
            hook()
        self.lag_changed.emit(*self.lag_ms)
        self.last_tick_ms = (time.perf_counter() - now) * 1000.0
        if self.last_tick_ms > TICK_BUDGET_MS:
            self.over_budget_ticks += 1

    def drain(self, budget_s: float) -> int:
        """Dispatch waiting messages until the queue is empty or ``budget_s`` is spent."""
        start = time.perf_counter()
        deadline = start + budget_s
        handled = 0
        active = list(self._queues)
        while active:
            if time.perf_counter() >= deadline:
                self.backlog_ticks += 1
                break
            for q in list(active):  # round-robin: one busy run cannot starve another
                try:
                    message = q.get_nowait()
                except (queue.Empty, EOFError, OSError, ValueError):
                    active.remove(q)
                    if id(q) in self._retiring:
                        self._drop(q)
                    continue
                handled += 1
                self._dispatch(message)
        self.messages_total += handled
        self.last_drain_ms = (time.perf_counter() - start) * 1000.0
        return handled

    def _dispatch(self, message: Any) -> None:
        for listener in self._job_listeners.get(getattr(message, "job", ""), ()):
            listener(message)
        for listener in self._global_listeners:
            listener(message)

    def _drop(self, q: Any) -> None:
        self._retiring.discard(id(q))
        self._queues = [x for x in self._queues if x is not q]
        q.close()
        q.cancel_join_thread()

    @property
    def queue_count(self) -> int:
        return len(self._queues)

    def close(self) -> None:
        self.stop()
        for q in list(self._queues):
            q.close()
            q.cancel_join_thread()
        self._queues = []
