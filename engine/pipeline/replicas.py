"""What the batcher knows about the predictor replicas: who is free, how long batches take.

Data flow (shared memory and one pipe, no lock anywhere)::

    predictor j ─ start(j, n) ─► busy_since[j], busy_items[j]          (only replica j writes its slots)
                ─ finish(j, …) ─► busy_since[j] = 0, ring j ← (n, compute_s, latency_s, t); wake byte ─► pipe
    service     ─ release(j) after replica j died: its slots cleared, ready[j] = 0, wake byte
    batcher     ─ free_replicas(queued) = ready and not busy − batches already queued for them
                ─ waits on its inbox *and* the pipe: a replica that becomes free wakes it at once

Why no lock: every value is one aligned word with a single writer (replica j, or the service once
replica j is dead and before its successor starts), so a stage SIGKILLed at any instruction leaves
nothing held. The wake-up is one byte written with a non-blocking ``os.write`` (atomic for a pipe:
fewer than PIPE_BUF bytes); when the pipe is full the batcher has wake-ups pending anyway, so the
byte is dropped. A reader that missed a byte loses nothing but a wake-up: the state is in the slots.
(Windows has no non-blocking anonymous pipe: there a wake-up is a blocking one-byte message, which
only waits when 65,536 bytes of wake-ups are unread, i.e. while the batcher is being restarted.)

The ring of each replica keeps its last ``RING_BATCHES`` batches for the batcher's service-time fit
(``service_time.ServiceTimeFit``): ``latency_s`` is how long the batch's oldest item had been in the
service (since admission) when the model finished, the quantity the target policy predicts.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from engine.context import SPAWN

RING_BATCHES = 64
_FIELDS = 4  # items, compute_s, latency_s, finished_at (monotonic)


class ReplicaBoard:
    """Shared state of ``replicas`` predictor replicas; picklable at process creation."""

    def __init__(self, replicas: int, ctx: Any = SPAWN) -> None:
        self.replicas = replicas
        self.ready = ctx.RawArray("b", replicas)  # 1 once replica j's model is built
        self._busy_since = ctx.RawArray("d", replicas)  # monotonic start of the batch held, 0 = free
        self._busy_items = ctx.RawArray("q", replicas)
        self._ring = ctx.RawArray("d", replicas * RING_BATCHES * _FIELDS)
        self._written = ctx.RawArray("q", replicas)
        self._wake_reader, self._wake_writer = ctx.Pipe(duplex=False)
        self._nonblocking = False

    # -- the replica's side -----------------------------------------------------------------------------
    def start(self, index: int, items: int, now: float | None = None) -> None:
        self._busy_items[index] = items
        self._busy_since[index] = time.monotonic() if now is None else now

    def finish(self, index: int, items: int, compute_s: float, latency_s: float) -> None:
        """Replica ``index`` is free again; its batch of ``items`` took ``compute_s`` (``items`` 0: every
        item was cancelled, nothing to learn from)."""
        if items > 0:
            ring = np.frombuffer(self._ring, dtype=np.float64).reshape(self.replicas, RING_BATCHES, _FIELDS)
            written = self._written[index]
            ring[index, written % RING_BATCHES] = (items, compute_s, latency_s, time.monotonic())
            self._written[index] = written + 1
        self._busy_since[index] = 0.0
        self._busy_items[index] = 0
        self.wake()

    def release(self, index: int) -> None:
        """The service, after replica ``index`` died: not ready, not busy (the successor rebuilds)."""
        self.ready[index] = 0
        self._busy_since[index] = 0.0
        self._busy_items[index] = 0
        self.wake()

    def wake(self) -> None:
        if sys.platform == "win32":
            self._wake_writer.send_bytes(b"\1")
            return
        fd = self._wake_writer.fileno()
        if not self._nonblocking:
            os.set_blocking(fd, False)
            self._nonblocking = True
        try:
            os.write(fd, b"\1")
        except BlockingIOError:  # full: the batcher has unread wake-ups already
            pass

    # -- the batcher's side -----------------------------------------------------------------------------
    @property
    def wake_handle(self) -> Any:
        """Pass to ``multiprocessing.connection.wait`` next to the inbox."""
        return self._wake_reader

    def clear_wakes(self) -> None:
        while self._wake_reader.poll(0):
            if sys.platform == "win32":
                self._wake_reader.recv_bytes()
            else:
                os.read(self._wake_reader.fileno(), 65536)

    def ready_count(self) -> int:
        return sum(1 for flag in self.ready if flag)

    def free_replicas(self, queued_batches: int) -> int:
        """Replicas that would take a batch now: ready and idle, minus batches already queued."""
        idle = sum(1 for j in range(self.replicas) if self.ready[j] and self._busy_since[j] == 0.0)
        return idle - queued_batches

    def busy(self) -> list[tuple[float, int]]:
        """(started, items) of every replica holding a batch."""
        out = []
        for j in range(self.replicas):
            since = self._busy_since[j]
            if since and self.ready[j]:
                out.append((since, int(self._busy_items[j])))
        return out

    def completed_total(self) -> int:
        """Batches finished so far by every replica (grows by one per ``finish``)."""
        return int(sum(self._written))

    def recent(self) -> Iterator[tuple[float, float, float, float]]:
        """(items, compute_s, latency_s, finished_at) of the batches in the rings (each replica's last
        RING_BATCHES)."""
        ring = np.frombuffer(self._ring, dtype=np.float64).reshape(self.replicas, RING_BATCHES, _FIELDS)
        for j in range(self.replicas):
            written = int(self._written[j])
            for k in range(max(0, written - RING_BATCHES), written):
                items, compute_s, latency_s, finished_at = ring[j, k % RING_BATCHES].tolist()
                yield items, compute_s, latency_s, finished_at
