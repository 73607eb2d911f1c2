"""Bounded queues whose depth can be read on every platform.

``multiprocessing.Queue.qsize()`` is not implemented on macOS (no sem_getvalue), so a
``CountingQueue`` counts puts and gets in shared memory. The counts are updated after the operation
succeeds, so ``depth`` may be off by the items in flight (it is clamped to 0…maxsize) but never drifts.
Reading the depth takes no lock: a watcher can never be blocked by a process that died mid-update.
"""

from __future__ import annotations

from multiprocessing.connection import wait as wait_any
from typing import Any

from engine.context import SPAWN


class CountingQueue:
    """A bounded ``multiprocessing.Queue`` that knows its depth; picklable at process creation."""

    def __init__(self, maxsize: int, ctx: Any = SPAWN) -> None:
        if maxsize <= 0:
            raise ValueError("a data queue must be bounded (maxsize > 0)")
        self.maxsize = maxsize
        self._q = ctx.Queue(maxsize)
        self._puts = ctx.Value("q", 0, lock=True)
        self._gets = ctx.Value("q", 0, lock=True)

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        self._q.put(item, block, timeout)
        with self._puts.get_lock():
            self._puts.value += 1

    def put_nowait(self, item: Any) -> None:
        self.put(item, block=False)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        item = self._q.get(block, timeout)
        with self._gets.get_lock():
            self._gets.value += 1
        return item

    def get_nowait(self) -> Any:
        return self.get(block=False)

    def wait_readable(self, timeout: float) -> bool:
        """Wait up to ``timeout`` for data without taking the reader lock (a reader killed while
        holding it cannot block this); True when something may be read."""
        return bool(wait_any([self._q._reader], timeout))

    @property
    def puts(self) -> int:
        return self._puts.get_obj().value  # lock-free read of an aligned 64-bit counter

    @property
    def gets(self) -> int:
        return self._gets.get_obj().value

    def depth(self) -> int:
        return min(self.maxsize, max(0, self.puts - self.gets))

    def close(self) -> None:
        self._q.close()

    def join_thread(self) -> None:
        self._q.join_thread()

    def cancel_join_thread(self) -> None:
        self._q.cancel_join_thread()
