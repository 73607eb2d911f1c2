"""Bounded tallies of a load run of any length: sampled latencies and recently seen answer ids.

The load generator and the soak benchmark keep them for hours at thousands of answers a second,
so each holds a fixed amount of memory however long the run.
"""

from __future__ import annotations

import random
import time
from collections import deque
from typing import Any

import numpy as np


class Reservoir:
    """A uniform random sample of at most ``capacity`` of the values kept (reservoir sampling), and
    their exact count."""

    def __init__(self, capacity: int = 200_000, seed: int = 0) -> None:
        self.capacity = capacity
        self.values: list[Any] = []
        self.count = 0
        self._rng = random.Random(seed)

    def keep(self, value: Any) -> None:
        self.count += 1
        if len(self.values) < self.capacity:
            self.values.append(value)
        else:
            slot = self._rng.randrange(self.count)
            if slot < self.capacity:
                self.values[slot] = value


class LatencySample(Reservoir):
    """Latencies of a run of any length in bounded memory: a sample of at most ``capacity`` values,
    plus the exact count and maximum. Percentiles of 200,000 sampled values are within a fraction
    of a percentile of the exact ones."""

    def __init__(self, capacity: int = 200_000, seed: int = 0) -> None:
        super().__init__(capacity, seed)
        self.max = 0.0

    def add(self, value: float) -> None:
        self.max = max(self.max, value)
        self.keep(value)

    def percentiles(self, *qs: float) -> list[float]:
        if not self.values:
            return [0.0] * len(qs)
        return [float(v) for v in np.percentile(self.values, qs)]


class RecentIds:
    """Answer ids seen in the last ``window_s`` seconds, to count an id answered twice. A duplicate
    can only come while its request could still be answered, so older ids are forgotten: memory
    stays bounded however long the generator runs."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._ids: set[int] = set()
        self._order: deque[tuple[float, int]] = deque()

    def seen_before(self, answer_id: int) -> bool:
        """True when ``answer_id`` was already seen (recently); remembers it either way."""
        now = time.monotonic()
        while self._order and now - self._order[0][0] > self.window_s:
            self._ids.discard(self._order.popleft()[1])
        if answer_id in self._ids:
            return True
        self._ids.add(answer_id)
        self._order.append((now, answer_id))
        return False

    def __len__(self) -> int:
        return len(self._ids)


#: The parts of an accepted request's time, in order (``TimingSample``).
TIMING_PARTS = ("send lag", "wait before read", "inside service", "way back")


class TimingSample(Reservoir):
    """Where an accepted request's time went, in bounded memory: a sample of rows (client latency,
    each of ``TIMING_PARTS``) in ms. The parts come from the answer's ``read_at`` and ``answered_at``
    (the service's CLOCK_MONOTONIC, which a client on the same Linux host shares): the generator's own
    lag (due → written), written → first byte read (kernel and ingress loop), read → answer made, and
    answer made → last byte received (the ingress's write, the kernel, the client's loop)."""

    def add(self, due: float, sent: float, read: float, answered: float, received: float) -> None:
        """One accepted request's moments, in seconds on ``time.monotonic()``."""
        row = ((received - sent) * 1e3, (sent - due) * 1e3, (read - sent) * 1e3, (answered - read) * 1e3)
        self.keep(row + ((received - answered) * 1e3,))

    def parts(self) -> tuple[tuple[str, float, float, float], ...]:
        """Per part: (name, p50, p99, its mean over the slowest 1 % of requests by client latency)."""
        if not self.values:
            return ()
        table = np.asarray(self.values)
        slowest = table[table[:, 0] >= np.percentile(table[:, 0], 99)]
        return tuple(
            (
                name,
                float(np.percentile(table[:, k], 50)),
                float(np.percentile(table[:, k], 99)),
                float(slowest[:, k].mean()),
            )
            for k, name in enumerate(TIMING_PARTS, start=1)
        )
