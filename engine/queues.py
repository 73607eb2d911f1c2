"""Bounded queues whose depth can be read on every platform.

``multiprocessing.Queue.qsize()`` is not implemented on macOS (no sem_getvalue), so a
``CountingQueue`` counts puts and gets in shared memory. The counts are updated after the operation
succeeds, so ``depth`` may be off by the items in flight (it is clamped to 0…maxsize) but never drifts.
Reading the depth takes no lock: a watcher can never be blocked by a process that died mid-update.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
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
        # Plain locks, not the default RLock: only a plain lock can be released by another process
        # (release_orphaned_locks); the counters never take them recursively.
        self._puts = ctx.Value("q", 0, lock=ctx.Lock())
        self._gets = ctx.Value("q", 0, lock=ctx.Lock())

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        self._q.put(item, block, timeout)
        with self._puts.get_lock():
            self._puts.get_obj().value += 1

    def put_nowait(self, item: Any) -> None:
        self.put(item, block=False)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        item = self._q.get(block, timeout)
        with self._gets.get_lock():
            self._gets.get_obj().value += 1
        return item

    def get_nowait(self) -> Any:
        return self.get(block=False)

    def wait_readable(self, timeout: float, also: Sequence[Any] = ()) -> bool:
        """Wait up to ``timeout`` for data without taking the reader lock (a reader killed while
        holding it cannot block this); True when something may be read. ``also``: more connections
        whose readiness ends the wait early (a wake-up pipe), without making this return True."""
        return self._q._reader in wait_any([self._q._reader, *also], timeout)

    @property
    def puts(self) -> int:
        return self._puts.get_obj().value  # lock-free read of an aligned 64-bit counter

    @property
    def gets(self) -> int:
        return self._gets.get_obj().value

    def depth(self) -> int:
        return min(self.maxsize, max(0, self.puts - self.gets))

    def release_orphaned_locks(self, reader: bool, writer: bool, wait_s: float = 0.2) -> list[str]:
        """Free the locks of this queue that a process killed by a signal may have died holding;
        returns the names of the locks freed.

        Call it, from the process that owns the queues, after a process that read (``reader``) or
        wrote (``writer``) this queue died. ``multiprocessing.Queue`` has a reader lock and a writer
        lock (taken by each writer's feeder thread around a pipe write); the counters have one lock
        each. A live process holds any of them for microseconds (none waits on a queue while holding
        one), except a writer whose pipe is full. So a lock still taken after ``wait_s`` while the
        pipe holds nothing belongs to the dead process: left alone, every other reader or writer
        of this queue, and the dead one's restarted successor, would block on it forever.
        """
        candidates: list[tuple[str, Any]] = []
        if reader:
            candidates += [("reader lock", self._q._rlock), ("get counter lock", self._gets.get_lock())]
        if writer:
            candidates += [("writer lock", self._q._wlock), ("put counter lock", self._puts.get_lock())]
        freed: list[str] = []
        for name, lock in candidates:
            if lock is None or _free_within(lock, wait_s):
                continue
            if name == "writer lock" and self._q._reader.poll(0):
                continue  # data in the pipe: a live writer may be waiting for room, not an orphan
            lock.release()
            freed.append(name)
        return freed

    def close(self) -> None:
        self._q.close()

    def join_thread(self) -> None:
        self._q.join_thread()

    def cancel_join_thread(self) -> None:
        self._q.cancel_join_thread()


def _free_within(lock: Any, wait_s: float) -> bool:
    """True when ``lock`` can be taken (and is given back) within ``wait_s``."""
    deadline = time.monotonic() + wait_s
    while True:
        if lock.acquire(False):
            lock.release()
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.002)
