"""Queue helpers every stage uses: take without holding the queue's lock, hold slots, cancellations.

Why not ``queue.get(timeout=…)``: a ``multiprocessing.Queue`` reader holds the queue's read lock
for the whole wait. A stage SIGKILLed while idle would die holding it, and every later reader
(its own restarted self included) would block forever. ``take`` waits for the pipe to become
readable *without* the lock and then takes one message with ``get_nowait``, so the lock is held
only for the microseconds of one read.

``HoldingSlot``: a stage records, in shared memory that only it writes, the ids of the items it
holds between taking them and handing them on. When it dies the service reads the slot (the writer
is gone, so there is no race) and answers exactly those requests with an error.

``CancelBoard``: a ring of item ids whose clients went away or timed out, written by the ingress
and read by later stages so they skip those items before compute. A reader that falls more than a
ring behind only loses the optimisation (the item is computed and its answer discarded).
``live_items``: what of a message the preprocess workers and the receivers still work on (neither
cancelled nor past its deadline), with what they drop counted by why.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from engine.context import SPAWN, parent_alive
from engine.queues import CountingQueue


def take(q: CountingQueue, timeout: float, also: Sequence[Any] = ()) -> Any | None:
    """One message from ``q``, or None when nothing came within ``timeout`` seconds (or one of the
    connections in ``also`` became readable first: a wake-up)."""
    try:
        return q.get_nowait()
    except queue.Empty:
        pass
    if not q.wait_readable(timeout, also):
        return None
    try:
        return q.get_nowait()
    except queue.Empty:  # another reader of a shared queue was faster
        return None


def inbox_messages(inbox: CountingQueue, reporter: Any, is_end: Any) -> Iterator[Any]:
    """A stage's main loop: messages of ``inbox`` until end-of-stream or the owner is gone.

    While waiting it keeps reporting the inbox depth (so an idle stage still shows up live).
    """
    while True:
        reporter.set_queue(inbox.depth(), inbox.maxsize)
        reporter.tick()
        message = take(inbox, 0.1)
        if message is None:
            if not parent_alive():
                return
            continue
        if is_end(message):
            return
        yield message


def put(q: CountingQueue, message: Any, keep_going: Any, timeout_s: float = 0.2) -> bool:
    """Blocking put (back-pressure) that gives up only when ``keep_going()`` turns False."""
    while True:
        try:
            q.put(message, timeout=timeout_s)
            return True
        except queue.Full:
            if not keep_going():
                return False


class HoldingSlot:
    """Item ids a stage holds right now; written only by that stage, read after it died."""

    def __init__(self, capacity: int, ctx: Any = SPAWN) -> None:
        self.capacity = capacity
        self._array = ctx.RawArray("q", capacity + 1)

    def _view(self) -> np.ndarray:
        return np.frombuffer(self._array, dtype=np.int64)

    def set(self, item_ids: Iterable[int]) -> None:
        ids = np.fromiter(item_ids, dtype=np.int64)[: self.capacity]
        view = self._view()
        view[0] = 0
        view[1 : 1 + len(ids)] = ids
        view[0] = len(ids)

    def clear(self) -> None:
        self._view()[0] = 0

    def read(self) -> list[int]:
        view = self._view()
        count = int(min(max(view[0], 0), self.capacity))
        return view[1 : 1 + count].tolist()


class CancelBoard:
    """A shared ring of cancelled item ids: one writer (the ingress), any number of readers."""

    def __init__(self, capacity: int = 8192, ctx: Any = SPAWN) -> None:
        self.capacity = capacity
        self._ring = ctx.RawArray("q", capacity)
        self._written = ctx.RawValue("q", 0)

    def cancel(self, item_ids: Iterable[int]) -> None:
        ring = np.frombuffer(self._ring, dtype=np.int64)
        written = self._written.value
        for item_id in item_ids:
            ring[written % self.capacity] = item_id
            written += 1
        self._written.value = written

    def reader(self) -> CancelReader:
        return CancelReader(self)


class CancelReader:
    """A stage's view of the board: ``refresh()`` picks up new ids, ``is_cancelled(id)`` asks."""

    def __init__(self, board: CancelBoard, remember: int = 16384) -> None:
        self.board = board
        self.seen = board._written.value
        self.remember = remember
        self._ids: dict[int, None] = {}

    def refresh(self) -> None:
        written = self.board._written.value
        if written == self.seen:
            return
        start = max(self.seen, written - self.board.capacity)
        ring = np.frombuffer(self.board._ring, dtype=np.int64)
        positions = np.arange(start, written) % self.board.capacity
        for item_id in ring[positions].tolist():
            self._ids[item_id] = None
        self.seen = written
        while len(self._ids) > self.remember:
            self._ids.pop(next(iter(self._ids)))

    def is_cancelled(self, item_id: int) -> bool:
        return item_id in self._ids


def live_items(message: Sequence[tuple], cancels: CancelReader, reporter: Any) -> list[tuple]:
    """The items of ``message`` still worth the work: not cancelled (their client went away) and not
    past their deadline (``item[2]``, monotonic). Reports the message in and what it drops, by why
    (``drops_cancelled``, ``drops_expired``; an item both cancelled and expired counts as cancelled)."""
    cancels.refresh()
    now = time.monotonic()
    cancelled = sum(1 for item in message if cancels.is_cancelled(item[0]))
    live = [item for item in message if item[2] > now and not cancels.is_cancelled(item[0])]
    reporter.add(items_in=len(message), drops_cancelled=cancelled, drops_expired=len(message) - len(live) - cancelled)
    return live
