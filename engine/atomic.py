"""Write-then-rename: a file appears under its final name only when it is complete.

A reader (a person, the next job, a resumed run) never sees half a file: a crash, a kill or Stop
leaves at most a hidden ``.NAME.part-PID`` behind, which ``remove_stale_parts`` clears.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from engine.disk_fault import fsync_path

PART_MARK = ".part-"


def temp_path_for(final: Path) -> Path:
    """The temporary name ``final`` is written under (same folder, so the rename is atomic)."""
    final = Path(final)
    return final.with_name(f".{final.name}{PART_MARK}{os.getpid()}")


@contextmanager
def atomic_path(final: Path | str, durable: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write; on success it is renamed to ``final``, on error removed.

    ``durable``: the file is flushed to the disk before the rename and the folder after it, so the
    new content (not an empty file) is what a power cut leaves.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(final)
    try:
        yield tmp
        if durable:
            fsync_path(tmp)
        os.replace(tmp, final)
        if durable:
            fsync_path(final.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_stale_parts(folder: Path | str) -> int:
    """Delete temporary files an interrupted run left in ``folder``; returns how many."""
    removed = 0
    for path in Path(folder).glob(f".*{PART_MARK}*"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def check_writable_dir(folder: Path | str) -> Path:
    """Create ``folder`` if needed and prove it is writable; raises ValueError with the reason."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".mpwatch-write-test-"):
            pass
    except OSError as exc:
        raise ValueError(f"output folder {folder} is not writable: {exc.strerror or exc}") from exc
    return folder
