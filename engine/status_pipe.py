"""Status over a process's own pipe, relayed by its owner: a killed process cannot wedge anyone else.

Why not write every process's status straight into one shared ``multiprocessing.Queue``? Its
writers share one lock, held while a message goes into the pipe (and for as long as that blocks when
the reader is behind). A process SIGKILLed at that moment keeps the lock forever and every other
writer blocks: status stops, and processes hang at exit. A pipe of its own per process has no shared
lock; a half-written message from a dead process reads as end-of-file on the owner's side.

Data flow::

    child: StatusSink(PipeStatusWriter(conn)) ──own pipe──► owner: relay_available(conn, sink)
                                                                    └─► the job's status queue

``PipeStatusWriter`` is queue-like (``put_nowait``/``put``) so a ``StatusSink`` uses it unchanged:
a snapshot is dropped when the pipe has no room (cumulative, nothing is lost), an event waits for
room up to its timeout.
"""

from __future__ import annotations

import queue
import select
import time
from typing import Any

from engine.status import Snapshot, StatusSink


class PipeStatusWriter:
    """The child's end: queue-like writes into a ``multiprocessing.connection.Connection``."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def _writable(self, timeout: float) -> bool:
        try:
            _, ready, _ = select.select([], [self.conn.fileno()], [], timeout)
        except (OSError, ValueError):
            return False
        return bool(ready)

    def put_nowait(self, item: Any) -> None:
        if not self._writable(0.0):
            raise queue.Full
        self.conn.send(item)

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if not block:
            return self.put_nowait(item)
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._writable(0.1):
            if deadline is not None and time.monotonic() >= deadline:
                raise queue.Full
        self.conn.send(item)

    def close(self) -> None:
        """Nothing to flush: every write is synchronous."""

    def join_thread(self) -> None:
        """Nothing to join: there is no feeder thread."""


def is_status_message(message: Any) -> bool:
    """True for anything of the status protocol (as opposed to a pool result on the same pipe)."""
    return type(message).__module__ == "engine.status"


def forward(message: Any, sink: StatusSink) -> None:
    """Pass one relayed message on: snapshots may be dropped, events are delivered."""
    if isinstance(message, Snapshot):
        sink.send_snapshot(message)
    else:
        sink.send_event(message)


def relay_available(conn: Any, sink: StatusSink, max_messages: int = 1000) -> bool:
    """Forward what ``conn`` holds right now; returns False once the writer end is closed (or died)."""
    try:
        for _ in range(max_messages):
            if not conn.poll(0):
                return True
            forward(conn.recv(), sink)
    except (EOFError, OSError):
        return False
    return True
