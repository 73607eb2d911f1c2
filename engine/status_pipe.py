"""Status over a process's own pipe, relayed by its owner: a killed process cannot wedge anyone else.

Why not write every process's status straight into one shared ``multiprocessing.Queue``? Its
writers share one lock, held while a message goes into the pipe (and for as long as that blocks when
the reader is behind). A process SIGKILLed at that moment keeps the lock forever and every other
writer blocks: status stops, and processes hang at exit. A pipe of its own per process has no shared
lock; a half-written message from a dead process reads as end-of-file on the owner's side.

Data flow::

    child: StatusSink(PipeStatusWriter(conn)) ──own pipe──► owner: StatusRelay(conn, sink).read()
           (and, on the same pipe, its results:                 ├─► status messages → the job's status queue
            a pool's _ResultItem, WriterDone…)                  └─► anything else: returned to the owner

``StatusRelay`` is the one relay of the engine: the pool (results and status share a worker's
pipe), the Supervisor (``relay_status=True``) and the mmi writer's handle all read their pipes
through it.

``PipeStatusWriter`` is queue-like (``put_nowait``/``put``) so a ``StatusSink`` uses it unchanged:
a snapshot is dropped when the pipe has no room (cumulative, nothing is lost), an event waits for
room up to its timeout.
"""

from __future__ import annotations

import queue
import select
import time
from typing import Any

from engine.status import Snapshot, StatusSink, WorkersReport


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
    """True for anything of the status protocol (as opposed to a result on the same pipe)."""
    return type(message).__module__ == "engine.status"


def forward(message: Any, sink: StatusSink) -> None:
    """Pass one relayed message on: snapshot-like ones may be dropped, events are delivered."""
    if isinstance(message, (Snapshot, WorkersReport)):
        sink.send_snapshot(message)
    else:
        sink.send_event(message)


class StatusRelay:
    """The owner's end of one child's pipe: forwards its status, hands back everything else.

    ``read`` forwards status messages to ``sink`` until the pipe holds nothing more (or
    ``max_messages`` were read, so a chatty child cannot starve its owner) and returns the first
    message that is not status, or None. ``closed`` turns True once the child's end is closed or
    the child died mid-message (end-of-file); nothing is read after that.
    """

    def __init__(self, conn: Any, sink: StatusSink) -> None:
        self.conn = conn
        self.sink = sink
        self.closed = False
        #: Messages read so far (a child that said nothing yet is still starting).
        self.received = 0

    def read(self, max_messages: int = 1000) -> Any:
        if self.closed:
            return None
        try:
            for _ in range(max_messages):
                if not self.conn.poll(0):
                    return None
                message = self.conn.recv()
                self.received += 1
                if not is_status_message(message):
                    return message
                forward(message, self.sink)
        except (EOFError, OSError):
            self.closed = True
        return None

    def drain(self) -> list[Any]:
        """Read all there is now; returns the non-status messages in arrival order."""
        others = []
        while not self.closed:
            message = self.read()
            if message is None:
                break
            others.append(message)
        return others

    def close(self) -> None:
        self.conn.close()
        self.closed = True
