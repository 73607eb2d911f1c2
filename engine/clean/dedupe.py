"""Run-wide duplicate detection on 64-bit row hashes, in the coordinator, without holding rows.

Costs 8 bytes per kept row of the run (not the rows themselves). Hashes are kept as a few sorted
numpy chunks (merged when there are too many), so checking a part of n rows costs
O(n log N) instead of rebuilding one sorted array per part.
"""

from __future__ import annotations

import numpy as np

_MAX_CHUNKS = 8


class SeenHashes:
    """The hashes of every row kept so far in the run."""

    def __init__(self) -> None:
        self._chunks: list[np.ndarray] = []

    def __len__(self) -> int:
        return sum(len(c) for c in self._chunks)

    def _contains(self, hashes: np.ndarray) -> np.ndarray:
        found = np.zeros(len(hashes), dtype=bool)
        for chunk in self._chunks:
            pos = np.searchsorted(chunk, hashes)
            pos[pos == len(chunk)] = 0
            found |= chunk[pos] == hashes
        return found

    def add(self, hashes: np.ndarray) -> None:
        """Remember ``hashes`` as kept (e.g. a resumed segment's)."""
        if len(hashes):
            self._chunks.append(np.unique(np.asarray(hashes, dtype=np.uint64)))
            if len(self._chunks) > _MAX_CHUNKS:
                self._chunks = [np.unique(np.concatenate(self._chunks))]

    def take_new(self, hashes: np.ndarray) -> np.ndarray:
        """Positions in ``hashes`` that repeat an earlier row (seen before, or earlier in ``hashes``);
        the first occurrence of each new hash is remembered as kept."""
        hashes = np.asarray(hashes, dtype=np.uint64)
        repeated = self._contains(hashes)
        _, first = np.unique(hashes, return_index=True)
        within = np.ones(len(hashes), dtype=bool)
        within[first] = False
        repeated |= within
        self.add(hashes[~repeated])
        return np.flatnonzero(repeated)

    def to_array(self) -> np.ndarray:
        return np.unique(np.concatenate(self._chunks)) if self._chunks else np.zeros(0, np.uint64)
