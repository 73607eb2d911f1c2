"""The batcher: dynamic batching with a real deadline, live retuning and a flush on shutdown.

Data flow::

    receivers ──[(id, features, deadline), …]──► batcher_in ──► Batcher ──Batch──► predictor_in
                                                   │ flush when
                                                   │  • it holds max_batch items (inclusive) → "size"
                                                   │  • the OLDEST item has waited max_delay → "deadline"
                                                   │  • END_OF_STREAM arrives                 → "shutdown"
                                                   └ BatchControl (shared values): retuned every loop

The deadline is checked on a clock, not on arrivals: the loop's wait on the input is timed to the
oldest item's deadline, so with no further traffic a partial batch still leaves on time.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any, Iterable

from engine.context import JobContext, parent_alive
from engine.pipeline.config import PipelineConfig
from engine.pipeline.hops import put, take
from engine.pipeline.messages import FLUSH_DEADLINE, FLUSH_SHUTDOWN, FLUSH_SIZE, is_end, make_batch
from engine.pipeline.stage import PipelineWiring, stage_setup

#: Longest single wait, so a live retune or an orphaned batcher is noticed quickly.
MAX_IDLE_WAIT_S = 0.1


class Batcher:
    """The batching decision, free of processes and queues (the loop below drives it)."""

    def __init__(self, max_batch: int, max_delay_s: float) -> None:
        self.max_batch = max_batch
        self.max_delay_s = max_delay_s
        self._pending: deque[tuple[float, Any]] = deque()

    def __len__(self) -> int:
        return len(self._pending)

    def retune(self, max_batch: int, max_delay_s: float) -> None:
        """New limits apply to what is already waiting, at the next ``due`` check."""
        self.max_batch = max(1, int(max_batch))
        self.max_delay_s = max(0.0, float(max_delay_s))

    def add(self, items: Iterable[Any], now: float) -> None:
        self._pending.extend((now, item) for item in items)

    def oldest_wait_s(self, now: float) -> float:
        return now - self._pending[0][0] if self._pending else 0.0

    def due(self, now: float) -> str | None:
        """Why a batch should leave now (``"size"`` / ``"deadline"``), or None."""
        if len(self._pending) >= self.max_batch:
            return FLUSH_SIZE
        if self._pending and self.oldest_wait_s(now) >= self.max_delay_s:
            return FLUSH_DEADLINE
        return None

    def wait_s(self, now: float) -> float | None:
        """Seconds until the oldest item's deadline (0 when past), None when empty."""
        if not self._pending:
            return None
        return max(0.0, self.max_delay_s - self.oldest_wait_s(now))

    def take(self) -> list[Any]:
        """The oldest ``max_batch`` items (or all, if fewer)."""
        count = min(self.max_batch, len(self._pending))
        return [self._pending.popleft()[1] for _ in range(count)]

    def drain(self) -> list[list[Any]]:
        """Everything still waiting, as batches of at most ``max_batch`` (shutdown)."""
        batches = []
        while self._pending:
            batches.append(self.take())
        return batches

    def pending_items(self) -> list[Any]:
        return [item for _, item in self._pending]


def batcher_main(ctx: JobContext, config: PipelineConfig, wiring: PipelineWiring) -> None:
    """Process target of the batcher; flushes what it holds and ends on END_OF_STREAM."""
    stage_setup(ctx, "batcher")
    inbox = wiring.batcher_in
    slot = wiring.slots["batcher"]
    control = wiring.control
    reporter = ctx.reporter("batcher", "0")
    batcher = Batcher(control.max_batch, control.max_delay_ms / 1000.0)
    batch_ids = iter(range(1, 1 << 62))

    def flush(items: list[Any], reason: str) -> None:
        batch_id = next(batch_ids)
        if put(wiring.predictor_in, make_batch(batch_id, reason, items), parent_alive):
            reporter.add(items_out=len(items), batches=1, batch_items=len(items), **{f"flush_{reason}": 1})
            reporter.set_counter("last_batch_size", len(items))
        slot.set(item[0] for item in batcher.pending_items())

    while True:
        batcher.retune(control.max_batch, control.max_delay_ms / 1000.0)
        now = time.monotonic()
        reason = batcher.due(now)
        if reason is not None:
            flush(batcher.take(), reason)
            continue
        reporter.set_queue(inbox.depth(), inbox.maxsize)
        reporter.set_counter("waiting_items", len(batcher))
        reporter.set_counter("oldest_wait_ms", batcher.oldest_wait_s(now) * 1000.0)
        reporter.set_counter("max_batch", batcher.max_batch)
        reporter.set_counter("max_delay_ms", batcher.max_delay_s * 1000.0)
        reporter.tick()
        wait = batcher.wait_s(now)
        message = take(inbox, MAX_IDLE_WAIT_S if wait is None else min(MAX_IDLE_WAIT_S, wait))
        if message is None:
            if not parent_alive():
                break
            continue
        if is_end(message):
            for items in batcher.drain():
                flush(items, FLUSH_SHUTDOWN)
            break
        reporter.begin("batching")
        batcher.add(message, time.monotonic())
        reporter.add(items_in=len(message))
        reporter.end()
        slot.set(item[0] for item in batcher.pending_items())
    slot.clear()
    reporter.flush()
