"""Empty a job's status queue on a thread while the job runs in this process.

A benchmark that calls a job function directly stands where the window or the CLI would: someone
must read the run's bounded status queue, or the workers' reports pile up against its bound. The
messages are counted and dropped; what is still queued when the job returns is read before the
thread ends.
"""

from __future__ import annotations

import queue
import threading
from types import TracebackType
from typing import Any

#: How long one read waits before it looks whether the job has returned.
POLL_S = 0.05


class StatusDrain:
    """``with StatusDrain(status_queue) as drain: run the job`` — then ``drain.seen`` messages were read."""

    def __init__(self, status_queue: Any) -> None:
        self.status_queue = status_queue
        self.seen = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._drain, name="status-drain", daemon=True)

    def __enter__(self) -> StatusDrain:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._done.set()
        self._thread.join(timeout=10)

    def _drain(self) -> None:
        while not self._done.is_set() or not self.status_queue.empty():
            try:
                self.status_queue.get(timeout=POLL_S)
                self.seen += 1
            except queue.Empty:
                pass
