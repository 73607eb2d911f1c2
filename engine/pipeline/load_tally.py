"""Bounded tallies of a load run of any length: sampled latencies and recently seen answer ids.

The load generator and the soak benchmark keep them for hours at thousands of answers a second,
so each holds a fixed amount of memory however long the run.
"""

from __future__ import annotations

import random
import time
from collections import deque

import numpy as np


class LatencySample:
    """Latencies of a run of any length in bounded memory: a uniform random sample of at most
    ``capacity`` values (reservoir sampling), plus the exact count and maximum. Percentiles of
    200,000 sampled values are within a fraction of a percentile of the exact ones."""

    def __init__(self, capacity: int = 200_000, seed: int = 0) -> None:
        self.capacity = capacity
        self.values: list[float] = []
        self.count = 0
        self.max = 0.0
        self._rng = random.Random(seed)

    def add(self, value: float) -> None:
        self.count += 1
        self.max = max(self.max, value)
        if len(self.values) < self.capacity:
            self.values.append(value)
        else:
            slot = self._rng.randrange(self.count)
            if slot < self.capacity:
                self.values[slot] = value

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
