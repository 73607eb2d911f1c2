"""The GUI's one reader of the status queue.

Data flow::

    engine processes ──► status Queue (bounded) ──► StatusPoller: QTimer every 100 ms
                                                     └─ drain for ≤ budget_ms with get_nowait()
                                                        ├─ job listeners  (panels' JobMonitors)
                                                        ├─ global listeners (Processes, Log)
                                                        └─ tick hooks (supervisor polls)

The event loop never blocks here: only non-blocking gets, and a time box per tick so a burst of
messages is spread over several ticks instead of freezing the window. The poller also measures how
late its own ticks fire (tick lag), which is what a person feels as a sluggish UI.
"""

from __future__ import annotations

import queue
import time
from collections import deque
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal

from engine.context import SPAWN

Listener = Callable[[Any], None]


class StatusPoller(QObject):
    lag_changed = Signal(float, float)  # recent mean lag ms, recent max lag ms

    def __init__(self, interval_ms: int = 100, budget_ms: float = 8.0, maxsize: int = 20000,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.queue = SPAWN.Queue(maxsize=maxsize)
        self.interval_ms = interval_ms
        self.budget_s = budget_ms / 1000.0
        self._job_listeners: dict[str, list[Listener]] = {}
        self._global_listeners: list[Listener] = []
        self._tick_hooks: list[Callable[[], None]] = []
        self._lags_ms: deque[float] = deque(maxlen=50)
        self._last_tick: float | None = None
        self.messages_total = 0
        self.last_drain_ms = 0.0
        self.backlog_ticks = 0  # ticks that ended with messages still waiting
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_tick)

    # -- wiring ----------------------------------------------------------------------------
    def start(self) -> None:
        self._last_tick = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

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
            self._lags_ms.append(max(0.0, (now - self._last_tick) * 1000.0 - self.interval_ms))
        self._last_tick = now
        self.drain(self.budget_s)
        for hook in list(self._tick_hooks):
            hook()
        self.lag_changed.emit(*self.lag_ms)

    def drain(self, budget_s: float) -> int:
        """Dispatch waiting messages until the queue is empty or ``budget_s`` is spent."""
        start = time.perf_counter()
        deadline = start + budget_s
        handled = 0
        while time.perf_counter() < deadline:
            try:
                message = self.queue.get_nowait()
            except queue.Empty:
                break
            except (EOFError, OSError, ValueError):
                break
            handled += 1
            self._dispatch(message)
        else:
            self.backlog_ticks += 1
        self.messages_total += handled
        self.last_drain_ms = (time.perf_counter() - start) * 1000.0
        return handled

    def _dispatch(self, message: Any) -> None:
        for listener in self._job_listeners.get(getattr(message, "job", ""), ()):
            listener(message)
        for listener in self._global_listeners:
            listener(message)

    def close(self) -> None:
        self.stop()
        self.queue.close()
        self.queue.cancel_join_thread()
