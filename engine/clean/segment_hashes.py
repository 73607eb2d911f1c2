"""The row hashes of each written segment, kept beside the outputs for ``--resume``.

Run-wide dedupe (``SeenHashes``) needs the hashes of every row already written. A resumed run
adopts the segments an earlier run wrote; it reads their hashes from here (8 bytes a row, one
``.npy`` a segment) instead of reading the segments again. A segment whose hashes are missing or
unreadable cannot be deduped against, so the caller writes that segment again.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from engine.atomic import atomic_path, remove_stale_parts
from engine.disk_fault import writing_into

HASHES_DIR = ".mpwatch-clean-hashes"


class SegmentHashes:
    """One ``segment_NNNNN.npy`` per written segment in ``out_dir / HASHES_DIR``."""

    def __init__(self, out_dir: Path) -> None:
        self.folder = out_dir / HASHES_DIR

    def path(self, segment: int) -> Path:
        return self.folder / f"segment_{segment:05d}.npy"

    def load(self, segment: int) -> np.ndarray | None:
        """The segment's hashes, or None when they are missing or unreadable."""
        try:
            return np.load(self.path(segment))
        except (OSError, ValueError):
            return None

    def save(self, segment: int, hashes: np.ndarray) -> None:
        """Written under a temporary name and renamed: a crash never leaves half a file here."""
        with writing_into(self.path(segment)), atomic_path(self.path(segment)) as tmp:
            with open(tmp, "wb") as handle:
                np.save(handle, hashes)

    def forget(self, segment: int) -> None:
        self.path(segment).unlink(missing_ok=True)

    def remove_all(self) -> None:
        """A run without run-wide dedupe keeps none (an earlier run's would be stale next time)."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def remove_temporaries(self) -> None:
        if self.folder.is_dir():
            remove_stale_parts(self.folder)
