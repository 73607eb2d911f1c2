"""Data reach: before the first task, every worker proves it can read the inputs and write the output.

Workers read inputs and write outputs by path, so a cluster needs a filesystem every host sees under
the same paths (NFS, SMB, a cluster filesystem). When it does not, the tasks would fail one by one
with "file not found" in the middle of a run; this check fails first, once, naming the worker and the
path::

    coordinator ── one probe task per worker (pinned to it) ──► probe_paths(inputs, output_dir)
                                                                  open + read 1 byte of every input
                                                                  create + remove a probe file
    DataReachError("worker tcp://10.0.0.7:40211 cannot read /data/in/a.xlsx: …") ◄── problems

Workers that join after the check are not checked (their tasks fail with the reader's own reason).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from engine.cluster.remote import worker_label
from engine.coded_errors import CodedError, errno_name, inner_error, inner_lines
from engine.context import JobError

#: How long the probe tasks may take (a worker busy with another run's long task delays its probe).
REACH_TIMEOUT_S = 60.0


class DataReachError(JobError, CodedError):
    """A worker cannot read an input or write the output folder; the message names both."""


def probe_paths(read_paths: list[str], write_dir: str | None) -> list[tuple[str, str, str, str]]:
    """(what, path, reason, errno name) for each path this process cannot use; ``what`` is "read" or
    "write", the errno name ("ENOENT") lets a window say the reason in its language."""
    problems: list[tuple[str, str, str, str]] = []
    for path in read_paths:
        try:
            with open(path, "rb") as handle:
                handle.read(1)
        except OSError as exc:
            problems.append(("read", path, exc.strerror or str(exc), errno_name(exc)))
    if write_dir is not None:
        probe = Path(write_dir) / f".mpwatch-probe-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            probe.write_bytes(b"mpwatch")
            probe.unlink()
        except OSError as exc:
            problems.append(("write", str(write_dir), exc.strerror or str(exc), errno_name(exc)))
    return problems


def check_data_reach(
    client: Any,
    read_paths: Iterable[Path | str],
    write_dir: Path | str | None,
    key_prefix: str,
    timeout_s: float = REACH_TIMEOUT_S,
) -> int:
    """Run ``probe_paths`` once on every worker; raise ``DataReachError`` naming each failing
    (worker, path). Returns how many workers were checked."""
    from distributed import as_completed

    reads = [str(p) for p in read_paths]
    out = None if write_dir is None else str(write_dir)
    addresses = sorted(client.scheduler_info()["workers"])
    futures = {
        address: client.submit(
            probe_paths,
            reads,
            out,
            key=f"{key_prefix}-reach-{n}",
            workers=[address],
            allow_other_workers=False,
            pure=False,
        )
        for n, address in enumerate(addresses)
    }
    try:
        for _ in as_completed(list(futures.values()), loop=client.loop, timeout=timeout_s):
            pass
    except TimeoutError:
        late = [a for a, f in futures.items() if not f.done()]
        workers = ", ".join(worker_label(a) for a in late)
        raise DataReachError.coded("reach_timeout", timeout_s=timeout_s, workers=workers) from None
    finally:
        client.cancel([f for f in futures.values() if not f.done()])
    lines: list[tuple[str, dict[str, Any]]] = []
    for address, future in futures.items():
        if future.status != "finished":
            lines.append(("reach_check_failed", {"address": address, **inner_error("reason", future.exception())}))
            continue
        for what, path, cause, errno in future.result():
            code = "reach_cannot_read" if what == "read" else "reach_cannot_write"
            lines.append((code, {"address": address, "path": path, "cause": cause, "errno": errno}))
    if lines:
        shown = lines[:10] + ([("reach_more", {"more": len(lines) - 10})] if len(lines) > 10 else [])
        raise DataReachError.coded("reach_failed", **inner_lines("problems", shown, "\n"))
    return len(addresses)
