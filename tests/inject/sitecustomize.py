"""Test-only fault injection: a disk that fills up under one output file, in every process of a run.

Python imports ``sitecustomize`` at start-up from the path, so a test that puts this folder first on
``PYTHONPATH`` reaches the CLI's process, the job's coordinator and every spawned pool worker (spawn
children inherit the environment) without a line of test code in the engine.

``MPWATCH_TEST_FULL_DISK=NAME``: a file opened for writing whose name contains NAME accepts
``MPWATCH_TEST_FULL_DISK_AFTER_BYTES`` bytes (default 4096), then every ``write`` raises
``OSError(ENOSPC)``, as a full filesystem does. Nothing happens without the variable.
"""

from __future__ import annotations

import builtins
import errno
import os

_MARK = os.environ.get("MPWATCH_TEST_FULL_DISK", "")
_ROOM_BYTES = int(os.environ.get("MPWATCH_TEST_FULL_DISK_AFTER_BYTES", "4096"))


class _FillingFile:
    """A file object whose ``write`` fails with ENOSPC once ``_ROOM_BYTES`` have been written."""

    def __init__(self, handle, name: str) -> None:
        self._handle = handle
        self._name = name
        self._written = 0

    def write(self, data) -> int:
        self._written += len(data)
        if self._written > _ROOM_BYTES:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self._name)
        return self._handle.write(data)

    def __getattr__(self, name: str):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._handle.close()


if _MARK:
    _real_open = builtins.open

    def _open(file, mode="r", *args, **kwargs):
        handle = _real_open(file, mode, *args, **kwargs)
        name = os.fsdecode(file) if isinstance(file, (str, bytes, os.PathLike)) else ""
        if _MARK in name and any(flag in mode for flag in "wax"):
            return _FillingFile(handle, name)
        return handle

    builtins.open = _open
