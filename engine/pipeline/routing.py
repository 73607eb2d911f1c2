"""The ingress's table of open requests: ids out to the preprocess queues, answers back to their callers.

Data flow::

    handler ─admit(texts)─► one id per text, a Future per id in ``pending``, (id, text, deadline) in ``backlog``
    backlog ─dispatch (lists of up to CHUNK_ITEMS, round-robin; a full queue is skipped)─► preprocess_in[0..n-1]
    results[k] (this ingress's) ─reader thread─► loop.call_soon_threadsafe ─► on_message ─► Future of each id
                                   (an unknown id — timed out, client gone, older run — is ignored)

Everything but the reader thread runs on the event loop's thread, so the table needs no lock.
A request that times out or whose client disconnects is written on the ``CancelBoard`` so later
stages skip it before compute.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from engine.pipeline.config import CHUNK_ITEMS
from engine.pipeline.hops import take
from engine.pipeline.messages import STATUS_STAGE_DIED, is_end
from engine.pipeline.stage import PipelineWiring, first_item_id

#: The longest a request waits in the ingress for others to share its list (see ``schedule_dispatch``).
DISPATCH_COALESCE_S = 0.002
#: Retry period when every preprocess queue was full.
DISPATCH_RETRY_S = 0.002


class RequestRouter:
    """Pending futures and the backlog of one ingress process; see the module docstring."""

    def __init__(
        self,
        wiring: PipelineWiring,
        index: int,
        on_batch: Callable[[str, int], None],
        on_end: Callable[[], None],
        on_dispatched: Callable[[int], None],
    ) -> None:
        self.wiring = wiring
        self.results = wiring.results[index]
        self.on_batch = on_batch
        self.on_end = on_end
        self.on_dispatched = on_dispatched
        self.pending: dict[int, asyncio.Future] = {}
        self.backlog: deque[tuple[int, str, float]] = deque()
        self._admitted: deque[tuple[float, int]] = deque()  # (admitted at, id), oldest first
        self.next_id = first_item_id(index, os.getpid())
        self.next_queue = 0
        self.draining = False
        self._dispatch_scheduled = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reader_stop = threading.Event()

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def admit(self, item_ids: list[int], texts: list[str], deadline: float) -> list[asyncio.Future]:
        """A Future per item, answered when its result comes back; the items go out soon."""
        loop = asyncio.get_running_loop()
        futures = []
        now = time.monotonic()
        for item_id, text in zip(item_ids, texts):
            self._admitted.append((now, item_id))
            future = loop.create_future()
            self.pending[item_id] = future
            futures.append(future)
            self.backlog.append((item_id, text, deadline))
        self.schedule_dispatch()
        return futures

    def oldest_pending_s(self, now: float) -> float:
        """How long the oldest request still waiting for its answer has waited (0 when none)."""
        while self._admitted and self._admitted[0][1] not in self.pending:
            self._admitted.popleft()
        return now - self._admitted[0][0] if self._admitted else 0.0

    def cancel(self, item_ids: list[int]) -> None:
        for item_id in item_ids:
            future = self.pending.pop(item_id, None)
            if future is not None and not future.done():
                future.cancel()
        self.wiring.cancel_board.cancel(item_ids)

    def fail_all(self, status: int, reason: str) -> None:
        """Answer every open request (the ingress is stopping)."""
        for future in self.pending.values():
            if not future.done():
                future.set_result((status, reason))
        self.pending.clear()

    # -- out: backlog → preprocess queues -------------------------------------------------------------
    def schedule_dispatch(self) -> None:
        """Dispatch soon: at once when a full list is waiting, else after DISPATCH_COALESCE_S.

        Waiting a moment lets the requests of the next couple of milliseconds travel in the same
        list: per message, every hop pays a pickle and a pipe write, so lists of one item would
        make the stages spend most of their time on IPC at a few thousand requests per second.
        """
        if not self._dispatch_scheduled:
            self._dispatch_scheduled = True
            loop = asyncio.get_running_loop()
            if len(self.backlog) >= CHUNK_ITEMS or self.draining:
                loop.call_soon(self._dispatch)
            else:
                loop.call_later(DISPATCH_COALESCE_S, self._dispatch)

    def _dispatch(self) -> None:
        """Send the backlog as lists, round-robin; a full queue is skipped, all full → retry soon."""
        self._dispatch_scheduled = False
        queues = self.wiring.preprocess_in
        full_in_a_row = 0
        while self.backlog and full_in_a_row < len(queues):
            count = min(CHUNK_ITEMS, len(self.backlog))
            chunk = [self.backlog.popleft() for _ in range(count)]
            chunk = [item for item in chunk if item[0] in self.pending]  # timed out or client gone
            target = queues[self.next_queue]
            self.next_queue = (self.next_queue + 1) % len(queues)
            if not chunk:
                continue
            try:
                target.put_nowait(chunk)
                full_in_a_row = 0
                self.on_dispatched(len(chunk))
            except Exception:  # queue.Full: that worker is behind, try the next one
                self.backlog.extendleft(reversed(chunk))
                full_in_a_row += 1
        if self.backlog and not self._dispatch_scheduled:
            self._dispatch_scheduled = True
            asyncio.get_running_loop().call_later(DISPATCH_RETRY_S, self._dispatch)

    # -- back: results queue → futures ----------------------------------------------------------------
    def on_message(self, message: Any) -> None:
        """A results-queue message, on the event loop thread."""
        if is_end(message):
            self.on_end()
            return
        kind = message[0]
        if kind == "result":
            _, stage, _batch_id, reason, size, _compute_s, outcomes = message
            if stage.startswith("predictor"):
                self.on_batch(reason, size)
            for item_id, status, payload in outcomes:
                future = self.pending.pop(item_id, None)
                if future is not None and not future.done():
                    future.set_result((status, payload))
        elif kind == "lost":
            _, item_ids, reason = message
            for item_id in item_ids:
                future = self.pending.pop(item_id, None)
                if future is not None and not future.done():
                    future.set_result((STATUS_STAGE_DIED, reason))

    def start_reader(self) -> None:
        self._loop = asyncio.get_running_loop()
        threading.Thread(target=self._read_results, name="results-reader", daemon=True).start()

    def stop_reader(self) -> None:
        self._reader_stop.set()

    def _read_results(self) -> None:
        """Reader thread: results queue → event loop, one call per message (a list of answers)."""
        assert self._loop is not None
        while not self._reader_stop.is_set():
            message = take(self.results, 0.1)
            if message is None:
                continue
            try:
                self._loop.call_soon_threadsafe(self.on_message, message)
            except RuntimeError:  # loop closed
                return
            if is_end(message):
                return
