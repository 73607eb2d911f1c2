"""A full or unwritable output folder, named: the one error that stops a job at once.

A bad input fails its own file and the run goes on; a disk that refuses writes would fail every
file after it, each with a confusing message. So every write into the output folder goes through
``writing_into(path)``, which turns an ``OSError`` that concerns the whole folder (``DISK_ERRNOS``:
full, over quota, read-only, no permission, I/O error) into a ``DiskFault`` naming the path and
the cause. Other errors (a folder in the way of one output, a name too long) stay that one task's
failure. It crosses the process boundary by its class name
(``TaskResult.error_type == DiskFault.__name__``); the coordinator then stops the run, marks its
report "failed" with that message and the CLI exits 1.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from engine.coded_errors import CodedError
from engine.context import JobError

#: Errors that no later write into the same folder would escape.
DISK_ERRNOS = frozenset(
    getattr(errno, name)
    for name in ("ENOSPC", "EDQUOT", "EFBIG", "EROFS", "EACCES", "EPERM", "EIO", "ENODEV", "ENXIO")
    if hasattr(errno, name)
)


class DiskFault(JobError, CodedError):
    """Writing into the output folder failed; the message names the folder, the file and the cause
    (and, raised by ``writing_into``, as code ``disk_fault`` with params target, cause, errno)."""


def describe_os_error(exc: OSError) -> str:
    """'No space left on device (ENOSPC)': the cause as a person reads it, with its errno name."""
    name = errno.errorcode.get(exc.errno or 0, "")
    cause = os.strerror(exc.errno) if name else exc.strerror or str(exc)  # pyarrow's strerror is long
    return f"{cause} ({name})" if name else cause


def disk_fault(target: Path | str, exc: OSError) -> DiskFault:
    """'cannot write OUT/clean_00015-00019.xlsx: No space left on device (ENOSPC)'; for a folder,
    the file the error names when it names one."""
    if exc.filename and Path(target).is_dir():
        target = os.fsdecode(exc.filename)
    errno_name = errno.errorcode.get(exc.errno or 0, "")
    return DiskFault.coded("disk_fault", target=str(target), cause=describe_os_error(exc), errno=errno_name)


@contextmanager
def writing_into(target: Path | str) -> Iterator[None]:
    """Run a block that writes ``target`` (a file or a folder of the output); an ``OSError`` in
    ``DISK_ERRNOS`` leaves it as a ``DiskFault`` naming ``target``, any other as itself."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in DISK_ERRNOS:
            raise
        raise disk_fault(target, exc) from exc


def fsync_path(path: Path | str) -> None:
    """Flush ``path`` (a file or a folder) to the disk: what a report claims survives a power cut."""
    flags = (os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)) if Path(path).is_dir() else os.O_RDONLY
    try:
        fd = os.open(path, flags)
    except OSError:
        return  # Windows cannot open a folder: its renames are durable enough for us
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
